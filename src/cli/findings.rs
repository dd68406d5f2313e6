//! `currents findings`: the report of a sweep, rendered from its summary CSV by the report
//! its model registered with the workbench (V1's: docs/findings.md, the notebook's
//! questions).

use std::path::PathBuf;

use crate::sweep::read_summary;
use clap::Args;

use super::{FlagPath, check_out_path, check_paths, usage_error, write_output};

#[derive(Args, Debug)]
pub(crate) struct FindingsArgs {
    /// The summary CSV written by `currents sweep` (for V1's report: `--config
    /// examples/questions.toml`)
    #[arg(long, value_name = "FILE.csv")]
    summary: PathBuf,
    /// Markdown output; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH")]
    out: Option<String>,
    /// The command to name at the top of the report as the way to regenerate it
    #[arg(long, value_name = "TEXT", default_value = "scripts/findings.sh")]
    command: String,
}

/// Runs `currents findings`: reads the summary, finds its model (its `model` column, else
/// the workbench's first model) and renders that model's report of a sweep.
pub(crate) fn run(args: FindingsArgs, tool: &super::Tool) -> i32 {
    let out = args.out.unwrap_or_else(|| "-".to_owned());
    if let Err(msg) = check_out_path(&out) {
        return usage_error(msg);
    }
    if let Err(clash) = check_paths(
        &[FlagPath::file("--summary", &args.summary)],
        &[FlagPath::file("--out", &out)],
    ) {
        return usage_error(clash);
    }
    let shown = args.summary.display().to_string();
    let refuse = |why: &dyn std::fmt::Display| {
        usage_error(format_args!(
            "invalid value for `summary`: {shown:?} ({why})"
        ))
    };
    let text = match std::fs::read_to_string(&args.summary) {
        Ok(t) => t,
        Err(e) => return refuse(&e),
    };
    let rows = match read_summary(text.as_bytes()) {
        Ok(r) => r,
        Err(e) => return refuse(&e),
    };
    let model = match rows[0].text("model") {
        "" => tool.bench.find(None).map_or("", |m| m.name()),
        named => named,
    };
    let text = match tool.bench.render_sweep_report(model, &text, &args.command) {
        Some(Ok(t)) => t,
        Some(Err(why)) => return refuse(&why),
        None => {
            let with = tool.bench.sweep_report_models();
            let accepted = if with.is_empty() {
                "none: no model of this tool registers a report".to_owned()
            } else {
                format!("a sweep of {}", with.join(" or "))
            };
            return refuse(&format_args!(
                "a sweep of model {:?}, which registers no report of a sweep; accepted: {accepted}",
                crate::params::short_text(model)
            ));
        }
    };
    match write_output(&out, |w| w.write_all(text.as_bytes())) {
        Ok(()) => 0,
        Err(e) => super::io_failure(&e),
    }
}
