//! The network's laws and tapes for the invariant harness: what `currents::harness` checks
//! beside the generic laws, and the small cases its tape search generates and shrinks.
//!
//! Both are written for the network and any variant of it over the same state and
//! payments (a wrapper model that changes its step, say), so that a variant is checked by
//! the same laws and shrunk on the same tapes.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use rand_core::Rng;

use crate::catalog::{Invariant, balances_sum, transfer_conserves};
use crate::harness::{CellArgs, Laws, ReplayInput, Tapes};
use crate::model::{
    Behaviour, Cx, Draw, Model, StepEvent, TOUCHED_MAX, step_changes_whole_state, touched_by,
};
use crate::params::ParamError;

use crate::registry::ModelType;

use super::shrink::Payments;
use super::{Network, NetworkState, Transfer};

/// The network's own laws: the balances sum to zero after every step, once the lost
/// credit is counted ([`Invariant::BALANCES_SUM_TO_ZERO`]), a refused payment changes no
/// balance but a leaver's ([`NetworkLaws::REFUSED_PAYMENT_CHANGES_NOTHING`]), and the lost
/// credit is the leavers' debts ([`NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkLaws;

impl NetworkLaws {
    /// A step whose transfer was refused (`refused` in its state) leaves every balance as
    /// it was. The law is about balances only: the policy sets the payer's and the payee's
    /// limits at every step, a refused one included (the network's step 2), so a refused
    /// step may change those two limits — as a step that passes may — and no other.
    ///
    /// A member who leaves does so at a refused step (the module's step 5): its seat's
    /// balance goes to 0, which this law leaves to
    /// [`NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES`]; every other balance is as it
    /// was.
    pub const REFUSED_PAYMENT_CHANGES_NOTHING: Invariant = Invariant::required(
        "refused_payment_changes_nothing",
        "a refused payment changes no balance (but the seat of a member who leaves at it)",
    );
    /// At every step the lost credit changes by minus the balance, at t − 1, of the member
    /// who left at that step (by 0 when nobody left), and that member's seat is a
    /// newcomer's: balance 0, the genesis limit. Exact: whole units.
    pub const LOST_CREDIT_EQUALS_LEAVERS_BALANCES: Invariant = Invariant::required(
        "lost_credit_equals_leavers_balances",
        "lost(t) - lost(t-1) = -balance(t-1) of the member who left at t (0 when none), whose seat is then at balance 0 and the genesis limit",
    );
}

/// [`NetworkLaws`]' invariants, in report order.
pub const NETWORK_LAWS: [Invariant; 3] = [
    Invariant::BALANCES_SUM_TO_ZERO,
    NetworkLaws::REFUSED_PAYMENT_CHANGES_NOTHING,
    NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES,
];

impl<M: Model<State = NetworkState>> Laws<M> for NetworkLaws {
    /// The genesis balances' sum less the credit written off, while it is not zero and not
    /// yet reported (a law's record cannot report; the first step does), and the genesis
    /// limit of member 0 (every member's: what a newcomer's seat holds).
    type Record = (Option<f64>, f64);

    fn invariants(&self) -> &[Invariant] {
        &NETWORK_LAWS
    }

    fn record(&self, model: &M, genesis: &NetworkState) -> (Option<f64>, f64) {
        let sum = balances_sum(model, genesis) - model.written_off(genesis);
        ((sum != 0.0).then_some(sum), model.ledger(genesis, 0).limit)
    }

