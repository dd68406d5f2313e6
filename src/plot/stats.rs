//! The numbers behind the charts: quantiles across runs, the lowess trend line, and the
//! decimation that keeps large inputs to a bounded number of drawn points.
//!
//! Everything here is plain arithmetic on slices: no drawing, no I/O.

/// The `q`-quantile (0 ≤ q ≤ 1) of `values` by linear interpolation between order
/// statistics (numpy's default, "type 7"); `None` for an empty slice or a NaN value.
///
/// Reorders `values` (it selects in place instead of sorting, so a quantile costs O(n)).
pub(crate) fn quantile(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let pos = q * (values.len() - 1) as f64;
    let lo_idx = pos.floor() as usize;
    let frac = pos - lo_idx as f64;
    let (_, lo, above) = values.select_nth_unstable_by(lo_idx, f64::total_cmp);
    let lo = *lo;
    if frac == 0.0 || above.is_empty() {
        return Some(lo);
    }
    // The next order statistic is the smallest value above the selected one.
    let hi = above.iter().copied().fold(f64::INFINITY, f64::min);
    Some(lo + (hi - lo) * frac)
}

/// Locally weighted scatterplot smoothing (Cleveland 1979), as statsmodels' `lowess`
/// computes it (the notebook's plotly `trendline="lowess"` calls it with `frac = 2/3` and
/// three robustness iterations).
///
/// `xs` must be sorted ascending and as long as `ys`. Each fitted value is a weighted
/// linear regression over the `ceil(frac·n)` nearest neighbours with tricube weights; each
/// robustness iteration down-weights points by the bisquare of their residual over six
/// median absolute residuals. Returns one fitted value per input point.
pub fn lowess(xs: &[f64], ys: &[f64], frac: f64, iterations: usize) -> Vec<f64> {
    let n = xs.len().min(ys.len());
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![ys[0]];
    }
    debug_assert!(xs.windows(2).all(|w| w[0] <= w[1]), "lowess needs sorted x");
    let k = ((frac * n as f64).ceil() as usize).clamp(2, n);
    let mut robust = vec![1.0; n];
    let mut fitted = vec![0.0; n];
    for iteration in 0..=iterations {
        // The window [left, left + k) of the k nearest neighbours slides right as x grows.
        let mut left = 0usize;
        for i in 0..n {
            let x = xs[i];
            while left + k < n && x - xs[left] > xs[left + k] - x {
                left += 1;
            }
            let right = left + k - 1;
            let radius = (x - xs[left]).max(xs[right] - x);
            fitted[i] = local_fit(
                &xs[left..=right],
                &ys[left..=right],
                &robust[left..=right],
                x,
                radius,
            )
            .unwrap_or(ys[i]);
        }
        if iteration == iterations {
            break;
        }
        let mut residuals: Vec<f64> = (0..n).map(|i| (ys[i] - fitted[i]).abs()).collect();
        let scale = 6.0 * quantile(&mut residuals.clone(), 0.5).unwrap_or(0.0);
        if scale <= 0.0 {
            break;
        }
        for (w, r) in robust.iter_mut().zip(residuals.iter_mut()) {
            let u = *r / scale;
            *w = if u < 1.0 { (1.0 - u * u).powi(2) } else { 0.0 };
        }
    }
    fitted
}

/// Weighted least-squares line through the window, evaluated at `x`; `None` when every
/// weight is zero.
fn local_fit(xs: &[f64], ys: &[f64], robust: &[f64], x: f64, radius: f64) -> Option<f64> {
    let mut sw = 0.0;
    let mut swx = 0.0;
    let mut swy = 0.0;
    for ((&xi, &yi), &ri) in xs.iter().zip(ys).zip(robust) {
        let w = tricube(xi, x, radius) * ri;
        sw += w;
        swx += w * xi;
        swy += w * yi;
    }
    if sw <= 0.0 {
        return None;
    }
    let x_mean = swx / sw;
    let y_mean = swy / sw;
    let mut sxx = 0.0;
    let mut sxy = 0.0;
    for ((&xi, &yi), &ri) in xs.iter().zip(ys).zip(robust) {
        let w = tricube(xi, x, radius) * ri;
        sxx += w * (xi - x_mean) * (xi - x_mean);
        sxy += w * (xi - x_mean) * (yi - y_mean);
    }
    // A window whose x values (nearly) coincide has no slope: use its weighted mean.
    if sxx <= 1e-12 * sw * (radius * radius).max(1.0) {
        return Some(y_mean);
    }
    Some(y_mean + sxy / sxx * (x - x_mean))
}

fn tricube(xi: f64, x: f64, radius: f64) -> f64 {
    if radius <= 0.0 {
        return 1.0;
    }
    let u = ((xi - x) / radius).abs();
    if u >= 1.0 {
        0.0
    } else {
        let c = 1.0 - u * u * u;
        c * c * c
    }
}

