//! The statistics of a comparison: per metric, the means over the paired runs, the paired
//! difference's bootstrap 95% interval (percentile method), and whether it fails the gate.

use rand_core::Rng;

use crate::draws::chacha_rng;
use crate::metrics::{NAMES, percentile};

use super::report::MetricDiff;
use super::{BOOTSTRAP_SUBSET, CompareConfig, N_BOOT};

/// The mean of `v`, NaN for an empty slice.
pub(super) fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// The sample standard deviation of `v` (n − 1 in the denominator), NaN below 2 values.
fn sd(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return f64::NAN;
    }
    let m = mean(v);
    (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// The bootstrap 95% interval of the mean of `d` (percentile method, [`N_BOOT`] resamples),
/// drawing run indexes from `rng`. An index is `⌊u · n / 2^64⌋` for a 64-bit output `u`
/// (bias below n / 2^64, far below anything measurable here).
pub(crate) fn bootstrap_ci<G: Rng + ?Sized>(d: &[f64], rng: &mut G) -> (f64, f64) {
    let n = d.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mut means = Vec::with_capacity(N_BOOT);
    for _ in 0..N_BOOT {
        let mut s = 0.0;
        for _ in 0..n {
            let i = ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize;
            s += d[i];
        }
        means.push(s / n as f64);
    }
    means.sort_by(f64::total_cmp);
    (percentile(&means, 0.025), percentile(&means, 0.975))
}

/// Metric `m` ([`NAMES`]) compared over the runs where both sides define it (`base` and
/// `cand` hold each run's metrics, NaN where undefined), its interval drawn from
/// `chacha_rng(seed, BOOTSTRAP_SUBSET, m + 1)`.
pub(super) fn metric_diff(
    m: usize,
    base: &[[f64; NAMES.len()]],
    cand: &[[f64; NAMES.len()]],
    config: &CompareConfig,
) -> MetricDiff {
    let pairs: Vec<(f64, f64)> = base
        .iter()
        .zip(cand)
        .map(|(a, b)| (a[m], b[m]))
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
        .collect();
    let a: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let b: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let d: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
    let mut rng = chacha_rng(config.seed, BOOTSTRAP_SUBSET, m as u64 + 1);
    let ci = bootstrap_ci(&d, &mut rng);
    let (baseline_mean, candidate_mean, diff_mean) = (mean(&a), mean(&b), mean(&d));
    let (baseline_sd, diff_sd) = (sd(&a), sd(&d));
    let rel_change = if diff_mean == 0.0 {
        0.0
    } else if baseline_mean == 0.0 {
        f64::INFINITY.copysign(diff_mean)
    } else {
        diff_mean / baseline_mean.abs()
    };
    let threshold = config.threshold(m);
    // NaN bounds (fewer than one pair) compare false: never significant.
    let excludes_zero = ci.0 > 0.0 || ci.1 < 0.0;
    MetricDiff {
        name: NAMES[m],
        n: d.len(),
        baseline_mean,
        candidate_mean,
        diff_mean,
        baseline_sd,
        diff_sd,
        ci,
        rel_change,
        threshold,
        significant: d.len() >= 2 && excludes_zero && rel_change.abs() > threshold,
        allowed: config.allow.contains(&m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_interval_of_constant_differences_is_that_constant() {
        let mut rng = chacha_rng(0, BOOTSTRAP_SUBSET, 1);
        assert_eq!(bootstrap_ci(&[0.5; 7], &mut rng), (0.5, 0.5));
    }

    #[test]
    fn bootstrap_interval_contains_the_sample_mean() {
        let d = [1.0, -2.0, 3.5, 0.25, -1.0, 2.0, 0.0, 4.0];
        let m = mean(&d);
        let (lo, hi) = bootstrap_ci(&d, &mut chacha_rng(3, BOOTSTRAP_SUBSET, 1));
        assert!(lo < m && m < hi, "{lo} {m} {hi}");
        assert!(lo >= -2.0 && hi <= 4.0);
    }
}
