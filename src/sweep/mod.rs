//! Parameter sweeps: a grid of cells (rules × users × parameters), N Monte Carlo runs per
//! cell, and a summary of each metric per cell.
//!
//! A sweep config is the one spec ([`crate::spec`]) plus lists. Its top level is a spec —
//! `model`, `rule`, `user`, `restriction`, `rng`, `seed`, `runs`, `steps` and `[params]`
//! set every cell's defaults — with the sweep's own `threads`, `out` and `trajectories`,
//! and one or more `[[grid]]` tables. A grid holds the spec's keys in list form:
//!
//! ```toml
//! seed = 1
//! rng = "chacha"              # or "numpy" (see below)
//!
//! [[grid]]
//! label = "bands"
//! mode = "cartesian"          # the default; or "zip"
//! model = "v1"                # `models` is the same key; default: the top level's, else
//!                             # the workbench's first model
//! rules = ["static", "fixed-band"]       # `rule` is the same key; a name or a list
//! users = ["balanced", "spender"]        # `user` is the same key
//! restriction = ["clamp", "reject"]      # default: the top level's, else each rule's own
//! [grid.params]               # any parameter the cell's model, rule or user declares
//! upper = [0, 250]            # a number or a list of numbers
//! integrity = 0.9             # a user's value overrides its preset's
//! ```
//!
//! A grid expands to cells either as a *cartesian* product of its lists or by *zip*
//! (element i of every list makes cell i; lists of length 1 repeat) — cadCAD users know zip
//! as the default of `config_sim`, so here it must be asked for explicitly. A parameter
//! multiplies (or, zipped, applies to) only the cells whose model, rule or user declares it,
//! and a top-level parameter sets only those cells; one that no cell declares is an error.
//! Each cell is the top-level spec overlaid with its grid point, resolved once against the
//! [`crate::workbench::Workbench`] ([`crate::workbench::Workbench::resolve`]): its model is
//! the one the grid or the top level names (the workbench's first when neither does), every
//! other name is that model's registry's (a user's own rules and users included), every
//! value is checked against its declaration, and an error names the field it was written
//! at (`grid[1].params.quad-coef`) and what the grid's model, rules and users declare.
//!
//! Cells are numbered 0, 1, … across the grids in order. Run r (1-based) of cell c draws
//! from the generator `crate::model::Streams::with_rng` makes for (seed, c, r): with ChaCha the
//! stream `chacha_rng(seed, c, r)`, so every cell has its own streams; with numpy
//! `RandomState(seed + r − 1)`, the same for every cell (numpy streams have no subsets), so
//! run r of every cell sees the same draws — common random numbers, which make two cells'
//! difference a difference of their rules and parameters, not of their luck. Either way a
//! run's numbers depend on the seed, the cell and the run alone, not on the thread count or
//! the order of work.
//!
//! The machinery under the config names no model: a cell's runs are the runs its model's
//! registry chooses for its spec ([`crate::workbench::AnySpec::runs`], on the `exact`
//! engine), folded into the metrics beside any observer
//! ([`crate::workbench::AnyRuns::metered`]); `--trajectories` writes each member's ledger
//! from the steps' views; and [`sweep_plans`] sweeps a model's own typed plans (a library
//! user's variant) through the same loop. A run whose step fails (a rule returning a
//! negative limit, which the run loop refuses) is a finding, not an error: it is counted in
//! [`CellSummary::n_failed`] and left out of the cell's metrics.
//!
//! The summary ([`write_summary`]) has a row per cell; a model may register a report of a
//! sweep with the workbench (V1's: the notebook's questions), which `currents findings`
//! renders from a summary of that model.
//!
//! The files, one concept each: `config.rs` (the config as written), `grid.rs` (grids
//! expanded into cells), `cell.rs` ([`Cell`], [`Sweep`]), `run.rs` (outcomes, cell
//! summaries, the sweep loop), `report.rs` (how the models' reports of a sweep write a
//! row's numbers), `trajectories.rs` (the trajectory CSV), `summary.rs` (the
//! summary CSV, written and read back).

mod cell;
mod config;
mod grid;
#[cfg(feature = "cli")]
pub(crate) mod report;
mod run;
mod summary;
mod trajectories;

pub use cell::{Cell, Sweep};
pub use config::{Mode, SweepConfig};
pub use run::{CellSummary, RunOutcome, run_outcome, run_sweep, sweep_plans, sweep_plans_with_rng};
pub use summary::{SummaryRow, read_summary, write_summary};
pub use trajectories::{TRAJECTORY_HEADER, trajectory_header};

use crate::draws::RngKind;
use crate::params::STEPS_MAX;
use crate::spec::Limits;

/// The most runs per cell.
pub const RUNS_MAX: u64 = 100_000;
/// The most cells one sweep may hold.
pub(crate) const CELLS_MAX: usize = 100_000;
/// The most worker threads: the one bound of every command ([`crate::parallel::THREADS_MAX`]).
pub(crate) const THREADS_MAX: u64 = crate::parallel::THREADS_MAX;

/// A sweep's defaults and bounds for the settings: 20 runs of 365 steps, seed 0, ChaCha; at
/// most [`RUNS_MAX`] runs of [`STEPS_MAX`] steps per cell.
pub(crate) const LIMITS: Limits = Limits {
    runs: 20,
    steps: 365,
    seed: 0,
    rng: RngKind::Chacha,
    runs_min: 1,
    runs_max: RUNS_MAX,
    steps_max: STEPS_MAX,
    rows: false,
};
