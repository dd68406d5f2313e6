//! Walking runs under the catalog, on the one run loop: a walk is [`Stepper::step`] (through
//! [`crate::model::Streams::run`] for seeded runs) with a [`Checker`] as its observer, which
//! checks every step against the generic laws and the model's own ([`Laws`]) and counts the
//! branches and paths it sees by name. A run's digest is an observer too ([`Digest`]).

use std::convert::Infallible;

use rand_core::Rng;

use crate::model::{
    Behaviour, CreditPolicy, Cx, Flow, Model, Observer, RunError, StepError, StepEvent, Stepper,
    Streams, Value, WithRng,
};

use super::invariants::ByInvariant;
use super::laws::Laws;
use crate::catalog::{Invariant, StepCells, check_step, law_of_failure, ordered};

/// What one walk saw of one invariant.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    /// Violating steps.
    pub(crate) count: u64,
    /// The first violation: (timestep, description).
    pub(crate) first: Option<(u64, String)>,
}

/// What one walk saw.
#[derive(Debug, Clone)]
pub(crate) struct Tally<P> {
    /// Per invariant of the walk's laws (generic and the model's own, in report order).
    pub(crate) seen: ByInvariant<Seen>,
    /// Steps per branch, by name (the policy's branches first, in its order, then any
    /// other name a limit carried, in the order first seen).
    pub(crate) branches: Vec<(&'static str, u64)>,
    /// Steps per draw path (bit `i` of [`crate::model::Draw::paths`]).
    pub(crate) paths: Vec<u64>,
    /// Steps taken.
    pub(crate) steps: u64,
    /// Steps whose limit was 0.
    pub(crate) credit_zero_steps: u64,
    /// An FNV-1a digest of what the step laws read of every state, genesis included (its
    /// whole row, then each step's [`StepCells`]).
    pub(crate) fingerprint: u64,
    /// The payments drawn, in order (a tape's entries resolved).
    pub(crate) drawn: Vec<P>,
}

impl<P> Tally<P> {
    fn new(list: &[Invariant], branches: &'static [&'static str], n_paths: usize) -> Self {
        Tally {
            seen: ByInvariant::new(list),
            branches: branches.iter().map(|&b| (b, 0)).collect(),
            paths: vec![0; n_paths],
            steps: 0,
            credit_zero_steps: 0,
            fingerprint: FNV_OFFSET,
            drawn: Vec::new(),
        }
    }

    fn violate(&mut self, invariant: Invariant, t: u64, detail: String) {
        let seen = self.seen.entry(invariant);
        seen.count += 1;
        if seen.first.is_none() {
            seen.first = Some((t, detail));
        }
    }

    /// True when `invariant` was violated on this walk.
    pub fn violated(&self, invariant: Invariant) -> bool {
        self.seen.get(invariant.name()).is_some_and(|s| s.count > 0)
    }

    #[inline]
    fn count_branch(&mut self, name: &'static str) {
        // A policy names its branches with the constants it declares: the pointers agree.
        let same = |b: &str| (b.as_ptr() == name.as_ptr() && b.len() == name.len()) || b == name;
        match self.branches.iter_mut().find(|(b, _)| same(b)) {
            Some((_, hits)) => *hits += 1,
            None => self.branches.push((name, 1)),
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, word: u64) -> u64 {
    for b in word.to_le_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// An FNV-1a digest step over what `cells` read last ([`StepCells`]): the members whose
/// cells it read, when it read only theirs, then the cells (floats by their bits). A whole
/// row is digested as its values alone.
fn digest_cells(h: u64, cells: &StepCells) -> u64 {
    let h = cells.touched().iter().map(|&m| m as u64).fold(h, fnv);
    digest_values(h, cells.cells())
}

/// An FNV-1a digest step over a row already made.
fn digest_values(h: u64, row: &[Value]) -> u64 {
    row.iter()
        .map(|v| match *v {
            Value::Int(i) => i as u64,
            Value::Count(n) => n,
            Value::Float(x) => x.to_bits(),
        })
        .fold(h, fnv)
}

/// The checking observer: every step against the generic laws and `laws`, branches and
/// paths counted by name.
pub(crate) struct Checker<'a, M: Model, L: Laws<M>> {
    model: &'a M,
    laws: &'a L,
    record: Option<L::Record>,
    /// What the generic step laws and the digest read of each state.
    cells: StepCells,
    /// How many members' limits are 0 in the last state seen.
    zero_limits: usize,
    pub(crate) tally: Tally<M::Payment>,
}

impl<'a, M: Model, L: Laws<M>> Checker<'a, M, L> {
    pub fn new(
        model: &'a M,
        laws: &'a L,
        branches: &'static [&'static str],
        n_paths: usize,
    ) -> Self {
        Checker {
            model,
            laws,
            record: None,
            cells: StepCells::default(),
            zero_limits: 0,
            tally: Tally::new(&ordered(laws.invariants(), &[]), branches, n_paths),
        }
    }

    /// Records the error that ended the walk at step `t`, which started from `from` (the
    /// state the run stopped at): a negative (or non-finite) limit violates
    /// `credit_non_negative`, any other error `step_is_defined`.
    pub(crate) fn failed(&mut self, t: u64, error: StepError, from: &M::State) {
        let from = format!(", from {from:?}");
        let detail = match error {
            StepError::BadLimit { value, branch } if value < 0.0 => {
                format!("credit({t}) = {value} < 0 ({branch} branch{from})")
            }
            StepError::BadLimit { value, branch } => {
                format!("credit({t}) = {value} is not finite ({branch} branch{from})")
            }
            e => format!("step {t}: {e}"),
        };
        self.tally.violate(law_of_failure(&error), t, detail);
    }
}

impl<M: Model, L: Laws<M>> Observer<M> for Checker<'_, M, L> {
    type Error = Infallible;

