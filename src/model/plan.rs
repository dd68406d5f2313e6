//! Seeded runs: what one run drives ([`Plan`]: a model, a credit policy, a behaviour),
//! where its draws come from ([`Streams`]: generator, seed, subset), and the one entry that
//! joins them — [`Streams::run`], which [`Plan::run`] calls — on the one run loop.
//!
//! Run r's generator is made in one place, [`Streams::with_rng`], from (generator, seed,
//! subset, r) alone: never from run order or thread count.

use rand_core::Rng;

use crate::draws::{RngKind, chacha_rng, numpy_rng};

use super::{Behaviour, CreditPolicy, Model, Observer, RunError};

/// What the runs of a spec drive, for any model: the model, the credit policy and the
/// behaviour (a resolved spec's is [`crate::registry::RunSpec::plan`]; a model variant builds
/// its own).
#[derive(Debug, Clone)]
pub struct Plan<M, P, B> {
    /// The model (with its parameters).
    pub model: M,
    /// The credit policy (a [`crate::registry::PolicyBox`] for a rule named at run time).
    pub policy: P,
    /// The behaviour drawing the payments.
    pub behaviour: B,
}

impl<M: Model, P: CreditPolicy<M>, B: Behaviour<M>> Plan<M, P, B> {
    /// Runs run `run` (1-based) of this plan on its stream of `streams`, for `n_steps`
    /// steps, handing the genesis state and every step to `observer` ([`Streams::run`]).
    pub fn run<O: Observer<M> + ?Sized>(
        &self,
        streams: &Streams,
        run: u64,
        n_steps: u64,
        observer: &mut O,
    ) -> Result<(), RunError<O::Error>> {
        streams.run(
            run,
            &self.model,
            &self.policy,
            &self.behaviour,
            n_steps,
            observer,
        )
    }
}

/// Where the runs of a spec draw from: the generator family, the seed and the subset (a
/// sweep cell's index; 0 for `simulate`, `compare` and scenarios).
///
/// Run r (1-based) draws from numpy's `RandomState(seed + r − 1)` (numpy streams have no
/// subsets: `subset` is not used) or from `chacha_rng(seed, subset, r)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streams {
    /// The generator family.
    pub(crate) rng: RngKind,
    /// The seed.
    pub(crate) seed: u64,
    /// The subset (ChaCha only).
    pub(crate) subset: u64,
}

/// A computation that needs a run's generator, whatever its type: the argument of
/// [`Streams::with_rng`] (a closure generic over the generator, which Rust closures
/// cannot be).
pub(crate) trait WithRng {
    /// What the computation returns.
    type Output;
    /// Runs the computation on `rng`.
    fn with<R: Rng>(self, rng: &mut R) -> Self::Output;
}

impl Streams {
    /// The streams of (`rng`, `seed`), subset 0.
    pub fn new(rng: RngKind, seed: u64) -> Self {
        Streams {
            rng,
            seed,
            subset: 0,
        }
    }

    /// The same streams in subset `subset` (a sweep cell's).
    pub(crate) fn subset(self, subset: u64) -> Self {
        Streams { subset, ..self }
    }

    /// Calls `f` with the generator of run `run` (1-based): the one place a run's
    /// generator is made from its seed.
    pub(crate) fn with_rng<W: WithRng>(&self, run: u64, f: W) -> W::Output {
        match self.rng {
            RngKind::Numpy => f.with(&mut numpy_rng(numpy_run_seed(self.seed, run))),
            RngKind::Chacha => f.with(&mut chacha_rng(self.seed, self.subset, run)),
        }
    }

    /// Runs run `run` (1-based) of (`model`, `policy`, `behaviour`) through the one run
    /// loop ([`super::run`]) on its generator (`Streams::with_rng`) for `n_steps` steps:
    /// the one seeded-run entry.
    pub fn run<M, P, B, O>(
        &self,
        run: u64,
        model: &M,
        policy: &P,
        behaviour: &B,
        n_steps: u64,
        observer: &mut O,
    ) -> Result<(), RunError<O::Error>>
    where
        M: Model,
        P: CreditPolicy<M>,
        B: Behaviour<M>,
        O: Observer<M> + ?Sized,
    {
        struct Run<'a, M, P, B, O: ?Sized> {
            model: &'a M,
            policy: &'a P,
            behaviour: &'a B,
            n_steps: u64,
            observer: &'a mut O,
        }
        impl<M: Model, P: CreditPolicy<M>, B: Behaviour<M>, O: Observer<M> + ?Sized> WithRng
            for Run<'_, M, P, B, O>
        {
            type Output = Result<(), RunError<O::Error>>;
            fn with<R: Rng>(self, rng: &mut R) -> Self::Output {
                let Run {
                    model,
                    policy,
                    behaviour,
                    n_steps,
                    observer,
                } = self;
                super::run(model, policy, behaviour, rng, n_steps, observer)
            }
        }
        self.with_rng(
            run,
            Run {
                model,
                policy,
                behaviour,
                n_steps,
                observer,
            },
        )
    }
}

/// numpy's seed of run `run` (1-based) of a simulation seeded with `seed`: `seed + run − 1`,
/// as the notebook's list of `RandomState(i)` has it ([`Streams::with_rng`]).
pub(crate) fn numpy_run_seed(seed: u64, run: u64) -> u32 {
    // A resolved spec guarantees seed + n_runs − 1 fits a u32.
    // (Saturating: a hand-made run 0 or a seed near u64::MAX cannot panic.)
    u32::try_from(seed.saturating_add(run).saturating_sub(1)).unwrap_or(u32::MAX)
}