    /// Balances sum to the written-off credit: at genesis ([`balances_sum`], reported at
    /// step 1), and at every step (`transfer_conserves`, O(1) a step). A refused step:
    /// the balances of the members it touched compared before and after it, but the
    /// leaver's, O(1) (every other member is as it was, the `Model` contract; of a model
    /// whose step may change its whole state, every balance). The lost credit: O(1).
    fn check(
        &self,
        model: &M,
        (genesis_sum, genesis_limit): &mut (Option<f64>, f64),
        event: &StepEvent<'_, M>,
        violate: &mut dyn FnMut(Invariant, String),
    ) {
        if let Some(sum) = genesis_sum.take() {
            violate(
                Invariant::BALANCES_SUM_TO_ZERO,
                format!("the genesis balances sum to {sum} more than the credit written off"),
            );
        }
        if let Err(detail) = transfer_conserves(model, event) {
            violate(Invariant::BALANCES_SUM_TO_ZERO, detail);
        }
        if let Err(detail) = lost_is_leavers_debt(model, event, *genesis_limit) {
            violate(NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES, detail);
        }
        let (prev, next) = (&event.prev.balances, &event.next.balances);
        let left = event.next.left();
        let changed = |m: &usize| Some(*m) != left && prev.get(*m) != next.get(*m);
        let first_changed = || {
            if step_changes_whole_state(model) {
                (0..prev.len().max(next.len())).find(changed)
            } else {
                // Only the members the step touched can have changed (the `Model` contract,
                // as the fold reads it): O(1). The smallest, as a whole scan finds it.
                let mut ids = [0; TOUCHED_MAX];
                let n = touched_by(model, &event.limits, &event.applied, &mut ids);
                ids[..n].iter().copied().filter(changed).min()
            }
        };
        if let Some(m) = event.next.refused.then(first_changed).flatten() {
            violate(
                NetworkLaws::REFUSED_PAYMENT_CHANGES_NOTHING,
                format!(
                    "step {}: the refused payment {:?} changed member {m}'s balance from {:?} to {:?}",
                    event.t,
                    event.applied,
                    prev.get(m),
                    next.get(m)
                ),
            );
        }
    }
}

/// [`NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES`] on one step: the lost credit
/// changed by minus the leaver's balance at t − 1 (by nothing when nobody left), and the
/// leaver's seat holds balance 0 and `genesis_limit`. Exact: whole units.
fn lost_is_leavers_debt<M: Model<State = NetworkState>>(
    model: &M,
    e: &StepEvent<'_, M>,
    genesis_limit: f64,
) -> Result<(), String> {
    let t = e.t;
    let change = i128::from(e.next.lost()) - i128::from(e.prev.lost());
    let Some(m) = e.next.left() else {
        return if change == 0 {
            Ok(())
        } else {
            Err(format!(
                "step {t}: nobody left, the lost credit changed by {change} (payment {:?})",
                e.applied
            ))
        };
    };
    let was = e.prev.balances.get(m).copied();
    if was.map(|b| -i128::from(b)) != Some(change) {
        return Err(format!(
            "step {t}: member {m} left at balance {was:?}, the lost credit changed by {change} (payment {:?})",
            e.applied
        ));
    }
    let seat = model.ledger(e.next, m);
    if seat.balance != 0.0 || seat.limit != genesis_limit {
        return Err(format!(
            "step {t}: member {m}'s seat after it left is at balance {} and limit {}, not 0 and the genesis limit {genesis_limit} (payment {:?})",
            seat.balance, seat.limit, e.applied
        ));
    }
    Ok(())
}

/// A tape of transfers as a behaviour: step t plays transfer t − 1; past its end, member 0
/// pays member 1 nothing (`TransferTape::PAST_END`, which the network refuses). It draws
/// nothing from its generator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TransferTape {
    /// The transfers, step 1 first.
    pub(crate) transfers: Vec<Transfer>,
}

impl TransferTape {
    /// What the tape pays after its end: 0 units from member 0 to member 1, a transfer the
    /// network refuses (not positive), so a run past the tape changes no balance.
    pub(crate) const PAST_END: Transfer = Transfer {
        payer: 0,
        payee: 1,
        amount: 0,
    };
}

impl<M: Model<Payment = Transfer> + ?Sized> Behaviour<M> for TransferTape {
    type Memory = ();

    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, M>, _: &mut R, _: &mut ()) -> Draw<Transfer> {
        let i = usize::try_from(cx.t - 1).unwrap_or(usize::MAX);
        Draw::plain(
            self.transfers
                .get(i)
                .copied()
                .unwrap_or(TransferTape::PAST_END),
        )
    }
}