    fn genesis(&mut self, state: &M::State) -> Result<(), Infallible> {
        let model = self.model;
        self.record = Some(self.laws.record(model, state));
        self.cells.read_genesis(model, state);
        self.tally.fingerprint = digest_cells(FNV_OFFSET, &self.cells);
        self.zero_limits = (0..model.n_members())
            .filter(|&m| model.ledger(state, m).limit == 0.0)
            .count();
        Ok(())
    }

    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, Infallible> {
        let t = event.t;
        let tally = &mut self.tally;
        for (_, limit) in event.limits.iter() {
            tally.count_branch(limit.branch);
        }
        for (k, hits) in tally.paths.iter_mut().enumerate() {
            *hits += u64::from(k < 32 && event.drawn.paths & (1 << k) != 0);
        }
        // The step's cells are read once: for the finiteness law and for the digest.
        let model = self.model;
        check_step(model, event, &mut self.cells, &mut |inv, detail| {
            tally.violate(inv, t, detail)
        });
        if let Some(record) = &mut self.record {
            self.laws
                .check(self.model, record, event, &mut |inv, detail| {
                    tally.violate(inv, t, detail)
                });
        }
        tally.steps += 1;
        let zero = |state, m| usize::from(model.ledger(state, m).limit == 0.0);
        let touched = self.cells.touched();
        if touched.is_empty() {
            // A whole row read: every member counted again.
            self.zero_limits = (0..model.n_members()).map(|m| zero(event.next, m)).sum();
        } else {
            // Only the touched members' limits can have changed: exact, whole counts.
            for &m in touched {
                self.zero_limits =
                    (self.zero_limits + zero(event.next, m)).saturating_sub(zero(event.prev, m));
            }
        }
        tally.credit_zero_steps += u64::from(self.zero_limits > 0);
        tally.fingerprint = digest_cells(tally.fingerprint, &self.cells);
        tally.drawn.push(event.drawn.payment);
        Ok(Flow::Continue)
    }
}

/// Walks run `run` of `seed` on the generator family `rng` for `n_steps` steps, checking
/// every step.
#[allow(clippy::too_many_arguments)]
pub(crate) fn walk_seeded<M, P, B, L>(
    model: &M,
    policy: &P,
    behaviour: &B,
    laws: &L,
    streams: &Streams,
    run: u64,
    n_steps: u64,
) -> Tally<M::Payment>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    /// The walk on run `run`'s generator: [`Streams::run`]'s run loop, on a [`Stepper`]
    /// kept so that a failed step's detail names the state it started from.
    struct Walk<'a, M: Model, P: CreditPolicy<M>, B: Behaviour<M>, L: Laws<M>> {
        stepper: Stepper<'a, M, P, B>,
        checker: Checker<'a, M, L>,
        n_steps: u64,
    }
    impl<M: Model, P: CreditPolicy<M>, B: Behaviour<M>, L: Laws<M>> WithRng for Walk<'_, M, P, B, L> {
        type Output = Tally<M::Payment>;
        fn with<R: Rng>(self, rng: &mut R) -> Tally<M::Payment> {
            let Walk {
                mut stepper,
                mut checker,
                n_steps,
            } = self;
            if let Err(RunError::Step { timestep, source }) =
                stepper.run(rng, n_steps, &mut checker)
            {
                checker.failed(timestep, source, stepper.state());
            }
            checker.tally
        }
    }
    streams.with_rng(
        run,
        Walk {
            stepper: Stepper::new(model, policy, behaviour, n_steps),
            checker: Checker::new(model, laws, policy.branches(), behaviour.paths().len()),
            n_steps,
        },
    )
}

