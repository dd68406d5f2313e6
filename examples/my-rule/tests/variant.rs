//! The variant model (src/variant/) checked as a user checks their model: its laws
//! directly on seeded trajectories, through the invariant harness (its own laws and tapes,
//! shrinking), a sweep, a compare against itself and against V1, and a CSV snapshot.

use std::convert::Infallible;

use currents::catalog::Invariant;
use currents::draws::RngKind;
use currents::harness::{CellArgs, ReplayInput};
use currents::model::{CreditPolicy, Flow, Observer, Plan, StepEvent, Streams};
use currents::rules::Rule;
use my_rule::variant::{
    VARIANT_LAWS, VariantLaws, VariantModel, VariantRule, VariantState, VariantTapes,
    VariantUser, variant_model, variant_user,
};

/// Collects every state with the payment applied to reach it (0 for genesis).
#[derive(Default)]
struct Collect(Vec<(VariantState, f64)>);

impl Observer<VariantModel> for Collect {
    type Error = Infallible;
    fn genesis(&mut self, s: &VariantState) -> Result<(), Infallible> {
        self.0.push((*s, 0.0));
        Ok(())
    }
    fn step(&mut self, e: &StepEvent<'_, VariantModel>) -> Result<Flow, Infallible> {
        self.0.push((*e.next, e.applied));
        Ok(Flow::Continue)
    }
}

/// Run `run` of seed `seed` (ChaCha) with `policy` and `user` on the default model.
fn trajectory<P: CreditPolicy<VariantModel>>(
    policy: &P,
    user: &VariantUser,
    seed: u64,
    run: u64,
    n_steps: u64,
) -> Vec<(VariantState, f64)> {
    let mut out = Collect::default();
    let model = variant_model(10, -500);
    match Streams::new(RngKind::Chacha, seed).run(run, &model, policy, user, n_steps, &mut out) {
        Ok(()) => out.0,
        Err(e) => panic!("seed {seed} run {run}: {e}"),
    }
}

/// A plan of the variant: its model (window 10, limit −500), `rule` and `user`.
fn variant_plan(
    rule: VariantRule,
    user: VariantUser,
) -> Plan<VariantModel, VariantRule, VariantUser> {
    Plan {
        model: variant_model(10, -500),
        policy: rule,
        behaviour: user,
    }
}

use currents::compare::{CompareConfig, SideLabel, compare_plans};
use currents::harness::{
    HarnessConfig, ModelCell, ReplayFinding, check_model, check_model_tape, check_model_tapes,
    replay_cell,
};
use currents::metrics::NAMES;
use currents::registry::{Registry, generic_rules};
use currents::sweep::sweep_plans;
use currents::v1::NotebookUser;
use currents::v1::V1;

fn user(clamp: bool) -> VariantUser {
    variant_user(100.0, 0.5, clamp)
}

/// Consecutive (prev, next, applied payment) triples of runs 1…5, 365 steps.
fn steps(clamp: bool) -> Vec<(VariantState, VariantState, f64)> {
    (1..=5)
        .flat_map(|run| {
            let states = trajectory(&VariantRule::default(), &user(clamp), 7, run, 365);
            let pairs = states.windows(2).map(|w| (w[0].0, w[1].0, w[1].1));
            pairs.collect::<Vec<_>>()
        })
        .collect()
}

fn compare_config() -> CompareConfig {
    CompareConfig {
        seed: 3,
        min_change: 0.05,
        ..CompareConfig::default()
    }
}

fn cells(clamp: bool) -> Vec<ModelCell<VariantModel, VariantUser>> {
    let cell = |avg: f64, integrity: f64| ModelCell {
        cell: CellArgs {
            model: Some("variant".to_owned()),
            user: Some("variant-user".to_owned()),
            params: vec![
                ("avg-amount".to_owned(), format!("{avg:?}")),
                ("integrity".to_owned(), format!("{integrity:?}")),
                ("clamp".to_owned(), u8::from(clamp).to_string()),
            ],
        },
        model: variant_model(10, -500),
        behaviour: variant_user(avg, integrity, clamp),
    };
    vec![cell(100.0, 0.5), cell(250.0, 0.9)]
}

