//! The invariant harness: which laws a credit policy keeps on a model, and the smallest
//! case that breaks each one it does not.
//!
//! Every check runs on the one run loop ([`crate::model::Stepper`]): a walk is a run whose
//! observer checks each step, a tape is a [`crate::model::Behaviour`] that plays given
//! payments, and a run's digest is an observer too. The laws are the catalog's
//! ([`crate::catalog`]): the generic ones read only the ledgers and rows a
//! [`crate::model::Model`] gives, so any model is checked by [`check_model`] (seeded runs
//! over its cells) and [`check_model_tapes`] (plus a shrinking search over the model's
//! [`Tapes`]); a model adds its own laws beside them through [`Laws`], and its own probes
//! of the rule through `check_cells`. The report lists every invariant under its own
//! name, in [`crate::catalog::report_order`]. Whether a violation fails the suite is the
//! policy's own declaration ([`crate::model::CreditPolicy::observed_invariants`]); every
//! goal (each of the policy's branches and the behaviour's paths, by name) must be reached.
//! Each violation comes back as a [`Counterexample`] on its cell ([`CellArgs`]) with a
//! one-line replay command. V1's check (its cells, laws, tapes and rule probes) is
//! `crate::v1::harness::check_rule`; [`Checks`] is what a model gives the command line.

mod cell;
mod check;
mod generic;
mod goals;
mod invariants;
mod laws;
mod replay;
mod report;
mod tape;
mod walk;

use crate::draws::{RngKind, check_numpy_seed};
use crate::model::Model;
use crate::params::ParamError;
use crate::registry::{Chosen, Registry, RuleEntry};

pub use cell::CellArgs;
pub(crate) use cell::PARAM_FLAGS;
pub use check::{ModelCell, check_model, check_model_tape, check_model_tapes};
pub(crate) use check::{RuleFindings, check_cells};
pub use generic::ModelChecks;
pub use goals::{Goal, GoalReport};
pub use laws::{Laws, NoLaws};
pub(crate) use replay::DEFAULT_BIN;
pub use replay::{Counterexample, ReplayFinding, ReplayInput, replay_cell};
pub use report::{CellStats, HarnessReport, InvariantReport};
pub use tape::Tapes;

pub(crate) use replay::{runs_findings, tally_findings};
pub(crate) use walk::{run_digests, walk_seeded, walk_tape};

/// The most steps per run `check` accepts (the checker's record is O(t) per step).
pub(crate) const CHECK_STEPS_MAX: u64 = 10_000;
/// The most runs per parameter set `check` accepts.
pub(crate) const CHECK_RUNS_MAX: u64 = 1_000;
/// The most tape cases `check` accepts.
pub(crate) const TAPE_CASES_MAX: u32 = 1_000_000;
/// The longest tape `check` generates.
pub const TAPE_LEN_MAX: usize = 10_000;

/// How thoroughly to check a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessConfig {
    /// The policy name written into replay commands (`currents replay --policy NAME`).
    pub policy: String,
    /// The program that replay commands start with: the binary that is running, so that
    /// a printed command runs as printed (`currents` by default; the CLI sets the name it
    /// was invoked as, e.g. a user's own binary built with `currents::cli::main_with`).
    pub bin: String,
    /// The cells of the seeded runs, as the command line names them; empty (the default):
    /// the model's own cells (V1: the notebook's defaults and the four parameter sets of
    /// the cadCAD reference files; the first is the base its rule probes use).
    pub cells: Vec<CellArgs>,
    /// Runs per parameter set and generator family, 1..=`CHECK_RUNS_MAX`.
    pub n_runs: u64,
    /// Steps per run, 1..=`CHECK_STEPS_MAX`.
    pub n_steps: u64,
    /// The seed of the runs (as `currents simulate --seed`) and of the tape search.
    pub seed: u64,
    /// The generator families the runs use.
    pub rngs: Vec<RngKind>,
    /// Tape cases generated (0 skips the tape search), at most `TAPE_CASES_MAX`.
    pub tape_cases: u32,
    /// The longest generated tape, at most `TAPE_LEN_MAX`.
    pub tape_len_max: usize,
    /// Relative tolerance a model's own laws give their floats (V1's
    /// `averages_are_history_means`): 0 for the exact history, whose means must be
    /// bit-identical to numpy's; larger for a history with running sums.
    pub mean_tolerance: f64,
    /// Thread counts compared with one thread for `thread_count_does_not_change_output`.
    pub threads: Vec<usize>,
    /// Probe the rule on the model's own grid of inputs, where the model has probes (V1:
    /// its rule as a function of the imbalance `s = avgUserBalance / avgSendVolume`). On by
    /// default; `currents check` turns it off for rules that do not declare they read what
    /// the probes vary (`Rule::PROBED`).
    pub probe_rule: bool,
    /// The trading graphs' files the cells name (`--edges FILE`), each read by the caller
    /// ([`crate::spec::EdgeFile::attach`]): a cell's `edges` takes the edges of the file
    /// of the same path. Empty by default.
    pub edge_files: Vec<crate::spec::EdgeFile>,
}

