//! The invariant harness: which laws a credit policy keeps on a model, and the smallest
//! case that breaks each one it does not.
//!
//! Every check runs on the one run loop ([`crate::model::Stepper`]): a walk is a run whose
//! observer checks each step, a tape is a [`crate::model::Behaviour`] that plays given
//! payments, and a run's digest is an observer too. The generic laws
//! ([`Invariant::GENERIC`]: the step is defined, limits are non-negative, values are
//! finite, balances stay within the previous limit, runs are deterministic) read only the
//! [`crate::model::Ledger`] and rows a [`crate::model::Model`] gives, so any model is
//! checked by [`check_model`] (seeded runs over a grid of cells) and
//! [`check_model_tapes`] (plus a shrinking search over the model's [`Tapes`]).
//!
//! The catalog is open: an [`Invariant`] is a declaration (a stable snake_case name, the
//! law in one sentence, a default kind), and a model adds its own laws beside the generic
//! ones through [`Laws`], which declares them and checks each step for them. The report
//! lists every invariant under its own name, in [`report_order`]; every count and
//! counterexample is kept per invariant of that list, by name. V1's laws go through the
//! same trait ([`V1Laws`]), so a user's model reports its laws exactly as V1 does:
//!
//! ```
//! use currents::catalog::report_order;
//! use currents::harness::{HarnessConfig, ModelCell, V1_STEP_LAWS, V1Laws, check_model};
//! use currents::v1::NotebookUser;
//! use currents::v1::V1;
//! use currents::v1::{ExactHistory, Params, V1Rule};
//!
//! let p = Params::default();
//! let cell = ModelCell {
//!     label: "notebook defaults".to_owned(),
//!     model: V1::<ExactHistory>::new(&p),
//!     behaviour: NotebookUser::from_params(&p),
//! };
//! let config = HarnessConfig { n_runs: 2, n_steps: 100, ..HarnessConfig::default() };
//! let laws = V1Laws { mean_tolerance: 0.0 };
//! let report = check_model(&[cell], &V1Rule::default(), &laws, &config).unwrap();
//! // The generic laws and V1's own, each under its name.
//! let names: Vec<_> = report.invariants.iter().map(|r| r.invariant).collect();
//! assert_eq!(names, report_order(&V1_STEP_LAWS, &[]).unwrap());
//! assert_eq!(report.invariant("payment_within_limit").kind.name(), "observed");
//! assert!(!report.invariant("balance_is_sum_of_amounts").violated());
//! ```
//!
//! [`check_rule`] is V1's: a V1 credit policy through the whole catalog three ways —
//! seeded Monte Carlo runs over a small parameter grid with both generator families
//! (counting violating steps and reachability [`Goal`]s), a proptest search over
//! transaction tapes that shrinks every violation to a minimal tape, and probes of the rule
//! on a grid of inputs — with V1's own laws ([`V1Laws`]). Each violation comes back as a
//! [`Counterexample`] with a one-line replay command. Whether a violation fails the suite
//! is the policy's own declaration
//! ([`crate::model::CreditPolicy::observed_invariants`]); every goal (each of the policy's
//! branches and the behaviour's paths, by name) must be reached.
//!
//! ```
//! use currents::catalog::Invariant;
//! use currents::harness::{HarnessConfig, check_rule};
//! use currents::model::{CreditError, CreditPolicy, Cx, Limit};
//! use currents::v1::V1;
//! use currents::v1::History;
//!
//! /// Credit is the average send volume, scaled down linearly as |s| grows to 1.
//! struct Linear;
//!
//! impl<H: History> CreditPolicy<V1<H>> for Linear {
//!     type Memory = ();
//!     fn limit(&self, cx: &Cx<'_, V1<H>>, _: &mut ()) -> Result<Limit, CreditError> {
//!         let p = cx.prev;
//!         if p.n_transactions < 7 {
//!             return Ok(Limit { value: p.credit as f64, branch: "warm-up" });
//!         }
//!         if p.send_volume_mean == 0.0 {
//!             return Ok(Limit { value: 0.0, branch: "zero-send-volume" });
//!         }
//!         let s = p.balance_mean / p.send_volume_mean;
//!         let x = (1.0 - s.abs()).max(0.0) * p.send_volume_mean;
//!         Ok(Limit { value: x.round(), branch: "linear" })
//!     }
//!     fn branches(&self) -> &'static [&'static str] {
//!         &["warm-up", "linear", "zero-send-volume"]
//!     }
//!     // The model does not hold users to their limit, whatever the rule.
//!     fn observed_invariants(&self) -> &'static [&'static str] {
//!         &["payment_within_limit"]
//!     }
//! }
//!
//! let config = HarnessConfig { n_runs: 2, n_steps: 120, tape_cases: 32, ..HarnessConfig::default() };
//! let report = check_rule(&Linear, &config).unwrap();
//! assert!(report.passed(), "{}", report.to_table());
//! assert!(report.invariant(Invariant::PAYMENT_WITHIN_LIMIT).violated());
//! ```