#[test]
fn the_harness_checks_the_variants_laws_and_shrinks_an_overdraft() {
    let config = HarnessConfig {
        policy: VariantRule::NAME.to_owned(),
        n_runs: 3,
        tape_cases: 128,
        ..HarnessConfig::default()
    };
    let (rule, laws) = (VariantRule::default(), VariantLaws);
    let clamped = check_model(&cells(true), &rule, &laws, &config).unwrap();
    let free = check_model_tapes(&cells(false), &rule, &laws, &VariantTapes, &config).unwrap();
    // The report lists the variant's laws under their names, after the first two
    // generic ones; clamped or not, they hold.
    for report in [&clamped, &free] {
        let listed: Vec<Invariant> = report.invariants.iter().map(|r| r.invariant).collect();
        assert_eq!(listed[2..6], VARIANT_LAWS);
        for law in VARIANT_LAWS {
            assert!(!report.invariant(law).violated(), "{}", report.to_table());
        }
    }
    // Without the clamp, payments cross the previous limit; the tape search shrinks
    // that to a tape ending one unit past the genesis limit (500), and it replays.
    let within = free.invariant(Invariant::PAYMENT_WITHIN_LIMIT);
    let violated_at = |found: Vec<ReplayFinding>, step| {
        let within = |f: &ReplayFinding| f.invariant == Invariant::PAYMENT_WITHIN_LIMIT;
        assert!(
            found.iter().any(|f| within(f) && f.step == step),
            "{found:?}"
        );
    };
    let shrunk = within.counterexample.as_ref().unwrap();
    let ReplayInput::Tape { payments, .. } = &shrunk.input else {
        panic!("expected a tape, got {shrunk:?}");
    };
    let tape: Vec<f64> = payments.iter().map(|p| p.parse().unwrap()).collect();
    assert_eq!(shrunk.step, Some(tape.len() as u64));
    assert_eq!(tape.iter().sum::<f64>(), -501.0, "{shrunk:?}");
    let found = check_model_tape(&VariantTapes, &tape, &rule, &laws);
    violated_at(found, shrunk.step);
    // The first violation of the seeded runs replays on its cell, at the same step.
    let run = within.first_in_runs.as_ref().unwrap();
    let ReplayInput::Seeded { cell, .. } = &run.input else {
        panic!("expected a cell's run, got {run:?}");
    };
    let cells = cells(false);
    let cell = cells.iter().find(|c| &c.cell == cell).unwrap();
    violated_at(replay_cell(cell, &rule, &laws, &run.input), run.step);
}

#[test]
fn sweep_with_zero_gain_keeps_the_limit_and_is_the_same_on_any_thread_count() {
    let rules = [0.0, 2.0].map(|gain| VariantRule {
        gain,
        ..VariantRule::default()
    });
    let plans = rules.map(|r| variant_plan(r, user(true)));
    let sweep = |threads| sweep_plans(&plans, 9, 8, 365, threads, None, &|| {}).unwrap();
    let one = sweep(1);
    assert_eq!(one, sweep(2));
    let credit_final = NAMES.iter().position(|n| *n == "credit_final").unwrap();
    // gain 0: the limit never moves from its magnitude 500 (inside [100, 1000]).
    assert_eq!(one[0].spreads[credit_final].mean, 500.0);
    assert_ne!(one[1].spreads[credit_final].mean, 500.0);
}

#[test]
fn compare_finds_no_change_against_itself_and_a_change_against_v1() {
    let cfg = compare_config();
    let plan = variant_plan(VariantRule::default(), user(true));
    let label = SideLabel::of_policy("variant", VariantRule::NAME, &plan.policy);
    let same = compare_plans(&label, &plan, &label, &plan, &cfg);
    assert!(!same.changed(), "{}", same.verdict());
    // V1 with the notebook's rule and user on the same streams (common random numbers).
    let params = currents::v1::Params::default();
    let v1 = Plan {
        model: V1::<currents::v1::ExactHistory>::new(&params),
        policy: currents::v1::V1Rule::default(),
        behaviour: NotebookUser::from_params(&params),
    };
    let v1_label = SideLabel::of_policy::<V1, _>("v1", "currents-v1", &v1.policy);
    let report = compare_plans(&v1_label, &v1, &label, &plan, &cfg);
    assert!(report.changed(), "{}", report.verdict());
}

#[test]
fn first_steps_are_stable() {
    use currents::trajectory_csv::{CsvRows, write_model_header};
    let model = variant_model(10, -500);
    let mut csv = Vec::new();
    write_model_header(&mut csv, &model).unwrap();
    let mut rows = CsvRows::new(&model, &mut csv, 0, 1);
    let rule = VariantRule::default();
    Streams::new(RngKind::Chacha, 42)
        .run(1, &model, &rule, &user(true), 24, &mut rows)
        .unwrap();
    let table = String::from_utf8(csv).unwrap();
    insta::with_settings!({
        snapshot_path => "snapshots",
        prepend_module_to_snapshot => false,
        description => "the variant (src/variant/): ChaCha seed 42, run 1, integrity 0.5, clamp on",
        omit_expression => true,
    }, {
        insta::assert_snapshot!("variant_first_steps", table);
    });
}

