//! What a comparison runs and what fails its gate: [`CompareConfig`], and the gate's flags
//! as the command line writes them (`--min-change`, `--fail-on`, `--allow`).

use crate::draws::{RngKind, check_numpy_seed};
use crate::metrics::NAMES;
use crate::params::{RUNS_MAX, STEPS_MAX};
use crate::params::{Written, shown_text};
use crate::spec::Limits;

use super::{COMPARE_RUNS_MAX, COMPARE_STATES_MAX, CompareError, MIN_CHANGE_DEFAULT, bad};

/// Run settings shared by both sides, and the gate's thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareConfig {
    /// Paired runs.
    pub n_runs: u64,
    /// Steps per run.
    pub n_steps: u64,
    /// The seed: run r uses `chacha_rng(seed, 0, r)` or numpy's `RandomState(seed + r − 1)`.
    pub seed: u64,
    /// The generator family.
    pub rng: RngKind,
    /// The smallest relative change of a metric's mean that fails the gate.
    pub min_change: f64,
    /// Per-metric thresholds replacing `min_change` (`--fail-on METRIC:THRESHOLD`), by
    /// index into [`NAMES`].
    pub fail_on: Vec<(usize, f64)>,
    /// Metrics that never fail the gate (`--allow METRIC`), by index into [`NAMES`].
    pub allow: Vec<usize>,
}

impl Default for CompareConfig {
    /// `currents compare`'s defaults: 20 paired runs of 365 steps, seed 0, ChaCha, a 1%
    /// relative change fails the gate, no per-metric thresholds.
    fn default() -> Self {
        CompareConfig {
            n_runs: 20,
            n_steps: 365,
            seed: 0,
            rng: RngKind::Chacha,
            min_change: MIN_CHANGE_DEFAULT,
            fail_on: Vec::new(),
            allow: Vec::new(),
        }
    }
}

impl CompareConfig {
    /// What a side's spec resolves with: this config's run settings as the defaults, at
    /// least 2 runs (an interval needs 2) and at most `COMPARE_RUNS_MAX`, at most
    /// `STEPS_MAX` steps.
    pub fn limits(&self) -> Limits {
        Limits {
            runs: self.n_runs,
            steps: self.n_steps,
            seed: self.seed,
            rng: self.rng,
            runs_min: 2,
            runs_max: COMPARE_RUNS_MAX,
            steps_max: STEPS_MAX,
            rows: false,
        }
    }

    /// Checks the run settings (the same limits as `simulate`: 1 ≤ steps ≤ [`STEPS_MAX`],
    /// 1 ≤ runs ≤ [`RUNS_MAX`], with numpy every run's seed `seed + runs − 1` fits numpy's
    /// 32-bit seed; plus [`COMPARE_RUNS_MAX`] and [`COMPARE_STATES_MAX`]) and the gate's
    /// threshold.
    pub(crate) fn validate(&self) -> Result<(), CompareError> {
        if !(1..=STEPS_MAX).contains(&self.n_steps) {
            return Err(bad(
                "steps",
                self.n_steps.to_string(),
                format!("a whole number in [1, {STEPS_MAX}]"),
            ));
        }
        if !(1..=RUNS_MAX).contains(&self.n_runs) {
            return Err(bad(
                "runs",
                self.n_runs.to_string(),
                format!("a whole number in [1, {RUNS_MAX}]"),
            ));
        }
        if self.rng == RngKind::Numpy {
            check_numpy_seed(
                ("seed", &self.seed.to_string(), self.seed),
                ("runs", "runs", self.n_runs),
            )?;
        }
        let (runs_min, runs_max) = self.limits().range("runs");
        if !(runs_min..=runs_max).contains(&self.n_runs) {
            return Err(bad(
                "runs",
                self.n_runs.to_string(),
                format!("a whole number in [{runs_min}, {runs_max}] (an interval needs 2 runs)"),
            ));
        }
        if self.n_runs.saturating_mul(self.n_steps) > COMPARE_STATES_MAX {
            let most = (COMPARE_STATES_MAX / self.n_steps).min(runs_max);
            return Err(bad(
                "runs",
                self.n_runs.to_string(),
                format!(
                    "with {} steps, a whole number in [{runs_min}, {most}] (runs x steps <= {COMPARE_STATES_MAX})",
                    self.n_steps
                ),
            ));
        }
        let ok = |x: f64| x.is_finite() && x >= 0.0;
        if !ok(self.min_change) {
            return Err(bad(
                "min-change",
                self.min_change.to_string(),
                "a relative change >= 0, e.g. 0.01 or 1%",
            ));
        }
        Ok(())
    }

