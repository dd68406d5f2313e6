//! Seeded runs: a run's generator made from (seed, subset, run), and V1 runs of a
//! [`SimConfig`].
//!
//! [`run_seeded`] drives one run of any (model, policy, behaviour) through the one run loop
//! on the generator of its seed; [`simulate_run`] runs one Monte Carlo run of a
//! [`SimConfig`] with the notebook's rule and user and hands every state to a visitor, so
//! callers decide whether to write, summarise or keep the states: nothing here holds a
//! whole trajectory.

use rand_core::Rng;

use crate::credit::V1Rule;
use crate::draws::{chacha_rng, numpy_rng};
use crate::history::{ExactHistory, History, StreamingHistory};
use crate::model::{Behaviour, CreditPolicy, EachState, Model, Observer};
use crate::params::{ParamError, RngKind, SimConfig};
use crate::state::State;
use crate::users::NotebookUser;
use crate::v1::V1;

pub use crate::model::RunError;

/// Which history a run keeps: how the means and the send volume are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// [`ExactHistory`]: numpy's pairwise means, bit-identical to cadCAD; O(t) memory per
    /// run, at most 25 bytes a step.
    Exact,
    /// [`StreamingHistory`]: running sums and a ring of K positives; O(1) work and O(K)
    /// memory per step. Integer columns and balances equal the exact engine's except after a
    /// rounding tie (see `tests/streaming.rs`); the balance mean agrees to a relative
    /// tolerance, not bit for bit.
    Streaming,
}

impl Engine {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Exact => "exact",
            Engine::Streaming => "streaming",
        }
    }

    /// Parses `exact` or `streaming`.
    pub fn parse(s: &str) -> Result<Self, ParamError> {
        match s {
            "exact" => Ok(Engine::Exact),
            "streaming" => Ok(Engine::Streaming),
            other => Err(ParamError::new(
                "engine",
                format!("{other:?}"),
                "exact or streaming",
            )),
        }
    }

    /// The default engine for a generator: `exact` with numpy (whose point is cadCAD's
    /// numbers bit for bit), `streaming` with ChaCha (whose point is scale).
    pub fn default_for(rng: RngKind) -> Self {
        match rng {
            RngKind::Numpy => Engine::Exact,
            RngKind::Chacha => Engine::Streaming,
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Runs run `run` (1-based) of `config` with the V1 rule and the notebook's user on the
/// history of `engine`, calling `visit(timestep, state)` for the genesis state (timestep 0)
/// and after every step.
///
/// The generator is the same as [`simulate_run`]'s, so both engines see the same stream.
pub fn simulate_run_with<E>(
    config: &SimConfig,
    engine: Engine,
    run: u64,
    visit: impl FnMut(u64, &State) -> Result<(), E>,
) -> Result<(), RunError<E>> {
    fn go<H: History, E>(
        config: &SimConfig,
        run: u64,
        visit: impl FnMut(u64, &State) -> Result<(), E>,
    ) -> Result<(), RunError<E>> {
        let params = config.params();
        let model = V1::<H>::new(params);
        let user = NotebookUser::from_params(params);
        run_seeded(
            &model,
            &V1Rule::default(),
            &user,
            config.rng(),
            config.seed(),
            0,
            run,
            config.n_steps(),
            &mut EachState(visit),
        )
    }
    match engine {
        Engine::Exact => go::<ExactHistory, E>(config, run, visit),
        Engine::Streaming => go::<StreamingHistory, E>(config, run, visit),
    }
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

/// Runs run `run` (1-based) of a seeded plan through the one run loop ([`crate::model::run`])
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
            crate::model::run(model, policy, behaviour, rng, n_steps, observer)
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

/// Runs run `run` (1-based) of `config` with the V1 rule and exact means, calling
/// `visit(timestep, state)` for the genesis state (timestep 0) and after every step.
///
/// The run's generator comes from `config`'s seed alone: `RandomState(seed + run − 1)`
/// with numpy, the ChaCha stream (seed, subset 0, run) otherwise.
pub fn simulate_run<E>(
    config: &SimConfig,
    run: u64,
    visit: impl FnMut(u64, &State) -> Result<(), E>,
) -> Result<(), RunError<E>> {
    simulate_run_with(config, Engine::Exact, run, visit)
}