mod goals;
mod invariants;
mod laws;
mod probe;
mod replay;
mod tape;
mod walk;

use std::cell::RefCell;

use proptest::test_runner::{
    Config as ProptestConfig, RngAlgorithm, TestError, TestRng, TestRunner,
};

use crate::draws::{NUMPY_SEED_MAX, RngKind};
use crate::model::{Behaviour, CreditPolicy, Model, Streams};
use crate::params::ParamError;
use crate::v1::NotebookUser;
use crate::v1::Params;
use crate::v1::V1;
use crate::v1::{ExactHistory, History};

pub use goals::{Goal, GoalReport};
pub use invariants::{Expected, Record, StepContext, check_step};
pub use laws::{Laws, NoLaws, V1_RULE_LAWS, V1_STEP_LAWS, V1Laws, v1_invariants};
pub use probe::Probe;
pub use replay::{Counterexample, DEFAULT_BIN, ReplayFinding, ReplayInput, join_floats, replay};
pub use tape::{
    TapeCase, TapeEntry, Tapes, V1Tape, V1Tapes, amount_abs_max, entry_strategy, params_strategy,
    tape_case_strategy,
};

use crate::catalog::{Invariant, InvariantKind, report_order};
use invariants::ByInvariant;
use walk::{Tally, run_digests, walk_seeded, walk_tape};

/// The most steps per run `check` accepts (the checker's record is O(t) per step).
pub const CHECK_STEPS_MAX: u64 = 10_000;
/// The most runs per parameter set `check` accepts.
pub const CHECK_RUNS_MAX: u64 = 1_000;
/// The most tape cases `check` accepts.
pub const TAPE_CASES_MAX: u32 = 1_000_000;
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
    /// The parameter grid for the seeded runs; the first set is the base (its window
    /// `sumVolume` is also used by the rule probes). Must not be empty.
    pub grid: Vec<Params>,
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
    /// Relative tolerance of `averages_are_history_means`: 0 for the exact history (means
    /// must be bit-identical to numpy's), larger for a history with running sums.
    pub mean_tolerance: f64,
    /// Thread counts compared with one thread for `thread_count_does_not_change_output`.
    pub threads: Vec<usize>,
    /// Probe the policy as a rule of V1's imbalance `s = avgUserBalance / avgSendVolume`
    /// ([`V1Laws::CREDIT_MONOTONE_IN_IMBALANCE`]; [`check_rule`] only). On for V1's rule
    /// and its variants; `currents check` turns it off for rules that do not read V1's
    /// means.
    pub probe_rule: bool,
}

impl Default for HarnessConfig {
    /// 10 runs × 365 steps on five parameter sets (the notebook's defaults and the four
    /// sets of the cadCAD reference files) with both generators, 256 tapes of up to 120
    /// steps, exact means, 2 and 4 threads, rule probes on.
    fn default() -> Self {
        let grid = [
            (1.0, 100.0, 30, 250),
            (0.8, 100.0, 30, 250),
            (0.5, 250.0, 10, 250),
            (0.3, 50.0, 7, 250),
            (0.95, 1000.0, 1, 0),
        ]
        .into_iter()
        .filter_map(|(i, a, k, c)| Params::new(i, a, k, c).ok())
        .collect();
        HarnessConfig {
            policy: "custom".to_owned(),
            bin: DEFAULT_BIN.to_owned(),
            grid,
            n_runs: 10,
            n_steps: 365,
            seed: 0,
            rngs: vec![RngKind::Numpy, RngKind::Chacha],
            tape_cases: 256,
            tape_len_max: 120,
            mean_tolerance: 0.0,
            threads: vec![2, 4],
            probe_rule: true,
        }
    }
}

