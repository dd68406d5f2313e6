//! Members leaving the network (default) and lost credit, one law per test:
//! `lost_credit_equals_leavers_balances` holds on the network and catches a newcomer that
//! keeps half of the leaver's debt (the network `Altered` in this file), shrunk to a minimal payment
//! tape; the lost credit is attributed to the creditors of the moment pro rata, as a
//! brute-force attribution (every member's share computed at every default, O(members))
//! gives it; and the members' balances sum to the lost credit after every step, exactly.

#![cfg(feature = "harness")]

use std::convert::Infallible;

use currents::draws::chacha_rng;
use currents::harness::{HarnessConfig, check_model_tape, check_model_tapes};
use currents::model::{EachStep, StepEvent, Stepper};
use currents::network::{
    Alteration, Altered, LeavingTapes, Network, NetworkCase, NetworkLaws, NetworkState, Transfer,
    UniformPairs,
};
use currents::rules::Static;

/// The network whose newcomer keeps half of the leaver's debt (rounded toward zero) while
/// the whole debt is counted lost: a deliberately wrong leaving rule, the network
/// `Altered` by it.
#[derive(Default)]
struct KeepsHalfOfTheDebt;

impl Alteration for KeepsHalfOfTheDebt {
    const NAME: &'static str = "keeps-half";
    const SUMMARY: &'static str = "a newcomer keeps half of the leaver's debt";
    fn alter(&self, _: &Network, prev: &NetworkState, _: Transfer, next: &mut NetworkState) {
        if let Some(m) = next.left() {
            next.balances[m] = prev.balances[m] / 2;
        }
    }
}

type KeepsHalf = Altered<KeepsHalfOfTheDebt>;

/// The tape case that plays `payments` on `members` members, limit `limit`, leaving after
/// `leave_after` refusals (read back as a replay's cell is).
fn case(members: usize, limit: i64, leave_after: u32, payments: &[&str]) -> NetworkCase {
    let mut cell = currents::network::network_cell(members, limit);
    cell.params
        .push(("leave-after".to_owned(), leave_after.to_string()));
    let input = currents::harness::ReplayInput::Tape {
        cell,
        payments: payments.iter().map(|p| p.to_string()).collect(),
    };
    NetworkCase::from_replay(&input).unwrap()
}

/// `lost_credit_equals_leavers_balances`: held by the network, broken by a newcomer that
/// keeps half the debt, shrunk to a minimal tape.
#[test]
fn lost_credit_equals_leavers_balances_catches_a_newcomer_that_keeps_half_the_debt() {
    let laws = NetworkLaws;
    let tapes = LeavingTapes;
    // By hand: member 0 goes to −2 (its limit), is refused once and leaves; the newcomer
    // keeps −1. The network holds every law on the same tape.
    let by_hand = case(2, 2, 1, &["0>1:2", "0>1:1"]);
    assert_eq!(by_hand.leave_after, 1);
    let found = check_model_tape::<KeepsHalf, _, _, _>(&tapes, &by_hand, &Static, &laws);
    let names: Vec<&str> = found.iter().map(|f| f.invariant.name()).collect();
    assert!(
        names.contains(&"lost_credit_equals_leavers_balances"),
        "{found:?}"
    );
    assert!(check_model_tape::<Network, _, _, _>(&tapes, &by_hand, &Static, &laws).is_empty());

    // The tape search finds it and shrinks it to a minimal tape: leaving after one
    // refusal, no payment of it can be deleted with the failure kept (LeavingTapes delete
    // payments until none can go), whatever the seed. The shortest possible is two
    // payments (into a debt of 2 or more, then refused); a minimal one may take three
    // (two payments of 1, then a refused one: the amounts shrink toward 1, not up to 2).
    let cells = vec![currents::harness::ModelCell {
        cell: currents::network::network_cell(3, 1),
        model: KeepsHalf::from(Network::new(3, 1).unwrap()),
        behaviour: UniformPairs::default(),
    }];
    for seed in 0..4 {
        let config = HarnessConfig {
            policy: "static".to_owned(),
            n_runs: 2,
            n_steps: 100,
            seed,
            tape_cases: 128,
            threads: vec![2],
            ..HarnessConfig::default()
        };
        let report = check_model_tapes(&cells, &Static, &laws, &tapes, &config).unwrap();
        let law = report.invariant(NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES);
        let table = report.to_table();
        assert!(law.violated() && law.tape_cases > 0, "{table}");
        assert!(!report.passed(), "{table}");
        let shrunk = law.counterexample.clone().unwrap();
        let shrunk_case = NetworkCase::from_replay(&shrunk.input).unwrap();
        let n = shrunk_case.transfers.len();
        assert!((2..=3).contains(&n), "seed {seed}: {shrunk:?}");
        let at = (shrunk_case.leave_after, shrunk.step);
        assert_eq!(at, (1, Some(n as u64)), "seed {seed}: {shrunk:?}");
        for i in 0..n {
            let mut fewer = shrunk_case.clone();
            fewer.transfers.remove(i);
            let found = check_model_tape::<KeepsHalf, _, _, _>(&tapes, &fewer, &Static, &laws);
            let law = NetworkLaws::LOST_CREDIT_EQUALS_LEAVERS_BALANCES;
            assert!(
                found.iter().all(|f| f.invariant != law),
                "seed {seed}: without payment {i}: {found:?}"
            );
        }
        assert!(shrunk.detail.contains("left"), "{shrunk:?}");
        // The replay line names the cell's `leave-after` and the tape.
        let line = shrunk.replay_command_in("currents", "static");
        assert!(line.contains("--param leave-after=1"), "{line}");
        assert!(line.contains("--tape="), "{line}");
        // The shrunk case replays: on the wrong variant, not on the network.
        let again = check_model_tape::<KeepsHalf, _, _, _>(&tapes, &shrunk_case, &Static, &laws);
        assert!(!again.is_empty());
        let clean = check_model_tape::<Network, _, _, _>(&tapes, &shrunk_case, &Static, &laws);
        assert!(clean.is_empty(), "{clean:?}");
    }
}

