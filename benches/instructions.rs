//! Instruction counts of the step under valgrind (gungraun), checked against a committed
//! baseline by `.ci/check-instructions` (see BENCHMARKS.md). Instruction counts do not
//! depend on the machine's load, so a regression check on them is deterministic.

use std::hint::black_box;

use currents::draws::RngKind;
use currents::draws::{chacha_rng, randint01, uniform01};
use currents::model::Stepper;
use currents::network::{Network, UniformPairs};
use currents::rules::Static;
use currents::v1::History;
use currents::v1::NotebookUser;
use currents::v1::V1;
use currents::v1::{Engine, ExactHistory, Params, SimConfig, StreamingHistory, V1Rule};
use gungraun::{library_benchmark, library_benchmark_group, main};
use rand_chacha::ChaCha8Rng;

/// A run of the notebook's model, rule and user on the history `H`.
type Run<H> = Stepper<'static, V1<H>, V1Rule, NotebookUser>;

/// A run on the history `H` after 365 steps of the notebook's parameters, and its
/// generator. The model, rule and user are leaked so that the run can be handed to the
/// benchmark by value (setup only; never measured).
fn warm<H: History>() -> (Run<H>, ChaCha8Rng) {
    let p = Params::default();
    let model: &'static V1<H> = Box::leak(Box::new(V1::new(&p)));
    let rule: &'static V1Rule = Box::leak(Box::new(V1Rule::default()));
    let user: &'static NotebookUser = Box::leak(Box::new(NotebookUser::from_params(&p)));
    let mut t = Stepper::new(model, rule, user, 366);
    let mut rng = chacha_rng(0, 0, 1);
    for _ in 0..365 {
        t.step(&mut rng, &mut ()).expect("step");
    }
    (t, rng)
}

/// A streaming run after 365 steps of the notebook's parameters, and its generator.
fn warm_streaming() -> (Run<StreamingHistory>, ChaCha8Rng) {
    warm()
}

/// An exact run after 365 steps of the notebook's parameters, and its generator.
fn warm_exact() -> (Run<ExactHistory>, ChaCha8Rng) {
    warm()
}

// One step (draws included) of the streaming engine, at t = 366.
// The run is returned so that dropping it happens in `teardown`, unmeasured.
#[library_benchmark]
#[bench::t366(setup = warm_streaming, teardown = drop)]
fn step_streaming(
    input: (Run<StreamingHistory>, ChaCha8Rng),
) -> (Run<StreamingHistory>, ChaCha8Rng) {
    let (mut t, mut rng) = input;
    t.step(&mut rng, &mut ()).expect("step");
    black_box(t.state().balance);
    (t, rng)
}

// One step (draws included) of the exact engine, at t = 366.
#[library_benchmark]
#[bench::t366(setup = warm_exact, teardown = drop)]
fn step_exact(input: (Run<ExactHistory>, ChaCha8Rng)) -> (Run<ExactHistory>, ChaCha8Rng) {
    let (mut t, mut rng) = input;
    t.step(&mut rng, &mut ()).expect("step");
    black_box(t.state().balance);
    (t, rng)
}

// One whole 365-step run per engine (ChaCha, notebook parameters), summarised.
#[library_benchmark]
#[bench::streaming(Engine::Streaming)]
#[bench::exact(Engine::Exact)]
fn run_365(engine: Engine) -> f64 {
    let config = SimConfig::new(Params::default(), 365, 1, 0, RngKind::Chacha).expect("valid");
    let fold = currents::v1::fold_run(&config, engine, 1).expect("run");
    black_box(fold.tally().final_limit)
}

// One block of lanes of the batched engine: 16 runs × 365 steps (ChaCha, notebook
// parameters), summarised; a sixteenth of it is one run, comparable with run_365/streaming.
#[library_benchmark]
#[bench::lanes16()]
fn batched_16x365() -> f64 {
    let config = SimConfig::new(Params::default(), 365, 16, 0, RngKind::Chacha).expect("valid");
    let summaries =
        currents::v1::batch::summaries(&config, currents::v1::Engine::Streaming, 1..=16);
    black_box(
        summaries
            .iter()
            .map(|s| s.as_ref().expect("run").tally().final_limit)
            .sum(),
    )
}

/// A network run of 1000 members (limit 1, the `static` rule, `uniform-pairs`) after 10^4
/// payments, and its generator (leaked as `warm` leaks V1's).
fn warm_network() -> (NetworkRun, ChaCha8Rng) {
    let model: &'static Network = Box::leak(Box::new(Network::new(1_000, 1).expect("valid")));
    let user: &'static UniformPairs = Box::leak(Box::new(UniformPairs::default()));
    let mut t = Stepper::new(model, &Static, user, 10_001);
    let mut rng = chacha_rng(0, 0, 1);
    t.run(&mut rng, 10_000, &mut ()).expect("run");
    (t, rng)
}

/// A network run of the classic chain.
type NetworkRun = Stepper<'static, Network, Static, UniformPairs>;

// One payment of the network on the one run loop (draws, both limits, the O(1) step), at
// 1000 members: the same count at any number of members.
#[library_benchmark]
#[bench::m1000(setup = warm_network, teardown = drop)]
fn step_network(input: (NetworkRun, ChaCha8Rng)) -> (NetworkRun, ChaCha8Rng) {
    let (mut t, mut rng) = input;
    t.step(&mut rng, &mut ()).expect("step");
    black_box(t.state().refused);
    (t, rng)
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
    benchmarks = step_streaming, step_exact, run_365, batched_16x365, rng_floor_365, step_network
);
main!(library_benchmark_groups = step);
