//! The network at scale, one law per test: the run loop's O(1) step (`Model::step_into`)
//! gives what the step that builds a whole state (`Model::step`) gives, after any sequence
//! of transfers and limits; a run loop interrupted by failing observers steps as one that
//! builds every state; the engine that folds a summary with one state stepped in place
//! gives the run loop's fold bit for bit; and a million members fit where no row per state
//! is written, while a trajectory refuses them naming `members`.
//!
//! Cases per property: `CURRENTS_CASES` (default 256); seed: `CURRENTS_SEED`. Shrunk
//! failures are kept in `proptest-regressions/network_scale.txt`.

mod common;

use std::convert::Infallible;

use currents::draws::RngKind;
use currents::model::{
    CreditPolicy, Flow, Limit, Model, Observer, StepEvent, StepLimits, Stepper, Streams,
};
use currents::network::{
    Alteration, Altered, Network, NetworkState, Transfer, UniformPairs, registry,
};
use currents::params::defaults;
use currents::registry::Runs;
use currents::rules::{CreditPeriod, FixedBand, Rule, Static, Turnover};
use currents::spec::{Limits, Spec};
use currents::workbench::Workbench;
use proptest::prelude::*;

const REGRESSIONS: &str = "proptest-regressions/network_scale.txt";

/// One generated step: a transfer (its payer and payee among the members or one past
/// them, any amount) and the limit value each of its members is set to.
#[derive(Debug, Clone)]
struct GenStep {
    transfer: Transfer,
    limits: (f64, f64),
    /// True when the step's observers fail, so that the run loop discards it.
    discarded: bool,
}

/// Limit values with ties at one half (rounded to even), a value too large for an integer
/// (an error), and ordinary ones.
fn limit_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..6).prop_map(f64::from),
        (0u32..8).prop_map(|k| f64::from(k) + 0.5),
        0.0f64..10.0,
        Just(1e19),
    ]
}

fn gen_step(members: usize) -> impl Strategy<Value = GenStep> {
    (
        0..=members,
        0..=members,
        prop_oneof![
            Just(1i64),
            Just(2),
            Just(0),
            Just(-1),
            Just(5),
            Just(i64::MAX)
        ],
        limit_value(),
        limit_value(),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(payer, payee, amount, a, b, discarded)| GenStep {
            transfer: Transfer {
                payer,
                payee,
                amount,
            },
            limits: (a, b),
            discarded,
        })
}

/// The limits a step of `model` sets: the first member's `a`, the second's `b`.
fn step_limits(model: &Network, t: Transfer, (a, b): (f64, f64)) -> StepLimits {
    let members = model.members(&t);
    let first = members.as_slice()[0];
    StepLimits::try_from_fn(members, |m| {
        Ok::<_, Infallible>(Limit {
            value: if m == first { a } else { b },
            branch: "generated",
        })
    })
    .unwrap_or_else(|e| match e {})
}

/// The law behind `Network::step_into`: with the run loop's contract — the state it writes
/// into holds the state before `prev`, or a copy of `prev` after any failed or discarded
/// step — `step_into` leaves in it exactly what `step` returns, and fails exactly when and
/// as `step` fails, after any sequence of transfers (to oneself, of no amount, past the
/// limit, to a member that does not exist) and limits (ties, ones too large to store), with
/// members leaving or not (`leave-after` 0 … 3: the leavers' seats, the lost credit and
/// the attribution compared too, floats bit for bit).
#[test]
fn step_into_after_any_sequence_equals_step() {
    let cases = (2usize..7, 0i64..4, 0u32..4).prop_flat_map(|(members, limit, leave)| {
        (
            Just(members),
            Just(limit),
            Just(leave),
            prop::collection::vec(gen_step(members), 1..80),
        )
    });
    proptest!(common::proptest_config(REGRESSIONS), |((members, limit, leave, steps) in cases)| {
        let model = Network::new(members, limit).unwrap().leaving(leave).unwrap();
        let mut prev = model.genesis();
        let mut spare = prev.clone();
        let mut stale = false;
        for (i, s) in steps.iter().enumerate() {
            let limits = step_limits(&model, s.transfer, s.limits);
            let built = model.step(&prev, &(), &limits, s.transfer);
            if stale {
                spare.clone_from(&prev);
            }
            let written = model.step_into(&prev, &(), &limits, s.transfer, &mut spare);
            match (built, written) {
                (Ok(next), Ok(())) => {
                    prop_assert_eq!(&spare, &next, "step {}: {:?}", i, s);
                    if s.discarded {
                        stale = true;
                    } else {
                        std::mem::swap(&mut prev, &mut spare);
                        stale = false;
                    }
                }
                (Err(a), Err(b)) => {
                    prop_assert_eq!(a, b, "step {}", i);
                    stale = true;
                }
                (a, b) => prop_assert!(false, "step {}: step {:?}, step_into {:?}", i, a, b),
            }
        }
    });
}

