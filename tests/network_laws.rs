//! The network's laws under the invariant harness, one test per law, each named after it,
//! and each shown to fail: conservation (`balances_sum_to_zero`) on the registered broken
//! transfer `network-one-sided`, through the command line, shrunk to one payment whose
//! printed replay runs as printed; `refused_payment_changes_nothing` and
//! `payment_within_limit` on broken variants of the network (a wrapper in this file); the
//! determinism laws on users that read something besides their stream; and every law
//! held by the network under every built-in rule and every network user.

#![cfg(feature = "cli")]

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::ThreadId;

use currents::catalog::Invariant;
use currents::draws::RngKind;
use currents::harness::{
    CellArgs, HarnessConfig, HarnessReport, ModelCell, ReplayInput, check_model, check_model_tape,
    check_model_tapes,
};
use currents::model::{Behaviour, CreditPolicy, Cx, Draw, Limit, Model, StepLimits};
use currents::network::{
    Alteration, Altered, NETWORK_LAWS, Network, NetworkCase, NetworkLaws, NetworkState,
    NetworkTapes, OneSided, Transfer, UniformPairs, network_cell, one_sided_registry, registry,
};
use currents::rand_core::Rng;
use currents::rules::{FixedBand, Static};
use currents::spec::Spec;
use currents::workbench::Workbench;

/// Runs the binary with `args`: its exit code and standard output.
fn currents(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some(), "killed: {stderr}");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// Runs `line` as printed, through a POSIX shell: its exit code.
fn run_as_printed(line: &str) -> i32 {
    let out = Command::new("sh").arg("-c").arg(line).output().unwrap();
    out.status.code().unwrap()
}

/// The state after `t` is paid on the genesis of `network`, every limit kept.
fn first_step(network: &Network, t: Transfer) -> NetworkState {
    let genesis = network.genesis();
    let limit = network.ledger(&genesis, 0).limit;
    let kept = Limit {
        value: limit,
        branch: "kept",
    };
    let limits = StepLimits::try_from_fn(network.members(&t), |_| Ok::<_, ()>(kept)).unwrap();
    network.step(&genesis, &(), &limits, t).unwrap()
}

/// The tape case that plays `payments` on `members` members with the genesis limit `limit`.
fn case(members: usize, limit: i64, payments: &[&str]) -> NetworkCase {
    let input = ReplayInput::Tape {
        cell: network_cell(members, limit),
        payments: payments.iter().map(|p| p.to_string()).collect(),
    };
    NetworkCase::from_replay(&input).unwrap()
}

fn config(seed: u64) -> HarnessConfig {
    HarnessConfig {
        policy: "static".to_owned(),
        n_runs: 3,
        n_steps: 300,
        seed,
        tape_cases: 96,
        threads: vec![2],
        ..HarnessConfig::default()
    }
}

fn cells<M: From<Network>, B: Clone>(user: B) -> Vec<ModelCell<M, B>> {
    [(2, 1), (3, 1), (5, 2)]
        .into_iter()
        .map(|(n, c)| ModelCell {
            cell: network_cell(n, c),
            model: M::from(Network::new(n, c).unwrap()),
            behaviour: user.clone(),
        })
        .collect()
}

/// The laws of `report` that were violated, in report order.
fn violated(report: &HarnessReport) -> Vec<&'static str> {
    report
        .invariants
        .iter()
        .filter(|r| r.violated())
        .map(|r| r.invariant.name())
        .collect()
}

