//! `currents check`: the invariant catalog over seeded runs, a parameter grid, a shrinking
//! tape search and rule probes; exit 0 when every required invariant holds and every goal
//! is reached, 1 otherwise, 2 on bad input.

use clap::Args;
use currents::harness::{
    CHECK_RUNS_MAX, CHECK_STEPS_MAX, HarnessConfig, HarnessReport, Policy, TAPE_CASES_MAX,
    V1NoFallback, V1Strict, check_rule,
};
use currents::{CreditRule, V1Rule};

use super::simulate::whole;
use super::{EXIT_FAILURE, usage_error};

pub(crate) fn policy(s: &str) -> Result<Policy, String> {
    Policy::from_name(s.trim()).ok_or_else(|| format!("accepted: {}", Policy::names()))
}

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
    /// The policy to check: currents-v1, v1-strict, v1-no-fallback [default: currents-v1]
    #[arg(long, value_name = "NAME", value_parser = policy, default_value = "currents-v1")]
    policy: Policy,
    /// Runs per parameter set and generator [default: 10]
    #[arg(long, value_name = "N", value_parser = whole(1, CHECK_RUNS_MAX), default_value = "10")]
    runs: u64,
    /// Steps per run [default: 365]
    #[arg(long, value_name = "T", value_parser = whole(1, CHECK_STEPS_MAX), default_value = "365")]
    steps: u64,
    /// Seed of the runs (as `simulate --seed`) and of the tape search [default: 0]
    #[arg(long, value_name = "S", value_parser = whole(0, u64::MAX), default_value = "0")]
    seed: u64,
    /// Tape cases in the shrinking search; 0 skips it [default: 256]
    #[arg(long, value_name = "N", value_parser = whole(0, TAPE_CASES_MAX as u64), default_value = "256")]
    cases: u64,
    /// Output format: table or json [default: table]
    #[arg(long, value_name = "table|json", value_parser = format, default_value = "table")]
    format: Format,
}

/// Runs `currents check`.
pub(crate) fn run(args: CheckArgs) -> i32 {
    let config = HarnessConfig {
        policy: args.policy.name().to_owned(),
        n_runs: args.runs,
        n_steps: args.steps,
        seed: args.seed,
        tape_cases: u32::try_from(args.cases).unwrap_or(TAPE_CASES_MAX),
        ..HarnessConfig::default()
    };
    let report = match args.policy {
        Policy::CurrentsV1 => check(&V1Rule::default(), &config),
        Policy::V1Strict => check(&V1Strict::default(), &config),
        Policy::V1NoFallback => check(&V1NoFallback::default(), &config),
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => return usage_error(e),
    };
    match args.format {
        Format::Table => print!("{}", report.to_table()),
        Format::Json => println!("{:#}", report.to_json()),
    }
    if report.passed() { 0 } else { EXIT_FAILURE }
}

/// Runs the catalog for `policy` with the default harness settings and `seed`: the
/// invariant section of `currents report --check`.
pub(crate) fn check_policy(
    policy: Policy,
    seed: u64,
) -> Result<HarnessReport, currents::ParamError> {
    let config = HarnessConfig {
        policy: policy.name().to_owned(),
        seed,
        ..HarnessConfig::default()
    };
    match policy {
        Policy::CurrentsV1 => check(&V1Rule::default(), &config),
        Policy::V1Strict => check(&V1Strict::default(), &config),
        Policy::V1NoFallback => check(&V1NoFallback::default(), &config),
    }
}

fn check<C: CreditRule + Clone + Sync>(
    rule: &C,
    config: &HarnessConfig,
) -> Result<HarnessReport, currents::ParamError> {
    check_rule(rule, config)
}