/// The network with `step` only: every other method the network's, `step_into` the
/// default (the state built by `step`, moved in) — the network `Altered` by nothing.
#[derive(Default)]
struct Unaltered;

impl Alteration for Unaltered {
    const NAME: &'static str = "by-step";
    const SUMMARY: &'static str = "the network's step, through Model::step";
    fn alter(&self, _: &Network, _: &NetworkState, _: Transfer, _: &mut NetworkState) {}
}

type ByStep = Altered<Unaltered>;

/// An observer that records every state it is handed and fails at the steps `fail` says.
struct Failing<'a, S> {
    fail: &'a [bool],
    seen: Vec<(u64, S, S)>,
}

impl<M: Model> Observer<M> for Failing<'_, M::State> {
    type Error = ();
    fn step(&mut self, e: &StepEvent<'_, M>) -> Result<Flow, ()> {
        self.seen.push((e.t, e.prev.clone(), e.next.clone()));
        let k = self.seen.len() - 1;
        if self.fail.get(k).copied().unwrap_or(false) {
            Err(())
        } else {
            Ok(Flow::Continue)
        }
    }
}

/// Runs `policy` on the network and on [`ByStep`] side by side, both stepped `fail.len()`
/// times on the same draws, their observers failing at the same steps: the same states
/// are handed to both, step after step.
fn interrupted<P>(policy: &P, net: Network, fail: &[bool], seed: u64) -> Result<(), TestCaseError>
where
    P: CreditPolicy<Network> + CreditPolicy<ByStep>,
{
    let by_step = ByStep::from(net);
    let user = UniformPairs::default();
    let n = fail.len() as u64;
    let mut a = Stepper::new(&net, policy, &user, n);
    let mut b = Stepper::new(&by_step, policy, &user, n);
    let mut oa = Failing {
        fail,
        seen: Vec::new(),
    };
    let mut ob = Failing {
        fail,
        seen: Vec::new(),
    };
    let mut ra = currents::draws::chacha_rng(seed, 0, 1);
    let mut rb = currents::draws::chacha_rng(seed, 0, 1);
    for _ in 0..n {
        let x = a.step(&mut ra, &mut oa).is_ok();
        let y = b.step(&mut rb, &mut ob).is_ok();
        prop_assert_eq!(x, y);
    }
    prop_assert!(oa.seen.len() == fail.len());
    prop_assert_eq!(&oa.seen, &ob.seen);
    prop_assert_eq!(a.state(), b.state());
    Ok(())
}

/// A generic rule at its declared defaults.
fn at_defaults<R: Rule>() -> R {
    R::from_values(&defaults(R::PARAMS))
}

/// The law behind the run loop's spare state (`Stepper`): a run whose observers fail at
/// any steps — each failure leaves the run at its previous state, and the next step starts
/// from a copy of it — hands its observers the same states, step after step, as a run of
/// the network's `step` alone (a new state built every step), under every generic rule,
/// with members leaving or not.
#[test]
fn a_run_interrupted_by_failing_observers_steps_as_one_that_builds_every_state() {
    assert_eq!(registry().rules().len(), 4, "every generic rule below");
    let cases = (
        2usize..8,
        0i64..4,
        prop::collection::vec(prop::bool::weighted(0.15), 1..200),
        any::<u64>(),
        0u32..4,
    );
    proptest!(common::proptest_config(REGRESSIONS), |((members, limit, fail, seed, leave) in cases)| {
        let net = Network::new(members, limit).unwrap().leaving(leave).unwrap();
        interrupted(&Static, net, &fail, seed)?;
        interrupted(&at_defaults::<FixedBand>(), net, &fail, seed)?;
        interrupted(&at_defaults::<Turnover>(), net, &fail, seed)?;
        interrupted(&at_defaults::<CreditPeriod>(), net, &fail, seed)?;
    });
}

