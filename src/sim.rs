//! Running whole trajectories: the genesis state, then one step per timestep.
//!
//! [`Trajectory`] owns one user's state and history and advances it either by drawing
//! from a generator it is handed ([`Trajectory::advance`]) or by applying a given amount
//! ([`Trajectory::apply`]). [`simulate_run`] runs one Monte Carlo run of a [`SimConfig`]
//! with the run's own generator and hands every state to a visitor, so callers decide
//! whether to write, summarise or keep the states: nothing here holds a whole trajectory.

use rand_core::Rng;

use crate::credit::{CreditRule, V1Rule};
use crate::draws::{chacha_rng, numpy_rng};
use crate::history::{ExactHistory, History, StreamingHistory};
use crate::model::{AmountDraw, StepError, draw_amount, step};
use crate::params::{ParamError, Params, RngKind, SimConfig};
use crate::state::State;

/// One user's trajectory in progress: the current state and the history behind it.
#[derive(Debug, Clone)]
pub struct Trajectory<C = V1Rule, H = ExactHistory> {
    params: Params,
    rule: C,
    history: H,
    state: State,
}

impl<C: CreditRule, H: History + Default> Trajectory<C, H> {
    /// A trajectory at its genesis state.
    pub fn new(params: Params, rule: C) -> Self {
        let state = State::genesis(&params);
        let mut history = H::default();
        history.push(&state);
        Trajectory {
            params,
            rule,
            history,
            state,
        }
    }
}

impl<C: CreditRule, H: History> Trajectory<C, H> {
    /// A trajectory at its genesis state, keeping its history in `history` (which must be
    /// empty: the genesis state is pushed here).
    pub fn with_history(params: Params, rule: C, mut history: H) -> Self {
        debug_assert!(history.is_empty(), "with_history takes an empty history");
        let state = State::genesis(&params);
        history.push(&state);
        Trajectory {
            params,
            rule,
            history,
            state,
        }
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The credit rule.
    pub fn rule(&self) -> &C {
        &self.rule
    }

    /// The summary of the history the next step will read.
    pub fn view(&self) -> crate::model::HistoryView {
        self.history.view(self.params.sum_volume())
    }

    /// Applies a given transaction amount (a tape entry) and returns the new state.
    pub fn apply(&mut self, amount: f64) -> Result<&State, StepError> {
        let view = self.view();
        let next = step(&self.state, &view, &self.params, &self.rule, amount)?;
        self.history.push(&next);
        self.state = next;
        Ok(&self.state)
    }

    /// Draws a transaction from `rng` (as the notebook does) and applies it.
    pub fn advance<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Result<AmountDraw, StepError> {
        let draw = draw_amount(rng, &self.params, self.state.capacity);
        self.apply(draw.amount)?;
        Ok(draw)
    }
}

/// A failure while running: either a step failed or the visitor did.
#[derive(Debug, thiserror::Error)]
pub enum RunError<E> {
    /// A step failed (impossible under validated parameters; see [`StepError`]).
    #[error("step {timestep} of run {run}: {source}")]
    Step {
        /// 1-based run.
        run: u64,
        /// The timestep that could not be computed.
        timestep: u64,
        /// Why.
        source: StepError,
    },
    /// The visitor returned an error (for example, writing failed).
    #[error(transparent)]
    Visit(E),
}

/// Which history a run keeps: how the means and the send volume are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// [`ExactHistory`]: numpy's pairwise means, bit-identical to cadCAD; O(log t + 128)
    /// work and O(t) memory per step.
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

/// Runs run `run` (1-based) of `config` with the V1 rule and the history of `engine`,
/// calling `visit(timestep, state)` for the genesis state (timestep 0) and after every step.
///
/// The generator is the same as [`simulate_run`]'s, so both engines see the same stream.
pub fn simulate_run_with<E>(
    config: &SimConfig,
    engine: Engine,
    run: u64,
    visit: impl FnMut(u64, &State) -> Result<(), E>,
) -> Result<(), RunError<E>> {
    let params = *config.params();
    match engine {
        Engine::Exact => {
            // One slot per state; STEPS_MAX bounds this at 8 MB.
            let capacity = usize::try_from(config.n_steps() + 1).unwrap_or(0);
            let history = ExactHistory::with_capacity(capacity);
            let trajectory = Trajectory::with_history(params, V1Rule::default(), history);
            run_trajectory(config, trajectory, run, visit)
        }
        Engine::Streaming => {
            let history = StreamingHistory::new(params.sum_volume());
            let trajectory = Trajectory::with_history(params, V1Rule::default(), history);
            run_trajectory(config, trajectory, run, visit)
        }
    }
}

/// Drives `trajectory` (at its genesis state) through run `run` (1-based) of `config` with
/// that run's own generator, exactly as [`simulate_run`] seeds it: `RandomState(seed + run − 1)`
/// with numpy, the ChaCha stream (seed, subset 0, run) otherwise. `visit(timestep, state)`
/// sees the genesis state and every step. Use it to run a custom rule or history on the
/// streams `currents simulate` uses.
pub fn run_trajectory<C: CreditRule, H: History, E>(
    config: &SimConfig,
    trajectory: Trajectory<C, H>,
    run: u64,
    visit: impl FnMut(u64, &State) -> Result<(), E>,
) -> Result<(), RunError<E>> {
    match config.rng() {
        RngKind::Numpy => {
            // SimConfig guarantees seed + n_runs − 1 fits a u32.
            let seed = u32::try_from(config.seed() + run - 1).unwrap_or(u32::MAX);
            drive(
                trajectory,
                config.n_steps(),
                &mut numpy_rng(seed),
                run,
                visit,
            )
        }
        RngKind::Chacha => drive(
            trajectory,
            config.n_steps(),
            &mut chacha_rng(config.seed(), 0, run),
            run,
            visit,
        ),
    }
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

fn drive<C: CreditRule, H: History, R: Rng, E>(
    mut trajectory: Trajectory<C, H>,
    n_steps: u64,
    rng: &mut R,
    run: u64,
    mut visit: impl FnMut(u64, &State) -> Result<(), E>,
) -> Result<(), RunError<E>> {
    visit(0, trajectory.state()).map_err(RunError::Visit)?;
    for timestep in 1..=n_steps {
        trajectory.advance(rng).map_err(|source| RunError::Step {
            run,
            timestep,
            source,
        })?;
        visit(timestep, trajectory.state()).map_err(RunError::Visit)?;
    }
    Ok(())
}
