//! What the harness finds in V1, one named test per finding (docs/v1-findings.md).
//!
//! Counts over the notebook's workload are compared with the same counts taken directly
//! from cadCAD's own trajectories (`tests/data/cadcad/notebook_default.csv`), an
//! independent source. The shrinking search for `payment_within_limit` persists its failing
//! seed in `proptest-regressions/v1_findings.txt`, replayed first on every run.

mod common;

use std::path::Path;

use currents::catalog::Invariant;
use currents::draws::RngKind;
use currents::harness::{HarnessConfig, ReplayInput};
use currents::model::CreditPolicy;
use currents::v1::V1;
use currents::v1::csv::read_rows;
use currents::v1::harness::{
    Probe, TapeCase, V1Laws, cell_of, check_rule, check_tape, replay, tape_case_strategy,
    tape_input,
};
use currents::v1::{ExactHistory, Params, V1Rule};
use proptest::test_runner::{
    Config, FileFailurePersistence, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};

/// The one helper: the invariants `amounts` violates under V1 with default parameters.
fn tape_findings(amounts: &[f64]) -> Vec<Invariant> {
    let input = tape_input(&Params::default(), amounts);
    replay::<_, ExactHistory>(&V1Rule::default(), &input, 0.0)
        .unwrap()
        .into_iter()
        .map(|f| f.invariant)
        .collect()
}

/// In cadCAD's file: (steps, steps whose payment took the balance down to below
/// −credit(t−1) — the payment law broken —, steps with balance(t) < −credit(t) — the state
/// law broken —, steps with credit 0).
fn cadcad_counts() -> (u64, u64, u64, u64) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cadcad/notebook_default.csv");
    let rows = read_rows(std::fs::File::open(path).unwrap()).unwrap();
    let (mut steps, mut paid_past, mut below, mut zero) = (0, 0, 0, 0);
    for pair in rows.windows(2) {
        let (a, b) = (&pair[0].state, &pair[1].state);
        if pair[0].run != pair[1].run {
            continue;
        }
        steps += 1;
        paid_past += u64::from(b.balance < a.balance && b.balance < -(a.credit as f64));
        below += u64::from(b.balance < -(b.credit as f64));
        zero += u64::from(b.credit == 0);
    }
    (steps, paid_past, below, zero)
}

#[test]
fn the_limit_laws_broken_in_the_notebooks_steps_as_often_as_in_cadcads_file() {
    let config = HarnessConfig {
        cells: vec![cell_of(&Params::default())],
        rngs: vec![RngKind::Numpy],
        tape_cases: 0,
        ..HarnessConfig::default()
    };
    let report = check_rule(&V1Rule::default(), &config).unwrap();
    let cell = &report.cells[0];
    let (steps, paid_past, below, zero) = cadcad_counts();
    assert_eq!(cell.steps, steps);
    assert_eq!(
        cell.violations_of(Invariant::PAYMENT_WITHIN_LIMIT),
        paid_past
    );
    assert_eq!(cell.violations_of(Invariant::BALANCE_WITHIN_LIMIT), below);
    assert_eq!(cell.credit_zero_steps, zero);
    // cadCAD's file: of 3,650 steps, 361 payments past the limit (9.9%), 659 steps below
    // the state's own limit; credit 0 in 94 (MODEL.md).
    assert_eq!((steps, paid_past, below, zero), (3650, 361, 659, 94));
}

#[test]
fn payment_within_limit_broken_by_the_one_step_tape_minus_251() {
    assert!(tape_findings(&[-251.0]).contains(&Invariant::PAYMENT_WITHIN_LIMIT));
    // Spending exactly the capacity lands on the limit, which the law allows.
    assert!(!tape_findings(&[-250.0]).contains(&Invariant::PAYMENT_WITHIN_LIMIT));
    // Past the limit, a payment in breaks no payment law; the state law sees the debt.
    let found = tape_findings(&[-300.0, 10.0]);
    assert!(found.contains(&Invariant::BALANCE_WITHIN_LIMIT));
}

