//! Property suites over transaction tapes and seeded runs (both generator families): every
//! invariant V1 declares *required* holds on every generated case.
//!
//! Cases per property: `CURRENTS_CASES` (default 256); seed: `CURRENTS_SEED` (default
//! fixed; `random` explores fresh seeds). Shrunk failures are kept in
//! `proptest-regressions/tape_properties.txt` and replayed first.

mod common;

use currents::catalog::{Invariant, InvariantKind};
use currents::draws::RngKind;
use currents::harness::ReplayInput;
use currents::model::CreditPolicy;
use currents::v1::V1;
use currents::v1::harness::{
    TapeCase, V1Laws, cell_of, check_tape, params_strategy, replay, tape_case_strategy,
};
use currents::v1::{ExactHistory, V1Rule};
use proptest::prelude::*;

const REGRESSIONS: &str = "proptest-regressions/tape_properties.txt";

/// The one helper every tape property goes through: `invariant` holds on `case` under V1.
fn check_tape_law(invariant: Invariant, case: &TapeCase) -> Result<(), TestCaseError> {
    let rule = V1Rule::default();
    assert_eq!(
        invariant.kind_under(CreditPolicy::<V1>::observed_invariants(&rule)),
        InvariantKind::Required
    );
    let findings = check_tape::<_, ExactHistory>(&rule, case, 0.0);
    match findings.iter().find(|f| f.invariant == invariant) {
        Some(f) => Err(TestCaseError::fail(format!(
            "{invariant} at step {:?}: {}",
            f.step, f.detail
        ))),
        None => Ok(()),
    }
}

/// Every required invariant holds on seeded run `run` of `seed` with `params`.
fn check_seeded(
    rng: RngKind,
    seed: u64,
    run: u64,
    params: currents::v1::Params,
) -> Result<(), TestCaseError> {
    let rule = V1Rule::default();
    let input = ReplayInput::Seeded {
        cell: cell_of(&params),
        rng,
        seed,
        run,
        n_steps: 80,
    };
    for f in replay::<_, ExactHistory>(&rule, &input, 0.0).unwrap() {
        let observed = CreditPolicy::<V1>::observed_invariants(&rule);
        if f.invariant.kind_under(observed) == InvariantKind::Required {
            return Err(TestCaseError::fail(format!(
                "{} at step {:?}: {}",
                f.invariant, f.step, f.detail
            )));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config(REGRESSIONS))]

    #[test]
    fn step_is_defined(case in tape_case_strategy(60)) {
        check_tape_law(Invariant::STEP_IS_DEFINED, &case)?;
    }

    #[test]
    fn credit_non_negative(case in tape_case_strategy(60)) {
        check_tape_law(Invariant::CREDIT_NON_NEGATIVE, &case)?;
    }

    #[test]
    fn capacity_is_previous_balance_plus_credit(case in tape_case_strategy(60)) {
        check_tape_law(V1Laws::CAPACITY_IS_PREVIOUS_BALANCE_PLUS_CREDIT, &case)?;
    }

    #[test]
    fn transaction_count_is_step(case in tape_case_strategy(60)) {
        check_tape_law(V1Laws::TRANSACTION_COUNT_IS_STEP, &case)?;
    }

    #[test]
    fn balance_is_sum_of_amounts(case in tape_case_strategy(60)) {
        check_tape_law(V1Laws::BALANCE_IS_SUM_OF_AMOUNTS, &case)?;
    }

    #[test]
    fn send_volume_is_window_sum(case in tape_case_strategy(60)) {
        check_tape_law(V1Laws::SEND_VOLUME_IS_WINDOW_SUM, &case)?;
    }

    #[test]
    fn averages_are_history_means(case in tape_case_strategy(60)) {
        check_tape_law(V1Laws::AVERAGES_ARE_HISTORY_MEANS, &case)?;
    }

    #[test]
    fn all_values_finite(case in tape_case_strategy(60)) {
        check_tape_law(Invariant::ALL_VALUES_FINITE, &case)?;
    }

    #[test]
    fn numpy_runs_keep_required_invariants(
        seed in 0u64..=u64::from(u32::MAX) - 2,
        run in 1u64..=3,
        params in params_strategy(),
    ) {
        check_seeded(RngKind::Numpy, seed, run, params)?;
    }

    #[test]
    fn chacha_runs_keep_required_invariants(
        seed in any::<u64>(),
        run in 1u64..=1_000_000,
        params in params_strategy(),
    ) {
        check_seeded(RngKind::Chacha, seed, run, params)?;
    }

    #[test]
    fn same_seed_same_trajectory_and_thread_count_does_not_change_output(
        seed in 0u64..=1_000_000,
        chacha in any::<bool>(),
        params in params_strategy(),
    ) {
        let rng = if chacha { RngKind::Chacha } else { RngKind::Numpy };
        let input = ReplayInput::Runs {
            cell: cell_of(&params), rng, seed, n_runs: 2, n_steps: 40, threads: 2,
        };
        let findings = replay::<_, ExactHistory>(&V1Rule::default(), &input, 0.0).unwrap();
        prop_assert!(findings.is_empty(), "{findings:?}");
    }
}
