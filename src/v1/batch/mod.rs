//! The batched engine: many runs stepped together, one step of every run at a time.
//!
//! A single run is a long chain of dependent arithmetic — the credit reads the means, the
//! means read the balance, the balance reads the payment, whose capacity test reads the
//! previous state — with divisions, the C library's `pow` and several roundings on it.
//! One run therefore leaves most of the processor idle, waiting for the chain. Runs are
//! independent of one another, so a block of runs ("lanes") is stepped side by side: step
//! t of every lane, then step t + 1.
//!
//! Two ways, one contract:
//! - [`run_notebook_lanes`]: the notebook's plan (V1 on the streaming history, its rule,
//!   its user) in structure-of-arrays lanes — each state field one array with a slot per
//!   lane, so the step's arithmetic is vector code — built from the same functions the
//!   scalar step uses (see its module, `notebook.rs`);
//! - [`run_lanes`]: any plan, each lane a [`Stepper`] (the body of the one run loop), so
//!   the processor overlaps the lanes' chains.
//!
//! Either way every lane's observer sees exactly the events [`crate::model::run`] would
//! show it for the same (seed, subset, run), bit for bit, and its outcome is that run's:
//! `tests/batch.rs` holds both to the scalar loop event by event. [`summaries`] is
//! `simulate --summary`'s entry, choosing the way by [`Lanes::of`].
//!
//! Each lane draws from its own generator, made from its own (seed, subset, run), so
//! nothing depends on which runs share a block, on the block's size or on the thread
//! count.

mod chacha;
mod notebook;

pub use notebook::{ARRAY_LANES, run_notebook_lanes};

use std::convert::Infallible;
use std::ops::RangeInclusive;

use rand_core::Rng;

use crate::draws::{RngKind, numpy_rng};
use crate::metrics::{RunFold, SummaryFold};
use crate::model::{
    Behaviour, CreditPolicy, Flow, Model, Observer, RunError, Stepper, numpy_run_seed,
};

use super::{Engine, NotebookUser, SimConfig, StreamingHistory, V1, V1Rule};

/// Runs stepped side by side by [`run_lanes`]: enough independent chains to keep the
/// processor busy, few enough that every lane's state stays in the first-level cache.
pub(crate) const LANES: usize = 8;

/// Runs one run per lane — `n_steps` steps of `policy` and `behaviour` on `model`, lane `i`
/// drawing from `rngs[i]` and handing its genesis state and steps to `observers[i]` — and
/// returns each lane's outcome, in lane order.
///
/// Lane `i`'s observer sees exactly what
/// `run(model, policy, behaviour, &mut rngs[i], n_steps, &mut observers[i])` would show it,
/// and its result is that call's: a lane whose step or observer fails, or whose observer
/// stops, ends there while the other lanes go on. The lanes are stepped `LANES` at a
/// time; any number of lanes is accepted (the last block may be partly filled).
///
/// # Panics
///
/// When `rngs` and `observers` differ in length (a caller's bug).
pub fn run_lanes<M, P, B, R, O>(
    model: &M,
    policy: &P,
    behaviour: &B,
    rngs: &mut [R],
    n_steps: u64,
    observers: &mut [O],
) -> Vec<Result<(), RunError<O::Error>>>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    R: Rng,
    O: Observer<M>,
{
    assert_eq!(
        rngs.len(),
        observers.len(),
        "run_lanes: one generator per observer"
    );
    let mut results = Vec::with_capacity(rngs.len());
    for (rngs, observers) in rngs.chunks_mut(LANES).zip(observers.chunks_mut(LANES)) {
        let block = Block::new(model, policy, behaviour, n_steps, rngs, observers);
        results.extend(block.run(n_steps, rngs, observers));
    }
    results
}

/// Up to [`LANES`] runs in progress, each a [`Stepper`], with whether it is still going.
struct Block<'a, M: Model, P: CreditPolicy<M>, B: Behaviour<M>, E> {
    steppers: Vec<Stepper<'a, M, P, B>>,
    outcomes: Vec<Option<Result<(), RunError<E>>>>,
}

impl<'a, M: Model, P: CreditPolicy<M>, B: Behaviour<M>, E> Block<'a, M, P, B, E> {
    /// The block's runs at their genesis states, which every observer has seen (a lane
    /// whose observer refuses it is over).
    fn new<R: Rng, O: Observer<M, Error = E>>(
        model: &'a M,
        policy: &'a P,
        behaviour: &'a B,
        n_steps: u64,
        rngs: &mut [R],
        observers: &mut [O],
    ) -> Self {
        let mut steppers = Vec::with_capacity(rngs.len());
        let mut outcomes = Vec::with_capacity(rngs.len());
        for (rng, observer) in rngs.iter_mut().zip(observers.iter_mut()) {
            let mut stepper = Stepper::new(model, policy, behaviour, n_steps);
            // Zero steps: the stepper hands its genesis state on and takes no step.
            let genesis = stepper.run(rng, 0, observer);
            outcomes.push(genesis.err().map(Err));
            steppers.push(stepper);
        }
        Block { steppers, outcomes }
    }

