//! `currents check`: the invariant catalog over seeded runs, a parameter grid, a shrinking
//! tape search and rule probes; exit 0 when every required invariant holds and every goal
//! is reached, 1 otherwise, 2 on bad input.

use crate::draws::NUMPY_SEED_MAX;
use crate::harness::{
    CHECK_RUNS_MAX, CHECK_STEPS_MAX, HarnessConfig, HarnessReport, TAPE_CASES_MAX,
};
use crate::params::ParamError;
use crate::workbench::{AnyModel, Workbench};

use clap::Args;

use super::args::whole;
use super::{EXIT_FAILURE, usage_error};

/// The model a check or replay of rule `policy` runs on: the one `--model` names, else the
/// first model whose registry has the rule (the first model when no rule is named). An
/// unknown model names `--model`; an unknown rule names `--policy` and the rules of every
/// model.
pub(crate) fn model_of<'a>(
    bench: &'a Workbench,
    model: Option<&str>,
    policy: Option<&str>,
) -> Result<&'a dyn AnyModel, ParamError> {
    if let Some(name) = model {
        return bench.find(Some(name)).map_err(|e| {
            ParamError::new(
                "--model",
                format!("{:?}", crate::params::short_text(&e.name)),
                e.known,
            )
        });
    }
    let Some(policy) = policy.map(str::trim) else {
        return bench
            .find(None)
            .map_err(|e| ParamError::new("--model", e.name, e.known));
    };
    let has = |m: &&dyn AnyModel| {
        m.entries()
            .iter()
            .any(|e| e.kind == "rule" && e.name == policy)
    };
    if let Some(m) = bench.models().find(has) {
        return Ok(m);
    }
    let mut known: Vec<&str> = Vec::new();
    for m in bench.models() {
        for e in m.entries() {
            if e.kind == "rule" && !known.contains(&e.name) {
                known.push(e.name);
            }
        }
    }
    Err(ParamError::new(
        "--policy",
        format!("{:?}", crate::params::short_text(policy)),
        known.join(", "),
    ))
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
    fn a_registered_rule_is_checked_and_its_printed_replay_runs_with_the_same_workbench() {
        // A user's rule on a model of the workbench (the network: any model will do).
        let builtin = Workbench::builtin();
        let tool = super::super::Tool {
            bench: builtin
                .clone()
                .model(crate::network::registry().rule::<Decaying>()),
            bin: "my-currency".to_owned(),
        };
        let config = HarnessConfig {
            n_runs: 2,
            n_steps: 100,
            tape_cases: 64,
            ..HarnessConfig::default()
        };
        let report = check_policy(&tool, None, Some("decaying"), config).unwrap();
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
        // (A word in single quotes, as the network's `'--tape=0>1:1'`, is one word.)
        let words: Vec<String> = line
            .split_whitespace()
            .map(|w| w.trim_matches('\'').to_owned())
            .collect();
        assert_eq!(words[1], "replay");
        let replay = Replay::try_parse_from([&words[0]].into_iter().chain(&words[2..])).unwrap();
        assert_eq!(super::super::replay::run(replay.args, &tool), EXIT_FAILURE);
        // The built-in workbench does not know the name.
        let unknown = model_of(&builtin, None, Some("decaying")).err().unwrap();
        assert!(unknown.to_string().contains("(accepted: currents-v1, "));
    }
}
