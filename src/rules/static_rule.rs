//! `static`: the credit never changes.

use super::{ParamSpec, Rule};
use crate::model::{CreditError, CreditPolicy, Cx, Limit, Model};

/// Keeps the initial credit forever.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Static;

impl Rule for Static {
    const NAME: &'static str = "static";
    const SUMMARY: &'static str = "the credit never changes: the initial credit forever";
    const PARAMS: &'static [ParamSpec] = &[];

    fn from_values(_: &[f64]) -> Self {
        Static
    }
}

impl<M: Model> CreditPolicy<M> for Static {
    type Memory = ();

    fn limit(&self, cx: &Cx<'_, M>, _: &mut ()) -> Result<Limit, CreditError> {
        Ok(Limit {
            value: cx.ledger().limit,
            branch: "kept",
        })
    }

    fn branches(&self) -> &'static [&'static str] {
        &["kept"]
    }

    /// Like V1, `static` enforces nothing: users are not held to the limit, which the
    /// harness reports as a finding, not a failure.
    fn observed_invariants(&self) -> &'static [&'static str] {
        &["payment_within_limit"]
    }
}