impl HarnessConfig {
    /// Checks every field's range; the error names the field, the value and what is accepted.
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.grid.is_empty() {
            return Err(ParamError::new("grid", "[]", "at least one parameter set"));
        }
        self.validate_runs()
    }

    /// Checks every field but the V1 grid (which [`check_model`] does not use).
    pub fn validate_runs(&self) -> Result<(), ParamError> {
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
        if self.rngs.contains(&RngKind::Numpy) && self.seed > NUMPY_SEED_MAX - (self.n_runs - 1) {
            return Err(ParamError::new(
                "seed",
                self.seed,
                format!(
                    "with the numpy generator, a whole number in [0, {}] so that seed + runs - 1 fits numpy's 32-bit seed",
                    NUMPY_SEED_MAX - (self.n_runs - 1)
                ),
            ));
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

/// One invariant's result.
#[derive(Debug, Clone, PartialEq)]
pub struct InvariantReport {
    /// The invariant.
    pub invariant: Invariant,
    /// Required or observed, as the policy declares
    /// ([`crate::model::CreditPolicy::observed_invariants`]).
    pub kind: InvariantKind,
    /// Violating steps in the seeded runs (step invariants), violating probe pairs (rule
    /// invariants) or differing runs (run invariants).
    pub violations: u64,
    /// Tape cases (of the unshrunk search) that violate it.
    pub tape_cases: u64,
    /// The best counterexample: the shrunk tape when the tape search found one, else the
    /// first violation in the seeded runs, the narrowed probe, or the differing runs.
    pub counterexample: Option<Counterexample>,
    /// The first violation in the seeded runs, when there is one (kept beside a shrunk
    /// tape, which is usually much simpler than a run).
    pub first_in_runs: Option<Counterexample>,
}

impl InvariantReport {
    /// True when any check violated the invariant.
    pub fn violated(&self) -> bool {
        self.violations > 0 || self.tape_cases > 0 || self.counterexample.is_some()
    }

    /// `holds` or `violated`.
    pub fn status(&self) -> &'static str {
        if self.violated() { "violated" } else { "holds" }
    }
}

/// What the seeded runs saw on one (cell, generator).
#[derive(Debug, Clone, PartialEq)]
pub struct CellStats {
    /// The cell's label (a V1 cell's parameters, as flags).
    pub label: String,
    /// A V1 cell's parameters (`None` for another model's cell).
    pub params: Option<Params>,
    /// The generator family.
    pub rng: RngKind,
    /// Steps taken over all runs.
    pub steps: u64,
    /// Violating steps per invariant, by name, in the report's order.
    pub violations: Vec<(&'static str, u64)>,
    /// Steps whose credit is 0.
    pub credit_zero_steps: u64,
    /// Steps per branch, by name: the policy's branches in its order, then any other name
    /// a limit carried.
    pub branches: Vec<(&'static str, u64)>,
}

impl CellStats {
    /// Violating steps of `invariant` (a name or an [`Invariant`]), 0 when not checked.
    pub fn violations_of(&self, invariant: impl AsRef<str>) -> u64 {
        let name = invariant.as_ref();
        self.violations
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |&(_, v)| v)
    }
}

/// The result of [`check_rule`], [`check_model`] and [`check_model_tapes`].
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessReport {
    /// The policy name from the configuration.
    pub policy: String,
    /// One entry per invariant checked (the generic ones, the model's own, the probes'),
    /// in [`report_order`].
    pub invariants: Vec<InvariantReport>,
    /// Every reachability goal and how often it was reached.
    pub goals: Vec<GoalReport>,
    /// Per (parameter set, generator) statistics of the seeded runs.
    pub cells: Vec<CellStats>,
    /// The configuration's runs, steps, seed and tape cases, for the report header.
    pub config: HarnessConfig,
}

impl HarnessReport {
    /// The entry for `invariant` (a name or an [`Invariant`]), when it was checked.
    pub fn get(&self, invariant: impl AsRef<str>) -> Option<&InvariantReport> {
        let name = invariant.as_ref();
        self.invariants.iter().find(|r| r.invariant.name() == name)
    }

    /// The entry for `invariant` (a name or an [`Invariant`]).
    ///
    /// # Panics
    ///
    /// When `invariant` was not checked (use [`HarnessReport::get`] for a model whose laws
    /// do not include it).
    pub fn invariant(&self, invariant: impl AsRef<str>) -> &InvariantReport {
        let name = invariant.as_ref();
        match self.get(name) {
            Some(r) => r,
            None => panic!("{name} was not checked"),
        }
    }

    /// Required invariants that were violated.
    pub fn required_violations(&self) -> impl Iterator<Item = &InvariantReport> {
        self.invariants
            .iter()
            .filter(|r| r.kind == InvariantKind::Required && r.violated())
    }

    /// Goals never reached.
    pub fn unreached_goals(&self) -> impl Iterator<Item = &GoalReport> {
        self.goals.iter().filter(|g| !g.reached())
    }

    /// True when every required invariant holds and every goal was reached.
    pub fn passed(&self) -> bool {
        self.required_violations().next().is_none() && self.unreached_goals().next().is_none()
    }

    /// The report as JSON (see the README for the schema).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let cx = |c: &Counterexample| {
            let input = match &c.input {
                ReplayInput::Tape { params, amounts } => json!({
                    "source": "tape", "params": params_json(params), "tape": amounts,
                }),
                ReplayInput::Seeded {
                    params,
                    rng,
                    seed,
                    run,
                    n_steps,
                } => json!({
                    "source": "run", "params": params_json(params), "rng": rng.name(),
                    "seed": seed, "run": run, "steps": n_steps,
                }),
                ReplayInput::Runs {
                    params,
                    rng,
                    seed,
                    n_runs,
                    n_steps,
                    threads,
                } => json!({
                    "source": "runs", "params": params_json(params), "rng": rng.name(),
                    "seed": seed, "runs": n_runs, "steps": n_steps, "threads": threads,
                }),
                ReplayInput::Probe(p) => json!({
                    "source": "probe", "avgSendVolume": p.send_volume_mean,
                    "credit_prev": p.credit_prev, "n_transactions": p.n_transactions,
                    "sum_volume": p.sum_volume, "avgUserBalance_lo": p.balance_mean_lo,
                    "avgUserBalance_hi": p.balance_mean_hi,
                }),
                ReplayInput::Cell {
                    cell,
                    rng,
                    seed,
                    run,
                    n_steps,
                } => json!({
                    "source": "run", "cell": cell, "rng": rng.name(),
                    "seed": seed, "run": run, "steps": n_steps,
                }),
                ReplayInput::CellRuns {
                    cell,
                    rng,
                    seed,
                    n_runs,
                    n_steps,
                    threads,
                } => json!({
                    "source": "runs", "cell": cell, "rng": rng.name(),
                    "seed": seed, "runs": n_runs, "steps": n_steps, "threads": threads,
                }),
                ReplayInput::Payments { case, payments } => json!({
                    "source": "tape", "case": case, "tape": payments,
                }),
            };
            let mut v = input;
            v["step"] = json!(c.step);
            v["detail"] = json!(c.detail);
            v["replay"] = json!(c.replay_command_in(&self.config.bin, &self.policy));
            v
        };
        json!({
            "policy": self.policy,
            "passed": self.passed(),
            "runs": self.config.n_runs,
            "steps": self.config.n_steps,
            "seed": self.config.seed,
            "tape_cases": self.config.tape_cases,
            "invariants": self.invariants.iter().map(|r| json!({
                "name": r.invariant.name(),
                "description": r.invariant.description(),
                "kind": r.kind.name(),
                "status": r.status(),
                "violations": r.violations,
                "tape_cases": r.tape_cases,
                "counterexample": r.counterexample.as_ref().map(cx),
                "first_in_runs": r.first_in_runs.as_ref().map(cx),
            })).collect::<Vec<_>>(),
            "goals": self.goals.iter().map(|g| json!({
                "name": g.goal.name(), "hits": g.hits, "reached": g.reached(),
            })).collect::<Vec<_>>(),
            "cells": self.cells.iter().map(|c| {
                let mut cell = json!({
                    "rng": c.rng.name(),
                    "steps": c.steps,
                    "credit_zero_steps": c.credit_zero_steps,
                    "violations": self.invariants.iter()
                        .map(|r| (r.invariant.name().to_owned(), json!(c.violations_of(r.invariant))))
                        .collect::<serde_json::Map<_, _>>(),
                    "branches": c.branches.iter()
                        .map(|&(b, hits)| (b.to_owned(), json!(hits)))
                        .collect::<serde_json::Map<_, _>>(),
                });
                match &c.params {
                    Some(p) => cell["params"] = params_json(p),
                    None => cell["cell"] = json!(c.label),
                }
                cell
            }).collect::<Vec<_>>(),
        })
    }

    /// The report as a plain-text table.
    pub fn to_table(&self) -> String {
        use std::fmt::Write as _;
        let c = &self.config;
        let mut out = String::new();
        let total: u64 = self.cells.iter().map(|c| c.steps).sum();
        let _ = writeln!(
            out,
            "policy {}: {} runs x {} steps on {} parameter sets x {} generators ({total} steps), seed {}, {} tapes of up to {} steps",
            self.policy,
            c.n_runs,
            c.n_steps,
            self.cells.len() / c.rngs.len().max(1),
            c.rngs.len(),
            c.seed,
            c.tape_cases,
            c.tape_len_max
        );
        let _ = writeln!(
            out,
            "{:<42} {:<9} {:<9} {:>10} {:>6}  counterexample",
            "invariant", "kind", "status", "violations", "tapes"
        );
        for r in &self.invariants {
            let first = r
                .counterexample
                .as_ref()
                .map_or("-".to_owned(), |x| x.detail.clone());
            let _ = writeln!(
                out,
                "{:<42} {:<9} {:<9} {:>10} {:>6}  {first}",
                r.invariant.name(),
                r.kind.name(),
                r.status(),
                r.violations,
                r.tape_cases
            );
            if let Some(x) = &r.counterexample {
                let _ = writeln!(
                    out,
                    "{:<42}   replay: {}",
                    "",
                    x.replay_command_in(&self.config.bin, &self.policy)
                );
            }
        }
        let _ = writeln!(out, "goals:");
        for g in &self.goals {
            let _ = writeln!(
                out,
                "  {:<28} {:>8}  {}",
                g.goal.name(),
                g.hits,
                if g.reached() {
                    "reached"
                } else {
                    "NEVER REACHED"
                }
            );
        }
        let verdict = if self.passed() {
            "PASS: every required invariant holds and every goal was reached".to_owned()
        } else {
            let bad: Vec<String> = self
                .required_violations()
                .map(|r| r.invariant.name().to_owned())
                .chain(self.unreached_goals().map(|g| g.goal.name()))
                .collect();
            format!("FAIL: {}", bad.join(", "))
        };
        let _ = writeln!(out, "{verdict}");
        out
    }
}

