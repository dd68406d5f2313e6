//! The exact laws of the classic chain of a credit network (derived in
//! docs/network-exact.md), from their formulas in exact integers, and the tests that hold a
//! simulation to them: a chi-square goodness of fit of one member's balance, a z-test of the
//! refused share, the relaxation step a burn-in must exceed. Shared by
//! `tests/network_exact.rs` (which checks the formulas and the chi-square tail against
//! published values) and `tests/network_edges.rs`.

/// The level of every test of these laws.
pub const ALPHA: f64 = 0.001;
/// The two-sided normal quantile of `ALPHA`: Φ⁻¹(1 − 0.001/2) = 3.2905 (NIST/SEMATECH
/// e-Handbook of Statistical Methods, table of the normal distribution).
pub const Z_CRITICAL: f64 = 3.2905;

// The exact laws, from the formulas.

/// C(n, k) in exact integers.
pub fn binomial(n: u64, k: u64) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    // Each partial product C(n − k + i, i) is an integer, so the division is exact.
    (1..=u128::from(k)).fold(1, |acc, i| acc * (u128::from(n - k) + i) / i)
}

/// P(x = k) for k = 0 … nc, where x = b + c is one member's shifted balance under the
/// uniform law on {x ≥ 0, Σx = nc}: stars and bars, C(nc − k + n − 2, n − 2) of the
/// C(nc + n − 1, n − 1) configurations.
pub fn balance_law(n: u64, c: u64) -> Vec<f64> {
    let total = binomial(n * c + n - 1, n - 1);
    (0..=n * c)
        .map(|k| binomial(n * c - k + n - 2, n - 2) as f64 / total as f64)
        .collect()
}

/// The stationary share of refused payments, (n − 1)/(n(c + 1) − 1).
pub fn refusal_share(n: u64, c: u64) -> f64 {
    (n - 1) as f64 / (n * (c + 1) - 1) as f64
}

// The chi-square distribution: its upper tail Q(df/2, x/2), the regularized upper
// incomplete gamma function (series below a + 1, Lentz's continued fraction above; W. H.
// Press et al., Numerical Recipes, 3rd ed., §6.2), with ln Γ from Lanczos' approximation
// (g = 7, 9 terms; relative error below 1e-15).

pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + 7.5;
    let sum = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Q(a, x) = Γ(a, x)/Γ(a).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let front = (a * x.ln() - x - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * front
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let (mut c, mut d) = (1.0 / tiny, 1.0 / b);
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        front * h
    }
}

/// P(χ²_df > x).
pub fn chi_square_p(x: f64, df: usize) -> f64 {
    gamma_q(df as f64 / 2.0, x / 2.0)
}

/// A chi-square goodness of fit: the statistic, its degrees of freedom and p-value.
#[derive(Debug, Clone, Copy)]
pub struct Fit {
    pub chi_square: f64,
    pub df: usize,
    pub p: f64,
}

/// The fit of `balances` (one per run) to the law of one member's balance, over cells of
/// adjacent values of k = b + c pooled until each expects ≥ 5 (the first cell open below,
/// the last open above, so every balance falls in a cell).
pub fn balance_fit(balances: &[i64], n: u64, c: u64) -> Fit {
    let law = balance_law(n, c);
    let runs = balances.len() as f64;
    // Cells as (first k, expected count), closed from the low end.
    let mut cells: Vec<(i64, f64)> = Vec::new();
    let mut open: Option<(i64, f64)> = None;
    for (k, p) in law.iter().enumerate() {
        let (start, e) = open.unwrap_or((k as i64, 0.0));
        let e = e + p * runs;
        if e >= 5.0 {
            cells.push((start, e));
            open = None;
        } else {
            open = Some((start, e));
        }
    }
    if let Some((_, e)) = open {
        cells.last_mut().expect("some cell expects 5").1 += e;
    }
    let mut observed = vec![0u64; cells.len()];
    for &b in balances {
        let k = b + c as i64;
        let cell = cells
            .iter()
            .rposition(|&(start, _)| start <= k)
            .unwrap_or(0);
        observed[cell] += 1;
    }
    let chi_square = cells
        .iter()
        .zip(&observed)
        .map(|(&(_, e), &o)| (o as f64 - e).powi(2) / e)
        .sum();
    let df = cells.len() - 1;
    Fit {
        chi_square,
        df,
        p: chi_square_p(chi_square, df),
    }
}

/// The z statistic of the mean refused share against the exact share, its standard error
/// the standard deviation across runs over √runs.
pub fn refusal_z(shares: &[f64], exact: f64) -> (f64, f64) {
    let runs = shares.len() as f64;
    let mean = shares.iter().sum::<f64>() / runs;
    let var = shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (runs - 1.0);
    (mean, (mean - exact) / (var / runs).sqrt())
}

/// The first step at which member 0's mean |b| over the runs is within one standard error
/// of its exact mean E|b| = Σ_k |k − c| P(k), from the sums over `runs` runs of |b_0(t)|
/// and b_0(t)² at every step t.
pub fn relaxation_step(abs_sum: &[f64], sq_sum: &[f64], runs: u64, n: u64, c: u64) -> Option<u64> {
    let law = balance_law(n, c);
    let exact: f64 = law
        .iter()
        .enumerate()
        .map(|(k, p)| (k as f64 - c as f64).abs() * p)
        .sum();
    let runs = runs as f64;
    (1..abs_sum.len()).map(|t| t as u64).find(|&t| {
        let mean = abs_sum[t as usize] / runs;
        let var = (sq_sum[t as usize] / runs - mean * mean) * runs / (runs - 1.0);
        (mean - exact).abs() <= (var / runs).sqrt()
    })
}

/// What the runs of one case give: member 0's balance at the end of each run, each run's
/// refused share over the window after the burn-in, and for every step t the sums over the
/// runs of |b_0(t)| and b_0(t)² (the burn-in measurement).
pub struct Sample {
    pub end_balances: Vec<i64>,
    pub refused_shares: Vec<f64>,
    pub abs_sum: Vec<f64>,
    pub sq_sum: Vec<f64>,
}

impl Sample {
    /// Runs 1 … `runs` of `burn_in + window` steps, each by `run_one(run, n_steps, see)`,
    /// which runs it handing `see` every step event of a model of network states.
    pub fn collect<M>(
        runs: u64,
        burn_in: u64,
        window: u64,
        mut run_one: impl FnMut(u64, u64, &mut dyn FnMut(&currents::model::StepEvent<'_, M>)),
    ) -> Sample
    where
        M: currents::model::Model<State = currents::network::NetworkState>,
    {
        let n_steps = burn_in + window;
        let mut sample = Sample {
            end_balances: Vec::new(),
            refused_shares: Vec::new(),
            abs_sum: vec![0.0; n_steps as usize + 1],
            sq_sum: vec![0.0; n_steps as usize + 1],
        };
        for run in 1..=runs {
            let (mut refused, mut last) = (0u64, 0i64);
            run_one(run, n_steps, &mut |e| {
                let b = e.next.balances[0];
                sample.abs_sum[e.t as usize] += b.abs() as f64;
                sample.sq_sum[e.t as usize] += (b * b) as f64;
                refused += u64::from(e.t > burn_in && e.next.refused);
                last = b;
            });
            sample.end_balances.push(last);
            sample.refused_shares.push(refused as f64 / window as f64);
        }
        sample
    }
}
