//! Differential tests: the batched engine (`currents::v1::batch`) against the scalar run loop.
//!
//! The batched engine steps runs in lanes; each lane must be exactly the scalar run of the
//! same (seed, subset, run). The expected side is always the scalar loop
//! (`simulate_run_with`, `Plan::run`), never the batched code, and summaries are
//! compared as the bytes `simulate --summary` writes (every float in shortest round-trip
//! form, so equal bytes mean bit-identical doubles).

use std::convert::Infallible;
use std::process::Command;

use currents::draws::RngKind;
use currents::draws::chacha_rng;
use currents::metrics::RunFold;
use currents::model::{EachState, Flow, Observer, StepEvent, run};
use currents::registry::Registry;
use currents::spec::{Limits, Spec};
use currents::v1::NotebookUser;
use currents::v1::V1;
use currents::v1::batch::{ARRAY_LANES, Lanes, run_lanes, run_notebook_lanes, summaries};
use currents::v1::{Engine, Params, SimConfig, State, V1Rule};

/// The summary rows of `runs` of `config` on `engine` as `simulate --summary` writes them.
fn rows_on(config: &SimConfig, engine: Engine, runs: &[(u64, RunFold)]) -> String {
    let mut out = Vec::new();
    for (run, s) in runs {
        currents::v1::write_summary_row(&mut out, config, engine, *run, s).unwrap();
    }
    String::from_utf8(out).unwrap()
}

/// The rows of `runs` on the streaming engine.
fn rows(config: &SimConfig, runs: &[(u64, RunFold)]) -> String {
    rows_on(config, Engine::Streaming, runs)
}

/// The scalar loop's summary of run `run` on `engine`.
fn scalar_on(config: &SimConfig, engine: Engine, run: u64) -> RunFold {
    currents::v1::fold_run(config, engine, run).unwrap()
}

/// The scalar loop's summary of run `run` on the streaming engine.
fn scalar(config: &SimConfig, run: u64) -> RunFold {
    scalar_on(config, Engine::Streaming, run)
}

/// Runs `first..=last` of `config` on `engine`, batched and scalar, compared as bytes.
#[track_caller]
fn check_on(config: &SimConfig, engine: Engine, first: u64, last: u64) {
    let batched = summaries(config, engine, first..=last);
    assert_eq!(batched.len() as u64, last - first + 1);
    let batched: Vec<_> = (first..=last)
        .zip(batched)
        .map(|(run, s)| (run, s.expect("run")))
        .collect();
    let expected: Vec<_> = (first..=last)
        .map(|run| (run, scalar_on(config, engine, run)))
        .collect();
    assert_eq!(
        rows_on(config, engine, &batched),
        rows_on(config, engine, &expected),
        "{config:?} on {engine:?}, runs {first}..={last}"
    );
}

/// The one helper of the streaming engine's checks.
#[track_caller]
fn check(config: &SimConfig, first: u64, last: u64) {
    check_on(config, Engine::Streaming, first, last);
}

fn config(params: Params, steps: u64, runs: u64, seed: u64) -> SimConfig {
    SimConfig::new(params, steps, runs, seed, RngKind::Chacha).unwrap()
}

#[test]
fn batched_summaries_are_the_scalar_loops_byte_for_byte_over_200_seeds() {
    // Run counts that fill no lane block, one, one and a bit, and several; first runs
    // other than 1 (a parallel task starts anywhere).
    let spans = [
        (1, 1),
        (1, 3),
        (1, ARRAY_LANES as u64),
        (5, 21),
        (2, 2 * ARRAY_LANES as u64 + 2),
    ];
    for seed in 0..200u64 {
        let (first, last) = spans[seed as usize % spans.len()];
        check(&config(Params::default(), 120, last, seed), first, last);
    }
}

#[test]
fn batched_summaries_are_the_scalar_loops_for_other_parameters_and_lengths() {
    let cases = [
        (Params::new(0.5, 250.0, 10, 250).unwrap(), 365),
        (Params::new(0.8, 100.0, 30, 250).unwrap(), 400),
        (Params::new(0.95, 1000.0, 1, 0).unwrap(), 200),
        (Params::new(-2.0, 10.0, 60, 1000).unwrap(), 97),
        (Params::new(1.0, 100.0, 30, 250).unwrap(), 1),
    ];
    for (seed, (params, steps)) in cases.into_iter().enumerate() {
        check(&config(params, steps, 13, seed as u64 + 7), 1, 13);
    }
}

