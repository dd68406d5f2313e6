//! Running the cells: one run's outcome (its metrics, or the step that failed), a cell's
//! summary across its runs, and the one sweep loop every entry point drives — the cells of
//! a config ([`run_sweep`], any model of a workbench) and a model's own plans
//! ([`sweep_plans`], typed, for a library user).

use std::convert::Infallible;
use std::io::{self, Write};
use std::marker::PhantomData;

use crate::draws::RngKind;
use crate::metrics::{Fold, Metered, NAMES, RunFailure, RunFold, RunMetrics, Spread, spread};
use crate::model::{Beside, RunError, Streams};
use crate::parallel::{Chunking, ordered_tasks};
use crate::registry::{Runs, Sink};
use crate::workbench::{AnyObserver, AnyRuns, NoObserver, Viewed};

use super::Sweep;
use super::trajectories::{TrajectoryRows, trajectory_header};

/// One run's outcome: its metrics and, when a step failed, where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The metrics (`RunMetrics::undefined` when the run failed).
    pub metrics: RunMetrics,
    /// The per-group figures, named, when the run's user declares member groups (empty
    /// otherwise, and when the run failed).
    pub(crate) groups: Vec<(String, f64)>,
    /// The step that failed, if one did.
    pub(crate) failure: Option<RunFailure>,
}

impl RunOutcome {
    /// The outcome of a run that ended with `result`, its metrics folded into `fold` (as
    /// far as it went): a failed step is a finding, an observer's error is returned.
    fn of(fold: Option<RunFold>, result: Result<(), RunError<io::Error>>) -> io::Result<Self> {
        match result {
            Err(RunError::Observe(e)) => Err(e),
            Err(RunError::Step { timestep, source }) => Ok(RunOutcome {
                metrics: RunMetrics::undefined(),
                groups: Vec::new(),
                failure: Some(RunFailure {
                    timestep,
                    error: source,
                }),
            }),
            Ok(()) => Ok(RunOutcome {
                metrics: fold
                    .as_ref()
                    .map_or_else(RunMetrics::undefined, RunFold::metrics),
                groups: fold.as_ref().map_or_else(Vec::new, RunFold::group_figures),
                failure: None,
            }),
        }
    }
}

/// Runs run `run` (1-based) of `runs` on its stream of `streams` ([`Runs::run`]), handing
/// every state to `observer` as well, and returns its metrics (`Fold::with_metrics`).
///
/// A step that fails (a policy returning a negative limit, say: the run loop refuses it
/// with [`crate::model::StepError::BadLimit`]) ends the run there; it is not an error but a
/// finding: the outcome names the step and the metrics are undefined. Only `observer`'s
/// own errors are returned.
pub fn run_outcome<M: Metered, R: Runs<M> + ?Sized>(
    runs: &R,
    streams: &Streams,
    run: u64,
    n_steps: u64,
    observer: &mut Sink<'_, M>,
) -> io::Result<RunOutcome> {
    let fold = Fold::with_metrics(runs.model(), Some(n_steps)).grouped(runs.member_groups());
    let mut both = Beside(fold, observer);
    let result = runs.run(streams, run, n_steps, &mut both, None);
    RunOutcome::of(both.0.into_fold(), result)
}

/// The summary of one cell: each metric's spread across the runs that completed, and the
/// runs that did not.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSummary {
    /// The cell's index.
    pub(crate) index: usize,
    /// One spread per metric, in [`NAMES`] order, over the runs that completed (a failed
    /// run defines no metric).
    pub spreads: Vec<Spread>,
    /// The per-group figures' spreads over the runs that completed, named (empty when the
    /// cell's user declares no member groups): the summary's group columns.
    pub(crate) group_spreads: Vec<(String, Spread)>,
    /// Runs in which a step failed.
    pub n_failed: u64,
    /// The first failed run and its failure.
    pub(crate) first_failure: Option<(u64, RunFailure)>,
}

