//! `fixed-band`: fixed balance limits, as most LETS groups run them.

use super::{ParamSpec, Rule};
use crate::model::{CreditError, CreditPolicy, Cx, Enforce, Enforcement, Limit, Model};

/// A fixed lower balance limit `−lower` (the credit) and an optional upper limit `upper`
/// (0 = none), enforced by clamping payments that would cross them. `upper = lower` is the
/// symmetric band; anything else is asymmetric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedBand {
    /// The credit: how far below zero the balance may go.
    pub lower: i64,
    /// The highest balance allowed; `None` for no upper limit.
    pub upper: Option<f64>,
}

impl Rule for FixedBand {
    const NAME: &'static str = "fixed-band";
    const SUMMARY: &'static str =
        "fixed limits: balance in [-lower, upper] (upper = 0: no upper limit), payments clamped";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "lower",
            default: 250.0,
            min: 0.0,
            max: 1e9,
            integer: true,
            doc: "the credit limit: the balance may go down to -lower",
        },
        ParamSpec {
            name: "upper",
            default: 0.0,
            min: 0.0,
            max: 1e9,
            integer: true,
            doc: "the highest balance allowed (0 = no upper limit); upper = lower is symmetric",
        },
    ];

    fn from_values(v: &[f64]) -> Self {
        FixedBand {
            lower: v[0] as i64,
            upper: (v[1] > 0.0).then_some(v[1]),
        }
    }
}

impl<M: Model> CreditPolicy<M> for FixedBand {
    type Memory = ();

    fn limit(&self, _: &Cx<'_, M>, _: &mut ()) -> Result<Limit, CreditError> {
        Ok(Limit {
            value: self.lower as f64,
            branch: "fixed",
        })
    }

    /// Outgoing payments clamped to the capacity, incoming ones to `upper`.
    fn enforcement(&self) -> Enforcement {
        Enforcement {
            balance_max: self.upper,
            ..Enforcement::new(Enforce::Clamp)
        }
    }

    fn branches(&self) -> &'static [&'static str] {
        &["fixed"]
    }
}
