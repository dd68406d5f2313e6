//! The variant's own laws and tapes for the invariant harness (`check`, `replay`), beside
//! the catalog's generic ones.

use currents::catalog::Invariant;
use currents::harness::{CellArgs, Laws, ModelChecks, ReplayInput, Tapes};
use currents::model::{Behaviour, Cx, Draw, StepEvent};
use currents::numeric::round_half_even;
use currents::params::ParamError;
use currents::proptest::prelude::*;
use currents::proptest::strategy::BoxedStrategy;
use currents::rand_core::Rng;

use super::{VariantModel, VariantState, variant_model};

/// The variant's checks as `currents check --model variant` runs them: its laws, and tapes
/// of payments shrunk to the shortest that breaks one.
pub fn checks() -> ModelChecks<VariantLaws, VariantTapes> {
    ModelChecks::new(VariantLaws, VariantTapes)
}

/// The variant's own invariants (steps 3–5 at the top of this file).
pub const VARIANT_LAWS: [Invariant; 4] = [
    Invariant::required(
        "balance_is_rounded_sum",
        "balance(t) = round_half_even(balance(t-1) + payment(t))",
    ),
    Invariant::required("credit_limit_is_non_positive", "creditLimit(t) <= 0"),
    Invariant::required(
        "capacity_is_balance_minus_credit_limit",
        "capacity(t) = balance(t) - creditLimit(t)",
    ),
    Invariant::required(
        "send_volume_out_is_window_sum",
        "sendVolumeOut(t) = the sum of the last K booked outgoing payments of steps 1..t",
    ),
];

/// The variant's laws, checked beside the generic ones against a record of every
/// outgoing payment booked so far.
pub struct VariantLaws;

impl Laws<VariantModel> for VariantLaws {
    type Record = Vec<i64>;

    fn invariants(&self) -> &[Invariant] {
        &VARIANT_LAWS
    }

    fn record(&self, _: &VariantModel, _: &VariantState) -> Vec<i64> {
        Vec::new()
    }

    fn check(
        &self,
        model: &VariantModel,
        outgoing: &mut Vec<i64>,
        e: &StepEvent<'_, VariantModel>,
        violate: &mut dyn FnMut(Invariant, String),
    ) {
        let (p, n) = (e.prev, e.next);
        if n.payment < 0 {
            outgoing.push(-n.payment);
        }
        let window: i64 = outgoing.iter().rev().take(model.window).sum();
        // In the order of VARIANT_LAWS.
        let holds = [
            round_half_even(p.balance as f64 + e.applied) == Some(n.balance),
            n.credit_limit <= 0,
            n.capacity == n.balance - n.credit_limit,
            n.send_volume_out == window,
        ];
        for (law, _) in VARIANT_LAWS.into_iter().zip(holds).filter(|(_, ok)| !ok) {
            violate(
                law,
                format!("step {}: {p:?} + {:?} -> {n:?}", e.t, e.applied),
            );
        }
    }
}

/// A tape of payments is a behaviour (nothing clamped): step t pays entry t − 1, then 0.
impl Behaviour<VariantModel> for Vec<f64> {
    type Memory = ();
    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, VariantModel>, _: &mut R, _: &mut ()) -> Draw<f64> {
        Draw::plain(self.get(cx.t as usize - 1).copied().unwrap_or(0.0))
    }
}

/// Tapes on the default model (window 10, limit −500): payments in half units (whole
/// amounts and rounding ties), shrunk by proptest toward fewer and smaller ones.
pub struct VariantTapes;

impl Tapes<VariantModel> for VariantTapes {
    type Case = Vec<f64>;
    type Tape = Vec<f64>;

    fn strategy(&self, len_max: usize) -> BoxedStrategy<Vec<f64>> {
        let half_units = (-4000i32..=4000).prop_map(|h| f64::from(h) / 2.0);
        currents::proptest::collection::vec(half_units, 0..=len_max).boxed()
    }
    fn model(&self, _: &Vec<f64>) -> VariantModel {
        variant_model(10, -500)
    }
    fn tape(&self, case: &Vec<f64>) -> Vec<f64> {
        case.clone()
    }
    fn len(&self, case: &Vec<f64>) -> u64 {
        case.len() as u64
    }
    fn counterexample(&self, _: &Vec<f64>, payments: Vec<f64>) -> ReplayInput {
        let payments = payments.iter().map(|p| format!("{p:?}")).collect();
        let cell = CellArgs {
            model: Some("variant".to_owned()),
            user: None,
            params: vec![
                ("window".to_owned(), "10".to_owned()),
                ("credit-limit".to_owned(), "-500".to_owned()),
            ],
        };
        ReplayInput::Tape { cell, payments }
    }

    /// Reads back what [`Tapes::counterexample`] wrote: one payment per entry, a number
    /// (`currents replay --model variant --tape=-250.5,-251.0`).
    fn parse(&self, payments: &[String]) -> Result<Vec<f64>, ParamError> {
        payments
            .iter()
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| {
                        ParamError::new("tape", format!("{p:?}"), "comma-separated finite numbers")
                    })
            })
            .collect()
    }
}