/// A tape case: a network (its member count, genesis limit and `leave-after`) and the
/// transfers played on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkCase {
    /// How many members (2 … 5 when generated).
    pub(crate) members: usize,
    /// Every member's genesis limit (0 … 3 when generated).
    pub limit: i64,
    /// Refusals in a row after which a payer in debt leaves (0: nobody leaves, as
    /// [`NetworkTapes`] generates; 0 … 3 from [`LeavingTapes`]).
    pub leave_after: u32,
    /// The transfers, step 1 first (indexes below `members`, amounts 1 … 3 when
    /// generated; a member may pay itself, which the network refuses).
    pub transfers: Vec<Transfer>,
}

/// The network's tapes: small networks (2 … 5 members, limits 0 … 3) and transfers of 1 … 3
/// units between any two of their members. Proptest shrinks a case toward fewer transfers
/// first (then lower member indexes and smaller amounts), then fewer members, then a lower
/// limit: the tape's length comes first, so that a limit lowered to where the first
/// payments are refused cannot leave a longer tape than one at a higher limit (under a
/// rule that raises limits, `fixed-band` say, a payment refused at limit 0 lets the next
/// one pass at the rule's limit).
///
/// For any model over the network's payments that is built from a [`Network`] (the network
/// itself, or a variant wrapping it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkTapes;

impl<M: Model<Payment = Transfer> + From<Network>> Tapes<M> for NetworkTapes {
    type Case = NetworkCase;
    type Tape = TransferTape;

    fn strategy(&self, len_max: usize) -> BoxedStrategy<NetworkCase> {
        // Indexes are drawn in 0..5 and taken modulo the member count, so that they shrink
        // toward 0 independently of the count (no flat_map to regenerate them). A tuple
        // shrinks its elements in order: the transfers first.
        let transfer = (0usize..5, 0usize..5, 1i64..=3);
        let transfers = proptest::collection::vec(transfer, 0..=len_max);
        (transfers, 2usize..=5, 0i64..=3)
            .prop_map(|(raw, members, limit)| NetworkCase::of(raw, members, limit, 0))
            .boxed()
    }

    fn model(&self, case: &NetworkCase) -> M {
        M::from(Network::unchecked(
            case.members,
            case.limit,
            case.leave_after,
        ))
    }

    fn tape(&self, case: &NetworkCase) -> TransferTape {
        TransferTape {
            transfers: case.transfers.clone(),
        }
    }

    fn len(&self, case: &NetworkCase) -> u64 {
        case.transfers.len() as u64
    }

    /// The case's cell (`NetworkCase::cell`) under the name of the model the case runs
    /// (`network`, or a variant such as `network-one-sided`, so that the replay command
    /// runs the model that broke the law) and the transfers as `payer>payee:amount`, which
    /// [`NetworkCase::from_replay`] reads back.
    fn counterexample(&self, case: &NetworkCase, payments: Vec<Transfer>) -> ReplayInput {
        let model: M = self.model(case);
        ReplayInput::Tape {
            cell: CellArgs {
                model: Some(model.name().to_owned()),
                ..case.cell()
            },
            payments: payments.iter().map(Transfer::to_string).collect(),
        }
    }

