//! The invariant harness: which laws a credit rule keeps, and the smallest case that breaks
//! each one it does not.
//!
//! [`check_rule`] runs a rule through the whole catalog ([`Invariant`]) three ways:
//! seeded Monte Carlo runs over a small parameter grid with both generator families
//! (counting violating steps and reachability [`Goal`]s), a proptest search over
//! transaction tapes that shrinks every violation to a minimal tape, and probes of the rule
//! on a grid of inputs. Each violation comes back as a [`Counterexample`] with a one-line
//! replay command. Whether a violation fails the suite is the rule's own declaration
//! ([`crate::CreditRule::invariant_kind`]); every goal must be reached.
//!
//! ```
//! use currents::credit::{CreditBranch, CreditError, CreditInput, CreditOutcome, CreditRule};
//! use currents::harness::{HarnessConfig, Invariant, InvariantKind, check_rule};
//!
//! /// Credit is the average send volume, scaled down linearly as |s| grows to 1.
//! #[derive(Clone)]
//! struct Linear;
//!
//! impl CreditRule for Linear {
//!     fn credit(&self, i: &CreditInput) -> Result<CreditOutcome, CreditError> {
//!         if i.n_transactions_prev < 7 {
//!             return Ok(CreditOutcome { credit: i.credit_prev, branch: CreditBranch::WarmUp });
//!         }
//!         if i.send_volume_mean_prev == 0.0 {
//!             return Ok(CreditOutcome { credit: 0, branch: CreditBranch::ZeroSendVolume });
//!         }
//!         let s = i.balance_mean_prev / i.send_volume_mean_prev;
//!         let x = (1.0 - s.abs()).max(0.0) * i.send_volume_mean_prev;
//!         Ok(CreditOutcome { credit: x.round() as i64, branch: CreditBranch::Quadratic })
//!     }
//!     fn invariant_kind(&self, inv: Invariant) -> InvariantKind {
//!         match inv {
//!             // The engine does not hold users to their limit, whatever the rule.
//!             Invariant::WithinCreditLimit => InvariantKind::Observed,
//!             other => other.default_kind(),
//!         }
//!     }
//!     fn reachable_branches(&self) -> &'static [CreditBranch] {
//!         &[CreditBranch::WarmUp, CreditBranch::Quadratic, CreditBranch::ZeroSendVolume]
//!     }
//! }
//!
//! let config = HarnessConfig { n_runs: 2, n_steps: 120, tape_cases: 32, ..HarnessConfig::default() };
//! let report = check_rule(&Linear, &config).unwrap();
//! assert!(report.passed(), "{}", report.to_table());
//! assert!(report.invariant(Invariant::WithinCreditLimit).violated());
//! ```

mod goals;
mod invariants;
mod policy;
mod probe;
mod replay;
mod tape;
mod walk;

use std::cell::RefCell;

use proptest::test_runner::{
    Config as ProptestConfig, RngAlgorithm, TestError, TestRng, TestRunner,
};

use crate::credit::{CreditBranch, CreditRule};
use crate::history::{ExactHistory, History};
use crate::params::{NUMPY_SEED_MAX, ParamError, Params, RngKind};

pub use goals::{Goal, GoalReport, TxPath};
pub use invariants::{Expected, Invariant, InvariantKind, Record, Scope, StepContext, check_step};
pub use policy::{Policy, V1NoFallback, V1Strict};
pub use probe::Probe;
pub use replay::{Counterexample, ReplayFinding, ReplayInput, join_floats, replay};
pub use tape::{
    TapeCase, TapeEntry, amount_abs_max, entry_strategy, params_strategy, tape_case_strategy,
};

use replay::{run_digests, with_run_rng};
use walk::{Source, Tally, path_index, walk};

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
}

impl Default for HarnessConfig {
    /// 10 runs × 365 steps on five parameter sets (the notebook's defaults and the four
    /// sets of the cadCAD reference files) with both generators, 256 tapes of up to 120
    /// steps, exact means, 2 and 4 threads.
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
            grid,
            n_runs: 10,
            n_steps: 365,
            seed: 0,
            rngs: vec![RngKind::Numpy, RngKind::Chacha],
            tape_cases: 256,
            tape_len_max: 120,
            mean_tolerance: 0.0,
            threads: vec![2, 4],
        }
    }
}

