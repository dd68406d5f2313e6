//! `currents scenario`: a scenario file run and its report written — the text its snapshot
//! holds ([`crate::scenario::render`]) — so that a scenario of any model runs from the
//! command line exactly as its test runs it.
//!
//! The header names the file as it was given: run from the crate root,
//! `currents scenario tests/scenarios/X.toml` prints the snapshot of `X.toml` byte for byte
//! (after insta's metadata block).

use std::fs;
use std::path::PathBuf;

use crate::params::ParamError;
use crate::scenario::{Scenario, ScenarioError, render};
use clap::Args;

use super::{
    EXIT_FAILURE, FlagPath, Outputs, check_out_path, check_paths, io_failure, usage_error,
};

#[derive(Args, Debug)]
pub(crate) struct ScenarioArgs {
    /// The scenario file: a spec (model, rule, user, rng, seed, runs, steps, `[params]`)
    /// plus `description` (see tests/scenarios/)
    #[arg(value_name = "FILE.toml")]
    file: PathBuf,
    /// Output path for the report; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH")]
    out: Option<String>,
}

/// Runs `currents scenario`: exit 2 on a bad file or path (one line naming field, value
/// and what is accepted, nothing written), 1 when a run fails or the report cannot be
/// written.
pub(crate) fn run(args: ScenarioArgs, tool: &super::Tool) -> i32 {
    let out = args.out.unwrap_or_else(|| "-".to_owned());
    if let Err(msg) = check_out_path(&out) {
        return usage_error(msg);
    }
    let shown = args.file.display().to_string();
    if let Err(clash) = check_paths(
        &[FlagPath::file("FILE", &args.file)],
        &[FlagPath::file("--out", &out)],
    ) {
        return usage_error(clash);
    }
    let text = match fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            return usage_error(ParamError::new(
                "FILE.toml",
                format!("{shown:?}"),
                format!("a readable scenario file in TOML; {e}"),
            ));
        }
    };
    let scenario = match Scenario::from_toml_str(&text, &tool.bench) {
        Ok(s) => s,
        Err(ScenarioError::Spec(e)) => {
            let e = super::simulate::with_params_hint(e, &tool.bench);
            return usage_error(format_args!("{shown}: {e}"));
        }
        Err(e) => return usage_error(format_args!("{shown}: {e}")),
    };
    // The target is reserved before the runs, so that one that cannot be written is found
    // first; nothing is published unless the whole report was written.
    let mut outputs = Outputs::new();
    if let Err(e) = outputs.reserve(&out) {
        return io_failure(&e);
    }
    let report = match render(&scenario, &shown) {
        Ok(r) => r,
        Err(e) => {
            super::stderr_line(format_args!("error: {shown}: {e}"));
            return EXIT_FAILURE;
        }
    };
    match outputs
        .stage(&out, |w| w.write_all(report.as_bytes()))
        .and_then(|()| outputs.commit())
    {
        Ok(()) => 0,
        Err(e) => io_failure(&e),
    }
}
