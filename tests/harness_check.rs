//! The harness as a whole: V1 passes with its declared findings, a broken rule fails with a
//! shrunk counterexample whose replay reproduces it, an unreached goal fails the suite, and
//! `currents check` / `currents replay` keep their exit codes.

use std::process::{Command, Output};

use currents::catalog::{Invariant, InvariantKind};
use currents::draws::RngKind;
use currents::harness::{Goal, HarnessConfig, ReplayInput};
use currents::model::{CreditError, CreditPolicy, Cx, Limit};
use currents::numeric::pairwise_sum;
use currents::registry::Registry;
use currents::v1::HistoryView;
use currents::v1::V1;
use currents::v1::harness::{V1Laws, cell_of, check_rule, check_rule_with, replay};
use currents::v1::{ExactHistory, History, State, V1Rule};

fn small() -> HarnessConfig {
    HarnessConfig {
        n_runs: 3,
        n_steps: 200,
        tape_cases: 128,
        ..HarnessConfig::default()
    }
}

/// A deliberately broken rule: after the warm-up the credit drops by 100 a step, through 0.
struct Decaying;

impl<H: History> CreditPolicy<V1<H>> for Decaying {
    type Memory = ();
    fn limit(&self, cx: &Cx<'_, V1<H>>, _: &mut ()) -> Result<Limit, CreditError> {
        let credit = cx.prev.credit as f64;
        Ok(if cx.prev.n_transactions < 7 {
            Limit {
                value: credit,
                branch: "warm-up",
            }
        } else {
            Limit {
                value: credit - 100.0,
                branch: "decay",
            }
        })
    }
    fn branches(&self) -> &'static [&'static str] {
        &["warm-up", "decay"]
    }
}

#[test]
fn v1_keeps_every_required_invariant_and_reaches_every_goal() {
    let report = check_rule(&V1Rule::default(), &HarnessConfig::default()).unwrap();
    assert!(report.passed(), "{}", report.to_table());
    let findings: Vec<Invariant> = report
        .invariants
        .iter()
        .filter(|r| r.violated())
        .map(|r| r.invariant)
        .collect();
    assert_eq!(
        findings,
        [
            V1Laws::CAPACITY_IS_BALANCE_PLUS_CREDIT,
            Invariant::PAYMENT_WITHIN_LIMIT,
            Invariant::BALANCE_WITHIN_LIMIT,
            V1Laws::CREDIT_MONOTONE_IN_IMBALANCE
        ]
    );
    for inv in findings {
        let r = report.invariant(inv);
        assert_eq!(r.kind, InvariantKind::Observed);
        assert!(r.counterexample.is_some(), "{inv} has no counterexample");
    }
    assert!(report.goals.iter().all(|g| g.reached()));
}

#[test]
fn broken_rule_fails_with_a_shrunk_tape_that_replays() {
    let report = check_rule(&Decaying, &small()).unwrap();
    assert!(!report.passed());
    let r = report.invariant(Invariant::CREDIT_NON_NEGATIVE);
    assert_eq!(r.kind, InvariantKind::Required);
    assert!(r.tape_cases > 0);
    let cx = r.counterexample.as_ref().expect("a counterexample");
    // Credit 250 → 150 → 50 → −50: the 10th step is the first with a negative credit, and
    // the simplest tape reaching it is ten zero amounts.
    assert_eq!(cx.step, Some(10));
    match &cx.input {
        ReplayInput::Tape { payments, .. } => assert_eq!(payments, &vec!["0.0"; 10]),
        other => panic!("expected a tape, got {other:?}"),
    }
    let again = replay::<_, ExactHistory>(&Decaying, &cx.input, 0.0).unwrap();
    assert!(
        cx.detail.starts_with("credit(10) = -50 < 0 (decay branch"),
        "{cx:?}"
    );
    assert!(
        again
            .iter()
            .any(|f| f.invariant == Invariant::CREDIT_NON_NEGATIVE && f.step == Some(10)),
        "{again:?}"
    );
}