#[test]
fn every_generator_and_engine_is_summarised_as_the_scalar_loop() {
    // Structure-of-arrays lanes for ChaCha on the streaming history, a stepper a lane for
    // numpy's generator on it, one run at a time on the exact history: each must give the
    // scalar loop's bytes (for numpy, cadCAD's own streams).
    let lanes = |rng, engine, steps| {
        let cfg = SimConfig::new(Params::default(), steps, 20, 3, rng).unwrap();
        Lanes::of(&cfg, engine)
    };
    use {Engine::*, RngKind::*};
    assert_eq!(lanes(Chacha, Streaming, 365), Lanes::Arrays);
    assert_eq!(lanes(Numpy, Streaming, 365), Lanes::Steppers);
    assert_eq!(lanes(Numpy, Exact, 365), Lanes::Scalar);
    assert_eq!(lanes(Chacha, Exact, 365), Lanes::Scalar);
    let params = [Params::default(), Params::new(0.7, 250.0, 10, 100).unwrap()];
    for (k, params) in params.into_iter().enumerate() {
        for rng in [Numpy, Chacha] {
            for engine in [Streaming, Exact] {
                let cfg = SimConfig::new(params, 300, 19, 5 + k as u64, rng).unwrap();
                check_on(&cfg, engine, 1, 19);
                check_on(&cfg, engine, 4, 12);
            }
        }
    }
}

#[test]
fn lanes_of_every_builtin_rule_and_user_step_as_the_scalar_loop() {
    // run_lanes drives any plan: every built-in rule under its own restriction and under
    // clamp, with every built-in user, 11 runs (a full block and a partial one) each.
    let registry = Registry::builtin();
    let users: Vec<&str> = registry.users().iter().map(|u| u.name).collect();
    for (i, rule) in registry.rules().iter().enumerate() {
        for (j, user) in users.iter().enumerate() {
            for restriction in ["", ",restriction=clamp"] {
                let text = format!(
                    "{}:user={user},runs=11,steps=150,seed={}{restriction}",
                    rule.name,
                    i * 10 + j
                );
                let spec = Spec::from_shorthand("", &text)
                    .unwrap()
                    .resolve(&registry, &Limits::default())
                    .unwrap();
                let plan = spec.plan();
                let mut expected = Vec::new();
                for run in 1..=11 {
                    let mut states = Vec::new();
                    let outcome = plan.run(
                        &spec.streams(),
                        run,
                        spec.steps,
                        &mut EachState(|t, s: &State| {
                            states.push((t, *s));
                            Ok::<(), Infallible>(())
                        }),
                    );
                    expected.push((outcome.map_err(|e| e.to_string()), states));
                }
                let mut rngs: Vec<_> = (1..=11).map(|run| chacha_rng(spec.seed, 0, run)).collect();
                let mut got: Vec<Vec<(u64, State)>> = vec![Vec::new(); 11];
                let mut observers: Vec<_> = got
                    .iter_mut()
                    .map(|states| {
                        EachState(move |t, s: &State| {
                            states.push((t, *s));
                            Ok::<(), Infallible>(())
                        })
                    })
                    .collect();
                let outcomes = run_lanes::<V1, _, _, _, _>(
                    &plan.model,
                    &plan.policy,
                    &plan.behaviour,
                    &mut rngs,
                    spec.steps,
                    &mut observers,
                );
                drop(observers);
                for (run, ((outcome, states), (want, want_states))) in
                    outcomes.into_iter().zip(got).zip(expected).enumerate()
                {
                    assert_eq!(
                        outcome.map_err(|e| e.to_string()),
                        want,
                        "{text}, run {}",
                        run + 1
                    );
                    // State's f64 fields compare bit for bit through their Debug form.
                    assert_eq!(
                        format!("{states:?}"),
                        format!("{want_states:?}"),
                        "{text}, run {}",
                        run + 1
                    );
                }
            }
        }
    }
}