/// A line of `n` points thinned to at most `max_points` by keeping, of every bucket of
/// `bucket` consecutive points, the lowest and the highest (in their order), so spikes stay
/// visible. Returns the points and the bucket size (1 when nothing was thinned).
pub(crate) fn envelope(xs: &[f64], ys: &[f64], max_points: usize) -> (Vec<(f64, f64)>, usize) {
    let n = xs.len().min(ys.len());
    if n <= max_points.max(2) {
        return ((0..n).map(|i| (xs[i], ys[i])).collect(), 1);
    }
    let bucket = n.div_ceil((max_points / 2).max(1));
    let mut out = Vec::with_capacity(2 * n.div_ceil(bucket));
    let mut start = 0;
    while start < n {
        let end = (start + bucket).min(n);
        let mut lo = start;
        let mut hi = start;
        for i in start..end {
            if ys[i] < ys[lo] {
                lo = i;
            }
            if ys[i] > ys[hi] {
                hi = i;
            }
        }
        let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push((xs[a], ys[a]));
        if b != a {
            out.push((xs[b], ys[b]));
        }
        start = end;
    }
    (out, bucket)
}

/// The law of one member's balance when the balances of `n` members are uniform over the
/// whole-unit vectors that sum to zero with every balance ≥ −c: `P(balance = −c + j)` for
/// j = 0, 1, …, up to `j_max` (at most n·c, the largest balance).
///
/// This is the stationary law of the classic chain of a credit network (one unit a step
/// along a uniformly chosen edge of a connected graph, refused at −c; Lanchier and Reed,
/// arXiv 1812.10359, derived in docs/network-exact.md). Shifted by c, the balances are n
/// whole numbers ≥ 0 summing to n·c: by stars and bars there are C(nc + n − 1, n − 1) such
/// vectors, C(nc − j + n − 2, n − 2) of them with the first at j. So P(0) = (n − 1) / (nc + n
/// − 1) and P(j + 1) / P(j) = (nc − j) / (nc − j + n − 2), the recurrence computed here (no
/// factorial is formed, so it holds at a million members). Empty when n < 2.
pub fn zero_sum_uniform_law(n: u64, c: u64, j_max: u64) -> Vec<f64> {
    if n < 2 {
        return Vec::new();
    }
    let (n, total) = (n as f64, (n * c) as f64);
    let mut p = (n - 1.0) / (total + n - 1.0);
    let mut law = Vec::new();
    for j in 0..=j_max.min(n as u64 * c) {
        law.push(p);
        let j = j as f64;
        p *= (total - j) / (total - j + n - 2.0);
    }
    law
}

/// The Lorenz curve of `values` (each ≥ 0): the points (k/n, share of the total held by the
/// k smallest), k = 0 … n; `None` when there is no value or the total is not positive.
/// Sorts `values`. (The Gini coefficient is the metrics' one, `crate::metrics::gini`.)
pub fn lorenz(values: &mut [f64]) -> Option<Vec<(f64, f64)>> {
    values.sort_unstable_by(f64::total_cmp);
    let total: f64 = values.iter().sum();
    if values.is_empty() || total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let n = values.len() as f64;
    let mut points = Vec::with_capacity(values.len() + 1);
    points.push((0.0, 0.0));
    let mut held = 0.0;
    for (k, v) in values.iter().enumerate() {
        held += v / total;
        points.push(((k + 1) as f64 / n, held));
    }
    Some(points)
}

