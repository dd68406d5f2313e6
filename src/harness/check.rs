//! The passes of a check — seeded runs of every cell, a shrinking search over tapes, and a
//! model's probes of its rule — gathered per invariant into a [`HarnessReport`].

use std::cell::RefCell;

use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{
    Config as ProptestConfig, RngAlgorithm, TestError, TestRng, TestRunner,
};

use crate::catalog::{Invariant, report_order};
use crate::model::{Behaviour, CreditPolicy, Model, Streams};
use crate::params::ParamError;

use super::HarnessConfig;
use super::cell::CellArgs;
use super::goals::{Goal, GoalReport};
use super::invariants::ByInvariant;
use super::laws::Laws;
use super::replay::{Counterexample, ReplayFinding, ReplayInput, tally_findings};
use super::report::{CellStats, HarnessReport, InvariantReport};
use super::tape::Tapes;
use super::walk::{Tally, run_digests, walk_seeded, walk_tape};

/// One cell of a model's seeded grid: a model, the behaviour that drives it, and the cell
/// as the command line names it (what its counterexamples replay with).
#[derive(Debug, Clone)]
pub struct ModelCell<M, B> {
    /// The cell's flags: how reports name it and replay commands run it.
    pub cell: CellArgs,
    /// The model (its parameters are the cell's).
    pub model: M,
    /// The behaviour of the cell's seeded runs.
    pub behaviour: B,
}

/// What the passes of a check gathered about one invariant.
#[derive(Debug, Clone, Default)]
struct Found {
    violations: u64,
    tape_cases: u64,
    first_in_runs: Option<Counterexample>,
    run_cx: Option<Counterexample>,
    shrunk: Option<Counterexample>,
    probe_cx: Option<Counterexample>,
}

/// What the passes of a check gathered.
struct Acc {
    /// Per invariant of the report, in its order.
    found: ByInvariant<Found>,
    branches: Vec<(&'static str, u64)>,
    path_names: &'static [&'static str],
    paths: Vec<u64>,
    cells: Vec<CellStats>,
    tapes_run: bool,
}

impl Acc {
    fn new(
        list: &[Invariant],
        branches: &'static [&'static str],
        path_names: &'static [&'static str],
    ) -> Self {
        Acc {
            found: ByInvariant::new(list),
            branches: branches.iter().map(|&b| (b, 0)).collect(),
            path_names,
            paths: vec![0; path_names.len()],
            cells: Vec::new(),
            tapes_run: false,
        }
    }
}

fn add_violations(into: &mut Vec<(&'static str, u64)>, invariant: Invariant, n: u64) {
    match into.iter_mut().find(|(x, _)| *x == invariant.name()) {
        Some((_, v)) => *v += n,
        None => into.push((invariant.name(), n)),
    }
}

fn merge_branches(into: &mut Vec<(&'static str, u64)>, from: &[(&'static str, u64)]) {
    for &(b, hits) in from {
        match into.iter_mut().find(|(x, _)| *x == b) {
            Some((_, h)) => *h += hits,
            None => into.push((b, hits)),
        }
    }
}

