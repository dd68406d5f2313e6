//! The run loop for pluggable rules and user types.
//!
//! [`run_policy`] drives one run: each step the rule computes the limit from the previous
//! state (carrying its own state), the user type draws a payment, the restriction decides
//! how much of it happens, and [`crate::step`] builds the next state exactly as the V1 core
//! does (capacity, send volume, means, rounding). The history summary comes from
//! [`ExactHistory`], so with `currents-v1`, the balanced user and numpy's generator the run
//! equals cadCAD's trajectory bit for bit (tests/policies_anchor.rs).

use rand_core::Rng;

use crate::credit::{CreditBranch, CreditError, CreditInput, CreditOutcome, CreditRule};
use crate::history::{ExactHistory, History};
use crate::model::{StepError, step};
use crate::numeric::round_half_even;
use crate::params::Params;
use crate::rules::{Restriction, Rule, RuleContext};
use crate::state::State;
use crate::users::{UserContext, UserType};

/// A [`CreditRule`] that returns a limit computed beforehand, so [`step`] can be reused
/// for rules that need more than [`CreditInput`].
struct Given(i64);

impl CreditRule for Given {
    fn credit(&self, _: &CreditInput) -> Result<CreditOutcome, CreditError> {
        Ok(CreditOutcome {
            credit: self.0,
            // The branch is V1's vocabulary; other rules report the neutral "kept" branch.
            branch: CreditBranch::WarmUp,
        })
    }
}

/// What happened in one step besides the new state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo {
    /// The payment the user type drew.
    pub drawn: f64,
    /// The payment that happened after the restriction.
    pub applied: f64,
}

impl StepInfo {
    /// True when the restriction changed the payment.
    pub fn restricted(&self) -> bool {
        self.drawn.to_bits() != self.applied.to_bits()
    }
}

/// Runs `n_steps` steps of `rule` and `user` under `restriction`, drawing from `rng`, and
/// calls `visit(t, state, info)` for the genesis state (`info` is `None`) and every step.
pub fn run_policy<R, U, G, E>(
    rule: &R,
    user: &U,
    restriction: Restriction,
    params: &Params,
    n_steps: u64,
    rng: &mut G,
    mut visit: impl FnMut(u64, &State, Option<&StepInfo>) -> Result<(), E>,
) -> Result<(), RunPolicyError<E>>
where
    R: Rule,
    U: UserType,
    G: Rng + ?Sized,
{
    let cap = usize::try_from(n_steps).unwrap_or(0).saturating_add(1);
    let mut state = State::genesis(params);
    let mut history = ExactHistory::with_capacity(cap);
    history.push(&state);
    let mut transactions: Vec<i64> = Vec::with_capacity(cap);
    let mut balances: Vec<f64> = Vec::with_capacity(cap);
    balances.push(state.balance);
    let mut rule_state = R::State::default();
    let mut user_state = U::State::default();
    let balance_max = rule.balance_max();
    visit(0, &state, None).map_err(RunPolicyError::Visit)?;
    for t in 1..=n_steps {
        let view = history.view(params.sum_volume());
        let ctx = RuleContext {
            t,
            prev: &state,
            view: &view,
            params,
            transactions: &transactions,
            balances: &balances,
        };
        let at = |source| RunPolicyError::Step {
            timestep: t,
            source,
        };
        let credit = rule
            .credit(&ctx, &mut rule_state)
            .map_err(|e| at(e.into()))?;
        let drawn = user.draw(rng, &UserContext { t, prev: &state }, &mut user_state);
        // The spending capacity of this step, as `step` computes it.
        let capacity = round_half_even(state.balance + state.credit as f64).ok_or(at(
            StepError::NotAnInteger {
                field: "userCapacity",
                value: state.balance + state.credit as f64,
            },
        ))?;
        let applied = restriction.apply(drawn, capacity, state.balance, balance_max);
        let next = step(&state, &view, params, &Given(credit), applied).map_err(at)?;
        history.push(&next);
        transactions.push(next.transaction);
        balances.push(next.balance);
        state = next;
        visit(t, &state, Some(&StepInfo { drawn, applied })).map_err(RunPolicyError::Visit)?;
    }
    Ok(())
}

/// A failure of [`run_policy`].
#[derive(Debug, thiserror::Error)]
pub enum RunPolicyError<E> {
    /// A step failed (not expected under validated parameters).
    #[error("step {timestep}: {source}")]
    Step {
        /// The timestep.
        timestep: u64,
        /// Why.
        source: StepError,
    },
    /// The visitor failed.
    #[error(transparent)]
    Visit(E),
}