/// The stride that keeps `n` items to at most `budget`: 1 if they fit, else `ceil(n/budget)`.
pub(crate) fn stride_for(n: usize, budget: usize) -> usize {
    n.div_ceil(budget.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The law against a count of the vectors themselves: for small n and c every vector of
    /// balances in [−c, (n−1)c]^n that sums to 0 is enumerated, and member 0's balance is
    /// tallied (an independent computation: no binomial, no recurrence).
    #[test]
    fn the_zero_sum_law_is_the_share_of_vectors_counted_one_by_one() {
        for (n, c) in [(2u64, 1u64), (2, 3), (3, 1), (3, 2), (4, 2), (5, 1)] {
            let (lo, hi) = (-(c as i64), ((n - 1) * c) as i64);
            let mut counts = vec![0u64; (hi - lo + 1) as usize];
            let mut x = vec![lo; n as usize];
            let mut total = 0u64;
            loop {
                if x.iter().sum::<i64>() == 0 {
                    counts[(x[0] - lo) as usize] += 1;
                    total += 1;
                }
                // The next vector, odometer order.
                let mut i = 0;
                while i < x.len() && x[i] == hi {
                    x[i] = lo;
                    i += 1;
                }
                if i == x.len() {
                    break;
                }
                x[i] += 1;
            }
            let law = zero_sum_uniform_law(n, c, n * c);
            assert_eq!(law.len(), counts.len(), "n {n} c {c}");
            for (p, k) in law.iter().zip(&counts) {
                // Relative 1e-12: the recurrence multiplies at most nc rounded ratios.
                let exact = *k as f64 / total as f64;
                assert!(
                    (p - exact).abs() <= 1e-12 * exact.max(1e-300),
                    "n {n} c {c}: {p} vs {exact}"
                );
            }
        }
        assert!(zero_sum_uniform_law(1, 5, 5).is_empty());
    }

    /// The Lorenz curve of the textbook cases: equal holdings on the diagonal; (1, 2, 3, 4)
    /// through (1/4, 1/10), (1/2, 3/10), (3/4, 6/10), (1, 1); nothing held, no curve.
    #[test]
    fn lorenz_accumulates_the_smallest_holdings_first() {
        let points = lorenz(&mut [2.0, 2.0]).unwrap();
        assert_eq!(points, [(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)]);
        let points = lorenz(&mut [4.0, 1.0, 3.0, 2.0]).unwrap();
        let expected = [(0.0, 0.0), (0.25, 0.1), (0.5, 0.3), (0.75, 0.6), (1.0, 1.0)];
        for (p, e) in points.iter().zip(expected) {
            assert!(
                (p.0 - e.0).abs() < 1e-15 && (p.1 - e.1).abs() < 1e-15,
                "{p:?} {e:?}"
            );
        }
        assert!(lorenz(&mut [0.0, 0.0]).is_none());
        assert!(lorenz(&mut []).is_none());
    }

    #[test]
    fn quantile_interpolates_between_order_statistics() {
        // numpy.quantile([1, 2, 3, 4], [0, 0.05, 0.5, 0.95, 1]) = [1, 1.15, 2.5, 3.85, 4].
        // Within 1e-12: 1.15 and 3.85 are not exact in binary, and the interpolation rounds.
        let cases = [
            (0.0, 1.0),
            (0.05, 1.15),
            (0.5, 2.5),
            (0.95, 3.85),
            (1.0, 4.0),
        ];
        for (q, expected) in cases {
            let mut v = vec![4.0, 1.0, 3.0, 2.0];
            let got = quantile(&mut v, q).unwrap();
            assert!((got - expected).abs() < 1e-12, "q={q}: {got} != {expected}");
        }
        assert_eq!(quantile(&mut [], 0.5), None);
        assert_eq!(quantile(&mut [1.0, f64::NAN], 0.5), None);
    }

    #[test]
    fn lowess_reproduces_a_straight_line() {
        // A local linear fit of points on a line is the line itself, whatever the weights.
        let xs: Vec<f64> = (0..50).map(f64::from).collect();
        let ys: Vec<f64> = xs.iter().map(|x| 3.0 * x - 7.0).collect();
        for (fit, y) in lowess(&xs, &ys, 2.0 / 3.0, 3).iter().zip(&ys) {
            assert!((fit - y).abs() < 1e-9, "{fit} != {y}");
        }
    }

    #[test]
    fn lowess_robustness_iterations_ignore_an_outlier() {
        // A line with bounded wiggle (|sin| ≤ 1) and one gross outlier: the plain fit is
        // pulled far off the line near the outlier, the robust fit stays within the wiggle.
        let xs: Vec<f64> = (0..40).map(f64::from).collect();
        let mut ys: Vec<f64> = xs.iter().map(|x| 0.5 * x + (x * 1.7).sin()).collect();
        ys[20] = 1000.0;
        let plain = lowess(&xs, &ys, 0.5, 0);
        let robust = lowess(&xs, &ys, 0.5, 3);
        for i in 15..26 {
            let line = 0.5 * xs[i];
            assert!(
                (plain[i] - line).abs() > 5.0,
                "the outlier pulls the plain fit at {i}"
            );
            assert!(
                (robust[i] - line).abs() < 1.0,
                "robust fit {} at {i}",
                robust[i]
            );
        }
    }

    #[test]
    fn envelope_keeps_the_extremes_of_every_bucket() {
        let xs: Vec<f64> = (0..1000).map(f64::from).collect();
        let mut ys = vec![0.0; 1000];
        ys[517] = 99.0;
        ys[3] = -42.0;
        let (pts, bucket) = envelope(&xs, &ys, 100);
        assert!(pts.len() <= 100, "{} points", pts.len());
        assert_eq!(bucket, 20);
        assert!(pts.contains(&(517.0, 99.0)) && pts.contains(&(3.0, -42.0)));
        assert!(
            pts.windows(2).all(|w| w[0].0 < w[1].0),
            "x stays increasing"
        );
    }
}
