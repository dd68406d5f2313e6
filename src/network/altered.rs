//! A network with an altered step: the network's own code, one change made after its step.
//!
//! A deliberately broken model is how a law is shown to catch what it names: the harness
//! must fail on it, and shrink the failure to a short tape. [`Altered`] is that model for
//! the network, written once: every method is the [`Network`]'s, and the step is the
//! network's step followed by an [`Alteration`] of the state it made. `network-one-sided`
//! ([`super::OneSided`]) is one; a user's test builds others (a refused transfer that is made
//! all the same, a payer let one unit past its limit, a floor moved by one unit) in a few
//! lines, and the laws and tapes that check the network check it unchanged.

use crate::metrics::Metered;
use crate::model::{
    Enforcement, Ledger, LedgerColumns, Members, Model, StepError, StepLimits, Value,
};
use crate::params::ParamSpec;
use crate::registry::{ModelType, ReportLayout};

use super::{NETWORK_PARAMS, NETWORK_TRAJECTORY_PARAMS, Network, NetworkState, Transfer};

/// A change made to the network's step: what [`Altered`] does after the network's own.
///
/// `NAME` is the altered model's name (its [`Model::name`] and, when registered, its
/// [`ModelType::NAME`]); `SUMMARY` the line `currents policies` prints for it.
///
/// ```
/// use currents::network::{Alteration, Altered, Network, NetworkState, Transfer};
///
/// /// Every transfer that passes moves one unit more to the payee (money made).
/// #[derive(Default)]
/// struct OneMore;
///
/// impl Alteration for OneMore {
///     const NAME: &'static str = "one-more";
///     const SUMMARY: &'static str = "the payee gets a unit more than was paid";
///     fn alter(&self, _: &Network, _: &NetworkState, t: Transfer, next: &mut NetworkState) {
///         if !next.refused {
///             next.balances[t.payee] += 1;
///         }
///     }
/// }
///
/// let model = Altered::<OneMore>::from(Network::new(2, 1).unwrap());
/// # let _ = model;
/// ```
pub trait Alteration: Send + Sync {
    /// The altered model's name.
    const NAME: &'static str;
    /// One line on what the alteration breaks.
    const SUMMARY: &'static str;

    /// Changes `next`, the state the network's step made from `prev` and `transfer`.
    fn alter(
        &self,
        network: &Network,
        prev: &NetworkState,
        transfer: Transfer,
        next: &mut NetworkState,
    );
}

/// The network with its step altered by `A`; everything else — parameters, genesis,
/// columns, ledgers, rows, metrics — is the network's.
///
/// Built from a network and an alteration ([`Altered::new`]), or from a network alone when
/// the alteration has a default (`From<Network>`, which the network's tapes use); with
/// `A: Default` it is a registered model type whose parameters are the network's. The step
/// is [`Model::step`]'s default path (a whole state a step): an altered network is a
/// demonstration, not a model to run at a million members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Altered<A> {
    network: Network,
    alteration: A,
}

impl<A> Altered<A> {
    /// `network` with its step altered by `alteration`.
    pub fn new(network: Network, alteration: A) -> Self {
        Altered {
            network,
            alteration,
        }
    }

    /// The network it alters.
    pub fn network(&self) -> &Network {
        &self.network
    }
}

impl<A: Default> From<Network> for Altered<A> {
    fn from(network: Network) -> Self {
        Altered::new(network, A::default())
    }
}

impl<A: Alteration + Default> ModelType for Altered<A> {
    const NAME: &'static str = A::NAME;
    const SUMMARY: &'static str = A::SUMMARY;
    const PARAMS: &'static [ParamSpec] = NETWORK_PARAMS;
    const TRAJECTORY_PARAMS: &'static [ParamSpec] = NETWORK_TRAJECTORY_PARAMS;

    fn from_values(values: &[f64]) -> Self {
        Altered::from(Network::from_values(values))
    }

    fn report_layout(&self) -> ReportLayout {
        self.network.report_layout()
    }
}

impl<A: Alteration> Model for Altered<A> {
    type State = NetworkState;
    type History = ();
    type Payment = Transfer;

    fn name(&self) -> &'static str {
        A::NAME
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

    /// The network's step, then the alteration of the state it made.
    fn step(
        &self,
        prev: &NetworkState,
        history: &(),
        limits: &StepLimits,
        transfer: Transfer,
    ) -> Result<NetworkState, StepError> {
        let mut next = self.network.step(prev, history, limits, transfer)?;
        self.alteration
            .alter(&self.network, prev, transfer, &mut next);
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

    fn optional_columns(&self) -> &'static [&'static str] {
        self.network.optional_columns()
    }

    fn written_off(&self, state: &NetworkState) -> f64 {
        self.network.written_off(state)
    }
}

impl<A: Alteration> Metered for Altered<A> {
    fn amount(&self, transfer: &Transfer) -> f64 {
        self.network.amount(transfer)
    }
}