    /// The relative change above which metric `m` fails the gate: its `--fail-on`
    /// threshold (the last given), else `min_change`.
    pub(super) fn threshold(&self, m: usize) -> f64 {
        self.fail_on
            .iter()
            .rev()
            .find(|(i, _)| *i == m)
            .map_or(self.min_change, |(_, t)| *t)
    }
}

/// Parses a metric name (one of [`NAMES`]) for `field`.
pub(crate) fn parse_metric(field: &str, name: &str) -> Result<usize, CompareError> {
    NAMES.iter().position(|n| *n == name.trim()).ok_or_else(|| {
        bad(
            field,
            format!("{name:?}"),
            format!("a metric: {}", NAMES.join(", ")),
        )
    })
}

/// Parses a relative change: a fraction (`0.05`) or a percentage (`5%`), ≥ 0; the number
/// is read by the one grammar of numbers (a real number).
pub(crate) fn parse_change(field: &str, s: &str) -> Result<f64, CompareError> {
    let t = s.trim();
    let x = match t.strip_suffix('%') {
        Some(p) => Written::text(p).real() / 100.0,
        None => Written::text(t).real(),
    };
    if x.is_finite() && x >= 0.0 {
        Ok(x)
    } else {
        // As written when it is a number (with or without its `%`), else quoted.
        let number = s.strip_suffix('%').unwrap_or(s);
        let shown = if shown_text(number) == number {
            s.to_owned()
        } else {
            format!("{s:?}")
        };
        Err(bad(
            field,
            shown,
            "a relative change >= 0: a fraction (0.05) or a percentage (5%)",
        ))
    }
}

/// Parses `--fail-on METRIC:THRESHOLD`.
pub(crate) fn parse_fail_on(s: &str) -> Result<(usize, f64), CompareError> {
    let Some((m, t)) = s.split_once(':') else {
        return Err(bad(
            "fail-on",
            format!("{s:?}"),
            "METRIC:THRESHOLD, e.g. credit_mean:5%",
        ));
    };
    Ok((parse_metric("fail-on", m)?, parse_change("fail-on", t)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draws::NUMPY_SEED_MAX;

    #[test]
    fn change_accepts_fractions_and_percentages() {
        assert_eq!(parse_change("f", "5%"), Ok(0.05));
        assert_eq!(parse_change("f", "0.2"), Ok(0.2));
        assert!(parse_change("f", "-1").is_err());
        assert_eq!(parse_fail_on("credit_mean:10%"), Ok((9, 0.1)));
        assert!(parse_fail_on("credit_mean").is_err());
    }

    #[test]
    fn settings_are_checked_as_simulate_checks_them_then_compares_own_bounds() {
        let c = |n_runs, n_steps, seed, rng| CompareConfig {
            n_runs,
            n_steps,
            seed,
            rng,
            ..CompareConfig::default()
        };
        let field = |c: CompareConfig| c.validate().map_err(|e| e.field);
        assert_eq!(field(c(20, 365, 0, RngKind::Chacha)), Ok(()));
        assert_eq!(field(c(20, 0, 0, RngKind::Chacha)), Err("steps".into()));
        assert_eq!(field(c(0, 365, 0, RngKind::Chacha)), Err("runs".into()));
        let e = c(3, 10, NUMPY_SEED_MAX - 1, RngKind::Numpy)
            .validate()
            .unwrap_err();
        assert_eq!((e.field.as_str(), e.value.as_str()), ("seed", "4294967294"));
        assert!(e.accepted.contains("[0, 4294967293]"), "{e}");
        // Compare's own: an interval needs 2 runs; runs x steps is bounded.
        assert_eq!(field(c(1, 365, 0, RngKind::Chacha)), Err("runs".into()));
        let e = c(100_000, 2000, 0, RngKind::Chacha).validate().unwrap_err();
        assert_eq!(
            e.accepted,
            "with 2000 steps, a whole number in [2, 50000] (runs x steps <= 100000000)"
        );
    }
}