#[test]
fn capacity_is_balance_plus_credit_broken_by_the_one_step_tape_minus_1() {
    let found = tape_findings(&[-1.0]);
    assert!(found.contains(&V1Laws::CAPACITY_IS_BALANCE_PLUS_CREDIT));
    assert!(!found.contains(&V1Laws::CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT));
    assert!(!tape_findings(&[0.0]).contains(&V1Laws::CAPACITY_IS_BALANCE_PLUS_CREDIT));
}

#[test]
fn credit_monotone_in_imbalance_broken_just_past_inverse_sqrt_3() {
    let rule = V1Rule::default();
    let probe = |lo: f64, hi: f64| Probe {
        send_volume_mean: 100.0,
        credit_prev: 250,
        n_transactions: 30,
        sum_volume: 30,
        balance_mean_lo: lo * 100.0,
        balance_mean_hi: hi * 100.0,
    };
    let law = V1Laws::CREDIT_MONOTONE_IN_IMBALANCE;
    // Below 1/√3 ≈ 0.5774 the factor rounds to 0.00 (credit 0); past √(1.005/3) it rounds
    // to −0.01 and the negative-result fallback restores the previous credit, 250.
    // s = 0.570: −3·0.3249 + 1 = 0.0253 → 0.03 → credit 3; s = 0.577: 0.001213 → 0.00 → 0.
    assert_eq!(probe(0.570, 0.577).check(&rule, law), Ok((3, 0)));
    assert!(probe(0.5785, 0.5790).check(&rule, law).is_err());
    // The harness narrows its first violation to adjacent doubles around √(1.005/3).
    let report = check_rule(
        &rule,
        &HarnessConfig {
            n_runs: 1,
            n_steps: 40,
            tape_cases: 0,
            ..HarnessConfig::default()
        },
    )
    .unwrap();
    let cx = report.invariant(law).counterexample.clone().unwrap();
    let ReplayInput::Probe { probe, .. } = &cx.input else {
        panic!("expected a probe, got {cx:?}");
    };
    let p = Probe::parse(probe, 30).unwrap();
    let s_star = (1.005f64 / 3.0).sqrt();
    let s_lo = p.balance_mean_lo / p.send_volume_mean;
    assert!((s_lo.abs() - s_star).abs() < 1e-12, "{s_lo} vs {s_star}");
}

#[test]
fn payment_within_limit_search_shrinks_to_a_single_step_just_past_the_limit() {
    let rule = V1Rule::default();
    let config = Config {
        cases: common::cases(),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "proptest-regressions/v1_findings.txt",
        ))),
        rng_algorithm: RngAlgorithm::ChaCha,
        ..Config::default()
    };
    let seed = common::seed().to_le_bytes().repeat(4);
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
    let result = runner.run(&tape_case_strategy(60), |case: TapeCase| {
        let found = check_tape::<_, ExactHistory>(&rule, &case, 0.0);
        if found
            .iter()
            .any(|f| f.invariant == Invariant::PAYMENT_WITHIN_LIMIT)
        {
            Err(TestCaseError::fail("payment_within_limit"))
        } else {
            Ok(())
        }
    });
    let Err(TestError::Fail(_, case)) = result else {
        panic!("V1 should break payment_within_limit: {result:?}");
    };
    assert_eq!(case.tape.len(), 1, "{case:?}");
    let params = case.params;
    let amount = case.tape[0].resolve(&currents::v1::State::genesis(&params), &params);
    let limit = params.initial_credit() as f64;
    assert!(
        amount < -limit && amount >= -limit - 1.0,
        "{case:?}: {amount}"
    );
    assert!(
        Invariant::PAYMENT_WITHIN_LIMIT.kind_under(CreditPolicy::<V1>::observed_invariants(&rule))
            == currents::catalog::InvariantKind::Observed
    );
}
