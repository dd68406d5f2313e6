//! A model's own invariants, declared and checked beside the generic ones.
//!
//! The generic laws ([`Invariant::GENERIC`]) read only what every model gives: its ledgers
//! and its rows. A model adds the laws that need its own state through [`Laws`]: it
//! declares them ([`Laws::invariants`]: name, statement, default kind) and checks each step
//! for them. The report lists them beside the generic ones
//! ([`super::invariants::report_order`]), under their own names. V1's are [`V1Laws`]
//! (capacity, count, sums, window and means, against an independent [`Record`]); they go
//! through this same trait. A model with no laws of its own uses [`NoLaws`].

use crate::model::{Model, StepEvent};
use crate::v1::History;
use crate::v1::V1;

use super::invariants::{Record, StepContext, check_step};
use crate::catalog::Invariant;

/// The invariants a model adds to the generic ones, and how each step is checked for them.
///
/// ```
/// use currents::catalog::Invariant;
/// use currents::harness::Laws;
/// use currents::model::{Model, StepEvent};
///
/// /// A law over any model's ledger: no payment is NaN.
/// struct PaymentsAreNumbers;
///
/// const PAYMENT_IS_A_NUMBER: Invariant =
///     Invariant::required("payment_is_a_number", "payment(t) is not NaN");
///
/// impl<M: Model> Laws<M> for PaymentsAreNumbers {
///     type Record = ();
///     fn invariants(&self) -> &[Invariant] {
///         &[PAYMENT_IS_A_NUMBER]
///     }
///     fn record(&self, _: &M, _: &M::State) {}
///     fn check(
///         &self,
///         model: &M,
///         _: &mut (),
///         event: &StepEvent<'_, M>,
///         violate: &mut dyn FnMut(Invariant, String),
///     ) {
///         if model.ledger(event.next, 0).payment.is_nan() {
///             violate(PAYMENT_IS_A_NUMBER, format!("payment({}) is NaN", event.t));
///         }
///     }
/// }
/// ```
pub trait Laws<M: Model>: Sync {
    /// What the laws keep across a run (an independent record of the history, say).
    type Record;

    /// The invariants [`Laws::check`] reports, in the order the report lists them (after
    /// `step_is_defined` and `credit_non_negative`). Their names must be snake_case and
    /// differ from each other and from the generic ones.
    fn invariants(&self) -> &[Invariant];

    /// The record of a run at its genesis state.
    fn record(&self, model: &M, genesis: &M::State) -> Self::Record;

    /// Checks one step, calling `violate(invariant, detail)` for every law it breaks
    /// (`invariant` one of [`Laws::invariants`]; another is reported after them, never
    /// dropped), then adds the step to `record`.
    fn check(
        &self,
        model: &M,
        record: &mut Self::Record,
        event: &StepEvent<'_, M>,
        violate: &mut dyn FnMut(Invariant, String),
    );
}

/// No laws beyond the generic ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoLaws;

impl<M: Model> Laws<M> for NoLaws {
    type Record = ();
    fn invariants(&self) -> &[Invariant] {
        &[]
    }
    fn record(&self, _: &M, _: &M::State) {}
    fn check(&self, _: &M, _: &mut (), _: &StepEvent<'_, M>, _: &mut dyn FnMut(Invariant, String)) {
    }
}

/// V1's own step laws, checked against an independent [`Record`] of the run, and the law
/// V1's rule is probed for ([`V1Laws::CREDIT_MONOTONE_IN_IMBALANCE`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct V1Laws {
    /// Relative tolerance of [`V1Laws::AVERAGES_ARE_HISTORY_MEANS`] (0: bit-exact means).
    pub mean_tolerance: f64,
}

