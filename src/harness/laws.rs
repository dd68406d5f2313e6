//! A model's own invariants, checked beside the generic ones.
//!
//! The generic laws ([`Invariant::GENERIC`]) read only what every model gives: its ledgers
//! and its rows. A model adds the laws that need its own state through [`Laws`]: V1's are
//! [`V1Laws`] (capacity, count, sums, window and means, against an independent
//! [`Record`]). A model with no laws of its own uses [`NoLaws`].

use crate::history::History;
use crate::model::{Model, StepEvent};
use crate::v1::V1;

use super::invariants::{Invariant, Record, StepContext, check_step};

/// The invariants a model adds to the generic ones, and how each step is checked for them.
pub trait Laws<M: Model>: Sync {
    /// What the laws keep across a run (an independent record of the history, say).
    type Record;

    /// The invariants [`Laws::check`] reports, in catalog order.
    fn invariants(&self) -> &'static [Invariant];

    /// The record of a run at its genesis state.
    fn record(&self, model: &M, genesis: &M::State) -> Self::Record;

    /// Checks one step, calling `violate(invariant, detail)` for every law it breaks, then
    /// adds the step to `record`.
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
    fn invariants(&self) -> &'static [Invariant] {
        &[]
    }
    fn record(&self, _: &M, _: &M::State) {}
    fn check(&self, _: &M, _: &mut (), _: &StepEvent<'_, M>, _: &mut dyn FnMut(Invariant, String)) {
    }
}

/// V1's own step laws, checked against an independent [`Record`] of the run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct V1Laws {
    /// Relative tolerance of [`Invariant::AveragesAreHistoryMeans`] (0: bit-exact means).
    pub mean_tolerance: f64,
}

/// V1's step laws, in catalog order.
pub const V1_STEP_LAWS: [Invariant; 6] = [
    Invariant::CapacityIsPreviousBalancePlusCredit,
    Invariant::CapacityIsBalancePlusCredit,
    Invariant::TransactionCountIsStep,
    Invariant::BalanceIsSumOfAmounts,
    Invariant::SendVolumeIsWindowSum,
    Invariant::AveragesAreHistoryMeans,
];

impl<H: History> Laws<V1<H>> for V1Laws {
    type Record = Record;

    fn invariants(&self) -> &'static [Invariant] {
        &V1_STEP_LAWS
    }

    fn record(&self, model: &V1<H>, genesis: &crate::State) -> Record {
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
