//! Credit rules as pluggable policies: the rule API behind `currents policies` and sweeps.
//!
//! The V1 core asks a rule one question, through [`crate::CreditRule`]: given the previous
//! state's summary, what is the new limit? Comparing *designs* needs more: a rule may read
//! the recent transactions or balances, keep its own state (a counter, a smoothed value),
//! declare its parameters by name so a config file can set them, and say how an outgoing
//! payment meets the spending capacity. [`Rule`] is that wider trait. Each built-in rule is
//! a few lines in its own file; [`BUILTIN`] lists them for the CLI and the sweep engine.
//!
//! A rule stays a pure function: it sees a [`RuleContext`] (the previous state, the history
//! summary and the recent transactions and balances) and its own state, never a generator,
//! a clock or the state being built.

use std::fmt;

use crate::credit::CreditError;
use crate::model::HistoryView;
use crate::params::{ParamError, Params};
use crate::state::State;

mod credit_period;
mod fixed_band;
mod static_rule;
mod turnover;
mod v1;

pub use credit_period::CreditPeriod;
pub use fixed_band::FixedBand;
pub use static_rule::Static;
pub use turnover::Turnover;
pub use v1::CurrentsV1;

/// How an outgoing payment meets the spending capacity (previous balance + previous credit,
/// the notebook's `userCapacity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Restriction {
    /// Payments are never limited (V1: the notebook draws amounts without holding the user
    /// to the limit).
    None,
    /// An outgoing payment larger than the capacity is reduced to the capacity (to 0 when
    /// the capacity is not positive).
    Clamp,
    /// An outgoing payment larger than the capacity does not happen (the amount becomes 0).
    Reject,
}

impl Restriction {
    /// Every restriction, in a fixed order.
    pub const ALL: [Restriction; 3] = [Restriction::None, Restriction::Clamp, Restriction::Reject];

    /// The name used in configs and output.
    pub fn name(self) -> &'static str {
        match self {
            Restriction::None => "none",
            Restriction::Clamp => "clamp",
            Restriction::Reject => "reject",
        }
    }

    /// Parses `none`, `clamp` or `reject`.
    pub fn parse(field: &'static str, s: &str) -> Result<Self, ParamError> {
        Restriction::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| ParamError::new(field, format!("{s:?}"), "none, clamp or reject"))
    }

    /// Applies the restriction to a drawn `amount` (negative = sent), given the spending
    /// `capacity` and an optional upper balance limit `balance_max` (checked against
    /// `balance_prev + amount` for incoming payments). Returns the amount that happens.
    pub fn apply(
        self,
        amount: f64,
        capacity: i64,
        balance_prev: f64,
        balance_max: Option<f64>,
    ) -> f64 {
        let cap = capacity.max(0) as f64;
        let over_low = amount < 0.0 && -amount > cap;
        let over_high = match balance_max {
            Some(hi) => amount > 0.0 && balance_prev + amount > hi,
            None => false,
        };
        match self {
            Restriction::None => amount,
            Restriction::Reject if over_low || over_high => 0.0,
            Restriction::Clamp if over_low => -cap,
            Restriction::Clamp if over_high => {
                // `balance_max` is Some here; an already-higher balance receives nothing.
                (balance_max.unwrap_or(f64::INFINITY) - balance_prev).max(0.0)
            }
            _ => amount,
        }
    }
}

impl fmt::Display for Restriction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One declared parameter of a rule or a user type: its name, default and accepted range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamSpec {
    /// The name configs use (kebab-case).
    pub name: &'static str,
    /// The default value.
    pub default: f64,
    /// The smallest accepted value.
    pub min: f64,
    /// The largest accepted value.
    pub max: f64,
    /// True when only whole numbers are accepted.
    pub integer: bool,
    /// One line on what it does.
    pub doc: &'static str,
}

impl ParamSpec {
    /// Checks `value` against the declared range, naming `field` in the error.
    pub fn check(&self, field: &'static str, value: f64) -> Result<f64, ParamError> {
        let whole_ok = !self.integer || value.fract() == 0.0;
        if value.is_finite() && value >= self.min && value <= self.max && whole_ok {
            Ok(value)
        } else {
            let kind = if self.integer {
                "a whole number"
            } else {
                "a number"
            };
            Err(ParamError::new(
                field,
                value,
                format!("{kind} in [{}, {}]", self.min, self.max),
            ))
        }
    }
}

/// The defaults of a list of declared parameters, in declaration order.
pub fn defaults(specs: &[ParamSpec]) -> Vec<f64> {
    specs.iter().map(|s| s.default).collect()
}

/// What a rule reads when computing the limit for step `t` (it never sees the state being
/// built).
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    /// The step being computed (1-based).
    pub t: u64,
    /// The state at `t − 1`.
    pub prev: &'a State,
    /// The history summary the V1 step reads (means and send-volume window over 0 … t − 1).
    pub view: &'a HistoryView,
    /// The model parameters.
    pub params: &'a Params,
    /// The rounded transactions of steps 1 … t − 1, oldest first (positive = received).
    pub transactions: &'a [i64],
    /// The balances of states 0 … t − 1, oldest first (genesis included).
    pub balances: &'a [f64],
}

impl RuleContext<'_> {
    /// The incoming volume of the last `window` steps: the sum of the positive transactions
    /// among them.
    pub fn incoming_volume(&self, window: usize) -> i64 {
        let n = self.transactions.len();
        self.transactions[n - window.min(n)..]
            .iter()
            .filter(|&&x| x > 0)
            .sum()
    }
}

