//! The one seam where a model's fast paths are chosen: the runs of a resolved spec
//! ([`Runs`]), which every workflow — `simulate`, sweeps, `compare`, scenarios — asks the
//! registry for (`super::Registry::runs`) instead of building a plan itself.
//!
//! By default the runs are the spec's plan with its rule and user behind their boxes
//! ([`crate::registry::RunSpec::plan`]). A model may register [`Engines`] that serve some specs
//! faster or differently — V1 runs the notebook's spec on either of its histories, steps
//! `--summary` runs in vector lanes, and draws the notebook's user unboxed — and no
//! workflow ever asks "is this the notebook's plan?" itself.

use std::cell::Cell;
use std::convert::Infallible;
use std::io;
use std::ops::RangeInclusive;

use rand_core::{Rng, TryRng};

use crate::metrics::{Metered, RunFold, SummaryFold};
use crate::model::{
    Behaviour, CreditPolicy, Flow, MemberGroups, Model, Observer, Plan, RunError, StepEvent,
    Streams, WithRng,
};
use crate::registry::RunSpec;
use crate::spec::SpecError;

/// An observer a workflow hands the runs it was given (a CSV writer, a comparison's
/// record): its errors are I/O errors.
pub(crate) type Sink<'a, M> = dyn Observer<M, Error = io::Error> + 'a;

/// The name of the engine every model has: its own run loop on the spec's plan.
pub(crate) const EXACT: &str = "exact";

/// The runs of one resolved spec on one engine.
pub trait Runs<M: Model>: Send + Sync {
    /// The model the runs step (what observers read rows and ledgers of).
    fn model(&self) -> &M;

    /// The engine's name (`exact` unless a model's [`Engines`] serve the spec).
    fn engine(&self) -> &'static str;

    /// Runs run `run` (1-based) of `streams` for `n_steps` steps, handing the genesis state
    /// and every step to `observer`; with `words`, counts the 32-bit generator words every
    /// step draws into it (what `compare` aligns its sides by).
    fn run(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut Sink<'_, M>,
        words: Option<&Cell<u64>>,
    ) -> Result<(), RunError<io::Error>>;

    /// The summary fold (`RunFold::summary`) of each of `runs`, in run order: by default
    /// one run after another through [`Runs::run`].
    fn folds(
        &self,
        streams: &Streams,
        runs: RangeInclusive<u64>,
        n_steps: u64,
    ) -> Vec<Result<RunFold, RunError<Infallible>>>
    where
        M: Metered,
    {
        runs.map(|run| {
            let mut fold = Infallibly(SummaryFold::new(self.model()));
            match self.run(streams, run, n_steps, &mut fold, None) {
                Ok(()) => Ok(fold.0.into_fold().unwrap_or_else(RunFold::empty)),
                Err(RunError::Step { timestep, source }) => {
                    Err(RunError::Step { timestep, source })
                }
                Err(RunError::Observe(e)) => unreachable!("a fold never fails: {e}"),
            }
        })
        .collect()
    }

    /// How many runs [`Runs::folds`] is best handed at a time (a block of lanes: V1's
    /// summaries step 16 runs together); 1 by default.
    fn block_len(&self) -> u64 {
        1
    }

    /// The member groups of the runs' user ([`Behaviour::member_groups`]) for the model's
    /// members, whose figures the metrics' fold tallies per group; `None` by default.
    fn member_groups(&self) -> Option<MemberGroups> {
        None
    }
}

/// A model's engines: the specs it runs faster or differently than its own run loop on the
/// boxed plan (V1: the notebook's spec on the streaming history, in lanes; its user
/// unboxed).
pub trait Engines<M: Model>: Send + Sync {
    /// Every engine name a spec may ask for, `EXACT` first.
    fn names(&self) -> &'static [&'static str];

    /// The engine `spec` runs on when none is named and speed is what matters (`simulate`;
    /// sweeps, `compare` and scenarios always run `EXACT`).
    fn fastest(&self, spec: &RunSpec<M>) -> &'static str;

    /// The runs of `spec` on `engine` (one of [`Engines::names`]) when these engines serve
    /// them; `None` when the registry's boxed plan does. An engine that cannot run `spec`
    /// is an error that says which engine can.
    fn runs(
        &self,
        spec: &RunSpec<M>,
        engine: &'static str,
    ) -> Result<Option<Box<dyn Runs<M>>>, SpecError>;
}

