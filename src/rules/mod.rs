//! The built-in credit rules and the declaration every rule gives: name, summary, parameters.
//!
//! A rule computes its limit as a [`crate::model::CreditPolicy`]: from the previous state,
//! the model's history and its own memory, never a generator, a clock or the state being
//! built. [`Rule`] adds what a registry, a config file and `currents policies` need: a name
//! and declared parameters. The four rules beside V1's are generic over every model: they
//! read the [`crate::model::Ledger`] only, and keep what they need of the past (recent
//! income, the last non-negative balance) in their own memory. V1's rule and its two
//! harness variants read V1's state and live in its wing (`crate::v1`).

use crate::model::CreditError;
use crate::params::{AtMost, ParamSpec};

mod credit_period;
mod fixed_band;
mod static_rule;
mod turnover;

pub use credit_period::CreditPeriod;
pub use fixed_band::FixedBand;
pub use static_rule::Static;
pub use turnover::Turnover;

/// A rule's declaration: its name, what it does and its parameters, and how to build it
/// from their values. What it *computes* is its [`crate::model::CreditPolicy`] implementation, for one
/// model or generic over many; the registry ([`crate::registry::Registry`]) joins the two.
///
/// A rule that gives a fixed share of the last step's income, generic over every model:
///
/// ```
/// use currents::model::{CreditError, CreditPolicy, Cx, Enforcement, Limit, Model};
/// use currents::params::ParamSpec;
/// use currents::rules::Rule;
///
/// struct Share(f64);
/// impl Rule for Share {
///     const NAME: &'static str = "share";
///     const SUMMARY: &'static str = "a share of the last payment received";
///     const PARAMS: &'static [ParamSpec] = &[ParamSpec {
///         name: "share", default: 2.0, min: 0.0, max: 10.0, integer: false, doc: "the share",
///     }];
///     fn from_values(v: &[f64]) -> Self { Share(v[0]) }
/// }
/// impl<M: Model> CreditPolicy<M> for Share {
///     type Memory = ();
///     fn limit(&self, cx: &Cx<'_, M>, _: &mut ()) -> Result<Limit, CreditError> {
///         Ok(Limit { value: (self.0 * cx.ledger().payment.max(0.0)).round(), branch: "share" })
///     }
///     fn enforcement(&self) -> Enforcement { Enforcement::CLAMP }
///     fn branches(&self) -> &'static [&'static str] { &["share"] }
/// }
///
/// let registry = currents::registry::Registry::<currents::v1::V1>::builtin().rule::<Share>();
/// assert!(registry.find("share").is_ok());
/// ```
pub trait Rule: Sized + Send + Sync + 'static {
    /// The name configs and `currents policies` use.
    const NAME: &'static str;
    /// One line on what the rule does.
    const SUMMARY: &'static str;
    /// The declared parameters, in the order [`Rule::from_values`] receives them.
    const PARAMS: &'static [ParamSpec];
    /// Pairs of parameters that constrain each other: each [`AtMost`]'s `low` may not
    /// exceed its `high` (`limit-min` and `limit-max`). Every spec, flag and `Chosen` value
    /// is checked against them once all values are known, the error naming both. None by
    /// default.
    const ORDERED: &'static [AtMost] = &[];
    /// True when the rule is a function of what its model's probes vary, so that
    /// `currents check` probes it on the model's grid of inputs (V1's rules of the
    /// imbalance `s = avgUserBalance / avgSendVolume`: `credit_monotone_in_imbalance`).
    /// Default: false.
    const PROBED: bool = false;

    /// Builds the rule from values already checked against [`Rule::PARAMS`] (same order).
    fn from_values(values: &[f64]) -> Self;
}

/// Rounds a limit to a whole non-negative credit (half to even), or says why it cannot.
pub(crate) fn to_credit(x: f64) -> Result<f64, CreditError> {
    if !x.is_finite() {
        return Err(CreditError::NonFinite {
            field: "credit",
            value: x,
        });
    }
    match crate::numeric::round_half_even(x.max(0.0)) {
        Some(c) => Ok(c as f64),
        None => Err(CreditError::OutOfRange(x)),
    }
}

/// The incoming volume of the last `window` steps: a ring of the last payments received
/// (a step that paid out counts 0) with their running sum. The sum is exact while the
/// payments are integers below 2^53, as V1's rounded transactions are; with fractional
/// payments the running sum carries the rounding of its additions and subtractions
/// (relative error about `window · 2^-53` of the largest sum).
#[derive(Debug, Clone, Default)]
pub struct IncomeWindow {
    ring: std::collections::VecDeque<f64>,
    sum: f64,
}

impl IncomeWindow {
    /// Adds the newest step's payment, keeping the last `window` steps.
    #[inline]
    pub fn push(&mut self, payment: f64, window: usize) {
        let income = payment.max(0.0);
        self.ring.push_back(income);
        self.sum += income;
        while self.ring.len() > window {
            if let Some(old) = self.ring.pop_front() {
                self.sum -= old;
            }
        }
    }

    /// The income of the steps held.
    #[inline]
    pub fn sum(&self) -> f64 {
        self.sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn income_window_sums_the_newest_positive_payments() {
        let mut w = IncomeWindow::default();
        for p in [5.0, -2.0, 7.0, 0.0, 1.0, 9.0] {
            w.push(p, 3);
        }
        // The last three steps: 0, 1, 9.
        assert_eq!(w.sum(), 10.0);
    }
}
