//! `currents compare` of any model of the workbench: two network sides (two rules, two
//! member counts) and a V1 side against a network side, through the library and the CLI.

use std::process::Command;

use currents::compare::{CompareConfig, CompareReport, MIN_CHANGE_DEFAULT, Side, compare};
use currents::draws::RngKind;
use currents::workbench::Workbench;

fn bench() -> Workbench {
    Workbench::builtin()
}

/// One shorthand side, resolved on its own with the compare defaults.
#[track_caller]
fn side(field: &str, text: &str) -> Side {
    currents::compare::parse_spec(field, text, &bench()).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Compares two sides on the built-in workbench.
#[track_caller]
fn compared(a: &Side, b: &Side, cfg: &CompareConfig) -> CompareReport {
    compare(a, b, cfg, &bench()).unwrap()
}

/// Runs `compare` with `args` and checks its exit code; returns stdout.
#[track_caller]
fn check_exit(args: &[&str], code: i32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_currents"))
        .arg("compare")
        .args(args)
        .output()
        .expect("run currents");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn config(n_runs: u64, n_steps: u64, seed: u64) -> CompareConfig {
    CompareConfig {
        n_runs,
        n_steps,
        seed,
        rng: RngKind::Chacha,
        min_change: MIN_CHANGE_DEFAULT,
        fail_on: Vec::new(),
        allow: Vec::new(),
    }
}

/// The network on both sides, through the CLI and the library: the same spec changes
/// nothing; `fixed-band` (limits raised to its floor, 250) against `static` (every limit
/// the model's 1) moves the limits and nothing the draws depend on.
#[test]
fn a_network_pair_compares_its_members_ledgers_and_its_conservation_law() {
    let cfg = config(10, 365, 0);
    let net = "static:model=network,members=5";
    let base = side("baseline", net);
    let same = compared(&base, &side("candidate", net), &cfg);
    // Identical runs: every defined difference exactly 0 (NaN only where a metric is
    // undefined in every run, on both sides), no divergence, no gate failure.
    for m in &same.metrics {
        if m.n == 0 {
            assert!(m.diff_mean.is_nan(), "{m:?}");
        } else {
            assert_eq!((m.n, m.diff_mean, m.ci), (10, 0.0, (0.0, 0.0)), "{m:?}");
        }
    }
    assert!(
        same.runs
            .iter()
            .all(|r| r.diverge_step.is_none() && r.crn_lost_step.is_none() && !r.failed)
    );
    assert!(!same.changed(), "{}", same.verdict());
    // The network's own rule on both sides: its checks ran, and agree.
    let harness = same
        .harness
        .as_ref()
        .expect("static is the network's first rule");
    assert!(harness.iter().any(|h| h.name == "balances_sum_to_zero"));
    assert!(harness.iter().all(|h| !h.changed()));

    let band = compared(
        &base,
        &side("candidate", "fixed-band:model=network,members=5"),
        &cfg,
    );
    // Every member's law, on both sides: the network holds each payer to its limit itself
    // and its transfers conserve units; fixed-band only raises limits here.
    let names: Vec<&str> = band.invariants.iter().map(|i| i.name).collect();
    assert_eq!(
        names,
        [
            "step_is_defined",
            "credit_non_negative",
            "balances_sum_to_zero",
            "all_values_finite",
            "payment_within_limit",
            "balance_within_limit"
        ]
    );
    for i in &band.invariants {
        assert!(i.baseline.checked && i.candidate.checked, "{i:?}");
        assert!(i.baseline.holds() && i.candidate.holds(), "{i:?}");
    }
    let metric = |name: &str| band.metrics.iter().find(|m| m.name == name).unwrap();
    // Every member's limit at the end: 1 under static, 250 under fixed-band (each of the
    // 5 members has paid or been paid within 365 steps).
    let credit_final = metric("credit_final");
    assert_eq!(
        (credit_final.baseline_mean, credit_final.candidate_mean),
        (1.0, 250.0)
    );
    // Higher limits, less of them used.
    let utilisation = metric("utilisation");
    assert!(
        utilisation.candidate_mean < utilisation.baseline_mean,
        "{utilisation:?}"
    );
    // The limit of step 1's payer differs at once; the pair draws never read a limit.
    assert!(
        band.runs
            .iter()
            .all(|r| r.diverge_step == Some(1) && r.crn_lost_step.is_none())
    );
    assert_eq!(
        band.harness, None,
        "fixed-band is not the network's own rule"
    );
    assert!(band.changed());
    // The CLI: exit 0 on the same spec, 1 on the change.
    check_exit(&["--baseline", net, "--candidate", net, "--runs", "10"], 0);
    let out = check_exit(
        &[
            "--baseline",
            net,
            "--candidate",
            "fixed-band:model=network,members=5",
            "--runs",
            "10",
        ],
        1,
    );
    assert!(
        out.contains("invariant balances_sum_to_zero: baseline holds; candidate holds\n"),
        "{out}"
    );
    assert!(out.contains("model network:members=5\n"), "{out}");
}

/// Two member counts of the network under its own rule: the pair draws part the ledgers at
/// once, the limits (the model's 1) and the conservation law do not move, and the network's
/// harness checks run on each side's cell (`members=3`, `members=5`) and agree.
#[test]
fn two_member_counts_of_the_network_compare_and_run_the_networks_checks_on_each() {
    let cfg = config(5, 50, 0);
    let report = compared(
        &side("baseline", "static:model=network,members=3"),
        &side("candidate", "static:model=network,members=5"),
        &cfg,
    );
    assert_eq!(
        (
            report.baseline.model.as_deref(),
            report.candidate.model.as_deref()
        ),
        (Some("network:members=3"), Some("network:members=5"))
    );
    // Exact: every limit is the model's 1 on both sides, and the balances of a network sum
    // to zero, so their mean at the end is 0 in every run.
    let metric = |name: &str| report.metrics.iter().find(|m| m.name == name).unwrap();
    for (name, value) in [("credit_mean", 1.0), ("balance_final", 0.0)] {
        let m = metric(name);
        assert_eq!(
            (m.baseline_mean, m.candidate_mean, m.diff_mean, m.ci),
            (value, value, 0.0, (0.0, 0.0)),
            "{m:?}"
        );
        assert!(!m.fails(), "{m:?}");
    }
    // Another member count draws other pairs: the ledgers part, every run.
    assert!(
        report
            .runs
            .iter()
            .all(|r| r.diverge_step.is_some() && !r.failed)
    );
    for i in &report.invariants {
        assert!(i.baseline.checked && i.candidate.checked, "{i:?}");
        assert!(i.baseline.holds() && i.candidate.holds(), "{i:?}");
    }
    let harness = report
        .harness
        .as_ref()
        .expect("one model, its own rule on both sides");
    assert!(harness.iter().any(|h| h.name == "balances_sum_to_zero"));
    assert!(
        harness
            .iter()
            .all(|h| !h.baseline_violated && !h.candidate_violated)
    );
}

/// A V1 side against a network side: the metrics and the laws come from each side's
/// ledgers; the network's conservation law is not V1's; the two models draw differently.
#[test]
fn a_v1_side_and_a_network_side_compare_what_both_have() {
    let cfg = config(5, 365, 0);
    let v1 = side("baseline", "static");
    let net = side("candidate", "static:model=network,members=3");
    let report = compared(&v1, &net, &cfg);
    assert_eq!(report.baseline.model, None);
    assert_eq!(report.candidate.model.as_deref(), Some("network:members=3"));
    // V1's static keeps the initial credit, 250; the network's every limit at 1. Exactly.
    let credit = report
        .metrics
        .iter()
        .find(|m| m.name == "credit_mean")
        .unwrap();
    assert_eq!(
        (
            credit.baseline_mean,
            credit.candidate_mean,
            credit.diff_mean,
            credit.ci
        ),
        (250.0, 1.0, -249.0, (-249.0, -249.0))
    );
    // V1's user draws seven words a step, the network's pair draw two: the sides part at
    // step 1 in every run, in their ledgers and in their draws.
    assert!(
        report
            .runs
            .iter()
            .all(|r| r.diverge_step == Some(1) && r.crn_lost_step == Some(1) && !r.failed)
    );
    let law = |name: &str| report.invariants.iter().find(|i| i.name == name).unwrap();
    // The conservation law holds for the network and is not checked on V1 (one member
    // paying an outside market): no change.
    let conserve = law("balances_sum_to_zero");
    assert!(!conserve.baseline.checked && conserve.candidate.checked);
    assert!(conserve.candidate.holds() && !conserve.changed());
    // V1 holds no one to the limit; the network refuses a payment past it.
    let payment = law("payment_within_limit");
    assert!(!payment.baseline.holds() && payment.candidate.holds());
    assert!(payment.changed() && report.changed());
    assert_eq!(report.harness, None, "different models: no harness diff");
    // The JSON names the law on both sides, `null` where it is not checked.
    let json = report.to_json();
    let row = &json["invariants"][2];
    assert_eq!(row["name"], "balances_sum_to_zero");
    assert_eq!(
        (&row["baseline"], &row["candidate"]["holds"]),
        (&serde_json::Value::Null, &serde_json::json!(true))
    );
    // The same pair through the CLI: exit 1.
    check_exit(
        &[
            "--baseline",
            "static",
            "--candidate",
            "static:model=network,members=3",
            "--runs",
            "5",
        ],
        1,
    );
}
