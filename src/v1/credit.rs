//! Credit rules: what a user's credit limit becomes after a step.
//!
//! A rule is a pure function of the previous state's summary ([`CreditInput`]); it never
//! sees a generator, a clock or the state being built. [`V1Rule`] is the notebook's rule,
//! with its constants as fields so that they can be varied.

use crate::numeric::{ROUND_DIGITS_MAX, numpy_round, py_square, round_half_even};
use crate::v1::Params;
use crate::v1::State;

/// What a credit rule reads: the previous state's credit, means and step count, and the
/// send-volume window. V1 reads the *previous* averages (cadCAD runs every policy on the
/// previous state), so the credit lags the averages by one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreditInput {
    /// The previous credit limit.
    pub credit_prev: i64,
    /// The previous `avgUserBalance`.
    pub balance_mean_prev: f64,
    /// The previous `avgSendVolume`.
    pub send_volume_mean_prev: f64,
    /// The previous `totalNumTransactions`.
    pub n_transactions_prev: u64,
    /// The send-volume window `sumVolume`.
    pub sum_volume: u64,
}

impl CreditInput {
    /// The input V1's rule sees at step `cx.t` of a [`crate::v1::V1`] model.
    #[inline]
    pub(crate) fn from_model<H: crate::v1::History>(
        cx: &crate::model::Cx<'_, crate::v1::V1<H>>,
    ) -> Self {
        CreditInput {
            credit_prev: cx.prev.credit,
            balance_mean_prev: cx.prev.balance_mean,
            send_volume_mean_prev: cx.prev.send_volume_mean,
            n_transactions_prev: cx.prev.n_transactions,
            sum_volume: cx.model.sum_volume(),
        }
    }

    /// The input a rule sees when stepping from `prev`.
    pub fn from_prev(prev: &State, params: &Params) -> Self {
        CreditInput {
            credit_prev: prev.credit,
            balance_mean_prev: prev.balance_mean,
            send_volume_mean_prev: prev.send_volume_mean,
            n_transactions_prev: prev.n_transactions,
            sum_volume: params.sum_volume(),
        }
    }
}

/// Which branch of the V1 rule produced the credit (used by reachability goals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CreditBranch {
    /// Fewer than `warmup` steps taken: the credit is kept.
    WarmUp,
    /// `warmup ≤ n < sumVolume`: the notebook computes a slope here but keeps the credit.
    Window,
    /// The quadratic `round(a·s² + b, d) · avgSendVolume`, non-negative.
    Quadratic,
    /// The quadratic gave a negative value, so the previous credit is kept.
    NegativeFallback,
    /// After warm-up with an average send volume of exactly 0: the credit becomes 0.
    ZeroSendVolume,
}

impl CreditBranch {
    /// Every branch, in a fixed order.
    pub(crate) const ALL: [CreditBranch; 5] = [
        CreditBranch::WarmUp,
        CreditBranch::Window,
        CreditBranch::Quadratic,
        CreditBranch::NegativeFallback,
        CreditBranch::ZeroSendVolume,
    ];

    /// A short stable name.
    pub const fn name(self) -> &'static str {
        match self {
            CreditBranch::WarmUp => "warm-up",
            CreditBranch::Window => "window",
            CreditBranch::Quadratic => "quadratic",
            CreditBranch::NegativeFallback => "negative-fallback",
            CreditBranch::ZeroSendVolume => "zero-send-volume",
        }
    }
}

pub use crate::model::CreditError;

/// The result of a credit rule: the new limit and the branch that set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditOutcome {
    /// The new credit limit, ≥ 0.
    pub credit: i64,
    /// The branch taken.
    pub(crate) branch: CreditBranch,
}

/// The notebook's rule (V1), its constants as fields.
///
/// After `warmup` steps and once `n ≥ sumVolume`, with `s = avgUserBalance / avgSendVolume`:
/// `credit = round_half_even(numpy_round(quad_coef · s² + intercept, round_digits) · avgSendVolume)`;
/// a negative value keeps the previous credit; an average send volume of 0 gives 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V1Rule {
    /// The quadratic coefficient (notebook: −3).
    pub quad_coef: f64,
    /// The intercept (notebook: 1).
    pub intercept: f64,
    /// Steps before the rule may change the credit (notebook: `delta = 7`).
    pub warmup: u64,
    /// Decimal places the factor is rounded to (notebook: 2), at most `ROUND_DIGITS_MAX`.
    pub round_digits: u32,
}

impl Default for V1Rule {
    fn default() -> Self {
        V1Rule {
            quad_coef: -3.0,
            intercept: 1.0,
            warmup: 7,
            round_digits: 2,
        }
    }
}

impl V1Rule {
    /// The quadratic branch's credit before its sign test and rounding:
    /// `numpy_round(quad_coef · square + intercept, round_digits) · avg`, where `square` is
    /// Python's `s**2` ([`py_square`]) of `s = avgUserBalance / avg` and `avg` the previous
    /// `avgSendVolume` (not 0).
    ///
    /// The one definition of the formula: [`credit_v1`] and the batched engine
    /// ([`crate::v1::batch`]) both compute it here.
    #[inline]
    pub(crate) fn quadratic_credit(&self, square: f64, avg: f64) -> f64 {
        // Python's `-3*(s**2) + 1`: the square, then the product, then the sum; no fused
        // multiply-add.
        let quadratic = self.quad_coef * square + self.intercept;
        // `t` is a numpy.float64 in the notebook, so `round(t, 2)` is numpy's rounding
        // (scale, round half to even, unscale), not Python's exact decimal rounding.
        let factor = numpy_round(quadratic, self.round_digits.min(ROUND_DIGITS_MAX));
        factor * avg
    }
}

