//! currents: design and verify the credit-management logic of mutual-credit currencies.
//!
//! The core reproduces the CURRENTS credit model V1 (a cadCAD notebook) bit for bit: given
//! numpy's seeds it produces the same numbers as cadCAD. It is plain functions over plain
//! data — [`model::run`], the one run loop, drives a model, a credit policy and a user
//! behaviour step by step and hands every state to an observer — with every random draw
//! taken from a generator passed in explicitly.
//!
//! ```
//! use currents::draws::RngKind;
//! use currents::v1::{Params, SimConfig, simulate_run};
//!
//! let config = SimConfig::new(Params::default(), 365, 1, 0, RngKind::Numpy).unwrap();
//! let mut last = None;
//! simulate_run(&config, 1, |_t, s| -> Result<(), ()> { last = Some(*s); Ok(()) }).unwrap();
//! let last = last.unwrap();
//! assert_eq!(last.n_transactions, 365);
//! assert!(last.credit >= 0);
//! ```

#![warn(missing_docs)]

/// The generator traits `Behaviour::draw` and the run loop take (`rand_core` 0.10), re-exported
/// so that a user's behaviour needs no dependency of its own.
pub use rand_core;

/// The property-testing library the harness's [`harness::Tapes::strategy`] returns
/// strategies of (`proptest` 1), re-exported so that a user's model can write its tapes
/// with no dependency of its own.
#[cfg(feature = "harness")]
pub use proptest;

mod builtin;
pub mod catalog;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "harness")]
pub mod compare;
mod config;
pub mod draws;
pub mod fuzzing;
#[cfg(feature = "harness")]
pub mod harness;
pub mod metrics;
pub mod model;
pub mod network;
pub mod numeric;
pub mod parallel;
pub mod params;
#[cfg(feature = "plot")]
pub mod plot;
pub mod registry;
pub mod rules;
pub mod scenario;
pub mod spec;
pub mod sweep;
mod toml_value;
pub mod trajectory_csv;
pub mod v1;
pub mod workbench;
