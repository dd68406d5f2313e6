//! A credit rule of your own, in two versions, registered beside the built-ins; and a
//! model of your own ([`variant`]), registered beside the built-in models.
//!
//! A rule is two impls on one type: [`Rule`], its declaration (the name configs and the
//! command line use, a summary, the parameters with their ranges, a constructor), and
//! [`CreditPolicy`], what it computes: the limit for the next step from the previous
//! state. Written against the [`Ledger`](currents::model::Ledger) (balance, limit,
//! payment), a rule runs on every model, V1 included. [`registry`] puts both versions
//! beside the built-in rules, users and model: the binary, the tests and the fuzz target
//! look every name up there.

use currents::model::{CreditError, CreditPolicy, Cx, Enforcement, Limit, Model};
use currents::registry::Registry;
use currents::workbench::Workbench;
use currents::params::ParamSpec;
use currents::rules::{IncomeWindow, Rule};
use currents::v1::V1;

pub mod variant;

/// `my-rule`: the limit rises to `share` × the income of the last `window` steps (at most
/// `limit-max`) and never falls; outgoing payments are clamped to it.
///
/// Why it never falls: the run loop sets the limit from the previous state, so a member
/// may spend down to the old limit in the same step the new one is set; a limit lowered
/// under that debt leaves them over it (the state law `balance_within_limit` reports that as a finding of the rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MyRule {
    /// Limit per unit of income over the window.
    pub share: f64,
    /// Steps of income counted.
    pub window: usize,
    /// The highest limit the rule sets.
    pub limit_max: f64,
}

impl Rule for MyRule {
    const NAME: &'static str = "my-rule";
    const SUMMARY: &'static str = "limit rises to share x income of the last `window` steps (at most limit-max), never falls; payments clamped";
    // Every value a config, a flag, a scenario or a sweep gives is checked against these
    // ranges before `from_values` sees it.
    const PARAMS: &'static [ParamSpec] = &[
        ParamSpec {
            name: "share",
            default: 1.0,
            min: 0.0,
            max: 100.0,
            integer: false,
            doc: "limit per unit of income over the window",
        },
        ParamSpec {
            name: "window",
            default: 30.0,
            min: 1.0,
            max: 10_000.0,
            integer: true,
            doc: "steps of income counted",
        },
        ParamSpec {
            name: "limit-max",
            default: 10_000.0,
            min: 0.0,
            max: 1e9,
            integer: false,
            doc: "the highest limit the rule sets",
        },
    ];

    fn from_values(v: &[f64]) -> Self {
        MyRule {
            share: v[0],
            window: v[1] as usize,
            limit_max: v[2],
        }
    }
}

impl MyRule {
    /// The rule with income counted `weight` times (version 1: once).
    fn limit_weighted<M: Model>(
        &self,
        cx: &Cx<'_, M>,
        income: &mut IncomeWindow,
        weight: f64,
    ) -> Result<Limit, CreditError> {
        let prev = cx.ledger();
        income.push(prev.payment, self.window);
        let target = (weight * self.share * income.sum())
            .min(self.limit_max)
            .round();
        Ok(if target > prev.limit {
            Limit {
                value: target,
                branch: "raised",
            }
        } else {
            Limit {
                value: prev.limit,
                branch: "kept",
            }
        })
    }
}

/// Generic over the model: the rule reads only the ledger and keeps the income it needs
/// in its own memory (the run loop owns it; one rule value serves every run and thread).
impl<M: Model> CreditPolicy<M> for MyRule {
    type Memory = IncomeWindow;

    fn limit(&self, cx: &Cx<'_, M>, income: &mut IncomeWindow) -> Result<Limit, CreditError> {
        self.limit_weighted(cx, income, 1.0)
    }

    fn enforcement(&self) -> Enforcement {
        Enforcement::CLAMP
    }

    fn branches(&self) -> &'static [&'static str] {
        &["raised", "kept"]
    }
}

/// `my-rule-v2`: version 1 with income counted 1.5 times — one changed coefficient, so
/// limits rise faster. `compare --baseline my-rule --candidate my-rule-v2` shows what that
/// moves and exits 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MyRuleV2(pub MyRule);

impl Rule for MyRuleV2 {
    const NAME: &'static str = "my-rule-v2";
    const SUMMARY: &'static str = "my-rule with income counted 1.5 times: limits rise faster";
    const PARAMS: &'static [ParamSpec] = MyRule::PARAMS;

    fn from_values(v: &[f64]) -> Self {
        MyRuleV2(MyRule::from_values(v))
    }
}

impl<M: Model> CreditPolicy<M> for MyRuleV2 {
    type Memory = IncomeWindow;

    fn limit(&self, cx: &Cx<'_, M>, income: &mut IncomeWindow) -> Result<Limit, CreditError> {
        self.0.limit_weighted(cx, income, 1.5)
    }

    fn enforcement(&self) -> Enforcement {
        Enforcement::CLAMP
    }

    fn branches(&self) -> &'static [&'static str] {
        &["raised", "kept"]
    }
}

/// The built-in model, rules and users, and both versions of the rule.
pub fn registry() -> Registry<V1> {
    Registry::builtin().rule::<MyRule>().rule::<MyRuleV2>()
}

/// Every model this crate's tool runs, as the binary, the tests and the scenarios resolve
/// names: the built-in ones with V1's registry replaced by [`registry`] (V1's checks are
/// kept), and the variant ([`variant::registry`]) with its own laws and tapes.
pub fn workbench() -> Workbench {
    let bench = Workbench::builtin().model(registry());
    #[cfg(feature = "harness")]
    let bench = bench.model_with_checks(variant::registry(), variant::checks());
    #[cfg(not(feature = "harness"))]
    let bench = bench.model(variant::registry());
    bench
}