/// The V1 rule as a free function (see [`V1Rule`]).
///
/// Bit-exact with the notebook wherever the notebook's value is an integer that fits an
/// `i64`. In the notebook both means are `numpy.float64`, so `s**2` is the C library's
/// `pow`, `round(t, 2)` is numpy's rounding (`numpy_round`) and overflow gives ±∞ with
/// a warning instead of an exception; the new credit is `int(round(x))`, which raises on
/// NaN (`ValueError`) and ±∞ (`OverflowError`). Every input has a defined answer here;
/// the table says what the notebook's own code does on the same input (each row is
/// checked against `tests/data/python/credit_table.csv`, made by that code):
///
/// | input | notebook | `credit_v1` |
/// |-------|----------|-------------|
/// | previous credit < 0 (no rule produces one) | keeps it | [`CreditError::Negative`] |
/// | a mean is NaN or ±∞, any branch | warm-up and window keep the credit; the quadratic raises or returns a value | [`CreditError::NonFinite`] |
/// | `s` or `s²` overflows to ∞, `avgSendVolume > 0` | `t = −∞`, `x = −∞ < 0`: keeps the credit | the same: [`CreditBranch::NegativeFallback`] |
/// | `s²` overflows, `avgSendVolume < 0` | `x = +∞`: `OverflowError` | [`CreditError::OutOfRange`] (∞) |
/// | finite `x ≥ 2^63` (rounded) | a Python integer beyond `i64` | [`CreditError::OutOfRange`] (`x`) |
/// | `x = t · avgSendVolume` overflows to ∞ | `OverflowError` | [`CreditError::OutOfRange`] (∞) |
/// | `x` is NaN (only with non-default constants, e.g. `quad_coef = 0` and `s² = ∞`) | `ValueError` | [`CreditError::OutOfRange`] (NaN) |
/// | `avgSendVolume = ±0.0` after warm-up | `t = 0`, `x = ±0.0`: credit 0 | credit 0, [`CreditBranch::ZeroSendVolume`] |
/// | `x = −0.0` (`t` rounds to `−0.0`) | not `< 0`: credit 0 | credit 0 |
///
/// Non-finite means are an error in every branch, although the notebook's function alone
/// would return the previous credit during warm-up: no run of the notebook reaches a
/// non-finite mean, because the step that made a balance non-finite raised first
/// (`int(round(amount))` of the transaction), so no notebook value is lost, and a
/// non-finite value never passes through silently. A `round_digits` above
/// `ROUND_DIGITS_MAX` is taken as `ROUND_DIGITS_MAX`.
pub fn credit_v1(rule: &V1Rule, input: &CreditInput) -> Result<CreditOutcome, CreditError> {
    if input.credit_prev < 0 {
        return Err(CreditError::Negative {
            field: "credit_prev",
            value: input.credit_prev as f64,
        });
    }
    if !input.balance_mean_prev.is_finite() {
        return Err(CreditError::NonFinite {
            field: "avgUserBalance",
            value: input.balance_mean_prev,
        });
    }
    if !input.send_volume_mean_prev.is_finite() {
        return Err(CreditError::NonFinite {
            field: "avgSendVolume",
            value: input.send_volume_mean_prev,
        });
    }
    let n = input.n_transactions_prev;
    let keep = input.credit_prev;
    let (x, branch) = if n < rule.warmup {
        return Ok(CreditOutcome {
            credit: keep,
            branch: CreditBranch::WarmUp,
        });
    } else if n < input.sum_volume {
        return Ok(CreditOutcome {
            credit: keep,
            branch: CreditBranch::Window,
        });
    } else if input.send_volume_mean_prev != 0.0 {
        let avg = input.send_volume_mean_prev;
        let s = input.balance_mean_prev / avg;
        (
            rule.quadratic_credit(py_square(s), avg),
            CreditBranch::Quadratic,
        )
    } else {
        // The notebook's `t = 0` (an int) times an average of 0.0.
        (0.0, CreditBranch::ZeroSendVolume)
    };
    if x < 0.0 {
        return Ok(CreditOutcome {
            credit: keep,
            branch: CreditBranch::NegativeFallback,
        });
    }
    match round_half_even(x) {
        Some(credit) if credit >= 0 => Ok(CreditOutcome { credit, branch }),
        _ => Err(CreditError::OutOfRange(x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(n: u64, bal: f64, sv: f64) -> CreditInput {
        CreditInput {
            credit_prev: 250,
            balance_mean_prev: bal,
            send_volume_mean_prev: sv,
            n_transactions_prev: n,
            sum_volume: 30,
        }
    }

    #[test]
    fn branches() {
        let r = V1Rule::default();
        assert_eq!(
            credit_v1(&r, &input(3, 0.0, 0.0)).unwrap().branch,
            CreditBranch::WarmUp
        );
        assert_eq!(
            credit_v1(&r, &input(10, 0.0, 0.0)).unwrap().branch,
            CreditBranch::Window
        );
        let q = credit_v1(&r, &input(30, 0.0, 1000.0)).unwrap();
        assert_eq!((q.credit, q.branch), (1000, CreditBranch::Quadratic));
        let z = credit_v1(&r, &input(30, 5.0, 0.0)).unwrap();
        assert_eq!((z.credit, z.branch), (0, CreditBranch::ZeroSendVolume));
        let f = credit_v1(&r, &input(30, 1000.0, 1000.0)).unwrap();
        assert_eq!((f.credit, f.branch), (250, CreditBranch::NegativeFallback));
    }

    #[test]
    fn non_finite_is_an_error() {
        let r = V1Rule::default();
        assert!(matches!(
            credit_v1(&r, &input(30, f64::NAN, 1.0)),
            Err(CreditError::NonFinite { .. })
        ));
    }
}
