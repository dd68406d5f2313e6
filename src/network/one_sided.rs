//! `network-one-sided`: the network with a deliberately broken transfer, registered to
//! show `currents check` catching it (as `v1-strict` and `v1-no-fallback` do for V1's rule).
//!
//! [`OneSided`] wraps a [`Network`] and runs its step unchanged, then gives the payer back
//! what it paid: a transfer that passes credits the payee and never debits the payer, so
//! every passed payment creates money. It is the network's own code (each method is the
//! network's, the step one line after it), so the laws and tapes that check the network
//! check it: `balances_sum_to_zero` breaks at the first payment that passes, and the tape
//! search shrinks that to one payment. No other law breaks (the payer's balance never goes
//! down, so no payment takes it below its limit; a refused step changes nothing, as the
//! network's).

use crate::metrics::Metered;
use crate::model::{
    Enforcement, Ledger, LedgerColumns, Members, Model, StepError, StepLimits, Value,
};
use crate::params::ParamSpec;
use crate::registry::{ModelType, ReportLayout};

use super::{NETWORK_PARAMS, NETWORK_TRAJECTORY_PARAMS, Network, NetworkState, Transfer};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OneSided {
    network: Network,
}

impl From<Network> for OneSided {
    fn from(network: Network) -> Self {
        OneSided { network }
    }
}

impl ModelType for OneSided {
    const NAME: &'static str = "network-one-sided";
    const SUMMARY: &'static str = "the network with a broken transfer: the payee is credited, the payer never debited (fails check)";
    const PARAMS: &'static [ParamSpec] = NETWORK_PARAMS;
    const TRAJECTORY_PARAMS: &'static [ParamSpec] = NETWORK_TRAJECTORY_PARAMS;

    fn from_values(values: &[f64]) -> Self {
        OneSided::from(Network::from_values(values))
    }

    fn report_layout(&self) -> ReportLayout {
        self.network.report_layout()
    }
}

impl Model for OneSided {
    type State = NetworkState;
    type History = ();
    type Payment = Transfer;

    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn columns(&self) -> Vec<String> {
        self.network.columns()
    }

    fn genesis(&self) -> NetworkState {
        self.network.genesis()
    }

    fn history(&self, genesis: &NetworkState, n_steps: u64) {
        self.network.history(genesis, n_steps)
    }

    fn record(&self, history: &mut (), next: &NetworkState) {
        self.network.record(history, next)
    }

    fn enforce(
        &self,
        enforcement: &Enforcement,
        prev: &NetworkState,
        history: &(),
        transfer: Transfer,
    ) -> Result<Transfer, StepError> {
        self.network.enforce(enforcement, prev, history, transfer)
    }

    /// The network's step, then the payer's balance put back where it was when the
    /// transfer passed: the broken side. (A refused transfer changed nothing to put back.)
    fn step(
        &self,
        prev: &NetworkState,
        history: &(),
        limits: &StepLimits,
        transfer: Transfer,
    ) -> Result<NetworkState, StepError> {
        let mut next = self.network.step(prev, history, limits, transfer)?;
        if !next.refused {
            next.balances[transfer.payer] = prev.balances[transfer.payer];
        }
        Ok(next)
    }

    fn n_members(&self) -> usize {
        self.network.n_members()
    }

    #[inline]
    fn members(&self, transfer: &Transfer) -> Members {
        self.network.members(transfer)
    }

    fn ledger(&self, state: &NetworkState, member: usize) -> Ledger {
        self.network.ledger(state, member)
    }

    fn ledger_columns(&self, member: usize) -> Option<LedgerColumns> {
        self.network.ledger_columns(member)
    }

    fn row(&self, state: &NetworkState, out: &mut Vec<Value>) {
        self.network.row(state, out)
    }
}

impl Metered for OneSided {
    fn amount(&self, transfer: &Transfer) -> f64 {
        self.network.amount(transfer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Limit;

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