    /// Transfers as `payer>payee:amount`; one that does not read is an error naming
    /// `tape`.
    fn parse(&self, payments: &[String]) -> Result<TransferTape, ParamError> {
        let transfers = payments
            .iter()
            .map(|p| {
                p.trim().parse::<Transfer>().map_err(|_| {
                    ParamError::new(
                        "tape",
                        format!("{p:?}"),
                        "comma-separated transfers payer>payee:amount (whole numbers)",
                    )
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(TransferTape { transfers })
    }
}

/// The network's tapes with members who leave: [`NetworkTapes`]' cases, each with a
/// `leave-after` of 0 … 3 (0: nobody leaves), for the law
/// [`NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES`] and the others on networks where
/// members leave. Proptest shrinks `leave-after` first (toward 1 when a member must leave
/// for the failure, toward 0 when not: a lower one only makes members leave sooner, so
/// the tape shrunk after it is the shortest), then the member count (before the
/// transfers, whose members are taken modulo it: fewer members afterwards could turn a
/// payment into one a member makes to itself, left in the tape), then the transfers —
/// deleting them in passes until no single one can go (shrink.rs: a failure of leaving
/// needs several payments, which proptest's one pass may leave strays beside), then
/// shrinking each —, then the limit. What `currents check --model network` searches;
/// the network's variants keep [`NetworkTapes`], whose cases and shrinking are as they
/// were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeavingTapes;

impl<M: Model<Payment = Transfer> + From<Network>> Tapes<M> for LeavingTapes {
    type Case = NetworkCase;
    type Tape = TransferTape;

    fn strategy(&self, len_max: usize) -> BoxedStrategy<NetworkCase> {
        let transfers = Payments {
            element: (0usize..5, 0usize..5, 1i64..=3),
            len: 0..=len_max,
        };
        (0u32..=3, 2usize..=5, transfers, 0i64..=3)
            .prop_map(|(leave_after, members, raw, limit)| {
                NetworkCase::of(raw, members, limit, leave_after)
            })
            .boxed()
    }

    fn model(&self, case: &NetworkCase) -> M {
        Tapes::<M>::model(&NetworkTapes, case)
    }

    fn tape(&self, case: &NetworkCase) -> TransferTape {
        Tapes::<M>::tape(&NetworkTapes, case)
    }

    fn len(&self, case: &NetworkCase) -> u64 {
        Tapes::<M>::len(&NetworkTapes, case)
    }

    fn counterexample(&self, case: &NetworkCase, payments: Vec<Transfer>) -> ReplayInput {
        Tapes::<M>::counterexample(&NetworkTapes, case, payments)
    }

    fn parse(&self, payments: &[String]) -> Result<TransferTape, ParamError> {
        Tapes::<M>::parse(&NetworkTapes, payments)
    }
}

/// The cell of the network of `members` members with the genesis limit `limit`, and the
/// registry's first user (`uniform-pairs`): `--model network --param members=N --param
/// limit=L`.
pub fn network_cell(members: usize, limit: i64) -> CellArgs {
    CellArgs {
        model: Some(Network::NAME.to_owned()),
        user: None,
        params: vec![
            ("members".to_owned(), members.to_string()),
            ("limit".to_owned(), limit.to_string()),
        ],
    }
}

impl NetworkCase {
    /// The case of `members` members, genesis limit `limit` and `leave_after`, whose
    /// transfers are `raw` with their members taken modulo `members`.
    fn of(raw: Vec<(usize, usize, i64)>, members: usize, limit: i64, leave_after: u32) -> Self {
        NetworkCase {
            members,
            limit,
            leave_after,
            transfers: raw
                .into_iter()
                .map(|(payer, payee, amount)| Transfer {
                    payer: payer % members,
                    payee: payee % members,
                    amount,
                })
                .collect(),
        }
    }

    /// The case's network as a cell ([`network_cell`], with `--param leave-after=K` when
    /// members leave).
    pub(crate) fn cell(&self) -> CellArgs {
        let mut cell = network_cell(self.members, self.limit);
        if self.leave_after > 0 {
            cell.params
                .push(("leave-after".to_owned(), self.leave_after.to_string()));
        }
        cell
    }

    /// The case a tape counterexample of [`NetworkTapes`] or [`LeavingTapes`] replays (for
    /// `harness::check_model_tape`): its cell's `members`, `limit` and `leave-after` (0
    /// when the cell does not name it) and its payments
    /// read back as [`Transfer`]s, whichever model over the network's payments the cell
    /// names (`network`, `network-one-sided`). `None` for another input, a cell that
    /// names no model, or one that does not read.
    pub fn from_replay(input: &ReplayInput) -> Option<NetworkCase> {
        let ReplayInput::Tape { cell, payments } = input else {
            return None;
        };
        cell.model.as_ref()?;
        let param = |name: &str| {
            let (_, value) = cell.params.iter().find(|(n, _)| n == name)?;
            Some(value.as_str())
        };
        Some(NetworkCase {
            members: param("members")?.parse().ok()?,
            limit: param("limit")?.parse().ok()?,
            leave_after: match param("leave-after") {
                Some(k) => k.parse().ok()?,
                None => 0,
            },
            transfers: payments
                .iter()
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?,
        })
    }
}