/// `balances_sum_to_zero` with members leaving: the balances sum to the lost credit after
/// every step, exactly; and the lost credit's attribution is pro rata to the credit held.
#[test]
fn balances_sum_to_zero_counts_the_lost_credit_and_attribution_is_pro_rata() {
    // 20 members, limit 2, leaving after 2 refusals: many members leave in 20 000 steps.
    let (members, steps) = (20, 20_000u64);
    let net = Network::new(members, 2).unwrap().leaving(2).unwrap();
    let user = UniformPairs::default();
    let mut run = Stepper::new(&net, &Static, &user, steps);
    // The brute-force attribution: at every default, each member holding credit gets the
    // debt times its share of the credit held then (the step was refused: the balances
    // before it are those of the moment).
    let mut brute = vec![0.0f64; members];
    let (mut leaves, mut lost) = (0u64, 0i64);
    let mut each = EachStep(|e: &StepEvent<'_, Network>| {
        // Balances sum to the lost credit, exactly, after every step.
        assert_eq!(
            e.next.balances.iter().sum::<i64>(),
            e.next.lost(),
            "step {}",
            e.t
        );
        if let Some(m) = e.next.left() {
            let debt = -e.prev.balances[m];
            assert!(debt > 0 && e.next.refused);
            assert_eq!(e.next.lost() - e.prev.lost(), debt);
            let held: i64 = e.prev.balances.iter().map(|&b| b.max(0)).sum();
            for (share, &b) in brute.iter_mut().zip(&e.prev.balances) {
                *share += debt as f64 * b.max(0) as f64 / held as f64;
            }
            leaves += 1;
        }
        lost = e.next.lost();
        Ok::<_, Infallible>(())
    });
    run.run(&mut chacha_rng(3, 0, 1), steps, &mut each).unwrap();
    assert!(leaves > 100, "{leaves}");
    let state = run.state();
    // Floats: the lazy attribution (one index, settled when a member is touched) and the
    // brute force round differently, so they agree to a relative 1e-9, not bit for bit;
    // both sum to the lost credit (an integer) to the same tolerance.
    let lazy: Vec<f64> = (0..members).map(|m| state.attributed_loss(m)).collect();
    for (m, (a, b)) in lazy.iter().zip(&brute).enumerate() {
        assert!(
            (a - b).abs() <= 1e-9 * lost as f64,
            "member {m}: {a} vs {b}"
        );
        assert!(*a >= 0.0);
    }
    let total: f64 = lazy.iter().sum();
    assert!(
        (total - lost as f64).abs() <= 1e-9 * lost as f64,
        "{total} vs {lost}"
    );
}
