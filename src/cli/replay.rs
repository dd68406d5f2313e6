//! `currents replay`: re-runs one counterexample printed by `currents check` and reports
//! every violation it shows; exit 1 when the named invariant (or, without `--invariant`,
//! any invariant) is violated, 0 when it holds on this input, 2 on bad input.

use crate::catalog::Invariant;
use crate::draws::NUMPY_SEED_MAX;
use crate::draws::RngKind;
use crate::harness::{CHECK_RUNS_MAX, CHECK_STEPS_MAX, ReplayFinding, ReplayInput};
use crate::model::CreditPolicy;
use crate::params::ParamError;
use crate::v1::V1;
use crate::v1::harness::{Probe, amount_abs_max, cell_of, replay, tape_input, v1_invariants};
use crate::v1::{ExactHistory, Params};

use clap::Args;

use super::check::find_policy;
use super::simulate::{rng_kind, whole};
use super::{EXIT_FAILURE, usage_error};
use crate::params::ParamSpec;
use crate::registry::UserType as _;
use crate::v1::NotebookUser;
use crate::v1::V1_PARAMS;
use clap::ArgGroup;

/// Any invariant a report of `currents check` lists ([`v1_invariants`]).
fn invariant(s: &str) -> Result<Invariant, String> {
    let all = v1_invariants();
    all.iter()
        .find(|i| i.name() == s.trim())
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|i| i.name()).collect();
            format!("accepted: {}", names.join(", "))
        })
}

/// A value parser for the `--FLAG` of the parameter `name` that `params` declares: the
/// number is checked against that declaration, and a refusal states its range (one
/// declaration for the check and its message).
fn declared(
    params: &'static [ParamSpec],
    name: &'static str,
) -> impl Fn(&str) -> Result<f64, String> + Clone {
    move |s: &str| {
        let Some(spec) = params.iter().find(|p| p.name == name) else {
            return Err(format!("accepted: a parameter named {name}"));
        };
        let x = crate::spec::number_text(name, s).unwrap_or(f64::NAN);
        spec.check(spec.name, x)
            .map_err(|e| format!("accepted: {}", e.accepted))
    }
}

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
    /// Report only this invariant (exit 1 when it is violated)
    #[arg(long, value_name = "NAME", value_parser = invariant)]
    invariant: Option<Invariant>,
    /// Integrity coefficient [default: 1]
    #[arg(long, value_name = "X", value_parser = declared(NotebookUser::PARAMS, "integrity"), default_value = "1")]
    integrity: f64,
    /// Average transaction amount [default: 100]
    #[arg(long, value_name = "A", value_parser = declared(NotebookUser::PARAMS, "avg-amount"), default_value = "100")]
    avg_amount: f64,
    /// Send-volume window (sumVolume) [default: 30]
    #[arg(long, value_name = "K", value_parser = declared(V1_PARAMS, "sum-volume"), default_value = "30")]
    sum_volume: f64,
    /// Credit and capacity at genesis [default: 250]
    #[arg(long, value_name = "C", value_parser = declared(V1_PARAMS, "initial-credit"), default_value = "250")]
    initial_credit: f64,
    /// A tape of amounts, comma-separated (write `--tape=-5,3` when it starts with a minus)
    #[arg(long, value_name = "A1,A2,...", conflicts_with_all = ["probe", "run", "runs"])]
    tape: Option<String>,
    /// A rule probe: avgSendVolume,credit_prev,n,avgUserBalance_lo,avgUserBalance_hi
    #[arg(long, value_name = "A,C,N,B_LO,B_HI", conflicts_with_all = ["run", "runs"])]
    probe: Option<String>,
    /// Generator family of a seeded replay: chacha or numpy [default: chacha]
    #[arg(long, value_name = "chacha|numpy", value_parser = rng_kind, default_value = "chacha")]
    rng: RngKind,
    /// Seed of a seeded replay (as `simulate --seed`) [default: 0]
    #[arg(long, value_name = "S", value_parser = whole(0, u64::MAX), default_value = "0")]
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

