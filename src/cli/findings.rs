//! `currents findings`: docs/findings.md from a sweep summary CSV.

use std::fs::File;
use std::path::PathBuf;

use crate::v1::findings::{read_summary, render};
use clap::Args;

use super::{check_out_path, usage_error, write_output};

#[derive(Args, Debug)]
pub(crate) struct FindingsArgs {
    /// The summary CSV written by `currents sweep --config examples/questions.toml`
    #[arg(long, value_name = "FILE.csv")]
    summary: PathBuf,
    /// Markdown output; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH")]
    out: Option<String>,
    /// The command to name at the top of the report as the way to regenerate it
    #[arg(long, value_name = "TEXT", default_value = "scripts/findings.sh")]
    command: String,
}

/// Runs `currents findings`.
pub(crate) fn run(args: FindingsArgs, tool: &super::Tool) -> i32 {
    let out = args.out.unwrap_or_else(|| "-".to_owned());
    if let Err(msg) = check_out_path(&out) {
        return usage_error(msg);
    }
    let rows = match File::open(&args.summary).and_then(read_summary) {
        Ok(r) => r,
        Err(e) => {
            return usage_error(format_args!(
                "invalid value for `summary`: {:?} ({e})",
                args.summary.display().to_string()
            ));
        }
    };
    let text = render(&rows, &args.command, &tool.v1_registry());
    match write_output(&out, |w| w.write_all(text.as_bytes())) {
        Ok(()) => 0,
        Err(e) => super::io_failure(&e),
    }
}
