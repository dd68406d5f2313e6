//! `network-one-sided`: the network with a deliberately broken transfer, registered to
//! show `currents check` catching it (as `v1-strict` and `v1-no-fallback` do for V1's rule).
//!
//! [`OneSided`] is the network [`Altered`] by [`PayerNotDebited`]: its step runs unchanged,
//! then the payer gets back what it paid, so a transfer that passes credits the payee and
//! never debits the payer, and every passed payment creates money. It is the network's own
//! code, so the laws and tapes that check the network check it: `balances_sum_to_zero`
//! breaks at the first payment that passes, and the tape search shrinks that to one
//! payment. No other law breaks (the payer's balance never goes down, so no payment takes
//! it below its limit; a refused step changes nothing, as the network's).

use super::{Alteration, Altered, Network, NetworkState, Transfer};

/// The alteration of `network-one-sided`: the payer's balance put back where it was when
/// the transfer passed (a refused transfer changed nothing to put back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PayerNotDebited;

impl Alteration for PayerNotDebited {
    const NAME: &'static str = "network-one-sided";
    const SUMMARY: &'static str = "the network with a broken transfer: the payee is credited, the payer never debited (fails check)";

    fn alter(&self, _: &Network, prev: &NetworkState, t: Transfer, next: &mut NetworkState) {
        if !next.refused {
            next.balances[t.payer] = prev.balances[t.payer];
        }
    }
}

/// The network whose transfers credit the payee but never debit the payer: a deliberately
/// broken model, for the harness to catch (`currents check --model network-one-sided`
/// exits 1 naming `balances_sum_to_zero`).
///
/// ```
/// use currents::model::{EachStep, StepEvent, Streams};
/// use currents::draws::RngKind;
/// use currents::network::{Network, OneSided, UniformPairs};
/// use currents::rules::Static;
///
/// let model = OneSided::from(Network::new(3, 1).unwrap());
/// let mut sum = 0;
/// let mut last = EachStep(|e: &StepEvent<'_, OneSided>| -> Result<(), ()> {
///     sum = e.next.balances.iter().sum::<i64>();
///     Ok(())
/// });
/// Streams::new(RngKind::Chacha, 7)
///     .run(1, &model, &Static, &UniformPairs::default(), 100, &mut last)
///     .unwrap();
/// assert!(sum > 0); // every payment that passed created a unit
/// ```
pub type OneSided = Altered<PayerNotDebited>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Limit, Model, StepLimits};

    #[test]
    fn a_passed_transfer_credits_the_payee_only_and_a_refused_one_changes_nothing() {
        let model = OneSided::from(Network::new(3, 1).unwrap());
        let kept = Limit {
            value: 1.0,
            branch: "kept",
        };
        let step = |prev: &NetworkState, t: &str| {
            let t: Transfer = t.parse().unwrap();
            let limits = StepLimits::try_from_fn(model.members(&t), |_| Ok::<_, ()>(kept)).unwrap();
            model.step(prev, &(), &limits, t).unwrap()
        };
        let one = step(&model.genesis(), "0>2:1");
        assert_eq!(
            (one.balances.as_slice(), one.refused),
            (&[0, 0, 1][..], false)
        );
        let refused = step(&one, "1>0:2");
        assert!(refused.refused);
        assert_eq!(refused.balances, one.balances);
    }
}