/// The seeded pass: every cell × generator × run walked and checked, then the runs'
/// digests compared for determinism (again on one thread, then on each thread count).
fn seeded_pass<M, P, B, L>(
    list: &[Invariant],
    cells: &[ModelCell<M, B>],
    policy: &P,
    laws: &L,
    config: &HarnessConfig,
) -> Acc
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    let path_names = cells.first().map_or(&[][..], |c| c.behaviour.paths());
    let mut acc = Acc::new(list, policy.branches(), path_names);
    let seed = config.seed;
    for cell in cells {
        let seeded = |rng, run, n_steps| ReplayInput::Seeded {
            cell: cell.cell.clone(),
            rng,
            seed,
            run,
            n_steps,
        };
        let runs = |rng, threads| ReplayInput::Runs {
            cell: cell.cell.clone(),
            rng,
            seed,
            n_runs: config.n_runs,
            n_steps: config.n_steps,
            threads,
        };
        for &rng in &config.rngs {
            let mut stats = CellStats {
                cell: cell.cell.clone(),
                rng,
                steps: 0,
                violations: list.iter().map(|i| (i.name(), 0)).collect(),
                credit_zero_steps: 0,
                branches: policy.branches().iter().map(|&b| (b, 0)).collect(),
            };
            let mut digests = Vec::with_capacity(config.n_runs as usize);
            for run in 1..=config.n_runs {
                let tally = walk_seeded(
                    &cell.model,
                    policy,
                    &cell.behaviour,
                    laws,
                    &Streams::new(rng, seed),
                    run,
                    config.n_steps,
                );
                digests.push(tally.fingerprint);
                for (inv, seen) in tally.seen.iter() {
                    add_violations(&mut stats.violations, inv, seen.count);
                    let found = acc.found.entry(inv);
                    found.violations += seen.count;
                    if let (None, Some((t, detail))) = (&found.first_in_runs, &seen.first) {
                        found.first_in_runs = Some(Counterexample {
                            invariant: inv,
                            step: Some(*t),
                            detail: detail.clone(),
                            input: seeded(rng, run, *t),
                        });
                    }
                }
                merge_branches(&mut stats.branches, &tally.branches);
                merge_branches(&mut acc.branches, &tally.branches);
                for (total, hits) in acc.paths.iter_mut().zip(&tally.paths) {
                    *total += hits;
                }
                stats.steps += tally.steps;
                stats.credit_zero_steps += tally.credit_zero_steps;
            }
            let digests_on = |threads| {
                run_digests(
                    &cell.model,
                    policy,
                    &cell.behaviour,
                    &Streams::new(rng, seed),
                    config.n_runs,
                    config.n_steps,
                    threads,
                )
            };
            let checks = std::iter::once((Invariant::SAME_SEED_SAME_TRAJECTORY, 1, digests_on(1)))
                .chain(config.threads.iter().map(|&t| {
                    (
                        Invariant::THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT,
                        t,
                        digests_on(t),
                    )
                }));
            for (inv, threads, other) in checks {
                let bad: Vec<usize> = (0..digests.len())
                    .filter(|&k| digests[k] != other[k])
                    .collect();
                add_violations(&mut stats.violations, inv, bad.len() as u64);
                let found = acc.found.entry(inv);
                found.violations += bad.len() as u64;
                if let (Some(&k), None) = (bad.first(), &found.run_cx) {
                    found.run_cx = Some(Counterexample {
                        invariant: inv,
                        step: None,
                        detail: format!("run {} differs ({} threads)", k + 1, threads),
                        input: runs(rng, threads),
                    });
                }
            }
            acc.cells.push(stats);
        }
    }
    acc
}

/// Walks one tape case of `tapes` under `policy` and `laws`.
fn tape_walk<M, P, L, T>(tapes: &T, case: &T::Case, policy: &P, laws: &L) -> Tally<M::Payment>
where
    M: Model,
    P: CreditPolicy<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    let model = tapes.model(case);
    let tape = tapes.tape(case);
    walk_tape(&model, policy, &tape, laws, tapes.len(case))
}