impl V1Laws {
    /// capacity(t) = round_half_even(balance(t−1) + credit(t−1)).
    pub const CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT: Invariant = Invariant::required(
        "capacity_is_previous_balance_plus_credit",
        "capacity(t) = round_half_even(balance(t-1) + credit(t-1))",
    );
    /// capacity(t) = round_half_even(balance(t) + credit(t)) (the same-step form). Observed
    /// by default: no rule can make it hold (the step computes capacity from the previous
    /// state, MODEL.md); it is kept to show that lag.
    pub const CAPACITY_IS_BALANCE_PLUS_CREDIT: Invariant = Invariant::observed(
        "capacity_is_balance_plus_credit",
        "capacity(t) = round_half_even(balance(t) + credit(t))",
    );
    /// totalNumTransactions(t) = t.
    pub const TRANSACTION_COUNT_IS_STEP: Invariant =
        Invariant::required("transaction_count_is_step", "totalNumTransactions(t) = t");
    /// balance(t) is the left-to-right sum of the unrounded amounts of steps 1…t.
    pub const BALANCE_IS_SUM_OF_AMOUNTS: Invariant = Invariant::required(
        "balance_is_sum_of_amounts",
        "balance(t) = the left-to-right sum of the unrounded amounts of steps 1..t",
    );
    /// sendVolume(t) is the sum of the last K positive transactions of states 0…t−1.
    pub const SEND_VOLUME_IS_WINDOW_SUM: Invariant = Invariant::required(
        "send_volume_is_window_sum",
        "sendVolume(t) = sum of the last sumVolume positive transactions of states 0..t-1",
    );
    /// The two averages at t are numpy's means over states 0…t−1 (within the tolerance).
    pub const AVERAGES_ARE_HISTORY_MEANS: Invariant = Invariant::required(
        "averages_are_history_means",
        "avgUserBalance(t) and avgSendVolume(t) = numpy means over states 0..t-1",
    );
    /// With the average send volume fixed, credit does not grow as |s| grows: a law of
    /// V1's rule on its own, checked by probes ([`super::Probe`]), not per step.
    pub const CREDIT_MONOTONE_IN_IMBALANCE: Invariant = Invariant::required(
        "credit_monotone_in_imbalance",
        "with avgSendVolume fixed, credit does not grow as |s| = |avgUserBalance/avgSendVolume| grows",
    );
}

/// V1's step laws, in report order ([`V1Laws`]' declared invariants).
pub const V1_STEP_LAWS: [Invariant; 6] = [
    V1Laws::CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT,
    V1Laws::CAPACITY_IS_BALANCE_PLUS_CREDIT,
    V1Laws::TRANSACTION_COUNT_IS_STEP,
    V1Laws::BALANCE_IS_SUM_OF_AMOUNTS,
    V1Laws::SEND_VOLUME_IS_WINDOW_SUM,
    V1Laws::AVERAGES_ARE_HISTORY_MEANS,
];

/// The laws of V1's rule on its own, checked by probes when
/// [`super::HarnessConfig::probe_rule`] is on.
pub const V1_RULE_LAWS: [Invariant; 1] = [V1Laws::CREDIT_MONOTONE_IN_IMBALANCE];

/// Every invariant a report of [`super::check_rule`] can list, in report order (the rule
/// probes' included): the names `currents replay --invariant` accepts.
pub fn v1_invariants() -> Vec<Invariant> {
    crate::catalog::report_order(&V1_STEP_LAWS, &V1_RULE_LAWS).unwrap_or_default()
}

impl<H: History> Laws<V1<H>> for V1Laws {
    type Record = Record;

    fn invariants(&self) -> &[Invariant] {
        &V1_STEP_LAWS
    }

    fn record(&self, model: &V1<H>, genesis: &crate::v1::State) -> Record {
        Record::new(genesis, model.sum_volume())
    }

    fn check(
        &self,
        model: &V1<H>,
        record: &mut Record,
        event: &StepEvent<'_, V1<H>>,
        violate: &mut dyn FnMut(Invariant, String),
    ) {
        let amount = event.applied;
        let expected = record.expected(amount);
        let ctx = StepContext {
            t: event.t,
            prev: event.prev,
            next: event.next,
            amount,
            sum_volume: model.sum_volume(),
            expected: &expected,
            mean_tolerance: self.mean_tolerance,
        };
        for inv in V1_STEP_LAWS {
            if let Err(detail) = check_step(inv, &ctx) {
                violate(inv, detail);
            }
        }
        record.push(event.next, amount);
    }
}