#[test]
fn a_lane_that_stops_ends_alone() {
    // Lane observers that stop at different steps: each lane's states end where its own
    // observer stopped, as the scalar loop's would, and the other lanes run to the end.
    struct StopAt(u64, Vec<u64>);
    impl Observer<V1<currents::v1::StreamingHistory>> for StopAt {
        type Error = Infallible;
        fn step(
            &mut self,
            e: &StepEvent<'_, V1<currents::v1::StreamingHistory>>,
        ) -> Result<Flow, Infallible> {
            self.1.push(e.t);
            Ok(if e.t == self.0 {
                Flow::Stop
            } else {
                Flow::Continue
            })
        }
    }
    let params = Params::default();
    let model = V1::<currents::v1::StreamingHistory>::new(&params);
    let user = currents::v1::NotebookUser::from_params(&params);
    let rule = currents::v1::V1Rule::default();
    let stops = [3u64, 50, 0, 7, 50, 1, 0, 20, 2, 0];
    let mut rngs: Vec<_> = (1..=stops.len() as u64)
        .map(|r| chacha_rng(0, 0, r))
        .collect();
    let mut observers: Vec<_> = stops.iter().map(|&s| StopAt(s, Vec::new())).collect();
    let outcomes = run_lanes(&model, &rule, &user, &mut rngs, 30, &mut observers);
    assert!(outcomes.iter().all(Result::is_ok));
    for (stop, observer) in stops.iter().zip(&observers) {
        let last = if (1..=30).contains(stop) { *stop } else { 30 };
        assert_eq!(observer.1, (1..=last).collect::<Vec<_>>(), "stop at {stop}");
    }
}

#[test]
fn simulate_summary_is_the_scalar_loops_for_any_thread_count() {
    // The CLI picks the batched engine for this spec; its bytes must be the scalar loop's
    // rows in run order, whatever the number of threads (runs 1..=301 span several tasks
    // of 89 runs, the last one partial).
    let cfg = config(Params::default(), 365, 301, 11);
    let mut expected = currents::metrics::summary::header(&currents::v1::SUMMARY_PARAMS) + "\n";
    let all: Vec<_> = (1..=301).map(|run| (run, scalar(&cfg, run))).collect();
    expected += &rows(&cfg, &all);
    for threads in ["1", "2", "3", "8"] {
        let out = Command::new(env!("CARGO_BIN_EXE_currents"))
            .args([
                "simulate",
                "--summary",
                "--runs",
                "301",
                "--steps",
                "365",
                "--seed",
                "11",
            ])
            .args(["--threads", threads])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            expected,
            "--threads {threads}"
        );
    }
}

/// The notebook's plan on the streaming history, the model `run_notebook_lanes` runs.
type Notebook = V1<currents::v1::StreamingHistory>;

/// Records a run's genesis state and every event as text equal exactly when the events are
/// bit-identical (`{:?}` of a double is its shortest round-trip form), and stops or fails
/// at a chosen step.
struct Record {
    events: Vec<String>,
    stop_at: u64,
    fail_at: u64,
}

impl Record {
    fn new(stop_at: u64, fail_at: u64) -> Self {
        Record {
            events: Vec::new(),
            stop_at,
            fail_at,
        }
    }
}

impl Observer<Notebook> for Record {
    type Error = String;
    fn genesis(&mut self, state: &State) -> Result<(), String> {
        self.events.push(format!("genesis {state:?}"));
        Ok(())
    }
    fn step(&mut self, e: &StepEvent<'_, Notebook>) -> Result<Flow, String> {
        self.events.push(format!(
            "{} {:?} -> {:?} limit {:?} {} drawn {:?} paths {} applied {:?}",
            e.t,
            e.prev,
            e.next,
            e.limits.first().value,
            e.limits.first().branch,
            e.drawn.payment,
            e.drawn.paths,
            e.applied
        ));
        if e.t == self.fail_at {
            return Err(format!("observer failed at {}", e.t));
        }
        Ok(if e.t == self.stop_at {
            Flow::Stop
        } else {
            Flow::Continue
        })
    }
}

