//! V1 runs of a [`SimConfig`]: the notebook's rule and user on either history engine.
//!
//! [`simulate_run`] runs one Monte Carlo run of a [`SimConfig`] with the notebook's rule
//! and user and hands every state to a visitor, so callers decide whether to write,
//! summarise or keep the states: nothing here holds a whole trajectory.

use std::convert::Infallible;
use std::io::{self, Write};

use crate::draws::RngKind;
use crate::metrics::{RunFold, SummaryFold, summary};
use crate::model::{EachState, RunError, Streams};
use crate::params::ParamError;

use super::{ExactHistory, History, NotebookUser, SimConfig, State, StreamingHistory, V1, V1Rule};

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
    pub(crate) fn default_for(rng: RngKind) -> Self {
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
        Streams::new(config.rng(), config.seed()).run(
            run,
            &model,
            &V1Rule::default(),
            &user,
            config.n_steps(),
            &mut EachState(visit),
        )
    }
    match engine {
        Engine::Exact => go::<ExactHistory, E>(config, run, visit),
        Engine::Streaming => go::<StreamingHistory, E>(config, run, visit),
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

/// The summary fold (`RunFold::summary`) of run `run` (1-based) of `config` with the V1
/// rule and the notebook's user on `engine`, through the scalar loop (what the batched
/// lanes of [`super::batch::summaries`] are held to).
pub fn fold_run(
    config: &SimConfig,
    engine: Engine,
    run: u64,
) -> Result<RunFold, RunError<Infallible>> {
    fn go<H: History>(config: &SimConfig, run: u64) -> Result<RunFold, RunError<Infallible>> {
        let params = config.params();
        let model = V1::<H>::new(params);
        let mut fold = SummaryFold::new(&model);
        Streams::new(config.rng(), config.seed()).run(
            run,
            &model,
            &V1Rule::default(),
            &NotebookUser::from_params(params),
            config.n_steps(),
            &mut fold,
        )?;
        Ok(fold.into_fold().unwrap_or_else(RunFold::empty))
    }
    match engine {
        Engine::Exact => go::<ExactHistory>(config, run),
        Engine::Streaming => go::<StreamingHistory>(config, run),
    }
}

/// The parameters of a V1 summary row ([`crate::metrics::summary`]): the notebook's user's,
/// then the model's, as they declare them.
pub const SUMMARY_PARAMS: [&str; 6] = [
    "integrity",
    "avg-amount",
    "growth",
    "bias",
    "sum-volume",
    "initial-credit",
];

/// Writes `simulate --summary`'s header for V1.
pub fn write_summary_header<W: Write + ?Sized>(w: &mut W) -> io::Result<()> {
    summary::write_header(w, &SUMMARY_PARAMS)
}

/// Writes `simulate --summary`'s row of run `run` (1-based) of `config` on `engine`, folded
/// into `fold` (the notebook's user: no growth, no bias).
pub fn write_summary_row<W: Write + ?Sized>(
    w: &mut W,
    config: &SimConfig,
    engine: Engine,
    run: u64,
    fold: &RunFold,
) -> io::Result<()> {
    let p = config.params();
    let params = [
        p.integrity(),
        p.avg_amount(),
        0.0,
        0.0,
        p.sum_volume() as f64,
        p.initial_credit() as f64,
    ];
    summary::write_row(
        w,
        (config.seed(), config.rng(), engine.name()),
        &params,
        run,
        fold,
    )
}