impl CellSummary {
    /// Summarises the outcomes of runs 1, 2, … of cell `index`.
    pub(crate) fn of_runs(index: usize, runs: &[RunOutcome]) -> Self {
        CellSummary {
            index,
            spreads: (0..NAMES.len())
                .map(|m| spread(&runs.iter().map(|r| r.metrics.values[m]).collect::<Vec<_>>()))
                .collect(),
            group_spreads: group_spreads(runs),
            n_failed: runs.iter().filter(|r| r.failure.is_some()).count() as u64,
            first_failure: runs
                .iter()
                .zip(1u64..)
                .find_map(|(r, run)| r.failure.map(|f| (run, f))),
        }
    }

    /// The note a sweep prints for a cell with failed runs (`None` when every run
    /// completed), e.g. `cell 6: 20/20 runs failed and are left out of its metrics (first:
    /// run 1 step 40: the policy returned the limit -3 …)`.
    pub fn failure_note(&self, n_runs: u64) -> Option<String> {
        let (run, f) = self.first_failure?;
        Some(format!(
            "cell {}: {}/{n_runs} runs failed and are left out of its metrics (first: run {run} {f})",
            self.index, self.n_failed
        ))
    }
}

/// The spread of each per-group figure over `runs` (named as the first run that has
/// them names them; a run without them, one that failed, is left out).
fn group_spreads(runs: &[RunOutcome]) -> Vec<(String, Spread)> {
    let Some(first) = runs.iter().find(|r| !r.groups.is_empty()) else {
        return Vec::new();
    };
    first
        .groups
        .iter()
        .enumerate()
        .map(|(k, (name, _))| {
            let values: Vec<f64> = runs
                .iter()
                .map(|r| r.groups.get(k).map_or(f64::NAN, |g| g.1))
                .collect();
            (name.clone(), spread(&values))
        })
        .collect()
}

/// One cell's runs as the sweep loop drives them, whatever their model.
trait CellRuns: Sync {
    /// How many members the cell's model has.
    fn n_members(&self) -> usize;
    /// Run `run` of `streams` with its metrics, every state handed to `observer` too.
    fn outcome(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut dyn AnyObserver,
    ) -> io::Result<RunOutcome>;
}

/// A cell of a config: the runs its workbench chose ([`AnyRuns::metered`]).
impl CellRuns for Box<dyn AnyRuns> {
    fn n_members(&self) -> usize {
        AnyRuns::n_members(&**self)
    }
    fn outcome(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut dyn AnyObserver,
    ) -> io::Result<RunOutcome> {
        let (fold, result) = self.metered(streams, run, n_steps, Some(n_steps), observer, None);
        RunOutcome::of(fold, result)
    }
}

/// A plan of model `M` a library user sweeps ([`sweep_plans`]).
struct Typed<'a, M, R>(&'a R, PhantomData<fn() -> M>);

impl<M: Metered, R: Runs<M>> CellRuns for Typed<'_, M, R> {
    fn n_members(&self) -> usize {
        self.0.model().n_members()
    }
    fn outcome(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut dyn AnyObserver,
    ) -> io::Result<RunOutcome> {
        let model = self.0.model();
        let mut viewed = Viewed { model, observer };
        run_outcome(self.0, streams, run, n_steps, &mut viewed)
    }
}

/// Runs every plan on ChaCha streams ([`sweep_plans_with_rng`] with [`RngKind::Chacha`]:
/// run r of cell c draws from `chacha_rng(seed, c, r)`).
pub fn sweep_plans<M: Metered, R: Runs<M>>(
    plans: &[R],
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    sweep_plans_with_rng(
        plans,
        RngKind::Chacha,
        seed,
        n_runs,
        n_steps,
        threads,
        trajectories,
        on_cell,
    )
}

