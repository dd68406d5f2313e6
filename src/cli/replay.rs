//! `currents replay`: re-runs one counterexample printed by `currents check` and reports
//! every violation it shows; exit 1 when the named invariant (or, without `--invariant`,
//! any invariant) is violated, 0 when it holds on this input, 2 on bad input.

use crate::catalog::Invariant;
use crate::draws::{RngKind, check_numpy_seed};
use crate::harness::{
    CHECK_RUNS_MAX, CHECK_STEPS_MAX, CellArgs, HarnessConfig, PARAM_FLAGS, ReplayFinding,
    ReplayInput,
};
use crate::params::ParamError;
use crate::spec::SEED_MAX;
use crate::spec::{SPEC_KEYS, canonical};

use clap::{ArgGroup, Args};

use super::args::{model_of, rng_kind, whole};
use super::{EXIT_FAILURE, usage_error};

#[derive(Args, Debug)]
#[command(group(
    ArgGroup::new("input")
        .required(true)
        .args(["tape", "probe", "run", "runs"])
))]
pub(crate) struct ReplayArgs {
    /// The policy, any rule `policies` lists [default: the first, currents-v1]
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
    /// The model [default: the first model that has the policy]
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// The user behaviour of a seeded replay [default: the model's own cells' user]
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Report only this invariant (exit 1 when it is violated)
    #[arg(long, value_name = "NAME")]
    invariant: Option<String>,
    /// The user's integrity coefficient (`--param integrity=X`) [default: 1]
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    integrity: Option<String>,
    /// The user's average transaction amount (`--param avg-amount=A`) [default: 100]
    #[arg(long, value_name = "A", allow_hyphen_values = true)]
    avg_amount: Option<String>,
    /// The model's send-volume window, sumVolume (`--param sum-volume=K`) [default: 30]
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    sum_volume: Option<String>,
    /// The model's credit and capacity at genesis (`--param initial-credit=C`)
    /// [default: 250]
    #[arg(long, value_name = "C", allow_hyphen_values = true)]
    initial_credit: Option<String>,
    /// A parameter the model or the user declares, as KEY=VALUE; repeatable
    #[arg(long = "param", value_name = "KEY=VALUE", allow_hyphen_values = true)]
    params: Vec<String>,
    /// The trading graph's edge list of a seeded replay, for the user `edge-list` (CSV:
    /// `from,to`, then one edge `A,B` a line)
    #[arg(long, value_name = "FILE.csv")]
    edges: Option<String>,
    /// A tape of payments as the model writes them, comma-separated (V1: amounts; write
    /// `--tape=-5,3` when it starts with a minus)
    #[arg(long, value_name = "P1,P2,...", conflicts_with_all = ["probe", "run", "runs"])]
    tape: Option<String>,
    /// A probe of the rule, as the model writes it (V1:
    /// avgSendVolume,credit_prev,n,avgUserBalance_lo,avgUserBalance_hi)
    #[arg(long, value_name = "A,C,N,B_LO,B_HI", conflicts_with_all = ["run", "runs"])]
    probe: Option<String>,
    /// Generator family of a seeded replay: chacha or numpy [default: chacha]
    #[arg(long, value_name = "chacha|numpy", value_parser = rng_kind, default_value = "chacha")]
    rng: RngKind,
    /// Seed of a seeded replay (as `simulate --seed`) [default: 0]
    #[arg(long, value_name = "S", value_parser = whole(0, SEED_MAX), default_value = "0")]
    seed: u64,
    /// The 1-based run of a seeded replay [default: 1]
    #[arg(long, value_name = "R", value_parser = whole(1, u64::MAX), conflicts_with = "runs")]
    run: Option<u64>,
    /// Runs 1..=N compared for determinism
    #[arg(long, value_name = "N", value_parser = whole(1, CHECK_RUNS_MAX))]
    runs: Option<u64>,
    /// Steps of a seeded replay [default: 365]
    #[arg(long, value_name = "T", value_parser = whole(1, CHECK_STEPS_MAX), default_value = "365")]
    steps: u64,
    /// Threads compared with one thread (with --runs) [default: 2]
    #[arg(long, value_name = "N", value_parser = whole(1, crate::parallel::THREADS_MAX), default_value = "2")]
    threads: u64,
}

/// The cell the flags name: the model and user, then each parameter flag, then each
/// `--param`, every value checked to be a number (its range is the model's to check,
/// naming the flag). A parameter given twice is an error.
fn cell(args: &ReplayArgs) -> Result<CellArgs, ParamError> {
    let mut params: Vec<(String, String)> = Vec::new();
    let flags = [
        &args.integrity,
        &args.avg_amount,
        &args.sum_volume,
        &args.initial_credit,
    ];
    for (name, value) in PARAM_FLAGS.iter().zip(flags) {
        if let Some(v) = value {
            params.push(((*name).to_owned(), v.trim().to_owned()));
        }
    }
    for pair in &args.params {
        let accepted = "KEY=VALUE, KEY a parameter the model or the user declares";
        let Some((key, value)) = pair.split_once('=') else {
            return Err(ParamError::new("--param", format!("{pair:?}"), accepted));
        };
        let key = canonical(key.trim());
        if SPEC_KEYS.contains(&key.as_str()) || params.iter().any(|(k, _)| *k == key) {
            return Err(ParamError::new(
                "--param",
                format!("{pair:?}"),
                format!("{accepted}, each once; `{key}` is set already or has its own flag"),
            ));
        }
        params.push((key, value.trim().to_owned()));
    }
    if let Some(path) = &args.edges {
        params.push(("edges".to_owned(), path.clone()));
    }
    let cell = CellArgs {
        model: args.model.clone(),
        user: args.user.clone(),
        params,
    };
    // Every value a number, named as its flag.
    cell.to_spec().map_err(|e| match e {
        crate::spec::SpecError::Value(e) => e,
        other => ParamError::new("--param", other.to_string(), "numbers"),
    })?;
    Ok(cell)
}

