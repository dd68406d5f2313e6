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
use crate::history::{ExactHistory, History};
use crate::model::{AmountDraw, StepError, draw_amount, step};
use crate::params::{Params, RngKind, SimConfig};
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
    let trajectory = Trajectory::<V1Rule, ExactHistory>::new(*config.params(), V1Rule::default());
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
