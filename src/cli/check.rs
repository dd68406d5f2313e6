//! `currents check`: the invariant catalog over seeded runs, a parameter grid, a shrinking
//! tape search and rule probes; exit 0 when every required invariant holds and every goal
//! is reached, 1 otherwise, 2 on bad input.

use crate::draws::NUMPY_SEED_MAX;
use crate::harness::{
    CHECK_RUNS_MAX, CHECK_STEPS_MAX, HarnessConfig, HarnessReport, TAPE_CASES_MAX,
};
use crate::params::ParamError;

use clap::Args;

use super::args::{model_of, whole};
use super::{EXIT_FAILURE, usage_error};

fn format(s: &str) -> Result<Format, String> {
    match s.trim() {
        "table" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        _ => Err("accepted: table or json".to_owned()),
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// The policy to check, any rule `policies` lists [default: the first, currents-v1]
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
    /// The model the policy runs on [default: the first model that has the policy]
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// Runs per parameter set and generator
    #[arg(long, value_name = "N", value_parser = whole(1, CHECK_RUNS_MAX), default_value = "10")]
    runs: u64,
    /// Steps per run
    #[arg(long, value_name = "T", value_parser = whole(1, CHECK_STEPS_MAX), default_value = "365")]
    steps: u64,
    /// Seed of the runs (as `simulate --seed`) and of the tape search; the runs include
    /// numpy's, so seed + runs - 1 must fit its 32-bit seed
    #[arg(long, value_name = "S", value_parser = whole(0, NUMPY_SEED_MAX), default_value = "0")]
    seed: u64,
    /// Tape cases in the shrinking search; 0 skips it
    #[arg(long, value_name = "N", value_parser = whole(0, TAPE_CASES_MAX as u64), default_value = "256")]
    cases: u64,
    /// Output format: table or json
    #[arg(long, value_name = "table|json", value_parser = format, default_value = "table")]
    format: Format,
}

/// Runs `currents check`.
pub(crate) fn run(args: CheckArgs, tool: &super::Tool) -> i32 {
    let config = HarnessConfig {
        n_runs: args.runs,
        n_steps: args.steps,
        seed: args.seed,
        tape_cases: u32::try_from(args.cases).unwrap_or(TAPE_CASES_MAX),
        ..HarnessConfig::default()
    };
    let report = match check_policy(tool, args.model.as_deref(), args.policy.as_deref(), config) {
        Ok(r) => r,
        // A setting refused with the others (numpy's seed with the runs) names its flag.
        Err(e) => {
            let e = ["seed", "runs", "steps", "cases"]
                .iter()
                .fold(e, |e, k| e.renamed(k, &format!("--{k}")));
            return usage_error(e);
        }
    };
    let text = match args.format {
        Format::Table => report.to_table(),
        Format::Json => format!("{:#}\n", report.to_json()),
    };
    if let Err(e) = super::write_output("-", |w| w.write_all(text.as_bytes())) {
        return super::io_failure(&e);
    }
    if report.passed() { 0 } else { EXIT_FAILURE }
}

/// Checks rule `policy` (the model's first when `None`) at its defaults on `model` (see
/// [`model_of`]) under `config`, its replay commands starting with the tool's program:
/// what `currents check` prints, and the invariant section of `currents report --check`
/// and `simulate --plot`.
pub(crate) fn check_policy(
    tool: &super::Tool,
    model: Option<&str>,
    policy: Option<&str>,
    config: HarnessConfig,
) -> Result<HarnessReport, ParamError> {
    let on = model_of(&tool.bench, model, policy)?;
    let config = HarnessConfig {
        bin: tool.bin.clone(),
        ..config
    };
    let rule = crate::spec::Spec {
        rule: policy.map(str::to_owned),
        ..crate::spec::Spec::default()
    };
    on.check(&rule, &config)
}
