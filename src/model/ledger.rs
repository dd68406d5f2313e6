//! The ledger view every model gives of a member's account, and the one definition of each
//! limit law that the catalog ([`crate::catalog`]), metrics and summaries share.

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
pub(crate) fn balance_below_limit(now: &Ledger) -> bool {
    now.balance < -now.limit
}

/// The payment law broken: the step took the member's balance *down* (`now.balance <
/// before.balance`: a payment out) to below the limit that held when the payment was made
/// (`−before.limit`, the limit of the previous state). What enforcement promises never
/// happens; a balance already below a lowered limit that is paid nothing, or is paid in,
/// does not break it (that is `balance_below_limit`, the state law).
///
/// Exact comparison: every side is a value the model stores. NaN never breaks it (the
/// finiteness law reports NaN).
#[inline]
pub fn payment_breaks_limit(before: &Ledger, now: &Ledger) -> bool {
    now.balance < before.balance && now.balance < -before.limit
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
    fn the_state_law_reads_the_states_own_limit() {
        // Balance −300: over a limit of 250, within one of 400; at the limit is within it.
        assert!(balance_below_limit(&l(-300.0, 250.0)));
        assert!(!balance_below_limit(&l(-300.0, 400.0)));
        assert!(!balance_below_limit(&l(-250.0, 250.0)));
    }

    #[test]
    fn only_a_payment_out_past_the_previous_limit_breaks_the_payment_law() {
        // Paid out from 0 to −300 under a previous limit of 250: broken (whatever the new
        // limit is); to −250 exactly: kept.
        assert!(payment_breaks_limit(&l(0.0, 250.0), &l(-300.0, 400.0)));
        assert!(!payment_breaks_limit(&l(0.0, 250.0), &l(-250.0, 0.0)));
        // Already at −300 under a lowered limit of 100: paid nothing, or paid in, is not a
        // broken payment (the state law reports it); paid out further is.
        assert!(!payment_breaks_limit(&l(-300.0, 100.0), &l(-300.0, 100.0)));
        assert!(!payment_breaks_limit(&l(-300.0, 100.0), &l(-200.0, 100.0)));
        assert!(payment_breaks_limit(&l(-300.0, 100.0), &l(-301.0, 100.0)));
        assert!(!payment_breaks_limit(&l(0.0, 250.0), &l(f64::NAN, 250.0)));
    }
}
