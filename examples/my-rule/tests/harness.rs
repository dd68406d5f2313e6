//! The invariant harness on the rule: seeded runs over a parameter grid, a shrinking search
//! over payment tapes, and every law of the catalog (`currents check` runs the same).

use currents::catalog::Invariant;
use currents::harness::{HarnessConfig, HarnessReport, ReplayInput};
use currents::model::{CreditError, CreditPolicy, Cx, Enforcement, Limit, Model};
use currents::rules::{IncomeWindow, Rule};
use currents::v1::harness::check_rule;
use my_rule::{MyRule, MyRuleV2, registry};

/// `currents check`'s settings, fewer runs and tapes (a debug build runs them).
#[track_caller]
fn check<P: CreditPolicy<currents::v1::V1>>(name: &str, rule: &P) -> HarnessReport {
    let config = HarnessConfig {
        policy: name.to_owned(), // the name the printed replay commands use
        probe_rule: false,       // probes are for rules of V1's imbalance
        n_runs: 2,
        n_steps: 200,
        tape_cases: 64,
        ..HarnessConfig::default()
    };
    check_rule(rule, &config).expect("a valid configuration")
}

#[test]
fn both_versions_keep_every_required_invariant_and_take_every_branch() {
    for name in [MyRule::NAME, MyRuleV2::NAME] {
        let rule = registry().find(name).unwrap().build_default();
        let report = check(name, &rule);
        assert!(report.passed(), "{}", report.to_table());
        // Payments are clamped and the limit never falls: no member is ever over it.
        assert!(!report.invariant(Invariant::PAYMENT_WITHIN_LIMIT).violated());
    }
}

/// Version 1 with a bug: it takes the member's debt off the limit and forgets to stop at
/// zero, so a member deep enough in debt gets a negative limit.
struct DebtPenalty(MyRule);

impl<M: Model> CreditPolicy<M> for DebtPenalty {
    type Memory = IncomeWindow;

    fn limit(&self, cx: &Cx<'_, M>, income: &mut IncomeWindow) -> Result<Limit, CreditError> {
        let limit = self.0.limit(cx, income)?;
        let debt = (-cx.ledger().balance).max(0.0);
        Ok(Limit {
            value: limit.value - debt,
            ..limit
        })
    }
    fn enforcement(&self) -> Enforcement {
        Enforcement::CLAMP
    }
    fn branches(&self) -> &'static [&'static str] {
        CreditPolicy::<M>::branches(&self.0)
    }
}

#[test]
fn a_broken_version_is_caught_with_a_short_shrunk_tape() {
    let broken = DebtPenalty(MyRule::from_values(&currents::params::defaults(
        MyRule::PARAMS,
    )));
    let report = check("debt-penalty", &broken);
    assert!(!report.passed());
    let found = report.invariant(Invariant::CREDIT_NON_NEGATIVE);
    let cx = found.counterexample.as_ref().expect("a counterexample");
    let ReplayInput::Tape { payments, .. } = &cx.input else {
        panic!("expected a tape, got {cx:?}");
    };
    // Shrunk to three steps (spend a little, spend to the limit, and the limit goes
    // below zero): `[-1.0, -250.0, 0.0]` today.
    assert!(payments.len() <= 3, "{payments:?}: {}", cx.detail);
    assert!(cx.detail.starts_with("credit(3) = -1 < 0"), "{}", cx.detail);
}