/// Runs every plan (cell `c` is `plans[c]`; run r of it draws from the generator of (`rng`,
/// seed, c, r): `chacha_rng(seed, c, r)`, or with numpy `RandomState(seed + r − 1)` for
/// every cell) and returns the cells' summaries in order: the typed entry to the one sweep
/// loop [`run_sweep`] drives, for any model.
///
/// With `trajectories`, every state is written there ([`trajectory_header`]: a `member`
/// column when some plan's model has other than one member; cells and runs in order, one
/// thread, so memory stays bounded); otherwise cells run on `threads` workers of the
/// ordered executor ([`crate::parallel::ordered_tasks`]). Either way the numbers are the
/// same, for any thread count. A run whose step fails is reported in its cell's
/// [`CellSummary::n_failed`] and left out of the spreads; it does not stop the sweep.
/// `on_cell` is called once per finished cell.
#[allow(clippy::too_many_arguments)]
pub fn sweep_plans_with_rng<M: Metered, R: Runs<M>>(
    plans: &[R],
    rng: RngKind,
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    let cells: Vec<Typed<'_, M, R>> = plans.iter().map(|p| Typed(p, PhantomData)).collect();
    let settings = Settings {
        rng,
        seed,
        n_runs,
        n_steps,
        threads,
    };
    sweep_cells(&cells, settings, trajectories, on_cell)
}

/// Runs every cell of `sweep` on the runs its workbench chose for the cell's spec, on the
/// `crate::registry::runs::EXACT` engine (the numbers the sweep summary pins), through
/// the loop [`sweep_plans_with_rng`] describes, and returns the summaries in cell order.
pub fn run_sweep(
    sweep: &Sweep,
    threads: usize,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    let mut cells = Vec::with_capacity(sweep.cells().len());
    for cell in sweep.cells() {
        cells.push(
            cell.spec()
                .runs(None)
                .map_err(|e| io::Error::other(e.to_string()))?,
        );
    }
    let settings = Settings {
        rng: sweep.rng(),
        seed: sweep.seed(),
        n_runs: sweep.n_runs(),
        n_steps: sweep.n_steps(),
        threads,
    };
    sweep_cells(&cells, settings, trajectories, on_cell)
}

/// The settings every cell of one sweep runs with.
#[derive(Clone, Copy)]
struct Settings {
    rng: RngKind,
    seed: u64,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
}

/// The one sweep loop: every cell's runs, on one thread writing `trajectories` or on the
/// ordered executor, summarised in cell order.
fn sweep_cells<C: CellRuns>(
    cells: &[C],
    s: Settings,
    trajectories: Option<&mut dyn Write>,
    on_cell: &(dyn Fn() + Sync),
) -> io::Result<Vec<CellSummary>> {
    let streams = Streams::new(s.rng, s.seed);
    let (n_runs, n_steps) = (s.n_runs, s.n_steps);
    if let Some(w) = trajectories {
        let member_column = cells.iter().any(|c| c.n_members() != 1);
        writeln!(
            w,
            "{}",
            trajectory_header(if member_column { 2 } else { 1 })
        )?;
        let mut out = Vec::with_capacity(cells.len());
        for (c, cell) in cells.iter().enumerate() {
            let mut runs = Vec::with_capacity(usize::try_from(n_runs).unwrap_or(0));
            let streams = streams.subset(c as u64);
            for run in 1..=n_runs {
                let mut rows = TrajectoryRows::new(&mut *w, c, run, member_column);
                runs.push(cell.outcome(&streams, run, n_steps, &mut rows)?);
            }
            out.push(CellSummary::of_runs(c, &runs));
            on_cell();
        }
        return Ok(out);
    }
    let pool = crate::parallel::pool(s.threads)?;
    let chunking = Chunking {
        runs_per_task: 1,
        tasks_per_window: 4 * s.threads.max(1),
    };
    let mut out = Vec::with_capacity(cells.len());
    ordered_tasks(
        &pool,
        cells.len() as u64,
        chunking,
        |items| {
            let summaries: Vec<CellSummary> = items
                .map(|c| {
                    let c = (c - 1) as usize;
                    let streams = streams.subset(c as u64);
                    let runs: Vec<RunOutcome> = (1..=n_runs)
                        .map(|run| {
                            cells[c]
                                .outcome(&streams, run, n_steps, &mut NoObserver)
                                .unwrap_or_else(|e| unreachable!("no observer failed: {e}"))
                        })
                        .collect();
                    on_cell();
                    CellSummary::of_runs(c, &runs)
                })
                .collect();
            Ok::<_, Infallible>(summaries)
        },
        |summaries, _| {
            out.extend(summaries);
            Ok(())
        },
    )
    .unwrap_or_else(|never| match never {});
    Ok(out)
}
