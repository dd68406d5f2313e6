//! The driver: both sides' runs, run by run on common random numbers, folded into a
//! [`CompareReport`] — for two resolved sides of a workbench ([`compare`]) or two typed
//! plans of a library caller ([`compare_plans`]), through one core.

use crate::metrics::NAMES;
use crate::registry::Runs;
use crate::workbench::{AnyRuns, Driven, Workbench, erase_runs};

use super::record::{INVARIANTS, InvariantStatus, report_laws, run_side};
use super::report::{CompareReport, FailedRuns, InvariantDiff, RunDivergence};
use super::stats::metric_diff;
use super::{
    CompareConfig, CompareError, PROGRAM_DEFAULT, Side, SideLabel, from_spec, harness_diff,
};

/// One side as the core runs it: its label, its runs, and whether it is held to
/// `balances_sum_to_zero`.
struct Compared<'a> {
    label: &'a SideLabel,
    runs: &'a dyn AnyRuns,
    conserves: bool,
}

/// Runs both sides on common random numbers and compares them, each on the runs its
/// model's registry chooses for its spec on the `exact` engine (the numbers a comparison
/// pins; [`crate::workbench::AnySpec::runs`]); when both run their model's own rule on the
/// same model, adds that model's harness checks (`harness_diff`, which `bench`, the
/// workbench the sides were resolved against, runs). `config` must have passed
/// `CompareConfig::validate`.
///
/// A run whose step fails (`v1-no-fallback`'s negative limit, which the run loop refuses)
/// does not stop the comparison: the side breaks `credit_non_negative` (or
/// `step_is_defined`), the failed run is left out of the metrics, and it fails the gate
/// whatever the other side does (a comparison of runs that do not finish compares nothing
/// for them): the report's [`CompareReport::failed`] and verdict name each side's first
/// failed run and step. Errors come from the harness checks' settings only.
pub fn compare(
    baseline: &Side,
    candidate: &Side,
    config: &CompareConfig,
    bench: &Workbench,
) -> Result<CompareReport, CompareError> {
    let (la, lb) = (baseline.describe(), candidate.describe());
    let runs = |side: &Side| side.spec().runs(None).map_err(from_spec);
    let (a, b) = (runs(baseline)?, runs(candidate)?);
    let side = |label, runs, side: &Side| Compared {
        label,
        runs,
        conserves: side.conserves(),
    };
    let mut report = compare_runs(side(&la, &*a, baseline), side(&lb, &*b, candidate), config);
    report.harness = harness_diff(baseline, candidate, config, bench)?;
    Ok(report)
}

/// Compares the runs of two plans of any models — a model variant against V1, say — on
/// common random numbers: run r of both sides draws from the generator `simulate` uses for
/// run r (`config.rng`, `config.seed`). Metrics, laws and divergence read the members'
/// [`crate::model::Ledger`]s and [`crate::metrics::Metered`] alone, through the same core
/// as [`compare`] (the plans lent as [`AnyRuns`], [`erase_runs`]); the harness checks are
/// not run (`harness` is `None`) and neither side is held to `balances_sum_to_zero`.
/// Failed runs are findings, as in [`compare`]. `config` must have passed
/// `CompareConfig::validate`.
pub fn compare_plans<MA, RA, MB, RB>(
    baseline: &SideLabel,
    baseline_plan: &RA,
    candidate: &SideLabel,
    candidate_plan: &RB,
    config: &CompareConfig,
) -> CompareReport
where
    MA: Driven,
    RA: Runs<MA>,
    MB: Driven,
    RB: Runs<MB>,
{
    let (a, b) = (erase_runs(baseline_plan), erase_runs(candidate_plan));
    let side = |label, runs| Compared {
        label,
        runs,
        conserves: false,
    };
    compare_runs(side(baseline, &*a), side(candidate, &*b), config)
}

/// The core: run r of the baseline, then run r of the candidate compared with it step by
/// step, for every run; then each metric's statistics and each law's status.
fn compare_runs(
    baseline: Compared<'_>,
    candidate: Compared<'_>,
    config: &CompareConfig,
) -> CompareReport {
    let laws = report_laws(baseline.conserves || candidate.conserves);
    // A law a side is not held to is not checked on it.
    let status = |side: &Compared<'_>| {
        laws.iter()
            .map(|law| InvariantStatus {
                checked: INVARIANTS.contains(law) || side.conserves,
                ..InvariantStatus::default()
            })
            .collect::<Vec<_>>()
    };
    let (mut sa, mut sb) = (status(&baseline), status(&candidate));
    let mut base_m: Vec<[f64; NAMES.len()]> = Vec::new();
    let mut cand_m: Vec<[f64; NAMES.len()]> = Vec::new();
    let mut runs = Vec::new();
    let mut failed = [FailedRuns::default(); 2];
    for run in 1..=config.n_runs {
        let a = run_side(baseline.runs, &laws, baseline.conserves, config, run, None);
        let b = run_side(
            candidate.runs,
            &laws,
            candidate.conserves,
            config,
            run,
            Some(&a),
        );
        let both = a.n_steps.min(b.n_steps);
        // A run that stopped early parts from the other at its first missing step.
        let diverge_step = b
            .first_state_diff
            .or_else(|| (a.n_steps != b.n_steps).then_some(both + 1));
        runs.push(RunDivergence {
            run,
            diverge_step,
            crn_lost_step: b.first_word_diff,
            failed: a.n_steps < config.n_steps || b.n_steps < config.n_steps,
        });
        for (statuses, broken) in [(&mut sa, &a.broken), (&mut sb, &b.broken)] {
            for (status, broken) in statuses.iter_mut().zip(broken) {
                if let Some(t) = broken {
                    status.n_runs_violated += 1;
                    status.first.get_or_insert((run, *t));
                }
            }
        }
        failed[0].note(run, a.failure);
        failed[1].note(run, b.failure);
        base_m.push(a.metrics);
        cand_m.push(b.metrics);
    }
    let metrics = (0..NAMES.len())
        .map(|m| metric_diff(m, &base_m, &cand_m, config))
        .collect();
    let invariants = laws
        .iter()
        .zip(sa.into_iter().zip(sb))
        .map(|(law, (b, c))| InvariantDiff {
            name: law.name(),
            baseline: b,
            candidate: c,
        })
        .collect();
    CompareReport {
        baseline: baseline.label.clone(),
        candidate: candidate.label.clone(),
        config: config.clone(),
        metrics,
        invariants,
        runs,
        harness: None,
        failed,
        program: PROGRAM_DEFAULT.to_owned(),
    }
}
