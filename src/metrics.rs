//! Per-run metrics: how near equilibrium a member stays and how the credit behaves — for
//! any model.
//!
//! Definitions (also in docs/metrics.md) read the states of steps 1 … T (the genesis state
//! is excluded). A metric that is undefined for a run (for example an elasticity when the
//! volume did not change) is NaN and is left out of that cell's summary statistics.
//!
//! Every metric reads member 0's [`Ledger`] ([`Model::ledger`]) and, through [`Metered`],
//! the two things a ledger does not hold: the unrounded amount of a payment and the send
//! volume the balance is normalised by. The figures shared with the run summaries
//! (`simulate --summary`, scenario reports) are counted once, in [`LedgerTally`]; "over the
//! limit" is [`balance_below_limit`] (balance(t) < −limit(t)), the one definition in
//! [`crate::model`].
//!
//! [`Metrics`] is the observer that folds a run into its [`RunMetrics`].

use std::convert::Infallible;

use crate::model::{
    Flow, Ledger, Model, Observer, RunError, StepError, StepEvent, balance_below_limit,
};

/// What the per-run metrics read of a model beyond its [`Ledger`].
///
/// A model variant implements it to get the sweep's and compare's metrics:
///
/// ```
/// # use currents::metrics::Metered;
/// # use currents::v1::V1;
/// // V1 already implements it: the amount is the unrounded payment, the send volume is
/// // `sendVolume` (the sum of the last `sumVolume` positive transactions).
/// fn amount_of<M: Metered>(model: &M, p: &M::Payment) -> f64 { model.amount(p) }
/// assert_eq!(amount_of(&V1::<currents::v1::ExactHistory>::default(), &-12.5), -12.5);
/// ```
pub trait Metered: Model {
    /// The signed amount of `payment` for member 0, unrounded (positive = received).
    fn amount(&self, payment: &Self::Payment) -> f64;

    /// The send volume of `state` that `balance_norm` and `balance_abs_norm` divide by;
    /// `None` (the default) when the model keeps none, which leaves those two metrics
    /// undefined (NaN).
    fn send_volume(&self, _state: &Self::State) -> Option<f64> {
        None
    }
}

/// The ledger figures every per-run summary shares, counted over steps 1 … T: the one
/// place "steps over the limit", "steps with zero credit", the final balance and the
/// smallest and largest limit are computed (`simulate --summary`, scenario reports and the
/// sweep's metrics all read them from here).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LedgerTally {
    /// Steps folded in.
    pub n_steps: u64,
    /// Steps with [`balance_below_limit`]: balance(t) < −limit(t).
    pub steps_over_limit: u64,
    /// Steps whose limit is 0.
    pub steps_zero_limit: u64,
    /// The balance after the last step (the genesis balance before any step).
    pub final_balance: f64,
    /// The limit after the last step (the genesis limit before any step).
    pub final_limit: f64,
    /// The smallest limit over the steps (+∞ before any step).
    pub min_limit: f64,
    /// The largest limit over the steps (−∞ before any step).
    pub max_limit: f64,
}

impl LedgerTally {
    /// A tally of no steps, starting from the genesis ledger.
    pub fn new(genesis: &Ledger) -> Self {
        LedgerTally {
            n_steps: 0,
            steps_over_limit: 0,
            steps_zero_limit: 0,
            final_balance: genesis.balance,
            final_limit: genesis.limit,
            min_limit: f64::INFINITY,
            max_limit: f64::NEG_INFINITY,
        }
    }

    /// Folds in the ledger after one step.
    #[inline]
    pub fn push(&mut self, now: &Ledger) {
        self.n_steps += 1;
        self.steps_over_limit += u64::from(balance_below_limit(now));
        self.steps_zero_limit += u64::from(now.limit == 0.0);
        self.final_balance = now.balance;
        self.final_limit = now.limit;
        self.min_limit = self.min_limit.min(now.limit);
        self.max_limit = self.max_limit.max(now.limit);
    }

    /// The smallest limit, `None` before any step.
    pub fn min(&self) -> Option<f64> {
        (self.n_steps > 0).then_some(self.min_limit)
    }

