//! The CURRENTS V1 notebook: one wing of the toolkit, written against the model API as a
//! user's model would be.
//!
//! Everything that is the notebook's lives here: its model [`V1`] (eight columns,
//! [`State`], kept exactly as numpy does by [`ExactHistory`] or in O(1) per step by
//! [`StreamingHistory`]), its credit formula ([`credit_v1`], [`V1Rule`]) and the two
//! variants the harness uses ([`V1Strict`], [`V1NoFallback`]), its user
//! ([`NotebookUser`] and the presets), its parameters ([`Params`], [`SimConfig`]), its
//! runs ([`simulate_run_with`] on either [`Engine`]), the batched lanes ([`batch`]), cadCAD's CSV rows and reader
//! ([`csv`]) and the built-in registry ([`crate::registry::Registry::builtin`]). With
//! numpy's generator the model, rule and user reproduce cadCAD's trajectories bit for bit
//! (`tests/golden.rs`).

pub mod batch;
mod builtin;
pub mod credit;
pub mod csv;
mod engines;
#[cfg(feature = "cli")]
pub(crate) mod findings;
pub mod fuzzing;
#[cfg(feature = "harness")]
pub mod harness;
pub mod history;
mod model;
pub mod params;
mod rules;
pub(crate) mod sim;
pub mod state;
mod user;

pub use credit::{CreditBranch, CreditInput, CreditOutcome, V1Rule, credit_v1};
pub use engines::{V1Engines, notebook_config};
pub use history::{ExactHistory, History, HistoryView, StreamingHistory};
pub(crate) use model::{COLUMNS, V1_PARAMS};
pub use model::{V1, cells};
pub use params::{Params, SimConfig};
pub use rules::{V1_BRANCHES, V1_OBSERVED, V1NoFallback, V1Strict};
pub use sim::{
    Engine, SUMMARY_PARAMS, fold_run, simulate_run, simulate_run_with, write_summary_header,
    write_summary_row,
};
pub use state::State;
pub(crate) use user::large_paths;
pub use user::{
    NOTEBOOK_PATHS, NotebookUser, PRESETS, Preset, STEPS_PER_YEAR, f64_lt_i64, find_preset,
};