fn input(args: &ReplayArgs) -> Result<ReplayInput, ParamError> {
    let cell = cell(args)?;
    if let Some(tape) = &args.tape {
        let payments: Vec<String> = if tape.trim().is_empty() {
            Vec::new()
        } else {
            tape.split(',').map(|p| p.trim().to_owned()).collect()
        };
        if payments.len() as u64 > CHECK_STEPS_MAX {
            return Err(ParamError::new(
                "tape",
                format!("{} payments", payments.len()),
                format!("at most {CHECK_STEPS_MAX} payments"),
            ));
        }
        return Ok(ReplayInput::Tape { cell, payments });
    }
    if let Some(probe) = &args.probe {
        return Ok(ReplayInput::Probe {
            cell,
            probe: probe.clone(),
            fields: serde_json::Value::Null,
        });
    }
    let last_run = args.runs.unwrap_or(1).max(args.run.unwrap_or(1));
    if args.rng == RngKind::Numpy {
        let run_field = if args.run.is_some() {
            "--run"
        } else {
            "--runs"
        };
        check_numpy_seed(
            ("--seed", &args.seed.to_string(), args.seed),
            (run_field, "run", last_run),
        )?;
    }
    Ok(match args.runs {
        Some(n_runs) => ReplayInput::Runs {
            cell,
            rng: args.rng,
            seed: args.seed,
            n_runs,
            n_steps: args.steps,
            threads: args.threads as usize,
        },
        None => ReplayInput::Seeded {
            cell,
            rng: args.rng,
            seed: args.seed,
            run: args.run.unwrap_or(1),
            n_steps: args.steps,
        },
    })
}

/// Runs `currents replay`.
pub(crate) fn run(args: ReplayArgs, tool: &super::Tool) -> i32 {
    let model = match model_of(&tool.bench, args.model.as_deref(), args.policy.as_deref()) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let only = match &args.invariant {
        None => None,
        Some(name) => {
            let all = model.invariants();
            match all.iter().find(|i| i.name() == name.trim()) {
                Some(i) => Some(*i),
                None => {
                    let names: Vec<&str> = all.iter().map(|i| i.name()).collect();
                    return usage_error(ParamError::new(
                        "--invariant",
                        format!("{:?}", crate::params::short_text(name)),
                        names.join(", "),
                    ));
                }
            }
        }
    };
    let input = match input(&args) {
        Ok(i) => i,
        Err(e) => return usage_error(e),
    };
    let policy = args.policy.as_deref();
    let rule = crate::spec::Spec {
        rule: policy.map(str::to_owned),
        ..crate::spec::Spec::default()
    };
    let edge_files = match super::edges::read_flag(args.edges.as_deref()) {
        Ok(file) => file.into_iter().collect(),
        Err(e) => return usage_error(e),
    };
    let config = HarnessConfig {
        edge_files,
        ..HarnessConfig::default()
    };
    let findings = match model.replay(&rule, &input, &config) {
        Ok(found) => found,
        Err(e) => return usage_error(e),
    };
    let observed = match model.observed_invariants(policy) {
        Ok(o) => o,
        Err(e) => return usage_error(e),
    };
    report(&findings, &observed, only)
}

fn report(findings: &[ReplayFinding], observed: &[&str], only: Option<Invariant>) -> i32 {
    let findings: Vec<&ReplayFinding> = findings
        .iter()
        .filter(|f| only.is_none_or(|i| i == f.invariant))
        .collect();
    let mut text = String::new();
    for f in &findings {
        let at = f.step.map_or(String::new(), |t| format!(" at step {t}"));
        text.push_str(&format!(
            "violated: {} ({}){at}, {} time(s): {}\n",
            f.invariant,
            f.invariant.kind_under(observed).name(),
            f.count,
            f.detail
        ));
    }
    if findings.is_empty() {
        text.push_str(&match only {
            Some(i) => format!("holds: {i} on this input\n"),
            None => "holds: no invariant is violated on this input\n".to_owned(),
        });
    }
    // One output path: a closed pipe exits 0 quietly, another write failure is one line
    // and exit 1, never a panic in `print!`.
    if let Err(e) = super::write_output("-", |w| w.write_all(text.as_bytes())) {
        return super::io_failure(&e);
    }
    if findings.is_empty() { 0 } else { EXIT_FAILURE }
}

#[cfg(test)]
mod tests {
    use super::super::check::check_policy;
    use super::*;
    use crate::model::{CreditError, CreditPolicy, Cx, Limit, Model};
    use crate::params::ParamSpec;
    use crate::rules::Rule;
    use crate::workbench::Workbench;
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
        args: ReplayArgs,
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
        assert_eq!(run(replay.args, &tool), EXIT_FAILURE);
        // The built-in workbench does not know the name.
        let unknown = super::super::args::model_of(&builtin, None, Some("decaying"))
            .err()
            .unwrap();
        assert!(unknown.to_string().contains("(accepted: currents-v1, "));
    }
}