/// The tape pass: one pass over every case, then a shrinking pass per violated law.
fn tape_pass<M, P, L, T>(acc: &mut Acc, tapes: &T, policy: &P, laws: &L, config: &HarnessConfig)
where
    M: Model,
    P: CreditPolicy<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    if config.tape_cases == 0 {
        return;
    }
    acc.tapes_run = true;
    let strategy = tapes.strategy(config.tape_len_max);
    let seen = RefCell::new((ByInvariant::<u64>::new(&[]), Vec::new()));
    let mut runner = tape_runner(config);
    let _ = runner.run(&strategy, |case| {
        let tally = tape_walk(tapes, &case, policy, laws);
        let mut seen = seen.borrow_mut();
        for (inv, s) in tally.seen.iter() {
            *seen.0.entry(inv) += u64::from(s.count > 0);
        }
        merge_branches(&mut seen.1, &tally.branches);
        Ok(())
    });
    let (counts, tape_branches) = seen.into_inner();
    merge_branches(&mut acc.branches, &tape_branches);
    for (inv, cases) in counts.into_values() {
        acc.found.entry(inv).tape_cases = cases;
        if cases == 0 {
            continue;
        }
        let mut runner = tape_runner(config);
        let result = runner.run(&strategy, |case| {
            if tape_walk(tapes, &case, policy, laws).violated(inv) {
                Err(proptest::test_runner::TestCaseError::fail(inv.name()))
            } else {
                Ok(())
            }
        });
        if let Err(TestError::Fail(_, case)) = result {
            let tally = tape_walk(tapes, &case, policy, laws);
            let first = tally.seen.get(inv.name()).and_then(|s| s.first.clone());
            acc.found.entry(inv).shrunk = first.map(|(t, detail)| {
                let mut drawn = tally.drawn;
                drawn.truncate(usize::try_from(t).unwrap_or(usize::MAX));
                Counterexample {
                    invariant: inv,
                    step: Some(t),
                    detail,
                    input: tapes.counterexample(&case, drawn),
                }
            });
        }
    }
}

/// The report of the passes: every invariant of the check (its list, then any other a law
/// reported), their kinds as `policy` declares them, the policy's branches and the
/// behaviour's paths as goals.
fn finish<M: Model, P: CreditPolicy<M>>(
    acc: Acc,
    policy: &P,
    config: &HarnessConfig,
) -> HarnessReport {
    let observed = policy.observed_invariants();
    let invariants = acc
        .found
        .into_values()
        .map(|(inv, f)| InvariantReport {
            invariant: inv,
            kind: inv.kind_under(observed),
            violations: f.violations,
            tape_cases: f.tape_cases,
            counterexample: f
                .shrunk
                .or_else(|| f.first_in_runs.clone())
                .or(f.probe_cx)
                .or(f.run_cx),
            first_in_runs: f.first_in_runs,
        })
        .collect();
    let hits = |b: &str| {
        acc.branches
            .iter()
            .find(|(x, _)| *x == b)
            .map_or(0, |&(_, h)| h)
    };
    let goals = policy
        .branches()
        .iter()
        .map(|&b| GoalReport {
            goal: Goal::Branch(b),
            hits: hits(b),
        })
        .chain(
            acc.path_names
                .iter()
                .zip(&acc.paths)
                .map(|(&p, &hits)| GoalReport {
                    goal: Goal::Path(p),
                    hits,
                }),
        )
        .collect();
    let mut config = config.clone();
    if !acc.tapes_run {
        config.tape_cases = 0;
    }
    HarnessReport {
        policy: config.policy.clone(),
        invariants,
        goals,
        cells: acc.cells,
        config,
    }
}

/// Checks `policy` on any model: seeded runs of every cell with each of `config.rngs`
/// (`config.n_runs` runs of `config.n_steps` steps, seed `config.seed`), every step
/// against the generic laws (`Invariant::GENERIC`) and the model's own `laws`, the
/// policy's branches and the behaviour's paths as goals, determinism on one thread and
/// on each of `config.threads` (see [`check_model_tapes`] for a tape search too).
///
/// The kinds come from [`CreditPolicy::observed_invariants`]; counterexamples replay on
/// their cell ([`ReplayInput::Seeded`], [`ReplayInput::Runs`]).
pub fn check_model<M, P, B, L>(
    cells: &[ModelCell<M, B>],
    policy: &P,
    laws: &L,
    config: &HarnessConfig,
) -> Result<HarnessReport, ParamError>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    check_cells::<M, P, B, L, NoTapes>(cells, policy, laws, None, &[], |_| {}, config)
}

/// [`check_model`] plus a shrinking search over the model's tapes: `config.tape_cases`
/// cases of up to `config.tape_len_max` steps from `tapes`, each violated law shrunk to a
/// minimal case whose drawn payments are its counterexample
/// ([`Tapes::counterexample`]).
pub fn check_model_tapes<M, P, B, L, T>(
    cells: &[ModelCell<M, B>],
    policy: &P,
    laws: &L,
    tapes: &T,
    config: &HarnessConfig,
) -> Result<HarnessReport, ParamError>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    check_cells(cells, policy, laws, Some(tapes), &[], |_| {}, config)
}

