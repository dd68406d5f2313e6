//! Per-run metrics: how near equilibrium the members stay and how the credit behaves — for
//! any model.
//!
//! Definitions (also in docs/metrics.md) read the states of steps 1 … T (the genesis state
//! is excluded). A metric that is undefined for a run (for example an elasticity when the
//! volume did not change) is NaN and is left out of that cell's summary statistics.
//!
//! Every figure of a run is folded in one place, [`RunFold`] (`Fold` is its observer):
//! the members' [`crate::model::Ledger`]s and, through [`Metered`], what a ledger does not
//! hold (the unrounded amount of a payment, the send volume the balance is normalised by,
//! the means a rule reads). "Over the limit" is `crate::model::balance_below_limit`, the
//! state law, the one definition in [`crate::model`]. `spread` summarises a metric across
//! the runs of a cell.

mod fold;
mod groups;
mod observe;
pub mod summary;
mod totals;

pub(crate) use crate::model::{TOUCHED_MAX, touched_by};
pub use fold::{FoldStep, LedgerTally, Metered, RunFold};
#[cfg(feature = "plot")]
pub(crate) use groups::{SPENDING_UNIT, at_the_limit, gini, spending_power};
pub(crate) use observe::{Fold, SummaryFold, fold_step};
pub(crate) use totals::MemberFigures;

use crate::model::{RunError, StepError};

/// The metrics, in the order of [`RunMetrics::values`] and the summary CSV.
pub const NAMES: [&str; 15] = [
    "balance_norm",
    "balance_abs_norm",
    "over_limit_share",
    "utilisation",
    "zero_credit_share",
    "debt_age_max",
    "debt_age_mean",
    "zero_crossings",
    "credit_final",
    "credit_mean",
    "credit_volatility",
    "credit_elasticity",
    "restricted_share",
    "volume_mean",
    "balance_final",
];

/// The metrics of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunMetrics {
    /// The values, named by [`NAMES`].
    pub values: [f64; NAMES.len()],
}

impl RunMetrics {
    /// The value of metric `name`, if it exists.
    pub fn get(&self, name: &str) -> Option<f64> {
        NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| self.values[i])
    }

    /// The metrics of a run that failed part-way: every metric undefined (NaN), so the
    /// run is left out of every spread and every paired difference.
    pub(crate) fn undefined() -> Self {
        RunMetrics {
            values: [f64::NAN; NAMES.len()],
        }
    }
}

/// A failed step, as sweeps and comparisons report it: where, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunFailure {
    /// The step the run loop could not take (1-based).
    pub(crate) timestep: u64,
    /// Why.
    pub(crate) error: StepError,
}

impl RunFailure {
    /// The failure of a run's result, if a step failed.
    pub fn of<E>(result: &Result<(), RunError<E>>) -> Option<RunFailure> {
        match result {
            Err(RunError::Step { timestep, source }) => Some(RunFailure {
                timestep: *timestep,
                error: *source,
            }),
            _ => None,
        }
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}: {}", self.timestep, self.error)
    }
}

/// `Δln credit / Δln volume` between the second and the fourth quarter of the run: the
/// means of the credit and of the payment size `|amount|` over each quarter. NaN when a
/// mean is not positive or the volume changed by less than 5% (`|Δln volume| < 0.05`),
/// where the ratio would only measure noise.
pub(crate) fn elasticity(credits: &[f64], volumes: &[f64]) -> f64 {
    let n = credits.len().min(volumes.len());
    if n < 4 {
        return f64::NAN;
    }
    let q = n / 4;
    let mean = |a: &[f64]| a.iter().sum::<f64>() / a.len() as f64;
    elasticity_of_means(
        (mean(&credits[q..2 * q]), mean(&credits[n - q..n])),
        (mean(&volumes[q..2 * q]), mean(&volumes[n - q..n])),
    )
}

/// [`elasticity`] from the means of the second and fourth quarters: (credit, volume).
pub(crate) fn elasticity_of_means((c2, c4): (f64, f64), (v2, v4): (f64, f64)) -> f64 {
    if !(c2 > 0.0 && c4 > 0.0 && v2 > 0.0 && v4 > 0.0) {
        return f64::NAN;
    }
    let dv = (v4 / v2).ln();
    if dv.abs() < 0.05 {
        return f64::NAN;
    }
    (c4 / c2).ln() / dv
}

/// Summary statistics of one metric across the runs of a cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    /// The mean.
    pub mean: f64,
    /// The 5th percentile.
    pub(crate) p5: f64,
    /// The median.
    pub(crate) p50: f64,
    /// The 95th percentile.
    pub(crate) p95: f64,
    /// How many runs had a defined (non-NaN) value.
    pub(crate) n: usize,
}

/// The percentile `q` ∈ [0, 1] of sorted values, interpolated linearly between the closest
/// ranks (numpy's default `linear` method: position `q · (n − 1)`).
pub(crate) fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The spread of `values`, ignoring NaN.
pub(crate) fn spread(values: &[f64]) -> Spread {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let mean = if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    };
    Spread {
        mean,
        p5: percentile(&v, 0.05),
        p50: percentile(&v, 0.50),
        p95: percentile(&v, 0.95),
        n: v.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates_like_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.05), 1.2);
        assert_eq!(percentile(&v, 1.0), 5.0);
        assert!(percentile(&[], 0.5).is_nan());
    }

    #[test]
    fn elasticity_of_proportional_credit_is_one() {
        let volumes: Vec<f64> = (0..100).map(|i| 100.0 * 1.01f64.powi(i)).collect();
        let credits: Vec<f64> = volumes.iter().map(|v| 3.0 * v).collect();
        assert!((elasticity(&credits, &volumes) - 1.0).abs() < 1e-12);
        let flat = vec![100.0; 100];
        assert!(elasticity(&credits, &flat).is_nan());
    }
}