impl HarnessConfig {
    /// Checks every field's range; the error names the field, the value and what is accepted.
    pub fn validate(&self) -> Result<(), ParamError> {
        if self.grid.is_empty() {
            return Err(ParamError::new("grid", "[]", "at least one parameter set"));
        }
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
        if let Some(&t) = self.threads.iter().find(|&&t| !(1..=256).contains(&t)) {
            return Err(ParamError::new("threads", t, "whole numbers in [1, 256]"));
        }
        Ok(())
    }
}

/// One invariant's result.
#[derive(Debug, Clone, PartialEq)]
pub struct InvariantReport {
    /// The invariant.
    pub invariant: Invariant,
    /// Required or observed, as the rule declares.
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

/// What the seeded runs saw on one (parameter set, generator).
#[derive(Debug, Clone, PartialEq)]
pub struct CellStats {
    /// The parameters.
    pub params: Params,
    /// The generator family.
    pub rng: RngKind,
    /// Steps taken over all runs.
    pub steps: u64,
    /// Violating steps per invariant (index of [`Invariant::ALL`]).
    pub violations: Vec<u64>,
    /// Steps whose credit is 0.
    pub credit_zero_steps: u64,
    /// Steps per credit branch (index of [`CreditBranch::ALL`]).
    pub branches: Vec<u64>,
}

/// The result of [`check_rule`].
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessReport {
    /// The policy name from the configuration.
    pub policy: String,
    /// One entry per invariant of the catalog, in catalog order.
    pub invariants: Vec<InvariantReport>,
    /// Every reachability goal and how often it was reached.
    pub goals: Vec<GoalReport>,
    /// Per (parameter set, generator) statistics of the seeded runs.
    pub cells: Vec<CellStats>,
    /// The configuration's runs, steps, seed and tape cases, for the report header.
    pub config: HarnessConfig,
}

impl HarnessReport {
    /// The entry for `invariant`.
    pub fn invariant(&self, invariant: Invariant) -> &InvariantReport {
        &self.invariants[invariant.index()]
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
            };
            let mut v = input;
            v["step"] = json!(c.step);
            v["detail"] = json!(c.detail);
            v["replay"] = json!(c.replay_command(&self.policy));
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
            "cells": self.cells.iter().map(|c| json!({
                "params": params_json(&c.params),
                "rng": c.rng.name(),
                "steps": c.steps,
                "credit_zero_steps": c.credit_zero_steps,
                "violations": Invariant::ALL.iter()
                    .map(|i| (i.name().to_owned(), json!(c.violations[i.index()])))
                    .collect::<serde_json::Map<_, _>>(),
                "branches": CreditBranch::ALL.iter().enumerate()
                    .map(|(k, b)| (b.name().to_owned(), json!(c.branches[k])))
                    .collect::<serde_json::Map<_, _>>(),
            })).collect::<Vec<_>>(),
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
            c.grid.len(),
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
                    x.replay_command(&self.policy)
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

/// Checks `rule` with the exact history (numpy's means; `mean_tolerance` 0 is right).
pub fn check_rule<C>(rule: &C, config: &HarnessConfig) -> Result<HarnessReport, ParamError>
where
    C: CreditRule + Clone + Sync,
{
    check_rule_with::<C, ExactHistory>(rule, config)
}

/// Checks `rule` with the history `H` (for another engine, set `config.mean_tolerance`).
pub fn check_rule_with<C, H>(rule: &C, config: &HarnessConfig) -> Result<HarnessReport, ParamError>
where
    C: CreditRule + Clone + Sync,
    H: History + Default,
{
    config.validate()?;
    let n_inv = Invariant::ALL.len();
    let mut violations = vec![0u64; n_inv];
    let mut tape_cases = vec![0u64; n_inv];
    let mut first_in_runs: Vec<Option<Counterexample>> = vec![None; n_inv];
    let mut branches = [0u64; 5];
    let mut paths = [0u64; 3];
    let mut cells = Vec::new();
    let mut run_cx: Vec<Option<Counterexample>> = vec![None; n_inv];

    // 1. Seeded Monte Carlo runs over the grid, both families.
    for params in &config.grid {
        for &rng in &config.rngs {
            let mut cell = CellStats {
                params: *params,
                rng,
                steps: 0,
                violations: vec![0; n_inv],
                credit_zero_steps: 0,
                branches: vec![0; 5],
            };
            let mut digests = Vec::with_capacity(config.n_runs as usize);
            for run in 1..=config.n_runs {
                let tally: Tally = with_run_rng(rng, config.seed, run, |r| {
                    walk::<C, H, dyn rand_core::Rng>(
                        rule,
                        params,
                        Source::Draws {
                            rng: r.as_rng(),
                            n_steps: config.n_steps,
                        },
                        config.mean_tolerance,
                    )
                });
                digests.push(tally.fingerprint);
                for inv in Invariant::ALL {
                    let i = inv.index();
                    cell.violations[i] += tally.counts[i];
                    violations[i] += tally.counts[i];
                    if let (None, Some((t, detail))) = (&first_in_runs[i], &tally.first[i]) {
                        first_in_runs[i] = Some(Counterexample {
                            invariant: inv,
                            step: Some(*t),
                            detail: detail.clone(),
                            input: ReplayInput::Seeded {
                                params: *params,
                                rng,
                                seed: config.seed,
                                run,
                                n_steps: *t,
                            },
                        });
                    }
                }
                for (k, &hits) in tally.branches.iter().enumerate() {
                    cell.branches[k] += hits;
                    branches[k] += hits;
                }
                for (total, hits) in paths.iter_mut().zip(tally.paths) {
                    *total += hits;
                }
                cell.steps += tally.steps;
                cell.credit_zero_steps += tally.credit_zero_steps;
            }
            // Determinism: the same runs again on one thread, then on each thread count.
            let again = run_digests::<C, H>(
                rule,
                params,
                rng,
                config.seed,
                config.n_runs,
                config.n_steps,
                1,
            );
            let checks = std::iter::once((Invariant::SameSeedSameTrajectory, 1, again)).chain(
                config.threads.iter().map(|&t| {
                    (
                        Invariant::ThreadCountDoesNotChangeOutput,
                        t,
                        run_digests::<C, H>(
                            rule,
                            params,
                            rng,
                            config.seed,
                            config.n_runs,
                            config.n_steps,
                            t,
                        ),
                    )
                }),
            );
            for (inv, threads, other) in checks {
                let bad: Vec<usize> = (0..digests.len())
                    .filter(|&k| digests[k] != other[k])
                    .collect();
                let i = inv.index();
                violations[i] += bad.len() as u64;
                cell.violations[i] += bad.len() as u64;
                if let (Some(&k), None) = (bad.first(), &run_cx[i]) {
                    run_cx[i] = Some(Counterexample {
                        invariant: inv,
                        step: None,
                        detail: format!("run {} differs ({} threads)", k + 1, threads),
                        input: ReplayInput::Runs {
                            params: *params,
                            rng,
                            seed: config.seed,
                            n_runs: config.n_runs,
                            n_steps: config.n_steps,
                            threads,
                        },
                    });
                }
            }
            cells.push(cell);
        }
    }

    // 2. The tape search: one pass over every case, then a shrinking pass per violated law.
    let mut shrunk: Vec<Option<Counterexample>> = vec![None; n_inv];
    if config.tape_cases > 0 {
        let strategy = tape_case_strategy(config.tape_len_max);
        let seen = RefCell::new((vec![0u64; n_inv], [0u64; 5]));
        let mut runner = tape_runner(config);
        let _ = runner.run(&strategy, |case| {
            let tally = tape_walk::<C, H>(rule, &case, config.mean_tolerance);
            let mut seen = seen.borrow_mut();
            for inv in Invariant::ALL {
                seen.0[inv.index()] += u64::from(tally.violated(inv));
            }
            for k in 0..5 {
                seen.1[k] += tally.branches[k];
            }
            Ok(())
        });
        let (counts, tape_branches) = seen.into_inner();
        for k in 0..5 {
            branches[k] += tape_branches[k];
        }
        tape_cases = counts;
        for inv in Invariant::ALL {
            if tape_cases[inv.index()] == 0 {
                continue;
            }
            let mut runner = tape_runner(config);
            let result = runner.run(&strategy, |case| {
                let tally = tape_walk::<C, H>(rule, &case, config.mean_tolerance);
                if tally.violated(inv) {
                    Err(proptest::test_runner::TestCaseError::fail(inv.name()))
                } else {
                    Ok(())
                }
            });
            if let Err(TestError::Fail(_, case)) = result {
                shrunk[inv.index()] = tape_counterexample::<C, H>(rule, &case, inv, config);
            }
        }
    }

    // 3. Rule probes.
    let base = config.grid[0];
    let mut probe_cx: Vec<Option<Counterexample>> = vec![None; n_inv];
    for inv in Invariant::ALL
        .into_iter()
        .filter(|i| i.scope() == Scope::Rule)
    {
        let ns = [
            0,
            7,
            base.sum_volume(),
            base.sum_volume().saturating_add(335),
        ];
        let tally = probe::probe_rule(rule, inv, &ns, base.sum_volume());
        violations[inv.index()] += tally.violations;
        probe_cx[inv.index()] = tally.first.map(|(p, detail)| Counterexample {
            invariant: inv,
            step: None,
            detail,
            input: ReplayInput::Probe(p),
        });
    }

    let invariants = Invariant::ALL
        .into_iter()
        .map(|inv| {
            let i = inv.index();
            let counterexample = shrunk[i]
                .clone()
                .or_else(|| first_in_runs[i].clone())
                .or_else(|| probe_cx[i].clone())
                .or_else(|| run_cx[i].clone());
            InvariantReport {
                invariant: inv,
                kind: rule.invariant_kind(inv),
                violations: violations[i],
                tape_cases: tape_cases[i],
                counterexample,
                first_in_runs: first_in_runs[i].clone(),
            }
        })
        .collect();
    let goals = rule
        .reachable_branches()
        .iter()
        .map(|&b| GoalReport {
            goal: Goal::Branch(b),
            hits: branches[CreditBranch::ALL
                .iter()
                .position(|&x| x == b)
                .unwrap_or_default()],
        })
        .chain(TxPath::ALL.into_iter().map(|p| GoalReport {
            goal: Goal::Path(p),
            hits: paths[path_index(p)],
        }))
        .collect();
    Ok(HarnessReport {
        policy: config.policy.clone(),
        invariants,
        goals,
        cells,
        config: config.clone(),
    })
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

/// Walks one tape case.
pub(crate) fn tape_walk<C, H>(rule: &C, case: &TapeCase, mean_tolerance: f64) -> Tally
where
    C: CreditRule + Clone,
    H: History + Default,
{
    walk::<C, H, rand_chacha::ChaCha8Rng>(
        rule,
        &case.params,
        Source::Tape(&case.tape),
        mean_tolerance,
    )
}

/// Walks one tape case under the catalog and returns every step violation it shows (the
/// same findings [`replay`] gives for the case's resolved amounts).
pub fn check_tape<C, H>(rule: &C, case: &TapeCase, mean_tolerance: f64) -> Vec<ReplayFinding>
where
    C: CreditRule + Clone,
    H: History + Default,
{
    replay::tally_findings(&tape_walk::<C, H>(rule, case, mean_tolerance))
}

/// The counterexample of a (shrunk) tape case for `inv`: its amounts up to the first
/// violating step.
fn tape_counterexample<C, H>(
    rule: &C,
    case: &TapeCase,
    inv: Invariant,
    config: &HarnessConfig,
) -> Option<Counterexample>
where
    C: CreditRule + Clone,
    H: History + Default,
{
    let tally = tape_walk::<C, H>(rule, case, config.mean_tolerance);
    let (t, detail) = tally.first[inv.index()].clone()?;
    let mut amounts = tally.amounts;
    // A step that failed (an error or a negative credit) applied no amount; replaying the
    // tape up to that step needs the entry it would have applied, resolved against the
    // last state the walk reached.
    if (amounts.len() as u64) < t {
        let entry = case
            .tape
            .get(amounts.len())
            .copied()
            .unwrap_or(TapeEntry::Zero);
        let mut traj = crate::v1::legacy::Trajectory::<C, H>::new(case.params, rule.clone());
        for &a in &amounts {
            if traj.apply(a).is_err() {
                break;
            }
        }
        amounts.push(entry.resolve(traj.state(), &case.params));
    }
    amounts.truncate(t as usize);
    Some(Counterexample {
        invariant: inv,
        step: Some(t),
        detail,
        input: ReplayInput::Tape {
            params: case.params,
            amounts,
        },
    })
}