/// Runs `runs` of (model, rule, user) on ChaCha streams of `seed` in notebook lanes and in
/// the scalar loop, lane `i` stopping at `stops[i % len]` and failing at `fails[i % len]`
/// (0: never), and asserts every lane's outcome and events are the scalar run's.
#[track_caller]
fn check_notebook_lanes(
    (model, rule, user): (&Notebook, &V1Rule, &NotebookUser),
    seed: u64,
    runs: std::ops::RangeInclusive<u64>,
    steps: u64,
    (stops, fails): (&[u64], &[u64]),
) {
    let observer = |k: usize| Record::new(stops[k % stops.len()], fails[k % fails.len()]);
    let expected: Vec<_> = runs
        .clone()
        .enumerate()
        .map(|(k, r)| {
            let mut rec = observer(k);
            let outcome = run(
                model,
                rule,
                user,
                &mut chacha_rng(seed, 0, r),
                steps,
                &mut rec,
            );
            (outcome.map_err(|e| e.to_string()), rec.events)
        })
        .collect();
    let mut observers: Vec<_> = (0..expected.len()).map(observer).collect();
    let outcomes = run_notebook_lanes(
        model,
        rule,
        user,
        (seed, 0),
        runs.clone(),
        steps,
        &mut observers,
    );
    assert_eq!(outcomes.len(), expected.len());
    for (k, ((outcome, rec), (want, want_events))) in outcomes
        .into_iter()
        .zip(observers)
        .zip(expected)
        .enumerate()
    {
        let what = format!(
            "{user:?} {rule:?} window {}, seed {seed}, lane {k}",
            model.sum_volume()
        );
        assert_eq!(outcome.map_err(|e| e.to_string()), want, "{what}");
        assert_eq!(rec.events.len(), want_events.len(), "{what}");
        for (got, want) in rec.events.iter().zip(&want_events) {
            assert_eq!(got, want, "{what}");
        }
    }
}

#[test]
fn notebook_lanes_show_every_observer_the_scalar_loops_events_over_200_seeds() {
    let params = Params::default();
    let model = Notebook::new(&params);
    let user = NotebookUser::from_params(&params);
    let rule = V1Rule::default();
    for seed in 0..200u64 {
        // Partial blocks, one block, several; first runs other than 1.
        let runs = [1..=1, 1..=16, 3..=13, 1..=35][seed as usize % 4].clone();
        check_notebook_lanes((&model, &rule, &user), seed, runs, 200, (&[0], &[0]));
    }
}

#[test]
fn notebook_lanes_are_the_scalar_loop_for_every_parameter_shape() {
    // Windows from 1 to past the run's length, every integrity regime (never, sometimes,
    // mostly, beyond the uniform's range), amounts, initial credits, biased and growing
    // users, and rules with other constants, digits and warm-ups.
    let mut case = 0u64;
    for (sum_volume, credit) in [(1, 250), (10, 0), (30, 250), (60, 1000), (400, 5)] {
        let model = Notebook::with_window(sum_volume, credit);
        for (integrity, avg) in [(1.0, 100.0), (0.8, 250.0), (0.3, 1000.0), (-2.0, 10.0)] {
            for (growth, bias) in [(0.0, 0.0), (0.5, 0.0), (0.0, 0.2), (0.1, -0.3)] {
                let user = NotebookUser {
                    integrity,
                    avg_amount: avg,
                    growth,
                    bias,
                };
                let rules = [
                    V1Rule::default(),
                    V1Rule {
                        round_digits: 0,
                        warmup: 0,
                        ..V1Rule::default()
                    },
                    V1Rule {
                        quad_coef: -1.5,
                        intercept: 2.0,
                        round_digits: 3,
                        warmup: 40,
                    },
                ];
                for rule in &rules {
                    case += 1;
                    check_notebook_lanes((&model, rule, &user), case, 1..=9, 150, (&[0], &[0]));
                }
            }
        }
    }
}

#[test]
fn notebook_lanes_that_stop_or_fail_end_alone() {
    let params = Params::default();
    let (model, rule) = (Notebook::new(&params), V1Rule::default());
    let user = NotebookUser::from_params(&params);
    let stops = [3, 0, 50, 1, 0, 7, 120, 2, 0, 60, 0];
    let fails = [0, 5, 0, 0, 1, 0, 0, 90, 30, 0];
    check_notebook_lanes((&model, &rule, &user), 4, 1..=11, 100, (&stops, &fails));
    check_notebook_lanes((&model, &rule, &user), 4, 1..=11, 0, (&stops, &fails));
}