impl Default for HarnessConfig {
    /// 10 runs × 365 steps on the model's own cells with both generators, 256 tapes of up
    /// to 120 steps, exact means, 2 and 4 threads, rule probes on.
    fn default() -> Self {
        HarnessConfig {
            policy: "custom".to_owned(),
            bin: DEFAULT_BIN.to_owned(),
            cells: Vec::new(),
            n_runs: 10,
            n_steps: 365,
            seed: 0,
            rngs: vec![RngKind::Numpy, RngKind::Chacha],
            tape_cases: 256,
            tape_len_max: 120,
            mean_tolerance: 0.0,
            threads: vec![2, 4],
            probe_rule: true,
            edge_files: Vec::new(),
        }
    }
}

impl HarnessConfig {
    /// Checks every field's range; the error names the field, the value and what is accepted.
    pub(crate) fn validate(&self) -> Result<(), ParamError> {
        if !(1..=CHECK_RUNS_MAX).contains(&self.n_runs) {
            return Err(ParamError::new(
                "runs",
                self.n_runs,
                format!("a whole number in [1, {CHECK_RUNS_MAX}]"),
            ));
        }
        if !(1..=CHECK_STEPS_MAX).contains(&self.n_steps) {
            return Err(ParamError::new(
                "steps",
                self.n_steps,
                format!("a whole number in [1, {CHECK_STEPS_MAX}]"),
            ));
        }
        if self.rngs.contains(&RngKind::Numpy) {
            check_numpy_seed(
                ("seed", &self.seed.to_string(), self.seed),
                ("runs", "runs", self.n_runs),
            )?;
        }
        if self.tape_cases > TAPE_CASES_MAX {
            return Err(ParamError::new(
                "cases",
                self.tape_cases,
                format!("a whole number in [0, {TAPE_CASES_MAX}]"),
            ));
        }
        if self.tape_len_max > TAPE_LEN_MAX {
            return Err(ParamError::new(
                "tape-len-max",
                self.tape_len_max,
                format!("a whole number in [0, {TAPE_LEN_MAX}]"),
            ));
        }
        if !(self.mean_tolerance.is_finite() && self.mean_tolerance >= 0.0) {
            return Err(ParamError::new(
                "mean-tolerance",
                self.mean_tolerance,
                "a finite number >= 0",
            ));
        }
        let max = crate::parallel::THREADS_MAX;
        if let Some(&t) = self
            .threads
            .iter()
            .find(|&&t| !(1..=max).contains(&(t as u64)))
        {
            return Err(ParamError::new(
                "threads",
                t,
                format!("whole numbers in [1, {max}]"),
            ));
        }
        Ok(())
    }
}

/// What a model gives `currents check` and `currents replay`: its check of a registered rule
/// (its cells, its own laws, tapes and probes) and the replay of one counterexample.
/// `crate::v1::harness::V1Checks` is V1's; a model with none is checked for the generic
/// laws on its registry's defaults.
pub trait Checks<M: Model>: Send + Sync {
    /// Checks rule `rule` of `registry` (with its chosen values) under `config`.
    fn check(
        &self,
        registry: &Registry<M>,
        rule: &Chosen<RuleEntry<M>>,
        config: &HarnessConfig,
    ) -> Result<HarnessReport, ParamError>;

    /// Replays `input` under rule `rule` of `registry` (with its chosen values) and returns
    /// every violation it shows; an input this model cannot replay (a probe it does not
    /// have, a payment it cannot read) is an error naming it.
    fn replay(
        &self,
        registry: &Registry<M>,
        rule: &Chosen<RuleEntry<M>>,
        input: &ReplayInput,
        config: &HarnessConfig,
    ) -> Result<Vec<ReplayFinding>, ParamError>;

    /// Every invariant a report of this model can list: the names `replay --invariant`
    /// accepts.
    fn invariants(&self) -> Vec<crate::catalog::Invariant>;
}