    /// The largest limit, `None` before any step.
    pub fn max(&self) -> Option<f64> {
        (self.n_steps > 0).then_some(self.max_limit)
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

    /// The metrics of a run that failed part-way: every metric undefined (NaN), so the
    /// run is left out of every spread and every paired difference.
    pub fn undefined() -> Self {
        RunMetrics {
            values: [f64::NAN; NAMES.len()],
        }
    }
}

/// One step as the per-run metrics read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeteredStep {
    /// Member 0's ledger after the step.
    pub now: Ledger,
    /// The applied payment's amount ([`Metered::amount`]).
    pub applied: f64,
    /// True when enforcement changed the payment ([`StepEvent::restricted`]).
    pub restricted: bool,
    /// The state's send volume ([`Metered::send_volume`]).
    pub send_volume: Option<f64>,
}

impl MeteredStep {
    /// The metered view of one step of a run of `model`.
    #[inline]
    pub fn of<M: Metered>(model: &M, e: &StepEvent<'_, M>) -> Self {
        MeteredStep {
            now: model.ledger(e.next, 0),
            applied: model.amount(&e.applied),
            restricted: e.restricted(),
            send_volume: model.send_volume(e.next),
        }
    }
}

/// Accumulates one run's metrics step by step (feed it every step after genesis).
#[derive(Debug, Clone)]
pub struct MetricsAcc {
    tally: LedgerTally,
    balance_sum: f64,
    balance_abs_sum: f64,
    send_volume_sum: f64,
    utilisation_sum: f64,
    n_credit_positive: u64,
    debt_age: u64,
    debt_age_max: u64,
    debt_age_sum: u64,
    crossings: u64,
    nonnegative_prev: bool,
    credit_sum: f64,
    credit_change_sum: f64,
    credit_change_sq_sum: f64,
    restricted: u64,
    /// Σ |amount|, left to right from −0.0 (as `Iterator::sum` of f64 adds).
    volume_sum: f64,
    /// What the credit elasticity reads: every step's credit and volume, or, when the
    /// run's length is known ([`MetricsAcc::for_run`]), only the sums over its second and
    /// fourth quarters.
    elasticity: ElasticityInput,
}

/// The input of [`elasticity`] while a run is folded.
#[derive(Debug, Clone)]
enum ElasticityInput {
    /// Every step's credit and |amount| (the run's length is not known in advance).
    Kept {
        credits: Vec<f64>,
        volumes: Vec<f64>,
    },
    /// Sums over steps `[q, 2q)` and `[n − q, n)` (0-based, q = n/4) of a run of `n` steps,
    /// added in step order from −0.0, so they equal the slices' sums in [`elasticity`].
    Quarters {
        n: u64,
        credit_2: f64,
        credit_4: f64,
        volume_2: f64,
        volume_4: f64,
    },
}

impl MetricsAcc {
    /// A fresh accumulator for a run starting from the `genesis` ledger.
    pub fn new(genesis: &Ledger) -> Self {
        MetricsAcc {
            tally: LedgerTally::new(genesis),
            balance_sum: 0.0,
            balance_abs_sum: 0.0,
            send_volume_sum: 0.0,
            utilisation_sum: 0.0,
            n_credit_positive: 0,
            debt_age: 0,
            debt_age_max: 0,
            debt_age_sum: 0,
            crossings: 0,
            nonnegative_prev: genesis.balance >= 0.0,
            credit_sum: 0.0,
            credit_change_sum: 0.0,
            credit_change_sq_sum: 0.0,
            restricted: 0,
            volume_sum: -0.0,
            elasticity: ElasticityInput::Kept {
                credits: Vec::new(),
                volumes: Vec::new(),
            },
        }
    }

    /// A fresh accumulator for a run of `n_steps` steps from the `genesis` ledger that
    /// keeps O(1) memory: the credit elasticity is folded as it goes, from the quarters of
    /// a run of `n_steps` steps. [`MetricsAcc::finish`] gives the same metrics as
    /// [`MetricsAcc::new`]'s, bit for bit, once exactly `n_steps` steps were pushed; before
    /// that (a run that ended early) the elasticity is undefined (NaN).
    pub fn for_run(genesis: &Ledger, n_steps: u64) -> Self {
        MetricsAcc {
            elasticity: ElasticityInput::Quarters {
                n: n_steps,
                credit_2: -0.0,
                credit_4: -0.0,
                volume_2: -0.0,
                volume_4: -0.0,
            },
            ..MetricsAcc::new(genesis)
        }
    }

