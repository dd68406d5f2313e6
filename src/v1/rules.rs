//! `currents-v1`: the notebook's rule with its constants as parameters, and the two
//! variants `currents check` uses to show the harness failing.

use crate::model::{CreditError, CreditPolicy, Cx, Limit};
use crate::numeric::{ROUND_DIGITS_MAX, py_round, py_square, round_half_even};
use crate::params::ParamSpec;
use crate::rules::Rule;

use super::credit::{CreditBranch, CreditInput, V1Rule, credit_v1};
use super::{History, V1};

/// The branch names of [`V1Rule`], in `crate::v1::CreditBranch::ALL` order.
pub const V1_BRANCHES: [&str; 5] = {
    let mut names = [""; 5];
    let mut i = 0;
    while i < 5 {
        names[i] = CreditBranch::ALL[i].name();
        i += 1;
    }
    names
};

/// Invariants V1 is known to break (MODEL.md): users are not held to the limit, and the
/// credit is not monotone in the imbalance near |s| = 1/√3.
pub const V1_OBSERVED: [&str; 2] = ["payment_within_limit", "credit_monotone_in_imbalance"];

impl<H: History> CreditPolicy<V1<H>> for V1Rule {
    type Memory = ();

    #[inline]
    fn limit(&self, cx: &Cx<'_, V1<H>>, _: &mut ()) -> Result<Limit, CreditError> {
        let outcome = credit_v1(self, &CreditInput::from_model(cx))?;
        Ok(Limit {
            value: outcome.credit as f64,
            branch: outcome.branch.name(),
        })
    }

    fn branches(&self) -> &'static [&'static str] {
        &V1_BRANCHES
    }

    fn observed_invariants(&self) -> &'static [&'static str] {
        &V1_OBSERVED
    }
}

impl Rule for V1Rule {
    const NAME: &'static str = "currents-v1";
    const SUMMARY: &'static str = "the notebook's rule: round(a*s^2 + b, d) * avgSendVolume, s = avgUserBalance / avgSendVolume";
    const PARAMS: &'static [ParamSpec] = V1_PARAMS;
    const PROBED: bool = true;

    fn from_values(v: &[f64]) -> Self {
        V1Rule {
            quad_coef: v[0],
            intercept: v[1],
            warmup: v[2] as u64,
            round_digits: v[3] as u32,
        }
    }
}

/// The parameters of [`V1Rule`] and its variants.
const V1_PARAMS: &[ParamSpec] = &[
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

/// `v1-strict`: [`V1Rule`] with every invariant required (V1 observes two; MODEL.md):
/// V1 fails it, which is the point.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct V1Strict(pub V1Rule);

impl Rule for V1Strict {
    const NAME: &'static str = "v1-strict";
    const SUMMARY: &'static str =
        "currents-v1 holding users to their limit and requiring a monotone credit (fails check)";
    const PARAMS: &'static [ParamSpec] = V1_PARAMS;
    const PROBED: bool = true;

    fn from_values(v: &[f64]) -> Self {
        V1Strict(V1Rule::from_values(v))
    }
}

impl<H: History> CreditPolicy<V1<H>> for V1Strict {
    type Memory = ();

    fn limit(&self, cx: &Cx<'_, V1<H>>, m: &mut ()) -> Result<Limit, CreditError> {
        self.0.limit(cx, m)
    }

    fn branches(&self) -> &'static [&'static str] {
        &V1_BRANCHES
    }
}

/// `v1-no-fallback`: [`V1Rule`] where a negative quadratic result becomes the credit
/// instead of falling back to the previous credit. A deliberately broken rule: the run loop
/// refuses the negative limit it returns.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct V1NoFallback(pub V1Rule);

impl Rule for V1NoFallback {
    const NAME: &'static str = "v1-no-fallback";
    const SUMMARY: &'static str =
        "currents-v1 without its negative-result fallback: a deliberately broken rule";
    const PARAMS: &'static [ParamSpec] = V1_PARAMS;
    const PROBED: bool = true;

    fn from_values(v: &[f64]) -> Self {
        V1NoFallback(V1Rule::from_values(v))
    }
}

impl<H: History> CreditPolicy<V1<H>> for V1NoFallback {
    type Memory = ();

    fn limit(&self, cx: &Cx<'_, V1<H>>, _: &mut ()) -> Result<Limit, CreditError> {
        let input = CreditInput::from_model(cx);
        let outcome = credit_v1(&self.0, &input)?;
        if outcome.branch != CreditBranch::NegativeFallback {
            return Ok(Limit {
                value: outcome.credit as f64,
                branch: outcome.branch.name(),
            });
        }
        // The fallback is only reached on the quadratic branch with a non-zero average.
        let avg = input.send_volume_mean_prev;
        let s = input.balance_mean_prev / avg;
        let factor = py_round(
            self.0.quad_coef * py_square(s) + self.0.intercept,
            self.0.round_digits,
        );
        let x = factor * avg;
        round_half_even(x)
            .map(|credit| Limit {
                value: credit as f64,
                branch: "quadratic",
            })
            .ok_or(CreditError::OutOfRange(x))
    }

    /// The fallback branch is gone from this rule.
    fn branches(&self) -> &'static [&'static str] {
        &["warm-up", "window", "quadratic", "zero-send-volume"]
    }

    fn observed_invariants(&self) -> &'static [&'static str] {
        &crate::v1::V1_OBSERVED
    }
}
