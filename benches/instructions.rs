//! Instruction counts of the step under valgrind (gungraun), checked against a committed
//! baseline by `.ci/check-instructions` (see BENCHMARKS.md). Instruction counts do not
//! depend on the machine's load, so a regression check on them is deterministic.

use std::hint::black_box;

use currents::draws::{chacha_rng, randint01, uniform01};
use currents::summary::RunSummary;
use currents::{
    Engine, ExactHistory, Params, RngKind, SimConfig, StreamingHistory, Trajectory, V1Rule,
    simulate_run_with,
};
use gungraun::{library_benchmark, library_benchmark_group, main};
use rand_chacha::ChaCha8Rng;

/// A streaming trajectory after 365 steps of the notebook's parameters, and its generator.
fn warm_streaming() -> (Trajectory<V1Rule, StreamingHistory>, ChaCha8Rng) {
    let p = Params::default();
    let mut t =
        Trajectory::with_history(p, V1Rule::default(), StreamingHistory::new(p.sum_volume()));
    let mut rng = chacha_rng(0, 0, 1);
    for _ in 0..365 {
        t.advance(&mut rng).expect("step");
    }
    (t, rng)
}

/// An exact trajectory after 365 steps of the notebook's parameters, and its generator.
fn warm_exact() -> (Trajectory<V1Rule, ExactHistory>, ChaCha8Rng) {
    let mut t = Trajectory::<V1Rule, ExactHistory>::new(Params::default(), V1Rule::default());
    let mut rng = chacha_rng(0, 0, 1);
    for _ in 0..365 {
        t.advance(&mut rng).expect("step");
    }
    (t, rng)
}

// One step (draws included) of the streaming engine, at t = 366.
// The trajectory is returned so that dropping it happens in `teardown`, unmeasured.
#[library_benchmark]
#[bench::t366(setup = warm_streaming, teardown = drop)]
fn step_streaming(
    input: (Trajectory<V1Rule, StreamingHistory>, ChaCha8Rng),
) -> (Trajectory<V1Rule, StreamingHistory>, ChaCha8Rng) {
    let (mut t, mut rng) = input;
    black_box(t.advance(&mut rng).expect("step").amount);
    (t, rng)
}

// One step (draws included) of the exact engine, at t = 366.
#[library_benchmark]
#[bench::t366(setup = warm_exact, teardown = drop)]
fn step_exact(
    input: (Trajectory<V1Rule, ExactHistory>, ChaCha8Rng),
) -> (Trajectory<V1Rule, ExactHistory>, ChaCha8Rng) {
    let (mut t, mut rng) = input;
    black_box(t.advance(&mut rng).expect("step").amount);
    (t, rng)
}

// One whole 365-step run per engine (ChaCha, notebook parameters), summarised.
#[library_benchmark]
#[bench::streaming(Engine::Streaming)]
#[bench::exact(Engine::Exact)]
fn run_365(engine: Engine) -> i64 {
    let config = SimConfig::new(Params::default(), 365, 1, 0, RngKind::Chacha).expect("valid");
    let mut summary = RunSummary::default();
    simulate_run_with(&config, engine, 1, |t, s| {
        summary.observe(t, s);
        Ok::<(), ()>(())
    })
    .expect("run");
    black_box(summary.final_credit)
}

// The generator draws of 365 steps alone (ChaCha, integrity 1: 7 outputs a step): the floor.
#[library_benchmark]
#[bench::chacha()]
fn rng_floor_365() -> f64 {
    let mut rng = chacha_rng(0, 0, black_box(1));
    let mut acc = 0.0;
    for _ in 0..365 {
        acc += f64::from(randint01(&mut rng));
        acc += uniform01(&mut rng) + uniform01(&mut rng) + uniform01(&mut rng);
    }
    black_box(acc)
}

library_benchmark_group!(
    name = step;
    benchmarks = step_streaming, step_exact, run_365, rng_floor_365
);
main!(library_benchmark_groups = step);
