//! One step of the V1 model: drawing a transaction, and applying it.
//!
//! Drawing ([`draw_amount`]) and applying ([`step`]) are separate so that a test can drive
//! the core with a given sequence of amounts (a *tape*) instead of a generator. [`step`]
//! is a pure function of the previous state, what it needs of the history
//! ([`HistoryView`]), the parameters, the credit rule and the amount.

use rand_core::Rng;

use crate::credit::{CreditError, CreditInput, CreditRule};
use crate::draws::{randint01, uniform, uniform01};
use crate::numeric::round_half_even;
use crate::params::Params;
use crate::state::State;

/// What a step needs of the history `H` (the states at times 0 … t − 1, genesis included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryView {
    /// The mean of `userBalance` over `H`.
    pub balance_mean: f64,
    /// The mean of `sendVolume` over `H`.
    pub send_volume_mean: f64,
    /// The sum of the last `sumVolume` positive `transaction` values of `H`.
    pub send_volume_window: i64,
}

/// Which special paths a transaction draw took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AmountPath {
    /// The "large transaction" path (`y > 0.9` and `2·y·amount < capacity`) was applied.
    pub large: bool,
    /// The integrity path (`y > integrity` and `10·amount < capacity`) was applied.
    pub integrity: bool,
}

/// A drawn transaction amount (unrounded; positive = received) and the path it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AmountDraw {
    /// The amount.
    pub amount: f64,
    /// The path.
    pub path: AmountPath,
}

/// `x < n` with Python's exact float/int comparison (no rounding of `n` to a double).
#[inline]
pub fn f64_lt_i64(x: f64, n: i64) -> bool {
    if x.is_nan() {
        false
    } else if x < -9_223_372_036_854_775_808.0 {
        true
    } else if x >= 9_223_372_036_854_775_808.0 {
        false
    } else {
        // For an integer n, x < n exactly when floor(x) < n; floor(x) fits an i64 here.
        (x.floor() as i64) < n
    }
}

/// Draws one transaction amount, consuming the generator exactly as the notebook does.
///
/// Four draws, or five on the integrity path: the sign (`randint(0, 2)`, 0 → sent), the
/// amount `avg · (U + 0.5)`, the large-transaction test, the integrity test and, on that
/// path, `uniform(−1, integrity)`. The capacity checks compare the *signed* amount with the
/// previous capacity, exactly as in the notebook, so they cap large incoming amounts but
/// let large outgoing ones through.
#[inline]
pub fn draw_amount<R: Rng + ?Sized>(
    rng: &mut R,
    params: &Params,
    capacity_prev: i64,
) -> AmountDraw {
    let sign = if randint01(rng) == 0 { -1.0 } else { 1.0 };
    let mut amount = params.avg_amount() * (uniform01(rng) + 0.5);
    amount *= sign;
    let mut path = AmountPath::default();
    let y = uniform01(rng);
    if y > 0.9 {
        let big = amount * 2.0 * y;
        if f64_lt_i64(big, capacity_prev) {
            amount = big;
            path.large = true;
        }
    }
    let y = uniform01(rng);
    let integrity = params.integrity();
    if y > integrity {
        let big = amount * 10.0;
        if f64_lt_i64(big, capacity_prev) {
            amount = big * uniform(rng, -1.0, integrity);
            path.integrity = true;
        }
    }
    AmountDraw { amount, path }
}

/// Why a step could not be taken. Never happens under validated parameters and a state
/// reached by the model; exists so that arbitrary states get an answer instead of a panic.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum StepError {
    /// The credit rule failed.
    #[error(transparent)]
    Credit(#[from] CreditError),
    /// A value that the notebook stores as an integer is NaN or does not fit an `i64`.
    #[error("`{field}` cannot be stored as an integer: {value}")]
    NotAnInteger {
        /// The column.
        field: &'static str,
        /// The unrounded value.
        value: f64,
    },
}

fn to_int(field: &'static str, value: f64) -> Result<i64, StepError> {
    round_half_even(value).ok_or(StepError::NotAnInteger { field, value })
}

/// Applies one transaction `amount` to `prev` and returns the next state.
///
/// Follows the notebook's order and lags: capacity from the previous balance and credit,
/// send volume and means from the history `H` (which ends with `prev`), credit from the
/// rule on the previous state, then the new balance (unrounded) and the rounded
/// transaction.
pub fn step<C: CreditRule + ?Sized>(
    prev: &State,
    view: &HistoryView,
    params: &Params,
    rule: &C,
    amount: f64,
) -> Result<State, StepError> {
    let capacity = to_int("userCapacity", prev.balance + prev.credit as f64)?;
    let credit = rule.credit(&CreditInput::from_prev(prev, params))?.credit;
    let state = State {
        balance: prev.balance + amount,
        balance_mean: view.balance_mean,
        n_transactions: prev.n_transactions.saturating_add(1),
        credit,
        capacity,
        send_volume: view.send_volume_window,
        send_volume_mean: view.send_volume_mean,
        transaction: to_int("transaction", amount)?,
    };
    debug_assert!(
        state.credit >= 0,
        "a credit rule returned a negative credit"
    );
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_float_int_comparison() {
        assert!(f64_lt_i64(-0.5, 0));
        assert!(!f64_lt_i64(0.0, 0));
        assert!(f64_lt_i64(9_007_199_254_740_992.0, 9_007_199_254_740_993));
        assert!(!f64_lt_i64(f64::NAN, 5));
        assert!(f64_lt_i64(f64::NEG_INFINITY, i64::MIN));
    }
}