/// The law behind the network's engine: a summary fold stepped with one state in place
/// (its user's draws made ahead, its ledgers fetched ahead) is the run loop's fold with
/// `SummaryFold` as its observer, bit for bit — every figure, under every generic rule,
/// for runs shorter and longer than the engine's look-ahead, on both generator families,
/// with members leaving (`leave-after` 1 and 3) or not (0).
#[test]
fn the_in_place_fold_is_the_run_loops_fold_bit_for_bit() {
    let bench = Workbench::builtin();
    let reg = registry();
    let mut compared = 0;
    for rule in reg.rules() {
        for (members, limit, leave) in [
            (2, 0, 0),
            (3, 1, 0),
            (7, 2, 0),
            (50, 1, 0),
            (3, 1, 1),
            (7, 2, 3),
        ] {
            for steps in [1u64, 15, 16, 17, 40, 600] {
                for rng in ["chacha", "numpy"] {
                    let text = format!(
                        "{}:model=network,members={members},limit={limit},leave-after={leave},steps={steps},runs=3,seed=5,rng={rng}",
                        rule.name
                    );
                    let spec = Spec::from_shorthand("", &text).unwrap();
                    let limits = Limits::summary();
                    let engine = bench.resolve(&spec, &limits).unwrap().runs(None).unwrap();
                    let run_spec = spec.resolve(&reg, &limits).unwrap();
                    let streams = run_spec.streams();
                    let a = engine.folds(&streams, 1..=3, steps);
                    let b = run_spec.plan().folds(&streams, 1..=3, steps);
                    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}");
                    compared += 1;
                }
            }
        }
    }
    assert!(compared >= 4 * 6 * 6 * 2, "{compared}");
    // Members do leave on the engine: the same run's fold differs with leave-after 1.
    let fold_of = |leave: u32| {
        let text = format!("static:model=network,members=3,limit=1,leave-after={leave},steps=600");
        let spec = Spec::from_shorthand("", &text).unwrap();
        let engine = bench
            .resolve(&spec, &Limits::summary())
            .unwrap()
            .runs(None)
            .unwrap();
        format!(
            "{:?}",
            engine.folds(&Streams::new(RngKind::Chacha, 5), 1..=1, 600)
        )
    };
    assert_ne!(fold_of(0), fold_of(1));
    // The engine serves the classic chain's spec (its user), on the engine named exact.
    let spec = Spec::from_shorthand("", "static:model=network").unwrap();
    let runs = bench
        .resolve(&spec, &Limits::summary())
        .unwrap()
        .runs(None)
        .unwrap();
    assert_eq!(runs.engine(), "exact");
}

/// A million members where no row per state is written (`simulate --summary`): the run
/// loop steps them (the balances sum to zero, payments are made and refused) and the
/// engine folds them (every limit the genesis limit under `static`); the same spec with a
/// row per state is refused, naming `members`, the value and the range enforced there.
#[test]
fn a_million_members_run_where_no_row_is_written_and_are_refused_where_one_is() {
    let net = Network::new(1_000_000, 1).unwrap();
    let user = UniformPairs::default();
    let mut run = Stepper::new(&net, &Static, &user, 20_000);
    let mut refused = 0u32;
    let mut count = currents::model::EachStep(|e: &StepEvent<'_, Network>| {
        refused += u32::from(e.next.refused);
        Ok::<_, Infallible>(())
    });
    run.run(
        &mut currents::draws::chacha_rng(0, 0, 1),
        20_000,
        &mut count,
    )
    .unwrap();
    let balances = &run.state().balances;
    assert_eq!(balances.iter().sum::<i64>(), 0);
    assert!(balances.iter().any(|&b| b != 0) && refused > 0);
    let bench = Workbench::builtin();
    let text = "static:model=network,members=1000000,limit=1,steps=20000,runs=1";
    let spec = Spec::from_shorthand("", text).unwrap();
    let runs = bench
        .resolve(&spec, &Limits::summary())
        .unwrap()
        .runs(None)
        .unwrap();
    let fold = runs.folds(&Streams::new(RngKind::Chacha, 0), 1..=1, 20_000);
    let fold = fold[0].as_ref().unwrap();
    assert_eq!(fold.tally().final_limit, 1.0);
    let e = match bench.resolve(&spec, &Limits::default()) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a row of a million members was accepted"),
    };
    assert!(e.contains("`members`") || e.contains("members"), "{e}");
    assert!(e.contains("1000000") && e.contains("[2, 1000]"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}