fn params_json(p: &Params) -> serde_json::Value {
    serde_json::json!({
        "integrity": p.integrity(), "avg_amount": p.avg_amount(),
        "sum_volume": p.sum_volume(), "initial_credit": p.initial_credit(),
    })
}

/// One cell of a model's seeded grid: a model, the behaviour that drives it, and a label
/// for reports.
#[derive(Debug, Clone)]
pub struct ModelCell<M, B> {
    /// How reports name the cell.
    pub label: String,
    /// The model (its parameters are the cell's).
    pub model: M,
    /// The behaviour of the cell's seeded runs.
    pub behaviour: B,
}

/// What the passes of a check gathered about one invariant.
#[derive(Debug, Clone, Default)]
struct Found {
    violations: u64,
    tape_cases: u64,
    first_in_runs: Option<Counterexample>,
    run_cx: Option<Counterexample>,
    shrunk: Option<Counterexample>,
    probe_cx: Option<Counterexample>,
}

/// What the passes of a check gathered.
struct Acc {
    /// Per invariant of the report, in its order.
    found: ByInvariant<Found>,
    branches: Vec<(&'static str, u64)>,
    path_names: &'static [&'static str],
    paths: Vec<u64>,
    cells: Vec<CellStats>,
    tapes_run: bool,
}