#[test]
fn replay_commands_start_with_the_configured_program() {
    let cx = |bin: Option<&str>| {
        let mut config = HarnessConfig {
            policy: "decaying".to_owned(),
            ..small()
        };
        if let Some(bin) = bin {
            config.bin = bin.to_owned();
        }
        let report = check_rule(&Decaying, &config).unwrap();
        let r = report.invariant(Invariant::CREDIT_NON_NEGATIVE);
        let line = r
            .counterexample
            .as_ref()
            .unwrap()
            .replay_command_in(&config.bin, "decaying");
        assert!(report.to_table().contains(&line), "the table prints {line}");
        line
    };
    let default = cx(None);
    assert!(
        default.starts_with("currents replay --policy decaying --invariant credit_non_negative "),
        "{default}"
    );
    let own = cx(Some("target/release/my-currency"));
    assert!(
        own.starts_with("target/release/my-currency replay --policy decaying "),
        "{own}"
    );
    // A name a shell would split is quoted, so the line still runs as printed.
    let spaced = cx(Some("/opt/my tools/it's"));
    assert!(
        spaced.starts_with("'/opt/my tools/it'\\''s' replay "),
        "{spaced}"
    );
}

#[test]
fn a_goal_never_reached_fails_the_suite() {
    // Integrity 1 never takes the integrity path, and without tapes no history is ever
    // free of received payments: two goals stay unreached.
    let config = HarnessConfig {
        cells: vec![cell_of(&currents::v1::Params::default())],
        rngs: vec![RngKind::Numpy],
        tape_cases: 0,
        ..small()
    };
    let report = check_rule(&V1Rule::default(), &config).unwrap();
    assert!(report.required_violations().next().is_none());
    let unreached: Vec<Goal> = report.unreached_goals().map(|g| g.goal).collect();
    assert_eq!(
        unreached,
        [Goal::Branch("zero-send-volume"), Goal::Path("integrity")]
    );
    assert!(!report.passed());
    assert!(
        report
            .to_table()
            .contains("FAIL: branch:zero-send-volume, path:integrity")
    );
}

/// A history that keeps running sums (O(1) per step): its balance mean differs from
/// numpy's pairwise mean in the last bits.
#[derive(Default, Clone)]
struct Running {
    n: usize,
    balance_sum: f64,
    send_volume_sum: f64,
    positives: Vec<i64>,
}

impl History for Running {
    fn for_run(_: u64, _: u64) -> Self {
        Running::default()
    }
    fn push(&mut self, s: &State) {
        self.n += 1;
        self.balance_sum += s.balance;
        self.send_volume_sum += s.send_volume as f64;
        if s.transaction > 0 {
            self.positives.push(s.transaction);
        }
    }
    fn view(&self, sum_volume: u64) -> HistoryView {
        let k = (sum_volume as usize).min(self.positives.len());
        HistoryView {
            balance_mean: self.balance_sum / self.n as f64,
            send_volume_mean: self.send_volume_sum / self.n as f64,
            send_volume_window: self.positives[self.positives.len() - k..].iter().sum(),
        }
    }
    fn len(&self) -> usize {
        self.n
    }
}

#[test]
fn averages_are_history_means_exact_for_numpy_engine_within_tolerance_for_running_sums() {
    // Sanity: the running sum really differs from the pairwise one on such data.
    let v: Vec<f64> = (0..300)
        .map(|i| (f64::from(i) * 0.7).sin() * 1234.5)
        .collect();
    assert_ne!(pairwise_sum(&v), v.iter().fold(0.0, |a, b| a + b));

    let exact = HarnessConfig {
        tape_cases: 0,
        ..small()
    };
    let report = check_rule_with::<_, Running>(&V1Rule::default(), &exact).unwrap();
    assert!(
        report
            .invariant(V1Laws::AVERAGES_ARE_HISTORY_MEANS)
            .violated()
    );
    let tolerant = HarnessConfig {
        mean_tolerance: 1e-12,
        ..exact
    };
    let report = check_rule_with::<_, Running>(&V1Rule::default(), &tolerant).unwrap();
    assert!(
        !report
            .invariant(V1Laws::AVERAGES_ARE_HISTORY_MEANS)
            .violated()
    );
}

fn currents(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(args)
        .output()
        .expect("run currents")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs a replay command line printed by `check` as printed: it starts with the program
/// that printed it.
fn run_replay(line: &str) -> Output {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], env!("CARGO_BIN_EXE_currents"), "{line}");
    Command::new(words[0])
        .args(&words[1..])
        .output()
        .expect("run the replay command")
}

fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["check", "--format", "json", "--runs", "3", "--steps", "200"];
    all.extend_from_slice(args);
    let out = currents(&all);
    let json = serde_json::from_slice(&out.stdout).expect("check prints JSON");
    (out.status.code().unwrap_or(-1), json)
}