/// An observer that never fails, seen as one whose errors are I/O errors (what [`Runs`]
/// take).
pub struct Infallibly<O>(pub O);

impl<M: Model + ?Sized, O: Observer<M, Error = Infallible>> Observer<M> for Infallibly<O> {
    type Error = io::Error;
    fn genesis(&mut self, state: &M::State) -> io::Result<()> {
        let Ok(()) = self.0.genesis(state);
        Ok(())
    }
    #[inline]
    fn step(&mut self, e: &StepEvent<'_, M>) -> io::Result<Flow> {
        let Ok(flow) = self.0.step(e);
        Ok(flow)
    }
}

/// A generator that counts the 32-bit words it hands out.
pub(crate) struct Counting<'a, G> {
    inner: G,
    words: &'a Cell<u64>,
}

impl<'a, G> Counting<'a, G> {
    /// `inner`, counting its words into `words`.
    pub fn new(inner: G, words: &'a Cell<u64>) -> Self {
        Counting { inner, words }
    }
}

impl<G: Rng> TryRng for Counting<'_, G> {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.words.set(self.words.get() + 1);
        Ok(self.inner.next_u32())
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.words.set(self.words.get() + 2);
        Ok(self.inner.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.words
            .set(self.words.get() + (dst.len() as u64).div_ceil(4));
        self.inner.fill_bytes(dst);
        Ok(())
    }
}

/// Runs run `run` of `plan` on `streams` through the one run loop, its generator counted
/// into `words` when given: the body of every plan's [`Runs::run`].
pub(crate) fn run_plan<M, P, B, O>(
    plan: &Plan<M, P, B>,
    streams: &Streams,
    run: u64,
    n_steps: u64,
    observer: &mut O,
    words: Option<&Cell<u64>>,
) -> Result<(), RunError<O::Error>>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    O: Observer<M> + ?Sized,
{
    let Some(words) = words else {
        return plan.run(streams, run, n_steps, observer);
    };
    struct Counted<'a, M, P, B, O: ?Sized> {
        plan: &'a Plan<M, P, B>,
        n_steps: u64,
        words: &'a Cell<u64>,
        observer: &'a mut O,
    }
    impl<M: Model, P: CreditPolicy<M>, B: Behaviour<M>, O: Observer<M> + ?Sized> WithRng
        for Counted<'_, M, P, B, O>
    {
        type Output = Result<(), RunError<O::Error>>;
        fn with<R: Rng>(self, rng: &mut R) -> Self::Output {
            let p = self.plan;
            let mut counting = Counting::new(rng, self.words);
            crate::model::run(
                &p.model,
                &p.policy,
                &p.behaviour,
                &mut counting,
                self.n_steps,
                self.observer,
            )
        }
    }
    streams.with_rng(
        run,
        Counted {
            plan,
            n_steps,
            words,
            observer,
        },
    )
}

/// Runs behind a box are runs.
impl<M: Model, R: Runs<M> + ?Sized> Runs<M> for Box<R> {
    fn model(&self) -> &M {
        (**self).model()
    }
    fn engine(&self) -> &'static str {
        (**self).engine()
    }
    fn run(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut Sink<'_, M>,
        words: Option<&Cell<u64>>,
    ) -> Result<(), RunError<io::Error>> {
        (**self).run(streams, run, n_steps, observer, words)
    }
    fn folds(
        &self,
        streams: &Streams,
        runs: RangeInclusive<u64>,
        n_steps: u64,
    ) -> Vec<Result<RunFold, RunError<Infallible>>>
    where
        M: Metered,
    {
        (**self).folds(streams, runs, n_steps)
    }
    fn block_len(&self) -> u64 {
        (**self).block_len()
    }
    fn member_groups(&self) -> Option<MemberGroups> {
        (**self).member_groups()
    }
}

/// Every plan runs on its model's own loop: the `EXACT` engine.
impl<M, P, B> Runs<M> for Plan<M, P, B>
where
    M: Model + Send,
    P: CreditPolicy<M> + Send,
    B: Behaviour<M> + Send,
{
    fn model(&self) -> &M {
        &self.model
    }

    fn engine(&self) -> &'static str {
        EXACT
    }

    fn run(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut Sink<'_, M>,
        words: Option<&Cell<u64>>,
    ) -> Result<(), RunError<io::Error>> {
        run_plan(self, streams, run, n_steps, observer, words)
    }

    fn member_groups(&self) -> Option<MemberGroups> {
        self.behaviour.member_groups(self.model.n_members())
    }
}
