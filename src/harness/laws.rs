//! A model's own invariants, declared and checked beside the generic ones.
//!
//! The generic laws ([`Invariant::GENERIC`]) read only what every model gives: its ledgers
//! and its rows. A model adds the laws that need its own state through [`Laws`]: it
//! declares them ([`Laws::invariants`]: name, statement, default kind) and checks each step
//! for them. The report lists them beside the generic ones
//! ([`crate::catalog::report_order`]), under their own names. V1's
//! (`crate::v1::harness::V1Laws`: capacity, count, sums, window and means, against an
//! independent record) go through this same trait. A model with no laws of its own uses
//! [`NoLaws`].

use crate::catalog::Invariant;
use crate::model::{Model, StepEvent};

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
