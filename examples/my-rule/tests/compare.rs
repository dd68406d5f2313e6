//! The compare gate between the two versions, as `currents compare` runs it: both sides on
//! common random numbers, and the gate fails when a metric moves or an invariant's status
//! changes.

use currents::compare::{CompareConfig, CompareReport, SideLabel, compare_plans};
use currents::spec::{Limits, Spec};

/// Compares two sides written as on the command line (`NAME:key=value,…`).
fn compare(baseline: &str, candidate: &str) -> CompareReport {
    let registry = my_rule::registry();
    let side = |field, text| {
        let spec = Spec::from_shorthand(field, text).unwrap();
        let run = spec.resolve(&registry, &Limits::default()).unwrap();
        let plan = run.plan();
        (
            SideLabel::of_policy(text, &run.shorthand(), &plan.policy),
            plan,
        )
    };
    let (a, a_plan) = side("baseline", baseline);
    let (b, b_plan) = side("candidate", candidate);
    compare_plans(&a, &a_plan, &b, &b_plan, &CompareConfig::default())
}

#[test]
fn the_gate_passes_a_rule_against_itself() {
    let report = compare("my-rule", "my-rule");
    assert!(!report.changed(), "{}", report.verdict());
    assert!(report.runs.iter().all(|r| r.diverge_step.is_none()));
}

#[test]
fn the_gate_fails_when_version_2_moves_a_metric() {
    let report = compare("my-rule", "my-rule-v2");
    assert!(report.changed());
    let moved: Vec<&str> = report
        .metrics
        .iter()
        .filter(|m| m.fails())
        .map(|m| m.name)
        .collect();
    // Income counted 1.5 times: limits rise faster.
    assert!(moved.contains(&"credit_mean"), "{}", report.verdict());
    // The same change written as a parameter moves the same metrics.
    let same = compare("my-rule:share=1.5", "my-rule-v2");
    assert!(!same.changed(), "{}", same.verdict());
}
