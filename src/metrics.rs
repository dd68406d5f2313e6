//! Per-run metrics: how near equilibrium a user stays and how the credit behaves.
//!
//! Definitions (also in docs/metrics.md) read the states of steps 1 … T (the genesis state
//! is excluded). A metric that is undefined for a run (for example an elasticity when the
//! volume did not change) is NaN and is left out of that cell's summary statistics.

use crate::state::State;

/// What happened in one step besides the new state: the payment drawn and the payment
/// that happened after enforcement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo {
    /// The payment the user drew.
    pub drawn: f64,
    /// The payment that happened.
    pub applied: f64,
}

impl StepInfo {
    /// True when enforcement changed the payment.
    pub fn restricted(&self) -> bool {
        self.drawn.to_bits() != self.applied.to_bits()
    }
}

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
}

/// Accumulates one run's metrics step by step (feed it every state after genesis).
#[derive(Debug, Clone, Default)]
pub struct MetricsAcc {
    n: u64,
    balance_sum: f64,
    balance_abs_sum: f64,
    send_volume_sum: f64,
    over_limit: u64,
    utilisation_sum: f64,
    n_credit_positive: u64,
    zero_credit: u64,
    debt_age: u64,
    debt_age_max: u64,
    debt_age_sum: u64,
    crossings: u64,
    nonnegative_prev: bool,
    credit_prev: f64,
    credit_sum: f64,
    credit_change_sum: f64,
    credit_change_sq_sum: f64,
    restricted: u64,
    credits: Vec<f64>,
    volumes: Vec<f64>,
    balance_last: f64,
}

impl MetricsAcc {
    /// A fresh accumulator for a run starting from `genesis`.
    pub fn new(genesis: &State) -> Self {
        MetricsAcc {
            nonnegative_prev: genesis.balance >= 0.0,
            credit_prev: genesis.credit as f64,
            ..Default::default()
        }
    }

    /// Adds the state of one step and what happened in it.
    pub fn push(&mut self, s: &State, info: &StepInfo) {
        let credit = s.credit as f64;
        self.n += 1;
        self.balance_sum += s.balance;
        self.balance_abs_sum += s.balance.abs();
        self.send_volume_sum += s.send_volume as f64;
        self.over_limit += u64::from(s.balance < -credit);
        if s.credit > 0 {
            self.n_credit_positive += 1;
            self.utilisation_sum += (-s.balance).max(0.0) / credit;
        } else {
            self.zero_credit += 1;
        }
        if s.balance >= 0.0 {
            self.debt_age = 0;
        } else {
            self.debt_age += 1;
        }
        self.debt_age_max = self.debt_age_max.max(self.debt_age);
        self.debt_age_sum += self.debt_age;
        let nonnegative = s.balance >= 0.0;
        self.crossings += u64::from(nonnegative != self.nonnegative_prev);
        self.nonnegative_prev = nonnegative;
        let change = credit - self.credit_prev;
        self.credit_change_sum += change;
        self.credit_change_sq_sum += change * change;
        self.credit_prev = credit;
        self.credit_sum += credit;
        self.restricted += u64::from(info.restricted());
        self.credits.push(credit);
        self.volumes.push(info.applied.abs());
        self.balance_last = s.balance;
    }

    /// The metrics of the run so far (NaN where undefined, for example with no steps).
    pub fn finish(&self) -> RunMetrics {
        let n = self.n as f64;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let credit_mean = self.credit_sum / n;
        let change_mean = self.credit_change_sum / n;
        let change_var = (self.credit_change_sq_sum / n - change_mean * change_mean).max(0.0);
        RunMetrics {
            values: [
                ratio(self.balance_sum, self.send_volume_sum),
                ratio(self.balance_abs_sum, self.send_volume_sum),
                self.over_limit as f64 / n,
                ratio(self.utilisation_sum, self.n_credit_positive as f64),
                self.zero_credit as f64 / n,
                self.debt_age_max as f64,
                self.debt_age_sum as f64 / n,
                self.crossings as f64,
                self.credit_prev,
                credit_mean,
                ratio(change_var.sqrt(), credit_mean),
                elasticity(&self.credits, &self.volumes),
                self.restricted as f64 / n,
                self.volumes.iter().sum::<f64>() / n,
                self.balance_last,
            ],
        }
    }
}

/// `Δln credit / Δln volume` between the second and the fourth quarter of the run: the
/// means of the credit and of the payment size `|amount|` over each quarter. NaN when a
/// mean is not positive or the volume changed by less than 5% (`|Δln volume| < 0.05`),
/// where the ratio would only measure noise.
pub fn elasticity(credits: &[f64], volumes: &[f64]) -> f64 {
    let n = credits.len().min(volumes.len());
    if n < 4 {
        return f64::NAN;
    }
    let q = n / 4;
    let mean = |a: &[f64]| a.iter().sum::<f64>() / a.len() as f64;
    let (c2, c4) = (mean(&credits[q..2 * q]), mean(&credits[n - q..n]));
    let (v2, v4) = (mean(&volumes[q..2 * q]), mean(&volumes[n - q..n]));
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
    pub p5: f64,
    /// The median.
    pub p50: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// How many runs had a defined (non-NaN) value.
    pub n: usize,
}

/// The percentile `q` ∈ [0, 1] of sorted values, interpolated linearly between the closest
/// ranks (numpy's default `linear` method: position `q · (n − 1)`).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The spread of `values`, ignoring NaN.
pub fn spread(values: &[f64]) -> Spread {
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
