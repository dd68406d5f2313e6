//! `currents check`: the invariant catalog over seeded runs, a parameter grid, a shrinking
//! tape search and rule probes; exit 0 when every required invariant holds and every goal
//! is reached, 1 otherwise, 2 on bad input.

use crate::draws::NUMPY_SEED_MAX;
use crate::harness::{
    CHECK_RUNS_MAX, CHECK_STEPS_MAX, Checks as _, HarnessConfig, HarnessReport, TAPE_CASES_MAX,
};
use crate::registry::{Registry, RuleEntry};
use crate::v1::V1;
use crate::v1::harness::V1Checks;

use clap::Args;

use super::simulate::whole;
use super::{EXIT_FAILURE, usage_error};

/// The rule named `name` in `registry` or, without a name, the registry's first rule (as a
/// spec that names none); the error lists the known names.
pub(crate) fn find_policy<'a>(
    registry: &'a Registry<V1>,
    field: &str,
    name: Option<&str>,
) -> Result<&'a RuleEntry<V1>, String> {
    let unknown = |name: &str, known: String| {
        format!(
            "invalid value for `{field}`: {:?} (accepted: {known})",
            crate::params::short_text(name)
        )
    };
    match name {
        Some(n) => registry
            .find(n.trim())
            .map_err(|e| unknown(&e.name, e.known)),
        None => registry
            .rules()
            .first()
            .ok_or_else(|| unknown("(none)", "a registered rule".to_owned())),
    }
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
    /// The policy to check, any rule `policies` lists [default: the first, currents-v1]
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
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
    let entry = match find_policy(&tool.registry, "--policy", args.policy.as_deref()) {
        Ok(e) => e,
        Err(e) => return usage_error(e),
    };
    let config = HarnessConfig {
        n_runs: args.runs,
        n_steps: args.steps,
        seed: args.seed,
        tape_cases: u32::try_from(args.cases).unwrap_or(TAPE_CASES_MAX),
        ..HarnessConfig::default()
    };
    let report = match check_entry(entry, &tool.bin, config) {
        Ok(r) => r,
        Err(e) => return usage_error(e),
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

/// Runs the catalog for the registered rule `entry` (at its defaults) with the default
/// harness settings and `seed`: the invariant section of `currents report --check` and of
/// `simulate --plot`. Replay commands start with `bin`.
pub(crate) fn check_policy(
    entry: &RuleEntry<V1>,
    bin: &str,
    seed: u64,
) -> Result<HarnessReport, String> {
    let config = HarnessConfig {
        seed,
        ..HarnessConfig::default()
    };
    check_entry(entry, bin, config)
}

/// Checks the registered rule `entry` at its defaults under `config`; the rule probes run
/// for the rules that declare they read V1's imbalance (`Rule::READS_V1_IMBALANCE`).
fn check_entry(
    entry: &RuleEntry<V1>,
    bin: &str,
    config: HarnessConfig,
) -> Result<HarnessReport, String> {
    let config = HarnessConfig {
        policy: entry.name.to_owned(),
        bin: bin.to_owned(),
        ..config
    };
    V1Checks
        .check(&Registry::builtin(), entry, &config)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CreditError, CreditPolicy, Cx, Limit, Model};
    use crate::params::ParamSpec;
    use crate::rules::Rule;
    use clap::Parser;

    /// A user's rule, broken on purpose: after 7 transactions the credit drops by 100 a
    /// step, through 0.
    struct Decaying;

    impl Rule for Decaying {
        const NAME: &'static str = "decaying";
        const SUMMARY: &'static str = "loses 100 of credit a step after the warm-up";
        const PARAMS: &'static [ParamSpec] = &[];
        fn from_values(_: &[f64]) -> Self {
            Decaying
        }
    }

    impl<M: Model> CreditPolicy<M> for Decaying {
        type Memory = u64;
        fn limit(&self, cx: &Cx<'_, M>, steps: &mut u64) -> Result<Limit, CreditError> {
            *steps += 1;
            let limit = cx.ledger().limit;
            Ok(if *steps <= 7 {
                Limit {
                    value: limit,
                    branch: "warm-up",
                }
            } else {
                Limit {
                    value: limit - 100.0,
                    branch: "decay",
                }
            })
        }
        fn branches(&self) -> &'static [&'static str] {
            &["warm-up", "decay"]
        }
    }

    #[derive(Parser)]
    struct Replay {
        #[command(flatten)]
        args: super::super::replay::ReplayArgs,
    }

    #[test]
    fn a_registered_rule_is_checked_and_its_printed_replay_runs_with_the_same_registry() {
        let tool = super::super::Tool {
            registry: Registry::builtin().rule::<Decaying>(),
            bin: "my-currency".to_owned(),
        };
        let entry = find_policy(&tool.registry, "--policy", Some("decaying")).unwrap();
        let config = HarnessConfig {
            n_runs: 2,
            n_steps: 100,
            tape_cases: 64,
            ..HarnessConfig::default()
        };
        let report = check_entry(entry, &tool.bin, config).unwrap();
        assert!(!report.passed());
        let cx = report
            .invariant(crate::catalog::Invariant::CREDIT_NON_NEGATIVE)
            .counterexample
            .clone()
            .expect("a counterexample");
        let line = cx.replay_command_in(&tool.bin, &report.policy);
        assert!(
            line.starts_with("my-currency replay --policy decaying "),
            "{line}"
        );
        // The program, the subcommand, then replay's flags.
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[1], "replay");
        let replay = Replay::try_parse_from([words[0]].iter().chain(&words[2..])).unwrap();
        assert_eq!(super::super::replay::run(replay.args, &tool), EXIT_FAILURE);
        // The built-in registry does not know the name.
        let builtin = Registry::builtin();
        let unknown = find_policy(&builtin, "--policy", Some("decaying"));
        assert!(unknown.unwrap_err().contains("(accepted: currents-v1, "));
    }
}