    /// Steps every lane still going `n_steps` times, step by step across the lanes.
    fn run<R: Rng, O: Observer<M, Error = E>>(
        mut self,
        n_steps: u64,
        rngs: &mut [R],
        observers: &mut [O],
    ) -> impl Iterator<Item = Result<(), RunError<E>>> {
        let mut n_live = self.outcomes.iter().filter(|o| o.is_none()).count();
        for _ in 0..n_steps {
            if n_live == 0 {
                break;
            }
            let lanes = self
                .steppers
                .iter_mut()
                .zip(rngs.iter_mut())
                .zip(observers.iter_mut())
                .zip(self.outcomes.iter_mut());
            for (((stepper, rng), observer), outcome) in lanes {
                if outcome.is_some() {
                    continue;
                }
                match stepper.step(rng, observer) {
                    Ok(Flow::Continue) => {}
                    Ok(Flow::Stop) => {
                        *outcome = Some(Ok(()));
                        n_live -= 1;
                    }
                    Err(e) => {
                        *outcome = Some(Err(e));
                        n_live -= 1;
                    }
                }
            }
        }
        self.outcomes.into_iter().map(|o| o.unwrap_or(Ok(())))
    }
}

/// Which way [`summaries`] steps the runs of `config` on `engine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lanes {
    /// [`run_notebook_lanes`]: structure-of-arrays lanes (ChaCha streams on the streaming
    /// history).
    Arrays,
    /// [`run_lanes`]: a [`Stepper`] a lane (numpy's generator on the streaming history).
    Steppers,
    /// One run after another through the scalar loop: the exact history, whose lanes were
    /// no faster (`BENCHMARKS.md`, "Batched engine") and would hold `LANES` histories of
    /// O(steps) each.
    Scalar,
}

impl Lanes {
    /// The way runs of `config` on `engine` are stepped.
    pub fn of(config: &SimConfig, engine: Engine) -> Self {
        match (engine, config.rng()) {
            (Engine::Streaming, RngKind::Chacha) => Lanes::Arrays,
            (Engine::Streaming, RngKind::Numpy) => Lanes::Steppers,
            (Engine::Exact, _) => Lanes::Scalar,
        }
    }
}

/// The summary fold (`RunFold::summary`) of every run in `runs` (1-based) of `config`
/// (the V1 rule and the notebook's user) on `engine`, in run order: what
/// [`crate::v1::simulate_run_with`] folds run by run, stepped in lanes ([`Lanes::of`] says
/// how).
/// Run r draws from the generator `crate::model::Streams::with_rng` makes for it.
pub fn summaries(
    config: &SimConfig,
    engine: Engine,
    runs: RangeInclusive<u64>,
) -> Vec<Result<RunFold, RunError<Infallible>>> {
    let seed = config.seed();
    let numpy = |run| numpy_rng(numpy_run_seed(seed, run));
    let params = config.params();
    let model = V1::<StreamingHistory>::new(params);
    let user = NotebookUser::from_params(params);
    let rule = V1Rule::default();
    match Lanes::of(config, engine) {
        Lanes::Arrays => by_blocks(&model, runs, |block, observers| {
            let streams = (seed, 0);
            run_notebook_lanes(
                &model,
                &rule,
                &user,
                streams,
                block,
                config.n_steps(),
                observers,
            )
        }),
        Lanes::Steppers => by_blocks(&model, runs, |block, observers| {
            let mut rngs: Vec<_> = block.map(numpy).collect();
            run_lanes(&model, &rule, &user, &mut rngs, config.n_steps(), observers)
        }),
        Lanes::Scalar => runs
            .map(|run| super::sim::fold_run(config, engine, run))
            .collect(),
    }
}

/// The summaries of `runs`, one block of [`ARRAY_LANES`] runs at a time (the generators and
/// folds of a block, no more): `drive(block, folds)` runs the block's runs, each observed
/// by its fold, and returns their outcomes.
fn by_blocks<'m>(
    model: &'m V1<StreamingHistory>,
    runs: RangeInclusive<u64>,
    mut drive: impl FnMut(
        RangeInclusive<u64>,
        &mut [SummaryFold<'m, V1<StreamingHistory>>],
    ) -> Vec<Result<(), RunError<Infallible>>>,
) -> Vec<Result<RunFold, RunError<Infallible>>> {
    let mut out = Vec::new();
    let (first, last) = (*runs.start(), *runs.end());
    let mut start = first;
    while start <= last {
        let end = start.saturating_add(ARRAY_LANES as u64 - 1).min(last);
        let mut folds: Vec<_> = (start..=end).map(|_| SummaryFold::new(model)).collect();
        let results = drive(start..=end, &mut folds);
        out.extend(
            results
                .into_iter()
                .zip(folds)
                .map(|(r, f)| r.map(|()| f.into_fold().unwrap_or_else(RunFold::empty))),
        );
        if end == u64::MAX {
            break;
        }
        start = end + 1;
    }
    out
}