/// Walks a tape: `tape` is a behaviour that draws nothing from its generator, run for
/// `n_steps` steps. When a step fails, the payment the tape would have drawn at that step
/// is added to [`Tally::drawn`], so that the drawn payments replay the failure.
pub(crate) fn walk_tape<M, P, B, L>(
    model: &M,
    policy: &P,
    tape: &B,
    laws: &L,
    n_steps: u64,
) -> Tally<M::Payment>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    let mut rng = no_draws();
    let mut checker = Checker::new(model, laws, policy.branches(), tape.paths().len());
    let mut stepper = Stepper::new(model, policy, tape, n_steps);
    // The checker never fails (its error type is uninhabited); a failed step leaves the
    // stepper at the state it stopped at, where the tape's pending payment is read.
    if let Err(RunError::Step { timestep, source }) = stepper.run(&mut rng, n_steps, &mut checker) {
        checker.failed(timestep, source, stepper.state());
        let cx = Cx {
            model,
            t: timestep,
            prev: stepper.state(),
            history: stepper.history(),
            member: 0,
        };
        let pending = tape.draw(&cx, &mut rng, &mut B::Memory::default());
        checker.tally.drawn.push(pending.payment);
    }
    checker.tally
}

/// The digest of a run's rows: an observer.
pub(crate) struct Digest<'a, M> {
    model: &'a M,
    /// What the digest reads of each state: what the checker's digest reads.
    cells: StepCells,
    /// The digest so far.
    pub(crate) hash: u64,
}

impl<'a, M: Model> Digest<'a, M> {
    pub fn new(model: &'a M) -> Self {
        Digest {
            model,
            cells: StepCells::default(),
            hash: FNV_OFFSET,
        }
    }
}

impl<M: Model> Observer<M> for Digest<'_, M> {
    type Error = Infallible;
    fn genesis(&mut self, state: &M::State) -> Result<(), Infallible> {
        self.cells.read_genesis(self.model, state);
        self.hash = digest_cells(self.hash, &self.cells);
        Ok(())
    }
    fn step(&mut self, event: &StepEvent<'_, M>) -> Result<Flow, Infallible> {
        self.cells.read_step(self.model, event);
        self.hash = digest_cells(self.hash, &self.cells);
        Ok(Flow::Continue)
    }
}

/// The digest of a plain seeded run (no checking), to compare runs for determinism. A
/// failing step ends the digest; the checked walk reports the failure itself.
pub(crate) fn run_digest<M, P, B>(
    model: &M,
    policy: &P,
    behaviour: &B,
    streams: &Streams,
    run: u64,
    n_steps: u64,
) -> u64
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
{
    let mut digest = Digest::new(model);
    let _ = streams.run(run, model, policy, behaviour, n_steps, &mut digest);
    digest.hash
}

/// The digests of runs 1..=n_runs, on `threads` threads through the ordered executor
/// ([`crate::parallel::ordered_runs`]); one thread computes them in order on this thread.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_digests<M, P, B>(
    model: &M,
    policy: &P,
    behaviour: &B,
    streams: &Streams,
    n_runs: u64,
    n_steps: u64,
    threads: usize,
) -> Vec<u64>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
{
    let one = |run: u64| run_digest(model, policy, behaviour, streams, run, n_steps);
    let pool = match threads {
        0 | 1 => None,
        t => crate::parallel::pool(t).ok(),
    };
    let Some(pool) = pool else {
        return (1..=n_runs).map(one).collect();
    };
    let mut out = Vec::with_capacity(n_runs as usize);
    let chunking = crate::parallel::Chunking {
        runs_per_task: 1,
        tasks_per_window: 4 * threads,
    };
    let done: Result<(), Infallible> = crate::parallel::ordered_runs(
        &pool,
        n_runs,
        chunking,
        |runs, buf| {
            for run in runs {
                buf.extend_from_slice(&one(run).to_le_bytes());
            }
            Ok(())
        },
        |buf, _| {
            out.extend(
                buf.chunks_exact(8)
                    .map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))),
            );
            Ok(())
        },
    );
    let Ok(()) = done;
    out
}

/// A generator for behaviours that draw nothing (tapes): it only fills the parameter.
fn no_draws() -> impl Rng {
    crate::draws::chacha_rng(0, 0, 0)
}