impl Acc {
    fn new(
        list: &[Invariant],
        branches: &'static [&'static str],
        path_names: &'static [&'static str],
    ) -> Self {
        Acc {
            found: ByInvariant::new(list),
            branches: branches.iter().map(|&b| (b, 0)).collect(),
            path_names,
            paths: vec![0; path_names.len()],
            cells: Vec::new(),
            tapes_run: false,
        }
    }
}

fn add_violations(into: &mut Vec<(&'static str, u64)>, invariant: Invariant, n: u64) {
    match into.iter_mut().find(|(x, _)| *x == invariant.name()) {
        Some((_, v)) => *v += n,
        None => into.push((invariant.name(), n)),
    }
}

fn merge_branches(into: &mut Vec<(&'static str, u64)>, from: &[(&'static str, u64)]) {
    for &(b, hits) in from {
        match into.iter_mut().find(|(x, _)| *x == b) {
            Some((_, h)) => *h += hits,
            None => into.push((b, hits)),
        }
    }
}

/// The seeded pass: every cell × generator × run walked and checked, then the runs'
/// digests compared for determinism (again on one thread, then on each thread count).
/// `v1_params` are the cells' V1 parameters, when they are V1 cells (for replayable
/// counterexamples).
fn seeded_pass<M, P, B, L>(
    list: &[Invariant],
    cells: &[ModelCell<M, B>],
    v1_params: Option<&[Params]>,
    policy: &P,
    laws: &L,
    config: &HarnessConfig,
) -> Acc
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    let path_names = cells.first().map_or(&[][..], |c| c.behaviour.paths());
    let mut acc = Acc::new(list, policy.branches(), path_names);
    let seed = config.seed;
    for (ci, cell) in cells.iter().enumerate() {
        let params = v1_params.and_then(|p| p.get(ci)).copied();
        let seeded = |rng, run, n_steps| match params {
            Some(params) => ReplayInput::Seeded {
                params,
                rng,
                seed,
                run,
                n_steps,
            },
            None => ReplayInput::Cell {
                cell: cell.label.clone(),
                rng,
                seed,
                run,
                n_steps,
            },
        };
        let runs = |rng, threads| match params {
            Some(params) => ReplayInput::Runs {
                params,
                rng,
                seed,
                n_runs: config.n_runs,
                n_steps: config.n_steps,
                threads,
            },
            None => ReplayInput::CellRuns {
                cell: cell.label.clone(),
                rng,
                seed,
                n_runs: config.n_runs,
                n_steps: config.n_steps,
                threads,
            },
        };
        for &rng in &config.rngs {
            let mut stats = CellStats {
                label: cell.label.clone(),
                params,
                rng,
                steps: 0,
                violations: list.iter().map(|i| (i.name(), 0)).collect(),
                credit_zero_steps: 0,
                branches: policy.branches().iter().map(|&b| (b, 0)).collect(),
            };
            let mut digests = Vec::with_capacity(config.n_runs as usize);
            for run in 1..=config.n_runs {
                let tally = walk_seeded(
                    &cell.model,
                    policy,
                    &cell.behaviour,
                    laws,
                    &Streams::new(rng, seed),
                    run,
                    config.n_steps,
                );
                digests.push(tally.fingerprint);
                for (inv, seen) in tally.seen.iter() {
                    add_violations(&mut stats.violations, inv, seen.count);
                    let found = acc.found.entry(inv);
                    found.violations += seen.count;
                    if let (None, Some((t, detail))) = (&found.first_in_runs, &seen.first) {
                        found.first_in_runs = Some(Counterexample {
                            invariant: inv,
                            step: Some(*t),
                            detail: detail.clone(),
                            input: seeded(rng, run, *t),
                        });
                    }
                }
                merge_branches(&mut stats.branches, &tally.branches);
                merge_branches(&mut acc.branches, &tally.branches);
                for (total, hits) in acc.paths.iter_mut().zip(&tally.paths) {
                    *total += hits;
                }
                stats.steps += tally.steps;
                stats.credit_zero_steps += tally.credit_zero_steps;
            }
            let digests_on = |threads| {
                run_digests(
                    &cell.model,
                    policy,
                    &cell.behaviour,
                    &Streams::new(rng, seed),
                    config.n_runs,
                    config.n_steps,
                    threads,
                )
            };
            let checks = std::iter::once((Invariant::SAME_SEED_SAME_TRAJECTORY, 1, digests_on(1)))
                .chain(config.threads.iter().map(|&t| {
                    (
                        Invariant::THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT,
                        t,
                        digests_on(t),
                    )
                }));
            for (inv, threads, other) in checks {
                let bad: Vec<usize> = (0..digests.len())
                    .filter(|&k| digests[k] != other[k])
                    .collect();
                add_violations(&mut stats.violations, inv, bad.len() as u64);
                let found = acc.found.entry(inv);
                found.violations += bad.len() as u64;
                if let (Some(&k), None) = (bad.first(), &found.run_cx) {
                    found.run_cx = Some(Counterexample {
                        invariant: inv,
                        step: None,
                        detail: format!("run {} differs ({} threads)", k + 1, threads),
                        input: runs(rng, threads),
                    });
                }
            }
            acc.cells.push(stats);
        }
    }
    acc
}