#[test]
fn notebook_lanes_hand_unusual_runs_to_the_scalar_loop() {
    // Values the lanes do not take (integers at 2^51 and beyond), reached at the first
    // step, in the middle of a run (send-volume sums of amounts near 10^13 pass 2^51 after
    // a few steps, while the scalar loop goes on), at genesis (a vast initial credit), and
    // where the scalar loop fails (an amount beyond i64). Every lane must still be the
    // scalar run, failures included.
    let huge = |avg_amount: f64| NotebookUser {
        integrity: 0.7,
        avg_amount,
        growth: 0.0,
        bias: 0.0,
    };
    let rule = V1Rule::default();
    let model = Notebook::with_window(30, 250);
    for (k, avg) in [1e13, 3e12, 1e15, 1e19, 1e300].into_iter().enumerate() {
        check_notebook_lanes(
            (&model, &rule, &huge(avg)),
            k as u64,
            1..=9,
            120,
            (&[0], &[0]),
        );
    }
    // A negative initial credit: the rule refuses it at the first step (found by review).
    let negative = Notebook::with_window(30, -1);
    let user = NotebookUser::from_params(&Params::default());
    check_notebook_lanes((&negative, &rule, &user), 3, 1..=5, 20, (&[0], &[0]));
    let zero_warmup = V1Rule {
        warmup: 0,
        ..V1Rule::default()
    };
    let no_window = Notebook::with_window(0, -7);
    check_notebook_lanes(
        (&no_window, &zero_warmup, &user),
        3,
        1..=5,
        20,
        (&[0], &[0]),
    );
    let vast = Notebook::with_window(30, 1 << 52);
    check_notebook_lanes((&vast, &rule, &user), 9, 1..=9, 60, (&[0, 4], &[0, 0, 9]));
    check_notebook_lanes((&vast, &rule, &user), 9, 1..=3, 0, (&[0], &[0]));
}

#[test]
fn notebook_lanes_are_the_scalar_loop_on_random_out_of_model_inputs() {
    // Every field of the model, rule and user drawn from values a library user can
    // construct, most of them outside the validated ranges (NaN, infinities, signed zeros,
    // integers at and beyond 2^51 and 2^53, negative credits, vast windows and digits):
    // the lanes must still be the scalar loop, failures and hand-overs included.
    // (Values from the review of the lanes, which found the negative credit.)
    const INF: f64 = f64::INFINITY;
    const NAN: f64 = f64::NAN;
    const P51: i64 = 1 << 51;
    const P53: i64 = 1 << 53;
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut pick = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let integrity = [0.8, 1.0, NAN, INF, -INF, -1.0, 0.0, -0.0, 2.0, 0.95];
    let avg = [
        100.0, NAN, INF, 0.0, -0.0, -50.0, 1e14, 4e15, 1e300, 1e-300, 7.5,
    ];
    let growth = [0.0, -0.0, NAN, 1e6, -1.0, -3.0, 0.5, INF];
    let bias = [0.0, -0.0, NAN, 0.5, -0.5, 0.1, -0.1, 1e-300, INF, -INF];
    let windows = [0, 1, 2, 30, u64::MAX];
    let credits = [
        0,
        1,
        250,
        P51 - 1,
        P51,
        P53,
        i64::MAX,
        -1,
        -(P51 + 1),
        i64::MIN,
    ];
    let quad = [-3.0, 0.0, -0.0, 3.0, NAN, -1e300, 1e-300];
    let intercept = [1.0, 0.0, -0.0, -1.0, NAN, INF, 1e15];
    let warmup = [0, 1, 7, u64::MAX];
    let digits = [0, 2, 15, 16, 400];
    for case in 0..4_000u64 {
        let model = Notebook::with_window(windows[pick(5)], credits[pick(10)]);
        let user = NotebookUser {
            integrity: integrity[pick(10)],
            avg_amount: avg[pick(11)],
            growth: growth[pick(8)],
            bias: bias[pick(10)],
        };
        let rule = V1Rule {
            quad_coef: quad[pick(7)],
            intercept: intercept[pick(7)],
            warmup: warmup[pick(4)],
            round_digits: digits[pick(5)],
        };
        let steps = [0, 1, 2, 3, 10, 40][pick(6)];
        let plan = (&model, &rule, &user);
        check_notebook_lanes(plan, case, 1..=3, steps, (&[0, 2], &[0, 0, 1]));
    }
}
