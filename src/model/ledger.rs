//! The ledger view every model gives of a member's account, and the one definition of each
//! limit law that generic invariants and metrics share.

/// One member's account as generic invariants and metrics see it.
///
/// Every quantity is in the model's currency units, signs as a balance sheet reads them:
/// a negative balance is a debt, `limit` is how far below zero the balance may go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ledger {
    /// The balance.
    pub balance: f64,
    /// The credit limit as a magnitude (≥ 0): the balance may go down to `-limit`.
    pub limit: f64,
    /// What the member may still spend as the model stores it (V1: `userCapacity`).
    pub capacity: f64,
    /// This step's payment as the model records it (positive = received).
    pub payment: f64,
}

/// `balance(t) < −limit(t)`: the member is over the limit of the same state.
///
/// Exact comparison: both sides are values the model stores.
#[inline]
pub fn balance_below_limit(now: &Ledger) -> bool {
    now.balance < -now.limit
}

/// `balance(t) < −limit(t−1)`: the step took the member past the limit that held when the
/// payment was made (the limit of the previous state).
#[inline]
pub fn balance_below_previous_limit(prev: &Ledger, now: &Ledger) -> bool {
    now.balance < -prev.limit
}

/// The payment `amount` (unrounded; negative = sent) took more than the spending capacity
/// `now.capacity` the model stored for the step (V1: `round(balance(t−1) + limit(t−1))`),
/// a negative capacity counting as 0: the law a spending restriction keeps. NaN counts as a
/// violation.
#[inline]
pub fn payment_exceeds_capacity(now: &Ledger, amount: f64) -> bool {
    !(amount >= 0.0 || -amount <= now.capacity.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(balance: f64, limit: f64) -> Ledger {
        Ledger {
            balance,
            limit,
            capacity: 0.0,
            payment: 0.0,
        }
    }

    #[test]
    fn the_two_limit_laws_differ_only_in_which_limit() {
        // Balance −300: over a limit of 250, within one of 400.
        assert!(balance_below_limit(&l(-300.0, 250.0)));
        assert!(!balance_below_limit(&l(-300.0, 400.0)));
        assert!(balance_below_previous_limit(
            &l(0.0, 250.0),
            &l(-300.0, 400.0)
        ));
        assert!(!balance_below_previous_limit(
            &l(0.0, 400.0),
            &l(-300.0, 250.0)
        ));
        // At the limit exactly is within it.
        assert!(!balance_below_limit(&l(-250.0, 250.0)));
    }

    #[test]
    fn only_outgoing_payments_can_exceed_the_capacity() {
        let cap = |capacity| Ledger {
            capacity,
            ..l(0.0, 0.0)
        };
        assert!(!payment_exceeds_capacity(&cap(100.0), -100.0));
        assert!(payment_exceeds_capacity(&cap(100.0), -100.5));
        assert!(!payment_exceeds_capacity(&cap(-50.0), 1e9));
        assert!(payment_exceeds_capacity(&cap(-50.0), -1.0));
        assert!(payment_exceeds_capacity(&cap(100.0), f64::NAN));
    }
}