fn parse_list(field: &'static str, text: &str, accepted: &str) -> Result<Vec<f64>, ParamError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|x| {
            x.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| ParamError::new(field, format!("{x:?}"), accepted))
        })
        .collect()
}

fn input(args: &ReplayArgs) -> Result<ReplayInput, ParamError> {
    // Both are whole numbers within their declared ranges (checked when parsed).
    let params = Params::new(
        args.integrity,
        args.avg_amount,
        args.sum_volume as u64,
        args.initial_credit as i64,
    )?;
    if let Some(tape) = &args.tape {
        let bound = amount_abs_max(&params);
        let amounts = parse_list(
            "tape",
            tape,
            &format!(
                "comma-separated finite amounts with |amount| <= {bound:?} (30 x avg-amount x max(1, |integrity|))"
            ),
        )?;
        if let Some(a) = amounts.iter().find(|a| a.abs() > bound) {
            return Err(ParamError::new(
                "tape",
                crate::params::short_number(*a),
                format!(
                    "amounts with |amount| <= {bound:?} (30 x avg-amount x max(1, |integrity|))"
                ),
            ));
        }
        if amounts.len() as u64 > CHECK_STEPS_MAX {
            return Err(ParamError::new(
                "tape",
                format!("{} amounts", amounts.len()),
                format!("at most {CHECK_STEPS_MAX} amounts"),
            ));
        }
        return Ok(tape_input(&params, &amounts));
    }
    if let Some(probe) = &args.probe {
        return Ok(Probe::parse(probe, args.sum_volume as u64)?.input());
    }
    let last_run = args.runs.unwrap_or(1).max(args.run.unwrap_or(1));
    if args.rng == RngKind::Numpy && last_run - 1 > NUMPY_SEED_MAX {
        return Err(ParamError::new(
            "run",
            last_run,
            format!(
                "with --rng numpy, a whole number in [1, {}] so that seed + run - 1 fits numpy's 32-bit seed",
                NUMPY_SEED_MAX + 1
            ),
        ));
    }
    if args.rng == RngKind::Numpy && args.seed > NUMPY_SEED_MAX - (last_run - 1) {
        return Err(ParamError::new(
            "seed",
            args.seed,
            format!(
                "with --rng numpy and run {last_run}, a whole number in [0, {}] so that seed + run - 1 fits numpy's 32-bit seed",
                NUMPY_SEED_MAX - (last_run - 1)
            ),
        ));
    }
    Ok(match args.runs {
        Some(n_runs) => ReplayInput::Runs {
            cell: cell_of(&params),
            rng: args.rng,
            seed: args.seed,
            n_runs,
            n_steps: args.steps,
            threads: args.threads as usize,
        },
        None => ReplayInput::Seeded {
            cell: cell_of(&params),
            rng: args.rng,
            seed: args.seed,
            run: args.run.unwrap_or(1),
            n_steps: args.steps,
        },
    })
}

/// Runs `currents replay`.
pub(crate) fn run(args: ReplayArgs, tool: &super::Tool) -> i32 {
    let rule = match find_policy(&tool.registry, "--policy", args.policy.as_deref()) {
        Ok(entry) => entry.build_default(),
        Err(e) => return usage_error(e),
    };
    let input = match input(&args) {
        Ok(i) => i,
        Err(e) => return usage_error(e),
    };
    report(&rule, &input, args.invariant)
}

fn report<P: CreditPolicy<V1>>(rule: &P, input: &ReplayInput, only: Option<Invariant>) -> i32 {
    let observed = rule.observed_invariants();
    let findings: Vec<ReplayFinding> = match replay::<P, ExactHistory>(rule, input, 0.0) {
        Ok(found) => found
            .into_iter()
            .filter(|f| only.is_none_or(|i| i == f.invariant))
            .collect(),
        Err(e) => return usage_error(e),
    };
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
