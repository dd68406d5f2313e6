//! What a comparison found ([`CompareReport`]): per metric, per law, per run, the harness
//! checks when both sides had them — and the gate's verdict and the command that
//! reproduces it. How a report is printed is [`super::Format`]'s.

use std::fmt::Write as _;

use crate::metrics::{NAMES, RunFailure};

use super::record::InvariantStatus;
use super::{CompareConfig, HarnessDiff, MIN_CHANGE_DEFAULT, SideLabel};

/// One metric's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDiff {
    /// The metric's name.
    pub name: &'static str,
    /// Runs where both sides define the metric.
    pub n: usize,
    /// The baseline mean over those runs.
    pub baseline_mean: f64,
    /// The candidate mean over those runs.
    pub candidate_mean: f64,
    /// The mean paired difference (candidate − baseline).
    pub diff_mean: f64,
    /// The sample standard deviation of the baseline's values across runs (what an
    /// unpaired comparison would have to average away).
    pub(crate) baseline_sd: f64,
    /// The sample standard deviation of the paired differences.
    pub(crate) diff_sd: f64,
    /// The bootstrap 95% interval of the mean paired difference (percentile method).
    pub ci: (f64, f64),
    /// `diff_mean / |baseline_mean|` (∞ when the baseline mean is 0 and the difference is
    /// not).
    pub(crate) rel_change: f64,
    /// The relative change above which a significant difference fails the gate.
    pub(crate) threshold: f64,
    /// The interval excludes 0 and |relative change| > threshold.
    pub(crate) significant: bool,
    /// Listed in `--allow`: reported, never fails the gate.
    pub(crate) allowed: bool,
}

impl MetricDiff {
    /// True when this metric fails the gate.
    pub fn fails(&self) -> bool {
        self.significant && !self.allowed
    }
}

/// One law on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct InvariantDiff {
    /// The law's catalog name (one of the laws compare reports, or
    /// `balances_sum_to_zero` when a side's model is held to it).
    pub name: &'static str,
    /// Its status on the baseline.
    pub baseline: InvariantStatus,
    /// Its status on the candidate.
    pub candidate: InvariantStatus,
}

impl InvariantDiff {
    /// True when it was checked on both sides and holds on one and not on the other.
    pub fn changed(&self) -> bool {
        let (a, b) = (&self.baseline, &self.candidate);
        a.checked && b.checked && a.holds() != b.holds()
    }
}

/// Where run r's two trajectories part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunDivergence {
    /// The run (1-based).
    pub run: u64,
    /// The first step whose record differs (the member the payment involved first, its
    /// balance, limit or payment, and a second member's); `None` when the trajectories
    /// are identical.
    pub diverge_step: Option<u64>,
    /// The first step after which the sides have consumed different numbers of generator
    /// outputs (from there on the draws are no longer common); `None` when they stay aligned.
    pub crn_lost_step: Option<u64>,
    /// A step failed on one side or both: the run is left out of the metrics.
    pub failed: bool,
}

/// The runs of one side that could not complete (a step failed: the run loop refused it).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FailedRuns {
    /// How many runs failed.
    pub n: u64,
    /// The first that did: its run and the failed step.
    pub(crate) first: Option<(u64, RunFailure)>,
}

impl FailedRuns {
    /// Notes that run `run` failed as `failure` says (if it did).
    pub(super) fn note(&mut self, run: u64, failure: Option<RunFailure>) {
        if let Some(f) = failure {
            self.n += 1;
            self.first.get_or_insert((run, f));
        }
    }

    /// `2/20 (first: run 3 step 40: …)`, or `None` when every run completed.
    fn describe(&self, n_runs: u64) -> Option<String> {
        let (run, f) = self.first?;
        Some(format!("{}/{n_runs} (first: run {run} {f})", self.n))
    }
}

