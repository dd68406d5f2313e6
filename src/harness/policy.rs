//! The built-in policies `currents check` and `currents replay` know by name.
//!
//! A policy is a credit rule plus its declaration of which invariants it must keep.
//! Besides V1 there are two variants that exist to show the harness failing: one that
//! *requires* what V1 only observes, and one with a deliberate bug.

use crate::credit::{
    CreditBranch, CreditError, CreditInput, CreditOutcome, CreditRule, V1Rule, credit_v1,
};
use crate::numeric::{py_round, py_square, round_half_even};

use super::invariants::{Invariant, InvariantKind};

/// A built-in policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// `currents-v1`: the notebook's rule, with V1's known departures declared observed.
    CurrentsV1,
    /// `v1-strict`: the same rule, but holding users to their limit and requiring a
    /// monotone credit; V1 fails it (exit 1), which is the point.
    V1Strict,
    /// `v1-no-fallback`: V1 with its negative-result fallback removed, a deliberately
    /// broken rule that produces negative credits.
    V1NoFallback,
}

impl Policy {
    /// Every policy, in a fixed order.
    pub const ALL: [Policy; 3] = [Policy::CurrentsV1, Policy::V1Strict, Policy::V1NoFallback];

    /// The name used by `--policy`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::CurrentsV1 => "currents-v1",
            Policy::V1Strict => "v1-strict",
            Policy::V1NoFallback => "v1-no-fallback",
        }
    }

    /// The policy named `name`, if any.
    pub fn from_name(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The accepted names, comma-separated (for error messages).
    pub fn names() -> String {
        Policy::ALL.map(Policy::name).join(", ")
    }
}

/// `v1-strict`: [`V1Rule`] with every invariant required except the same-step capacity form.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct V1Strict(pub V1Rule);

impl CreditRule for V1Strict {
    fn credit(&self, input: &CreditInput) -> Result<CreditOutcome, CreditError> {
        credit_v1(&self.0, input)
    }
}

/// `v1-no-fallback`: [`V1Rule`] where a negative quadratic result becomes the credit
/// instead of falling back to the previous credit. A deliberately broken rule.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct V1NoFallback(pub V1Rule);

impl CreditRule for V1NoFallback {
    fn credit(&self, input: &CreditInput) -> Result<CreditOutcome, CreditError> {
        let outcome = credit_v1(&self.0, input)?;
        if outcome.branch != CreditBranch::NegativeFallback {
            return Ok(outcome);
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
            .map(|credit| CreditOutcome {
                credit,
                branch: CreditBranch::Quadratic,
            })
            .ok_or(CreditError::OutOfRange(x))
    }

    fn invariant_kind(&self, invariant: Invariant) -> InvariantKind {
        self.0.invariant_kind(invariant)
    }

    /// The fallback branch is gone from this rule.
    fn reachable_branches(&self) -> &'static [CreditBranch] {
        &[
            CreditBranch::WarmUp,
            CreditBranch::Window,
            CreditBranch::Quadratic,
            CreditBranch::ZeroSendVolume,
        ]
    }
}