/// Walks one tape case of `tapes` under `policy` and `laws`.
fn tape_walk<M, P, L, T>(tapes: &T, case: &T::Case, policy: &P, laws: &L) -> Tally<M::Payment>
where
    M: Model,
    P: CreditPolicy<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    let model = tapes.model(case);
    let tape = tapes.tape(case);
    walk_tape(&model, policy, &tape, laws, tapes.len(case))
}

/// The tape pass: one pass over every case, then a shrinking pass per violated law.
fn tape_pass<M, P, L, T>(acc: &mut Acc, tapes: &T, policy: &P, laws: &L, config: &HarnessConfig)
where
    M: Model,
    P: CreditPolicy<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    if config.tape_cases == 0 {
        return;
    }
    acc.tapes_run = true;
    let strategy = tapes.strategy(config.tape_len_max);
    let seen = RefCell::new((ByInvariant::<u64>::new(&[]), Vec::new()));
    let mut runner = tape_runner(config);
    let _ = runner.run(&strategy, |case| {
        let tally = tape_walk(tapes, &case, policy, laws);
        let mut seen = seen.borrow_mut();
        for (inv, s) in tally.seen.iter() {
            *seen.0.entry(inv) += u64::from(s.count > 0);
        }
        merge_branches(&mut seen.1, &tally.branches);
        Ok(())
    });
    let (counts, tape_branches) = seen.into_inner();
    merge_branches(&mut acc.branches, &tape_branches);
    for (inv, cases) in counts.into_values() {
        acc.found.entry(inv).tape_cases = cases;
        if cases == 0 {
            continue;
        }
        let mut runner = tape_runner(config);
        let result = runner.run(&strategy, |case| {
            if tape_walk(tapes, &case, policy, laws).violated(inv) {
                Err(proptest::test_runner::TestCaseError::fail(inv.name()))
            } else {
                Ok(())
            }
        });
        if let Err(TestError::Fail(_, case)) = result {
            let tally = tape_walk(tapes, &case, policy, laws);
            let first = tally.seen.get(inv.name()).and_then(|s| s.first.clone());
            acc.found.entry(inv).shrunk = first.map(|(t, detail)| {
                let mut drawn = tally.drawn;
                drawn.truncate(usize::try_from(t).unwrap_or(usize::MAX));
                Counterexample {
                    invariant: inv,
                    step: Some(t),
                    detail,
                    input: tapes.counterexample(&case, drawn),
                }
            });
        }
    }
}