/// The full comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareReport {
    /// The baseline.
    pub baseline: SideLabel,
    /// The candidate.
    pub candidate: SideLabel,
    /// The settings.
    pub(crate) config: CompareConfig,
    /// One row per metric, in [`NAMES`] order.
    pub metrics: Vec<MetricDiff>,
    /// One row per law, in the catalog's report order (the laws compare reports), with
    /// `balances_sum_to_zero` after `credit_non_negative` when a side is held to it.
    pub invariants: Vec<InvariantDiff>,
    /// One row per run.
    pub runs: Vec<RunDivergence>,
    /// When both sides run their model's own rule on the same model and its checks accept
    /// both sides' cells, the harness's invariants on each side (`super::harness_diff`);
    /// `None` otherwise.
    pub harness: Option<Vec<HarnessDiff>>,
    /// The runs that could not complete: the baseline's, then the candidate's. Any fails
    /// the gate: a comparison whose runs do not finish compares nothing for them.
    pub failed: [FailedRuns; 2],
    /// The program [`CompareReport::command`] starts with: `super::PROGRAM_DEFAULT`
    /// unless the caller sets another (the CLI sets the binary as it was invoked, so the
    /// printed command runs as printed).
    pub(crate) program: String,
}

impl CompareReport {
    /// True when the gate fails: a metric changed significantly (and is not allowed), an
    /// invariant's status changed, or a run of either side could not complete.
    pub fn changed(&self) -> bool {
        self.metrics.iter().any(MetricDiff::fails)
            || self.invariants.iter().any(|i| i.changed())
            || self.harness_changed().next().is_some()
            || self.failed.iter().any(|f| f.n > 0)
    }

    /// The runs that could not complete, side by side (`baseline 2/2 (first: run 1 step
    /// 40: …)`), or `None` when every run of both sides did.
    fn failed_runs(&self) -> Option<String> {
        let sides: Vec<String> = ["baseline", "candidate"]
            .iter()
            .zip(&self.failed)
            .filter_map(|(side, f)| {
                f.describe(self.config.n_runs)
                    .map(|d| format!("{side} {d}"))
            })
            .collect();
        (!sides.is_empty()).then(|| format!("runs that could not complete: {}", sides.join(", ")))
    }

    pub(super) fn harness_changed(&self) -> impl Iterator<Item = &HarnessDiff> {
        self.harness.iter().flatten().filter(|h| h.changed())
    }

    /// The one-line verdict.
    pub fn verdict(&self) -> String {
        let failing: Vec<String> = self
            .metrics
            .iter()
            .filter(|m| m.fails())
            .map(|m| format!("{} {}", m.name, pct(m.rel_change)))
            .collect();
        let invs: Vec<&str> = self
            .invariants
            .iter()
            .filter(|i| i.changed())
            .map(|i| i.name)
            .chain(self.harness_changed().map(|h| h.name))
            .collect();
        let failed = self.failed_runs();
        if failing.is_empty() && invs.is_empty() {
            if let Some(failed) = failed {
                return format!("verdict: FAILED: {failed}");
            }
            let allowed = self.metrics.iter().filter(|m| m.significant).count();
            let note = if allowed > 0 {
                format!(" ({allowed} allowed metric(s) changed)")
            } else {
                String::new()
            };
            format!(
                "verdict: no significant change over {} paired runs{note}",
                self.config.n_runs
            )
        } else {
            let mut parts = Vec::new();
            if !failing.is_empty() {
                parts.push(format!(
                    "{} metric(s) changed significantly: {}",
                    failing.len(),
                    failing.join(", ")
                ));
            }
            if !invs.is_empty() {
                parts.push(format!("invariant status changed: {}", invs.join(", ")));
            }
            parts.extend(failed);
            format!("verdict: CHANGED: {}", parts.join("; "))
        }
    }

    /// The command that reproduces this report, starting with the program that made it.
    pub(crate) fn command(&self) -> String {
        let mut c = format!(
            "{} compare --baseline '{}' --candidate '{}' --runs {} --steps {} --seed {} --rng {}",
            self.program,
            self.baseline.source,
            self.candidate.source,
            self.config.n_runs,
            self.config.n_steps,
            self.config.seed,
            self.config.rng.name()
        );
        if self.config.min_change != MIN_CHANGE_DEFAULT {
            let _ = write!(c, " --min-change {}", self.config.min_change);
        }
        for (m, t) in &self.config.fail_on {
            let _ = write!(c, " --fail-on {}:{t}", NAMES[*m]);
        }
        for m in &self.config.allow {
            let _ = write!(c, " --allow {}", NAMES[*m]);
        }
        c
    }
}

/// A share as a signed percentage with two decimals (`+1.25%`), `n/a` for NaN.
pub(super) fn pct(x: f64) -> String {
    if x.is_nan() {
        "n/a".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { "+inf" } else { "-inf" }.to_owned()
    } else {
        format!("{:+.2}%", 100.0 * x)
    }
}