/// The whole check: the seeded pass over `cells`, the tape search over `tapes` when given
/// (and `config.tape_cases` > 0), and the laws of the rule on its own (`rule_laws`, listed
/// after the ledger laws) whose findings `probes` adds ([`RuleFindings`]: V1 probes its
/// rule on a grid of inputs).
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_cells<M, P, B, L, T>(
    cells: &[ModelCell<M, B>],
    policy: &P,
    laws: &L,
    tapes: Option<&T>,
    rule_laws: &[Invariant],
    probes: impl FnOnce(&mut RuleFindings<'_>),
    config: &HarnessConfig,
) -> Result<HarnessReport, ParamError>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    validate_cells(cells, config)?;
    let list = report_order(laws.invariants(), rule_laws)?;
    let mut acc = seeded_pass(&list, cells, policy, laws, config);
    if let Some(tapes) = tapes {
        tape_pass(&mut acc, tapes, policy, laws, config);
    }
    probes(&mut RuleFindings { acc: &mut acc });
    Ok(finish(acc, policy, config))
}

/// Where the laws of a rule on its own (a model's probes) add what they found.
pub(crate) struct RuleFindings<'a> {
    acc: &'a mut Acc,
}

impl RuleFindings<'_> {
    /// Adds `violations` of `invariant` and its first counterexample, if any.
    pub(crate) fn add(
        &mut self,
        invariant: Invariant,
        violations: u64,
        first: Option<Counterexample>,
    ) {
        let found = self.acc.found.entry(invariant);
        found.violations += violations;
        if found.probe_cx.is_none() {
            found.probe_cx = first;
        }
    }
}

/// No tapes: the type of [`check_model`]'s absent tape search.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NoTapes {}

impl<M: Model> crate::model::Behaviour<M> for NoTapes {
    type Memory = ();
    fn draw<R: rand_core::Rng + ?Sized>(
        &self,
        _: &crate::model::Cx<'_, M>,
        _: &mut R,
        _: &mut (),
    ) -> crate::model::Draw<M::Payment> {
        match *self {}
    }
}

impl<M: Model> Tapes<M> for NoTapes {
    type Case = ();
    type Tape = NoTapes;
    fn strategy(&self, _: usize) -> BoxedStrategy<()> {
        match *self {}
    }
    fn model(&self, _: &()) -> M {
        match *self {}
    }
    fn tape(&self, _: &()) -> NoTapes {
        match *self {}
    }
    fn len(&self, _: &()) -> u64 {
        match *self {}
    }
    fn counterexample(&self, _: &(), _: Vec<M::Payment>) -> ReplayInput {
        match *self {}
    }
}

/// Walks one case of `tapes` under the generic laws and `laws`, and returns every step
/// violation it shows.
pub fn check_model_tape<M, P, L, T>(
    tapes: &T,
    case: &T::Case,
    policy: &P,
    laws: &L,
) -> Vec<ReplayFinding>
where
    M: Model,
    P: CreditPolicy<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    tally_findings(&tape_walk(tapes, case, policy, laws))
}

fn validate_cells<M, B>(
    cells: &[ModelCell<M, B>],
    config: &HarnessConfig,
) -> Result<(), ParamError> {
    config.validate()?;
    if cells.is_empty() {
        return Err(ParamError::new("cells", "[]", "at least one cell"));
    }
    Ok(())
}

/// A proptest runner seeded from the configuration's seed: the same seed gives the same
/// cases and the same shrunk counterexamples.
pub(crate) fn tape_runner(config: &HarnessConfig) -> TestRunner {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&config.seed.to_le_bytes());
    key[8..16].copy_from_slice(b"tapes v1");
    let pconfig = ProptestConfig {
        cases: config.tape_cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        max_shrink_iters: 100_000,
        verbose: 0,
        ..ProptestConfig::default()
    };
    TestRunner::new_with_rng(pconfig, TestRng::from_seed(RngAlgorithm::ChaCha, &key))
}