    /// The ledger figures of the steps so far.
    pub fn tally(&self) -> &LedgerTally {
        &self.tally
    }

    /// Adds one step.
    pub fn push(&mut self, step: &MeteredStep) {
        let s = &step.now;
        let credit = s.limit;
        let credit_prev = self.tally.final_limit;
        self.tally.push(s);
        self.balance_sum += s.balance;
        self.balance_abs_sum += s.balance.abs();
        self.send_volume_sum += step.send_volume.unwrap_or(f64::NAN);
        if credit > 0.0 {
            self.n_credit_positive += 1;
            self.utilisation_sum += (-s.balance).max(0.0) / credit;
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
        let change = credit - credit_prev;
        self.credit_change_sum += change;
        self.credit_change_sq_sum += change * change;
        self.credit_sum += credit;
        self.restricted += u64::from(step.restricted);
        let volume = step.applied.abs();
        self.volume_sum += volume;
        // The step just folded in, 0-based.
        let i = self.tally.n_steps - 1;
        match &mut self.elasticity {
            ElasticityInput::Kept { credits, volumes } => {
                credits.push(credit);
                volumes.push(volume);
            }
            ElasticityInput::Quarters {
                n,
                credit_2,
                credit_4,
                volume_2,
                volume_4,
            } => {
                let q = *n / 4;
                if (q..2 * q).contains(&i) {
                    *credit_2 += credit;
                    *volume_2 += volume;
                } else if (*n - q..*n).contains(&i) {
                    *credit_4 += credit;
                    *volume_4 += volume;
                }
            }
        }
    }

    /// The metrics of the run so far (NaN where undefined, for example with no steps).
    pub fn finish(&self) -> RunMetrics {
        let t = &self.tally;
        let n = t.n_steps as f64;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let credit_mean = self.credit_sum / n;
        let change_mean = self.credit_change_sum / n;
        let change_var = (self.credit_change_sq_sum / n - change_mean * change_mean).max(0.0);
        RunMetrics {
            values: [
                ratio(self.balance_sum, self.send_volume_sum),
                ratio(self.balance_abs_sum, self.send_volume_sum),
                t.steps_over_limit as f64 / n,
                ratio(self.utilisation_sum, self.n_credit_positive as f64),
                t.steps_zero_limit as f64 / n,
                self.debt_age_max as f64,
                self.debt_age_sum as f64 / n,
                self.crossings as f64,
                t.final_limit,
                credit_mean,
                ratio(change_var.sqrt(), credit_mean),
                match &self.elasticity {
                    ElasticityInput::Kept { credits, volumes } => elasticity(credits, volumes),
                    ElasticityInput::Quarters {
                        n: n_run,
                        credit_2,
                        credit_4,
                        volume_2,
                        volume_4,
                    } if *n_run == t.n_steps && *n_run >= 4 => {
                        let q = (n_run / 4) as f64;
                        elasticity_of_means(
                            (credit_2 / q, credit_4 / q),
                            (volume_2 / q, volume_4 / q),
                        )
                    }
                    ElasticityInput::Quarters { .. } => f64::NAN,
                },
                self.restricted as f64 / n,
                self.volume_sum / n,
                t.final_balance,
            ],
        }
    }
}

/// The observer that folds a run of any [`Metered`] model into its [`RunMetrics`].
pub struct Metrics<'a, M> {
    model: &'a M,
    n_steps: Option<u64>,
    acc: Option<MetricsAcc>,
}

impl<'a, M: Metered> Metrics<'a, M> {
    /// An observer for a run of `model`.
    pub fn new(model: &'a M) -> Self {
        Metrics {
            model,
            n_steps: None,
            acc: None,
        }
    }

