//! `static`: the credit never changes (the notebook's commented "remove credit management").

use super::{ParamSpec, Restriction, Rule, RuleContext};
use crate::credit::CreditError;

/// Keeps the previous credit forever, so the limit stays at the initial credit.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Static;

impl Rule for Static {
    const NAME: &'static str = "static";
    const SUMMARY: &'static str = "the credit never changes: the initial credit forever";
    const PARAMS: &'static [ParamSpec] = &[];
    const RESTRICTION: Restriction = Restriction::None;
    type State = ();

    fn from_values(_: &[f64]) -> Self {
        Static
    }

    fn credit(&self, ctx: &RuleContext<'_>, _: &mut ()) -> Result<i64, CreditError> {
        Ok(ctx.prev.credit)
    }
}