/// A credit rule with declared parameters, optional state and a spending restriction.
///
/// Implement this to add a policy: name it, declare its parameters, build it from their
/// values, and compute the next limit. The engine calls [`Rule::credit`] once per step,
/// carrying [`Rule::State`] from step to step (start: `Default`).
///
/// A rule that gives a fixed share of the incoming volume of the last 10 steps, run for a
/// year with the balanced user:
///
/// ```
/// use currents::credit::CreditError;
/// use currents::engine::run_policy;
/// use currents::rules::{ParamSpec, Restriction, Rule, RuleContext};
/// use currents::users::Behaviour;
///
/// struct Share(f64);
/// impl Rule for Share {
///     const NAME: &'static str = "share";
///     const SUMMARY: &'static str = "a share of the last 10 steps' income";
///     const PARAMS: &'static [ParamSpec] = &[ParamSpec {
///         name: "share", default: 2.0, min: 0.0, max: 10.0, integer: false, doc: "the share",
///     }];
///     const RESTRICTION: Restriction = Restriction::Clamp;
///     type State = ();
///     fn from_values(v: &[f64]) -> Self { Share(v[0]) }
///     fn credit(&self, ctx: &RuleContext<'_>, _: &mut ()) -> Result<i64, CreditError> {
///         Ok((self.0 * ctx.incoming_volume(10) as f64).round() as i64)
///     }
/// }
///
/// let mut rng = currents::draws::chacha_rng(1, 0, 1);
/// let mut last = None;
/// run_policy(&Share(2.0), &Behaviour::default(), Share::RESTRICTION,
///            &currents::Params::default(), 365, &mut rng, |_, s, _| {
///     last = Some(*s);
///     Ok::<(), ()>(())
/// }).unwrap();
/// assert_eq!(last.unwrap().n_transactions, 365);
/// ```
pub trait Rule: Sized {
    /// The name configs and `currents policies` use.
    const NAME: &'static str;
    /// One line on what the rule does.
    const SUMMARY: &'static str;
    /// The declared parameters, in the order [`Rule::from_values`] receives them.
    const PARAMS: &'static [ParamSpec];
    /// The spending restriction used unless a sweep overrides it.
    const RESTRICTION: Restriction;
    /// The rule's own state, carried between steps (`()` when it keeps none).
    type State: Clone + Default + fmt::Debug;

    /// Builds the rule from values already checked against [`Rule::PARAMS`] (same order).
    fn from_values(values: &[f64]) -> Self;

    /// The new limit (≥ 0) for the step described by `ctx`.
    fn credit(&self, ctx: &RuleContext<'_>, state: &mut Self::State) -> Result<i64, CreditError>;

    /// An upper balance limit that incoming payments meet under the restriction, if any.
    fn balance_max(&self) -> Option<f64> {
        None
    }
}

/// What `currents policies` and the sweep engine know of a built-in rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RuleInfo {
    /// Its name.
    pub name: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Its declared parameters.
    pub params: &'static [ParamSpec],
    /// Its default restriction.
    pub restriction: Restriction,
}

const fn info<R: Rule>() -> RuleInfo {
    RuleInfo {
        name: R::NAME,
        summary: R::SUMMARY,
        params: R::PARAMS,
        restriction: R::RESTRICTION,
    }
}

/// The built-in rules, in the order `currents policies` lists them.
pub const BUILTIN: [RuleInfo; 5] = [
    info::<CurrentsV1>(),
    info::<Static>(),
    info::<FixedBand>(),
    info::<Turnover>(),
    info::<CreditPeriod>(),
];

/// Looks a built-in rule up by name.
pub fn find(name: &str) -> Option<&'static RuleInfo> {
    BUILTIN.iter().find(|r| r.name == name)
}

/// Rounds a non-negative limit to an integer credit, or says why it cannot.
pub(crate) fn to_credit(x: f64) -> Result<i64, CreditError> {
    if !x.is_finite() {
        return Err(CreditError::NonFinite {
            field: "credit",
            value: x,
        });
    }
    match crate::numeric::round_half_even(x.max(0.0)) {
        Some(c) => Ok(c),
        None => Err(CreditError::OutOfRange(x)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_caps_outgoing_at_capacity_and_reject_drops_it() {
        assert_eq!(Restriction::Clamp.apply(-300.0, 250, 0.0, None), -250.0);
        assert_eq!(Restriction::Reject.apply(-300.0, 250, 0.0, None), 0.0);
        assert_eq!(Restriction::None.apply(-300.0, 250, 0.0, None), -300.0);
        assert_eq!(Restriction::Clamp.apply(-300.0, -5, 0.0, None), 0.0);
        assert_eq!(Restriction::Clamp.apply(-200.0, 250, 0.0, None), -200.0);
        assert_eq!(Restriction::Clamp.apply(80.0, 250, 50.0, Some(100.0)), 50.0);
        assert_eq!(Restriction::Reject.apply(80.0, 250, 50.0, Some(100.0)), 0.0);
    }

    #[test]
    fn every_builtin_default_is_in_its_range() {
        for r in BUILTIN {
            for p in r.params {
                assert_eq!(
                    p.check(p.name, p.default),
                    Ok(p.default),
                    "{}.{}",
                    r.name,
                    p.name
                );
            }
        }
    }
}