    /// An observer for a run of `model` of `n_steps` steps, in O(1) memory
    /// ([`MetricsAcc::for_run`]).
    pub fn for_run(model: &'a M, n_steps: u64) -> Self {
        Metrics {
            model,
            n_steps: Some(n_steps),
            acc: None,
        }
    }

    /// The accumulated metrics (every metric NaN before the genesis state was seen).
    pub fn finish(&self) -> RunMetrics {
        self.acc
            .as_ref()
            .map_or_else(RunMetrics::undefined, MetricsAcc::finish)
    }
}

impl<M: Metered> Observer<M> for Metrics<'_, M> {
    type Error = Infallible;
    fn genesis(&mut self, state: &M::State) -> Result<(), Infallible> {
        let genesis = self.model.ledger(state, 0);
        self.acc = Some(match self.n_steps {
            Some(n) => MetricsAcc::for_run(&genesis, n),
            None => MetricsAcc::new(&genesis),
        });
        Ok(())
    }
    #[inline]
    fn step(&mut self, e: &StepEvent<'_, M>) -> Result<Flow, Infallible> {
        if let Some(acc) = &mut self.acc {
            acc.push(&MeteredStep::of(self.model, e));
        }
        Ok(Flow::Continue)
    }
}

/// A failed step, as sweeps and comparisons report it: where, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunFailure {
    /// The step the run loop could not take (1-based).
    pub timestep: u64,
    /// Why.
    pub error: StepError,
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
pub fn elasticity(credits: &[f64], volumes: &[f64]) -> f64 {
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
fn elasticity_of_means((c2, c4): (f64, f64), (v2, v4): (f64, f64)) -> f64 {
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
    fn the_tally_counts_the_same_state_limit_law() {
        let l = |balance: f64, limit: f64| Ledger {
            balance,
            limit,
            capacity: 0.0,
            payment: 0.0,
        };
        let mut t = LedgerTally::new(&l(0.0, 250.0));
        assert_eq!((t.min(), t.max(), t.final_limit), (None, None, 250.0));
        // At the limit is within it; below it is over; a zero limit counts as zero credit.
        for (b, c) in [(-250.0, 250.0), (-250.5, 250.0), (-1.0, 0.0), (10.0, 400.0)] {
            t.push(&l(b, c));
        }
        assert_eq!(
            (t.n_steps, t.steps_over_limit, t.steps_zero_limit),
            (4, 2, 1)
        );
        assert_eq!((t.min(), t.max()), (Some(0.0), Some(400.0)));
        assert_eq!((t.final_balance, t.final_limit), (10.0, 400.0));
    }

    #[test]
    fn folded_quarters_give_the_kept_steps_metrics_bit_for_bit() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let genesis = Ledger {
            balance: 0.0,
            limit: 250.0,
            capacity: 250.0,
            payment: 0.0,
        };
        for n in [1u64, 3, 4, 5, 7, 8, 365, 1001, 4099] {
            let mut kept = MetricsAcc::new(&genesis);
            let mut folded = MetricsAcc::for_run(&genesis, n);
            // A credit drifting upwards with the volume, so the elasticity is defined.
            for i in 0..n {
                let growth = 1.0 + i as f64 / n as f64;
                let step = MeteredStep {
                    now: Ledger {
                        balance: (next() - 0.5) * 1e3,
                        limit: (200.0 + 100.0 * next()) * growth,
                        capacity: 0.0,
                        payment: 0.0,
                    },
                    applied: (next() - 0.5) * 300.0 * growth,
                    restricted: next() < 0.1,
                    send_volume: Some(next() * 1e3),
                };
                kept.push(&step);
                folded.push(&step);
            }
            let (a, b) = (kept.finish().values, folded.finish().values);
            for (m, (a, b)) in a.iter().zip(&b).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "n = {n}, {}", NAMES[m]);
            }
            if n >= 365 {
                assert!(a[11].is_finite(), "n = {n}: elasticity undefined");
            }
        }
        // A run that ends before its announced length defines no elasticity.
        let mut short = MetricsAcc::for_run(&genesis, 100);
        short.push(&MeteredStep {
            now: genesis,
            applied: 1.0,
            restricted: false,
            send_volume: None,
        });
        assert!(short.finish().values[11].is_nan());
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
