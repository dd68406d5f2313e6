//! What a check reports: every invariant's status, kind and best counterexample, the
//! reachability goals, and what the seeded runs saw per cell — as a table
//! ([`HarnessReport::to_table`]) and as JSON ([`HarnessReport::to_json`]).

use crate::catalog::{Invariant, InvariantKind};
use crate::draws::RngKind;

use super::HarnessConfig;
use super::cell::CellArgs;
use super::goals::GoalReport;
use super::replay::{Counterexample, ReplayInput};

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
    pub(crate) fn status(&self) -> &'static str {
        if self.violated() { "violated" } else { "holds" }
    }
}

/// What the seeded runs saw on one (cell, generator).
#[derive(Debug, Clone, PartialEq)]
pub struct CellStats {
    /// The cell, as the command line names it.
    pub(crate) cell: CellArgs,
    /// The generator family.
    pub(crate) rng: RngKind,
    /// Steps taken over all runs.
    pub steps: u64,
    /// Violating steps per invariant, by name, in the report's order.
    pub(crate) violations: Vec<(&'static str, u64)>,
    /// Steps whose credit is 0.
    pub credit_zero_steps: u64,
    /// Steps per branch, by name: the policy's branches in its order, then any other name
    /// a limit carried.
    pub(crate) branches: Vec<(&'static str, u64)>,
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

/// The result of the checks of the harness
/// ([`check_model`](super::check_model), [`check_model_tapes`](super::check_model_tapes),
/// V1's `check_rule`).
#[derive(Debug, Clone, PartialEq)]
pub struct HarnessReport {
    /// The policy name from the configuration.
    pub policy: String,
    /// One entry per invariant checked (the generic ones, the model's own, the probes'),
    /// in [`report_order`](crate::catalog::report_order).
    pub invariants: Vec<InvariantReport>,
    /// Every reachability goal and how often it was reached.
    pub goals: Vec<GoalReport>,
    /// Per (parameter set, generator) statistics of the seeded runs.
    pub cells: Vec<CellStats>,
    /// The configuration's runs, steps, seed and tape cases, for the report header.
    pub(crate) config: HarnessConfig,
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
            let mut v = match &c.input {
                ReplayInput::Tape { cell, payments } => {
                    let tape: Vec<serde_json::Value> = payments
                        .iter()
                        .map(|p| p.parse::<f64>().map_or_else(|_| json!(p), |x| json!(x)))
                        .collect();
                    with_cell(json!({ "source": "tape" }), cell, json!({ "tape": tape }))
                }
                ReplayInput::Seeded {
                    cell,
                    rng,
                    seed,
                    run,
                    n_steps,
                } => with_cell(
                    json!({ "source": "run" }),
                    cell,
                    json!({ "rng": rng.name(), "seed": seed, "run": run, "steps": n_steps }),
                ),
                ReplayInput::Runs {
                    cell,
                    rng,
                    seed,
                    n_runs,
                    n_steps,
                    threads,
                } => with_cell(
                    json!({ "source": "runs" }),
                    cell,
                    json!({
                        "rng": rng.name(), "seed": seed, "runs": n_runs, "steps": n_steps,
                        "threads": threads,
                    }),
                ),
                ReplayInput::Probe { fields, .. } => {
                    let mut v = json!({ "source": "probe" });
                    if let (Some(v), Some(fields)) = (v.as_object_mut(), fields.as_object()) {
                        v.extend(fields.clone());
                    }
                    v
                }
            };
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
                if let (Some(cell), Some(args)) = (cell.as_object_mut(), c.cell.to_json().as_object()) {
                    cell.extend(args.clone());
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

/// `head` with the cell's JSON (its `params`, and `model` and `user` when named), then
/// `tail`'s fields, in that order.
fn with_cell(
    head: serde_json::Value,
    cell: &CellArgs,
    tail: serde_json::Value,
) -> serde_json::Value {
    let mut v = head;
    if let Some(obj) = v.as_object_mut() {
        for part in [cell.to_json(), tail] {
            if let Some(fields) = part.as_object() {
                obj.extend(fields.clone());
            }
        }
    }
    v
}