fn invariant<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap()
}

#[test]
fn check_on_v1_exits_0_and_its_findings_replay() {
    let (code, json) = check_json(&[]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["policy"], "currents-v1");
    for name in ["payment_within_limit", "credit_monotone_in_imbalance"] {
        let inv = invariant(&json, name);
        assert_eq!(inv["kind"], "observed");
        assert_eq!(inv["status"], "violated");
        let line = inv["counterexample"]["replay"].as_str().unwrap();
        let out = run_replay(line);
        assert_eq!(out.status.code(), Some(1), "{line}");
        assert!(stdout(&out).starts_with(&format!("violated: {name} (observed)")));
    }
    let holds = invariant(&json, "credit_non_negative");
    assert_eq!(
        (&holds["status"], &holds["violations"]),
        (&"holds".into(), &0.into())
    );
}

#[test]
fn check_on_a_broken_policy_exits_1_with_a_replayable_shrunk_tape() {
    let (code, json) = check_json(&["--policy", "v1-no-fallback"]);
    assert_eq!(code, 1);
    let inv = invariant(&json, "credit_non_negative");
    assert_eq!(
        (&inv["kind"], &inv["status"]),
        (&"required".into(), &"violated".into())
    );
    let cx = &inv["counterexample"];
    assert_eq!(cx["source"], "tape");
    // The quadratic branch starts at step 31 (n = sumVolume = 30): no shorter tape can
    // produce a negative quadratic credit.
    assert_eq!(cx["tape"].as_array().unwrap().len(), 31);
    let out = run_replay(cx["replay"].as_str().unwrap());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("violated: credit_non_negative (required) at step 31"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn replay_exits_0_when_the_invariant_holds_on_the_input() {
    let out = currents(&[
        "replay",
        "--invariant",
        "payment_within_limit",
        "--tape=-250,10",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "holds: payment_within_limit on this input\n");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_field() {
    let cases: [(&[&str], &str); 6] = [
        (&["check", "--runs", "0"], "--runs"),
        (&["check", "--format", "xml"], "table or json"),
        (
            &["check", "--policy", "v9"],
            "currents-v1, static, fixed-band, turnover, credit-period, v1-strict, v1-no-fallback",
        ),
        (&["replay", "--tape=1,abc"], "`tape`"),
        (&["replay", "--tape=1e9"], "`tape`"),
        (
            &["replay", "--invariant", "nope", "--tape=1"],
            "payment_within_limit",
        ),
    ];
    for (args, needle) in cases {
        let out = currents(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// Every rule of the built-in registry gets a report from the harness (small runs, no
/// tapes): V1's rule passes, the deliberately broken one fails, and only V1's rules are
/// probed as rules of the imbalance.
#[test]
fn every_builtin_rule_is_checked() {
    let mut names = Vec::new();
    for entry in Registry::<V1>::builtin().rules() {
        let config = HarnessConfig {
            policy: entry.name.to_owned(),
            n_runs: 2,
            n_steps: 100,
            tape_cases: 64,
            tape_len_max: 60,
            threads: vec![2],
            probe_rule: entry.probed,
            ..HarnessConfig::default()
        };
        let report = check_rule(&entry.build_default(), &config).unwrap();
        assert_eq!(report.policy, entry.name);
        assert_eq!(report.cells.len(), 10, "{}", entry.name);
        assert!(report.cells.iter().all(|c| c.steps > 0), "{}", entry.name);
        assert_eq!(
            report.get(V1Laws::CREDIT_MONOTONE_IN_IMBALANCE).is_some(),
            entry.probed,
            "{}",
            entry.name
        );
        // Every branch the rule declares is a goal.
        let branch_goals = report
            .goals
            .iter()
            .filter(|g| matches!(g.goal, Goal::Branch(_)))
            .count();
        assert_eq!(
            branch_goals,
            currents::model::CreditPolicy::<V1>::branches(&entry.build_default()).len()
        );
        match entry.name {
            "currents-v1" => assert!(report.passed(), "{}", report.to_table()),
            "v1-no-fallback" => {
                assert!(!report.passed());
                assert!(report.invariant(Invariant::CREDIT_NON_NEGATIVE).violated());
            }
            _ => {}
        }
        names.push(entry.name);
    }
    assert_eq!(names.len(), 7, "{names:?}");
}