/// The probe pass (V1 policies): the rule on a grid of inputs, for the rule invariants.
fn probe_pass<H, P>(acc: &mut Acc, policy: &P, config: &HarnessConfig)
where
    H: History,
    P: CreditPolicy<V1<H>>,
{
    let Some(base) = config.grid.first() else {
        return;
    };
    for inv in V1_RULE_LAWS {
        let ns = [
            0,
            7,
            base.sum_volume(),
            base.sum_volume().saturating_add(335),
        ];
        let tally = probe::probe_rule::<H, P>(policy, inv, &ns, base.sum_volume());
        let found = acc.found.entry(inv);
        found.violations += tally.violations;
        found.probe_cx = tally.first.map(|(p, detail)| Counterexample {
            invariant: inv,
            step: None,
            detail,
            input: ReplayInput::Probe(p),
        });
    }
}

/// The report of the passes: every invariant of the check (its list, then any other a law
/// reported), their kinds as `policy` declares them, the policy's branches and the
/// behaviour's paths as goals.
fn finish<M: Model, P: CreditPolicy<M>>(
    acc: Acc,
    policy: &P,
    config: &HarnessConfig,
) -> HarnessReport {
    let observed = policy.observed_invariants();
    let invariants = acc
        .found
        .into_values()
        .map(|(inv, f)| InvariantReport {
            invariant: inv,
            kind: inv.kind_under(observed),
            violations: f.violations,
            tape_cases: f.tape_cases,
            counterexample: f
                .shrunk
                .or_else(|| f.first_in_runs.clone())
                .or(f.probe_cx)
                .or(f.run_cx),
            first_in_runs: f.first_in_runs,
        })
        .collect();
    let hits = |b: &str| {
        acc.branches
            .iter()
            .find(|(x, _)| *x == b)
            .map_or(0, |&(_, h)| h)
    };
    let goals = policy
        .branches()
        .iter()
        .map(|&b| GoalReport {
            goal: Goal::Branch(b),
            hits: hits(b),
        })
        .chain(
            acc.path_names
                .iter()
                .zip(&acc.paths)
                .map(|(&p, &hits)| GoalReport {
                    goal: Goal::Path(p),
                    hits,
                }),
        )
        .collect();
    let mut config = config.clone();
    if !acc.tapes_run {
        config.tape_cases = 0;
    }
    HarnessReport {
        policy: config.policy.clone(),
        invariants,
        goals,
        cells: acc.cells,
        config,
    }
}

/// Checks `policy` on any model: seeded runs of every cell with each of `config.rngs`
/// (`config.n_runs` runs of `config.n_steps` steps, seed `config.seed`), every step
/// against the generic laws ([`Invariant::GENERIC`]) and the model's own `laws`, the
/// policy's branches and the behaviour's paths as goals, determinism on one thread and
/// on each of `config.threads`. `config.grid`, the tape and probe settings are V1's and
/// not used here (see [`check_model_tapes`] for a tape search).
///
/// The kinds come from [`CreditPolicy::observed_invariants`]; counterexamples are
/// [`ReplayInput::Cell`] and [`ReplayInput::CellRuns`], naming the cell's label.
pub fn check_model<M, P, B, L>(
    cells: &[ModelCell<M, B>],
    policy: &P,
    laws: &L,
    config: &HarnessConfig,
) -> Result<HarnessReport, ParamError>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    validate_cells(cells, config)?;
    let list = report_order(laws.invariants(), &[])?;
    let acc = seeded_pass(&list, cells, None, policy, laws, config);
    let mut no_tapes = config.clone();
    no_tapes.tape_cases = 0;
    Ok(finish(acc, policy, &no_tapes))
}

/// [`check_model`] plus a shrinking search over the model's tapes: `config.tape_cases`
/// cases of up to `config.tape_len_max` steps from `tapes`, each violated law shrunk to a
/// minimal case whose drawn payments are its counterexample
/// ([`Tapes::counterexample`]).
pub fn check_model_tapes<M, P, B, L, T>(
    cells: &[ModelCell<M, B>],
    policy: &P,
    laws: &L,
    tapes: &T,
    config: &HarnessConfig,
) -> Result<HarnessReport, ParamError>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    validate_cells(cells, config)?;
    let list = report_order(laws.invariants(), &[])?;
    let mut acc = seeded_pass(&list, cells, None, policy, laws, config);
    tape_pass(&mut acc, tapes, policy, laws, config);
    Ok(finish(acc, policy, config))
}

/// Walks one case of `tapes` under the generic laws and `laws`, and returns every step
/// violation it shows.
pub fn check_model_tape<M, P, L, T>(
    tapes: &T,
    case: &T::Case,
    policy: &P,
    laws: &L,
) -> Vec<ReplayFinding>
where
    M: Model,
    P: CreditPolicy<M>,
    L: Laws<M>,
    T: Tapes<M>,
{
    replay::tally_findings(&tape_walk(tapes, case, policy, laws))
}

