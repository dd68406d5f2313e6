//! Seeded runs: what one run drives ([`Plan`]: a model, a credit policy, a behaviour) and
//! the generator of run r made from (generator, seed, subset, r) in one place
//! ([`with_run_rng`]); [`run_seeded`] drives one run through the one run loop on it.

use rand_core::Rng;

use crate::draws::{RngKind, chacha_rng, numpy_rng};

use super::{Behaviour, CreditPolicy, Model, Observer, RunError};

/// What the runs of a cell drive, for any model: the model, the credit policy and the
/// behaviour (a resolved spec's is [`crate::spec::RunSpec::plan`]; a model variant builds
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

/// A computation that needs a run's generator, whatever its type: the argument of
/// [`with_run_rng`] (a closure generic over the generator, which Rust closures cannot be).
pub trait WithRng {
    /// What the computation returns.
    type Output;
    /// Runs the computation on `rng`.
    fn with<R: Rng>(self, rng: &mut R) -> Self::Output;
}

/// Calls `f` with the generator of run `run` (1-based) of (seed, subset): numpy's
/// `RandomState(seed + run − 1)` (numpy streams have no subsets: `subset` is not used) or
/// `chacha_rng(seed, subset, run)`.
///
/// This is the one place a run's generator is made from its seed.
pub fn with_run_rng<W: WithRng>(
    kind: RngKind,
    seed: u64,
    subset: u64,
    run: u64,
    f: W,
) -> W::Output {
    match kind {
        RngKind::Numpy => f.with(&mut numpy_rng(numpy_run_seed(seed, run))),
        RngKind::Chacha => f.with(&mut chacha_rng(seed, subset, run)),
    }
}

/// numpy's seed of run `run` (1-based) of a simulation seeded with `seed`: `seed + run − 1`,
/// as the notebook's list of `RandomState(i)` has it ([`with_run_rng`]).
pub fn numpy_run_seed(seed: u64, run: u64) -> u32 {
    // SimConfig guarantees seed + n_runs − 1 fits a u32.
    // (Saturating: a hand-made run 0 or a seed near u64::MAX cannot panic.)
    u32::try_from(seed.saturating_add(run).saturating_sub(1)).unwrap_or(u32::MAX)
}

/// Runs run `run` (1-based) of a seeded plan through the one run loop ([`super::run`])
/// on the generator [`with_run_rng`] makes for (seed, subset, run).
#[allow(clippy::too_many_arguments)]
pub fn run_seeded<M, P, B, O>(
    model: &M,
    policy: &P,
    behaviour: &B,
    rng: RngKind,
    seed: u64,
    subset: u64,
    run: u64,
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
    let f = Run {
        model,
        policy,
        behaviour,
        n_steps,
        observer,
    };
    with_run_rng(rng, seed, subset, run, f)
}