#[test]
fn balance_is_previous_balance_plus_payment_rounded() {
    use currents::numeric::round_half_even;
    for (prev, next, paid) in steps(false) {
        assert_eq!(
            Some(next.balance),
            round_half_even(prev.balance as f64 + paid)
        );
        assert_eq!(next.payment, next.balance - prev.balance);
    }
}

#[test]
fn credit_limit_is_never_positive_and_capacity_is_balance_minus_it() {
    for (_, s, _) in steps(false) {
        assert!(s.credit_limit <= 0, "{s:?}");
        assert_eq!(s.capacity, s.balance - s.credit_limit);
    }
}

#[test]
fn limit_is_initial_during_warm_up_and_within_bounds_after() {
    let rule = VariantRule::default();
    for (prev, next, _) in steps(false) {
        let magnitude = -next.credit_limit as f64;
        if prev.n_transactions < rule.warmup {
            assert_eq!(magnitude, 500.0);
        } else {
            assert!(
                (rule.limit_min..=rule.limit_max).contains(&magnitude),
                "{next:?}"
            );
        }
    }
}

#[test]
fn clamp_never_sends_past_the_previous_limit() {
    for (prev, next, _) in &steps(true) {
        assert!(
            next.balance >= prev.credit_limit.min(prev.balance),
            "{next:?}"
        );
    }
}

/// The limit can shrink under a balance (capacity < 0), so a clamped user can still be
/// below the previous limit at the end of a step, having sent nothing.
#[test]
fn clamped_balance_can_stay_below_a_shrunk_limit() {
    assert!(
        steps(true)
            .iter()
            .any(|(p, n, _)| n.balance < p.credit_limit)
    );
}

#[test]
fn without_clamp_payments_cross_the_previous_limit() {
    let crossed = steps(false)
        .iter()
        .filter(|(p, n, _)| n.payment < 0 && n.balance < p.credit_limit.min(p.balance))
        .count();
    assert!(crossed > 0);
}

#[test]
fn send_volume_out_sums_the_last_k_outgoing_payments() {
    let states = trajectory(&VariantRule::default(), &user(false), 7, 1, 365);
    let mut outgoing = Vec::new();
    for (s, _) in &states {
        if s.payment < 0 {
            outgoing.push(-s.payment);
        }
        let last_k = &outgoing[outgoing.len().saturating_sub(10)..];
        assert_eq!(s.send_volume_out, last_k.iter().sum::<i64>());
    }
}

#[test]
fn means_are_numpy_means_of_the_series() {
    let states = trajectory(&VariantRule::default(), &user(false), 7, 1, 365);
    for t in 0..states.len() {
        let series = |f: fn(&VariantState) -> i64| -> Vec<f64> {
            states[..=t].iter().map(|(s, _)| f(s) as f64).collect()
        };
        let (s, _) = states[t];
        assert_eq!(
            s.avg_balance,
            currents::numeric::numpy_mean(&series(|s| s.balance))
        );
        let volume = series(|s| s.send_volume_out);
        assert_eq!(
            s.avg_send_volume_out,
            currents::numeric::numpy_mean(&volume)
        );
    }
}

#[test]
fn same_seed_same_trajectory() {
    let rule = VariantRule::default();
    let a = trajectory(&rule, &user(true), 3, 2, 200);
    assert_eq!(a, trajectory(&rule, &user(true), 3, 2, 200));
    assert_ne!(a, trajectory(&rule, &user(true), 4, 2, 200));
}

#[test]
fn every_registered_rule_runs_on_the_variant_and_its_clamp_holds() {
    let registry = generic_rules(Registry::<VariantModel>::new().rule::<VariantRule>());
    assert_eq!(registry.rules().len(), 5);
    for entry in registry.rules() {
        // A rule's clamp reaches the user through `Model::enforce`, not the behaviour.
        let clamps = entry.enforcement().mode == currents::model::Enforce::Clamp;
        let states = trajectory(&entry.build_default(), &user(false), 1, 1, 365);
        for w in states.windows(2) {
            let ((p, _), (n, _)) = (w[0], w[1]);
            assert!(n.credit_limit <= 0, "{}: {n:?}", entry.name);
            let sent_past = n.balance < p.credit_limit.min(p.balance);
            assert!(!(clamps && sent_past), "{}: {p:?} -> {n:?}", entry.name);
        }
    }
}
