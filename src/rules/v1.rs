//! `currents-v1`: the notebook's rule with its constants as parameters.

use super::{ParamSpec, Restriction, Rule, RuleContext};
use crate::credit::{CreditError, CreditInput, V1Rule, credit_v1};
use crate::numeric::ROUND_DIGITS_MAX;

/// The notebook's rule (see [`V1Rule`]): `credit = round(round(a·s² + b, d) · avgSendVolume)`
/// with `s = avgUserBalance / avgSendVolume`, after a warm-up. Bit-exact with the notebook
/// at the default parameters.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CurrentsV1(pub V1Rule);

impl Rule for CurrentsV1 {
    const NAME: &'static str = "currents-v1";
    const SUMMARY: &'static str = "the notebook's rule: round(a*s^2 + b, d) * avgSendVolume, s = avgUserBalance / avgSendVolume";
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "quad-coef",
            default: -3.0,
            min: -1000.0,
            max: 0.0,
            integer: false,
            doc: "quadratic coefficient a (how fast imbalance shrinks the limit)",
        },
        ParamSpec {
            name: "intercept",
            default: 1.0,
            min: 0.0,
            max: 100.0,
            integer: false,
            doc: "intercept b (limit / average send volume at perfect balance)",
        },
        ParamSpec {
            name: "warmup",
            default: 7.0,
            min: 0.0,
            max: 1_000_000.0,
            integer: true,
            doc: "steps before the rule may change the credit (delta)",
        },
        ParamSpec {
            name: "round-digits",
            default: 2.0,
            min: 0.0,
            max: ROUND_DIGITS_MAX as f64,
            integer: true,
            doc: "decimal places the factor is rounded to",
        },
    ];
    const RESTRICTION: Restriction = Restriction::None;
    type State = ();

    fn from_values(v: &[f64]) -> Self {
        CurrentsV1(V1Rule {
            quad_coef: v[0],
            intercept: v[1],
            warmup: v[2] as u64,
            round_digits: v[3] as u32,
        })
    }

    fn credit(&self, ctx: &RuleContext<'_>, _: &mut ()) -> Result<i64, CreditError> {
        Ok(credit_v1(&self.0, &CreditInput::from_prev(ctx.prev, ctx.params))?.credit)
    }
}