#[test]
fn balances_sum_to_zero_catches_the_one_sided_transfer_shrunk_to_one_payment_that_passes() {
    let (code, out) = currents(&["check", "--model", "network-one-sided", "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let laws = report["invariants"].as_array().unwrap();
    let failing: Vec<&str> = laws
        .iter()
        .filter(|l| l["kind"] == "required" && l["status"] == "violated")
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["balances_sum_to_zero"], "{out}");
    let sum = laws
        .iter()
        .find(|l| l["name"] == "balances_sum_to_zero")
        .unwrap();
    let cx = &sum["counterexample"];
    assert_eq!(cx["source"], "tape", "{cx}");
    assert_eq!(cx["model"], "network-one-sided", "{cx}");
    assert_eq!(cx["step"], 1, "{cx}");
    // Shrunk to exactly one payment ...
    let tape = cx["tape"].as_array().unwrap();
    assert_eq!(tape.len(), 1, "{cx}");
    let t: Transfer = tape[0].as_str().unwrap().parse().unwrap();
    let members = cx["params"]["members"].as_u64().unwrap() as usize;
    let limit = cx["params"]["limit"].as_i64().unwrap();
    // ... that the network does not refuse: the payment moves units from genesis (the
    // payer within its limit), which the one-sided step then leaves undebited.
    let network = Network::new(members, limit).unwrap();
    let next = first_step(&network, t);
    assert!(!next.refused, "{t} on {members} members, limit {limit}");
    assert_eq!(next.balances[t.payer], -t.amount);
    assert_eq!(OneSided::from(network).name(), "network-one-sided");

    // The replay line runs as printed and shows the violation (exit 1) ...
    let line = cx["replay"].as_str().unwrap();
    assert!(line.starts_with(env!("CARGO_BIN_EXE_currents")), "{line}");
    assert!(line.contains("--invariant balances_sum_to_zero"), "{line}");
    assert_eq!(run_as_printed(line), 1, "{line}");
    // ... which the network itself does not have (exit 0): the same tape, the same cell.
    let on_network = line.replace("--model network-one-sided", "--model network");
    assert_ne!(on_network, line);
    assert_eq!(run_as_printed(&on_network), 0, "{on_network}");
}

#[test]
fn a_graph_users_cell_is_checked_and_its_counterexample_replays_as_printed() {
    // `credit-period` lowers limits under debt: `balance_within_limit` is a finding (exit 0)
    // on the Barabási–Albert cell `--user` and `--param` name, found in its seeded runs.
    let args = [
        "check",
        "--model",
        "network",
        "--policy",
        "credit-period",
        "--user",
        "barabasi-albert:m=3",
        "--param",
        "members=10",
        "--format",
        "json",
    ];
    let (code, out) = currents(&args);
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let cells = report["cells"].as_array().unwrap();
    assert!(
        cells.iter().all(|c| c["user"] == "barabasi-albert"),
        "{out}"
    );
    let law = report["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "balance_within_limit")
        .unwrap();
    assert_eq!(
        (&law["kind"], &law["status"]),
        (&"observed".into(), &"violated".into())
    );
    let line = law["first_in_runs"]["replay"].as_str().unwrap();
    for flag in [
        "--user barabasi-albert",
        "--param m=3",
        "--param members=10",
    ] {
        assert!(line.contains(flag), "{line}");
    }
    assert_eq!(run_as_printed(line), 1, "{line}");
}

#[test]
fn balances_sum_to_zero_shrinks_the_one_sided_transfer_to_one_payment_under_every_rule() {
    let (laws, tapes) = (NetworkLaws, NetworkTapes);
    for rule in one_sided_registry().rules() {
        let policy = rule.build_default();
        for seed in 0..3 {
            let config = HarnessConfig {
                policy: rule.name.to_owned(),
                ..config(seed)
            };
            let cells = cells::<OneSided, _>(UniformPairs::default());
            let report = check_model_tapes(&cells, &policy, &laws, &tapes, &config).unwrap();
            let table = report.to_table();
            assert!(!report.passed(), "{table}");
            assert_eq!(violated(&report), ["balances_sum_to_zero"], "{table}");
            let shrunk = report
                .invariant(Invariant::BALANCES_SUM_TO_ZERO)
                .counterexample
                .clone()
                .unwrap();
            // One payment, which the network does not refuse (whatever limit the rule sets
            // at step 1, the payment meets the genesis limit).
            let case = NetworkCase::from_replay(&shrunk.input).unwrap();
            let at = format!("{} seed {seed}: {shrunk:?}", rule.name);
            assert_eq!(case.transfers.len(), 1, "{at}");
            assert_eq!(shrunk.step, Some(1), "{at}");
            let t = case.transfers[0];
            let network = Network::new(2.max(t.payer.max(t.payee) + 1), case.limit).unwrap();
            assert!(!first_step(&network, t).refused, "{at}");
            // The case replays: on the one-sided model, not on the network.
            let found = check_model_tape::<OneSided, _, _, _>(&tapes, &case, &policy, &laws);
            let names: Vec<&str> = found.iter().map(|f| f.invariant.name()).collect();
            assert_eq!(names, ["balances_sum_to_zero"], "{at}");
            let on_network = registry().find(rule.name).unwrap().build_default();
            let clean = check_model_tape::<Network, _, _, _>(&tapes, &case, &on_network, &laws);
            assert!(clean.is_empty(), "{at}: {clean:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Broken variants of the network: `Altered` by an `Alteration` (the library's one wrapper).

/// A refused transfer between two members is still made (and still reported refused):
/// conservation holds, a refused payment changes balances.
#[derive(Default)]
struct MovesWhenRefused;

impl Alteration for MovesWhenRefused {
    const NAME: &'static str = "moves-when-refused";
    const SUMMARY: &'static str = "a refused transfer is made all the same";
    fn alter(&self, _: &Network, prev: &NetworkState, t: Transfer, next: &mut NetworkState) {
        if next.refused && t.payer != t.payee {
            next.balances[t.payer] = prev.balances[t.payer] - t.amount;
            next.balances[t.payee] = prev.balances[t.payee] + t.amount;
        }
    }
}

/// The payer may go one unit past its limit: a transfer the network refuses at −limit − 1
/// passes.
#[derive(Default)]
struct OnePastTheLimit;

impl Alteration for OnePastTheLimit {
    const NAME: &'static str = "one-past-the-limit";
    const SUMMARY: &'static str = "a payer may go one unit past its limit";
    fn alter(&self, network: &Network, prev: &NetworkState, t: Transfer, next: &mut NetworkState) {
        let limit = network.ledger(prev, t.payer).limit as i64;
        let after = prev.balances[t.payer] - t.amount;
        if next.refused && t.payer != t.payee && t.amount > 0 && after >= -limit - 1 {
            next.balances[t.payer] = after;
            next.balances[t.payee] = prev.balances[t.payee] + t.amount;
            next.refused = false;
        }
    }
}

#[test]
fn refused_payment_changes_nothing_catches_a_refused_transfer_that_is_made() {
    let (laws, tapes) = (NetworkLaws, NetworkTapes);
    // By hand: a negative amount is refused; made all the same, it conserves the balances
    // and keeps the payee (−1) within its limit (1), so this law alone is broken.
    let negative = case(2, 1, &["0>1:-1"]);
    let found =
        check_model_tape::<Altered<MovesWhenRefused>, _, _, _>(&tapes, &negative, &Static, &laws);
    let names: Vec<&str> = found.iter().map(|f| f.invariant.name()).collect();
    assert_eq!(names, ["refused_payment_changes_nothing"], "{found:?}");
    assert_eq!(found[0].step, Some(1));
    assert!(check_model_tape::<Network, _, _, _>(&tapes, &negative, &Static, &laws).is_empty());

    // The tape search finds it (a payment past the limit, refused and made) and shrinks it
    // to one payment the network refuses.
    let users = UniformPairs::default();
    let cells = cells::<Altered<MovesWhenRefused>, _>(users);
    let report = check_model_tapes(&cells, &Static, &laws, &tapes, &config(0)).unwrap();
    let law = report.invariant(NetworkLaws::REFUSED_PAYMENT_CHANGES_NOTHING);
    assert!(
        law.violations > 0 && law.tape_cases > 0,
        "{}",
        report.to_table()
    );
    assert!(!report.passed());
    let shrunk = law.counterexample.clone().unwrap();
    let case = NetworkCase::from_replay(&shrunk.input).unwrap();
    assert_eq!(case.transfers.len(), 1, "{shrunk:?}");
    let t = case.transfers[0];
    let network = Network::new(2.max(t.payer.max(t.payee) + 1), case.limit).unwrap();
    assert!(first_step(&network, t).refused, "{t}");
    assert!(!report.invariant(Invariant::BALANCES_SUM_TO_ZERO).violated());
}

#[test]
fn payment_within_limit_catches_a_payer_let_one_unit_past_its_limit() {
    let (laws, tapes) = (NetworkLaws, NetworkTapes);
    // By hand: limit 0, one unit paid: the network refuses it, the broken step lets the
    // payer go to −1.
    let one = case(2, 0, &["0>1:1"]);
    let found = check_model_tape::<Altered<OnePastTheLimit>, _, _, _>(&tapes, &one, &Static, &laws);
    let names: Vec<&str> = found.iter().map(|f| f.invariant.name()).collect();
    assert!(names.contains(&"payment_within_limit"), "{found:?}");
    assert!(!names.contains(&"balances_sum_to_zero"), "{found:?}");
    assert!(check_model_tape::<Network, _, _, _>(&tapes, &one, &Static, &laws).is_empty());

    // Under a rule that requires the law (fixed-band) the check fails, shrunk to one
    // payment; `static` observes it (V1 enforces nothing), so there it is a finding.
    let fixed_band = FixedBand {
        lower: 250,
        upper: None,
    };
    assert!(CreditPolicy::<Network>::observed_invariants(&fixed_band).is_empty());
    let users = UniformPairs::default();
    let cells = cells::<Altered<OnePastTheLimit>, _>(users);
    let required = HarnessConfig {
        policy: "fixed-band".to_owned(),
        ..config(0)
    };
    let report = check_model_tapes(&cells, &fixed_band, &laws, &tapes, &required).unwrap();
    let law = report.invariant(Invariant::PAYMENT_WITHIN_LIMIT);
    assert!(law.tape_cases > 0, "{}", report.to_table());
    assert!(!report.passed(), "{}", report.to_table());
    let shrunk = law.counterexample.clone().unwrap();
    let case = NetworkCase::from_replay(&shrunk.input).unwrap();
    assert_eq!(case.transfers.len(), 1, "{shrunk:?}");
    let observed = check_model_tapes(&cells, &Static, &laws, &tapes, &config(0)).unwrap();
    assert!(
        observed
            .invariant(Invariant::PAYMENT_WITHIN_LIMIT)
            .violated()
    );
    assert!(observed.passed(), "{}", observed.to_table());
}

// ---------------------------------------------------------------------------------------
// Determinism: users that read something besides the run's stream.

/// Every draw counted across the process: the amount is 2 every seventh draw, so a run
/// drawn again (at another count) differs.
static DRAWS: AtomicU64 = AtomicU64::new(0);

#[derive(Clone)]
struct Counting;

impl<M: Model<Payment = Transfer>> Behaviour<M> for Counting {
    type Memory = ();
    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, M>, rng: &mut R, m: &mut ()) -> Draw<Transfer> {
        let mut d = UniformPairs::default().draw(cx, rng, m);
        d.payment.amount = if DRAWS.fetch_add(1, Ordering::Relaxed).is_multiple_of(7) {
            2
        } else {
            1
        };
        d
    }
}

/// The amount is 2 off the thread the check was started on: one thread and another
/// thread count differ, two runs on one thread do not.
#[derive(Clone)]
struct ThreadBound {
    home: ThreadId,
}

impl<M: Model<Payment = Transfer>> Behaviour<M> for ThreadBound {
    type Memory = ();
    fn draw<R: Rng + ?Sized>(&self, cx: &Cx<'_, M>, rng: &mut R, m: &mut ()) -> Draw<Transfer> {
        let mut d = UniformPairs::default().draw(cx, rng, m);
        d.payment.amount = if std::thread::current().id() == self.home {
            1
        } else {
            2
        };
        d
    }
}

#[test]
fn same_seed_same_trajectory_catches_a_user_that_reads_a_global_counter() {
    let report = check_model(
        &cells::<Network, _>(Counting),
        &Static,
        &NetworkLaws,
        &config(0),
    )
    .unwrap();
    let law = report.invariant(Invariant::SAME_SEED_SAME_TRAJECTORY);
    assert!(law.violations > 0, "{}", report.to_table());
    assert!(!report.passed());
    let cx = law.counterexample.as_ref().unwrap();
    assert!(matches!(cx.input, ReplayInput::Runs { .. }), "{cx:?}");
    // The laws of each step still hold: the counter changes amounts, not conservation.
    assert!(!report.invariant(Invariant::BALANCES_SUM_TO_ZERO).violated());
}

#[test]
fn thread_count_does_not_change_output_catches_a_user_that_reads_its_thread() {
    let user = ThreadBound {
        home: std::thread::current().id(),
    };
    let report = check_model(
        &cells::<Network, _>(user),
        &Static,
        &NetworkLaws,
        &config(0),
    )
    .unwrap();
    assert_eq!(
        violated(&report),
        ["thread_count_does_not_change_output"],
        "{}",
        report.to_table()
    );
    assert!(!report.passed());
    let same = check_model(
        &cells::<Network, _>(UniformPairs::default()),
        &Static,
        &NetworkLaws,
        &config(0),
    )
    .unwrap();
    assert!(same.passed(), "{}", same.to_table());
}

// ---------------------------------------------------------------------------------------
// The network under every built-in rule and every user.

#[test]
fn every_law_holds_on_the_network_under_every_built_in_rule_and_user() {
    let bench = Workbench::builtin();
    let network = bench.find(Some("network")).unwrap();
    let one_sided = bench.find(Some("network-one-sided")).unwrap();
    let rules: Vec<&str> = registry().rules().iter().map(|r| r.name).collect();
    assert_eq!(rules, ["static", "fixed-band", "turnover", "credit-period"]);
    let users: Vec<&str> = registry().users().iter().map(|u| u.name).collect();
    let config = |user: &str| HarnessConfig {
        cells: vec![CellArgs {
            model: Some("network".to_owned()),
            user: Some(user.to_owned()),
            params: vec![
                ("members".to_owned(), "6".to_owned()),
                ("limit".to_owned(), "2".to_owned()),
            ],
        }],
        rngs: vec![RngKind::Chacha],
        n_runs: 4,
        n_steps: 400,
        tape_cases: 64,
        threads: vec![2],
        ..HarnessConfig::default()
    };
    for rule in &rules {
        for user in &users {
            let report = network.check(&Spec::rule(rule), &config(user)).unwrap();
            let table = report.to_table();
            assert!(report.passed(), "{rule} / {user}:\n{table}");
            let listed: Vec<Invariant> = report.invariants.iter().map(|r| r.invariant).collect();
            for law in NETWORK_LAWS.iter().chain(&[
                Invariant::PAYMENT_WITHIN_LIMIT,
                Invariant::SAME_SEED_SAME_TRAJECTORY,
                Invariant::THREAD_COUNT_DOES_NOT_CHANGE_OUTPUT,
            ]) {
                assert!(listed.contains(law), "{law}");
                // Held, not only passed: `static` observes the payment law, and the
                // network keeps it all the same.
                assert!(
                    !report.invariant(law).violated(),
                    "{rule} / {user}: {law}\n{table}"
                );
            }
            assert!(report.cells[0].steps > 0);
            // The same cell on the one-sided transfer fails, on conservation.
            let mut broken = config(user);
            broken.cells[0].model = Some("network-one-sided".to_owned());
            let report = one_sided.check(&Spec::rule(rule), &broken).unwrap();
            assert!(!report.passed(), "{rule} / {user}");
            assert!(report.invariant(Invariant::BALANCES_SUM_TO_ZERO).violated());
        }
    }
}