/// Re-runs a counterexample of [`check_model`] on its cell under the generic laws and
/// `laws`: a [`ReplayInput::Cell`] walks the run again, a [`ReplayInput::CellRuns`]
/// compares the runs' digests again (once more on one thread, then on its thread count).
/// Any other input gives nothing here (V1's inputs replay with [`replay`]).
pub fn replay_cell<M, P, B, L>(
    cell: &ModelCell<M, B>,
    policy: &P,
    laws: &L,
    input: &ReplayInput,
) -> Vec<ReplayFinding>
where
    M: Model,
    P: CreditPolicy<M>,
    B: Behaviour<M>,
    L: Laws<M>,
{
    match *input {
        ReplayInput::Cell {
            rng,
            seed,
            run,
            n_steps,
            ..
        } => replay::tally_findings(&walk_seeded(
            &cell.model,
            policy,
            &cell.behaviour,
            laws,
            &Streams::new(rng, seed),
            run,
            n_steps,
        )),
        ReplayInput::CellRuns {
            rng,
            seed,
            n_runs,
            n_steps,
            threads,
            ..
        } => {
            let digests = |t| {
                run_digests(
                    &cell.model,
                    policy,
                    &cell.behaviour,
                    &Streams::new(rng, seed),
                    n_runs,
                    n_steps,
                    t,
                )
            };
            let (a, b, c) = (digests(1), digests(1), digests(threads));
            replay::runs_findings(&a, &b, &c, threads)
        }
        _ => Vec::new(),
    }
}

fn validate_cells<M, B>(
    cells: &[ModelCell<M, B>],
    config: &HarnessConfig,
) -> Result<(), ParamError> {
    config.validate_runs()?;
    if cells.is_empty() {
        return Err(ParamError::new("cells", "[]", "at least one cell"));
    }
    Ok(())
}

/// The V1 cells of `config.grid`: the model of each parameter set and the notebook's user.
fn v1_cells<H: History>(config: &HarnessConfig) -> Vec<ModelCell<V1<H>, NotebookUser>> {
    config
        .grid
        .iter()
        .map(|p| ModelCell {
            label: replay::params_flags(p),
            model: V1::new(p),
            behaviour: NotebookUser::from_params(p),
        })
        .collect()
}

/// Checks the V1 policy `policy` with the exact history (numpy's means; `mean_tolerance` 0
/// is right).
pub fn check_rule<P>(policy: &P, config: &HarnessConfig) -> Result<HarnessReport, ParamError>
where
    P: CreditPolicy<V1>,
{
    check_rule_with::<P, ExactHistory>(policy, config)
}

/// Checks the V1 policy `policy` on V1 with the history `H` (for another engine, set
/// `config.mean_tolerance`): seeded runs of the notebook's user over `config.grid`, the
/// tape search over [`V1Tapes`], and, with `config.probe_rule`, the rule probes; every step
/// against the generic laws and [`V1Laws`].
pub fn check_rule_with<P, H>(
    policy: &P,
    config: &HarnessConfig,
) -> Result<HarnessReport, ParamError>
where
    P: CreditPolicy<V1<H>>,
    H: History,
{
    config.validate()?;
    let cells = v1_cells::<H>(config);
    let laws = V1Laws {
        mean_tolerance: config.mean_tolerance,
    };
    let rule_laws: &[Invariant] = if config.probe_rule {
        &V1_RULE_LAWS
    } else {
        &[]
    };
    let list = report_order(Laws::<V1<H>>::invariants(&laws), rule_laws)?;
    let mut acc = seeded_pass(&list, &cells, Some(&config.grid), policy, &laws, config);
    tape_pass::<V1<H>, _, _, _>(&mut acc, &V1Tapes, policy, &laws, config);
    if config.probe_rule {
        probe_pass::<H, P>(&mut acc, policy, config);
    }
    Ok(finish::<V1<H>, P>(acc, policy, config))
}

/// A proptest runner seeded from the configuration's seed: the same seed gives the same
/// cases and the same shrunk counterexamples.
fn tape_runner(config: &HarnessConfig) -> TestRunner {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&config.seed.to_le_bytes());
    key[8..16].copy_from_slice(b"tapes v1");
    let pconfig = ProptestConfig {
        cases: config.tape_cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        max_shrink_iters: 100_000,
        verbose: 0,
        ..ProptestConfig::default()
    };
    TestRunner::new_with_rng(pconfig, TestRng::from_seed(RngAlgorithm::ChaCha, &key))
}

/// Walks one V1 tape case under the catalog with `policy` on V1 with history `H` and
/// returns every step violation it shows (the same findings [`replay`] gives for the
/// case's resolved amounts).
pub fn check_tape<P, H>(policy: &P, case: &TapeCase, mean_tolerance: f64) -> Vec<ReplayFinding>
where
    P: CreditPolicy<V1<H>>,
    H: History,
{
    check_model_tape::<V1<H>, _, _, _>(&V1Tapes, case, policy, &V1Laws { mean_tolerance })
}
