//! Wall-clock benchmarks (criterion). Figures and the commands that made them are in
//! BENCHMARKS.md.
//!
//! - `step/*`: one step at t = 366 (draws included), per engine;
//! - `run_365/*`: one 365-step run per engine and generator, states handed to a no-op;
//! - `notebook_10x365`: the notebook's workload (numpy, exact), summary rows and full CSV;
//! - `sweep_27x10x365`: 27 parameter cells × 10 runs × 365 steps, streaming, summaries;
//! - `scaling_t/*`: one run of T = 365, 3,650, 36,500 steps per engine (linear for streaming);
//! - `batched_89x365/*`: the summaries of 89 runs (one `simulate` task) × 365 steps,
//!   streaming on ChaCha, run by run through the scalar loop and in lanes
//!   (`currents::v1::batch`), per run-step in BENCHMARKS.md ("Batched engine");
//! - `rng_floor/*`: only the generator draws a step needs (7 u32 outputs: the sign, then
//!   two per uniform; the integrity path's fifth draw never fires at integrity 1);
//! - `network_step/*`: one payment of the network on the one run loop (`Stepper`, the
//!   `static` rule and `uniform-pairs` typed, no observer), at 10^3 and 10^6 members, after
//!   10^5 warm-up payments: the loop's cost a step, flat in the members.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use currents::draws::RngKind;
use currents::draws::{chacha_rng, numpy_rng, randint01, uniform01};
use currents::metrics::RunFold;
use currents::model::Stepper;
use currents::v1::NotebookUser;
use currents::v1::V1;
use currents::v1::csv;
use currents::v1::{
    Engine, ExactHistory, Params, SimConfig, State, StreamingHistory, V1Rule, simulate_run_with,
};
use rand_core::Rng;

fn config(steps: u64, runs: u64, rng: RngKind) -> SimConfig {
    SimConfig::new(Params::default(), steps, runs, 0, rng).expect("valid")
}

/// One run, every state folded into a checksum so nothing is optimised away.
fn run_noop(config: &SimConfig, engine: Engine, run: u64) -> f64 {
    let mut acc = 0.0;
    simulate_run_with(config, engine, run, |_, s: &State| {
        acc += s.balance;
        Ok::<(), ()>(())
    })
    .expect("run");
    acc
}

fn run_summary(config: &SimConfig, engine: Engine, run: u64) -> RunFold {
    currents::v1::fold_run(config, engine, run).expect("run")
}

fn step(c: &mut Criterion) {
    let p = Params::default();
    let mut g = c.benchmark_group("step");
    let (rule, user) = (V1Rule::default(), NotebookUser::from_params(&p));
    let (model_s, model_e) = (V1::<StreamingHistory>::new(&p), V1::<ExactHistory>::new(&p));
    let mut warm_s = Stepper::new(&model_s, &rule, &user, 366);
    let mut warm_e = Stepper::new(&model_e, &rule, &user, 366);
    let mut rng = chacha_rng(0, 0, 1);
    for _ in 0..365 {
        warm_s.step(&mut rng, &mut ()).expect("step");
        warm_e.step(&mut rng.clone(), &mut ()).expect("step");
    }
    g.bench_function("streaming_chacha", |b| {
        b.iter_batched_ref(
            || (warm_s.clone(), rng.clone()),
            |(t, r)| {
                t.step(r, &mut ()).expect("step");
                black_box(t.state().balance)
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("exact_chacha", |b| {
        b.iter_batched_ref(
            || (warm_e.clone(), rng.clone()),
            |(t, r)| {
                t.step(r, &mut ()).expect("step");
                black_box(t.state().balance)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn run_365(c: &mut Criterion) {
    let mut g = c.benchmark_group("run_365");
    for rng in [RngKind::Numpy, RngKind::Chacha] {
        let cfg = config(365, 1, rng);
        for engine in [Engine::Exact, Engine::Streaming] {
            g.bench_function(format!("{engine}_{rng}"), |b| {
                b.iter(|| black_box(run_noop(&cfg, engine, 1)))
            });
        }
    }
    g.finish();
}

fn notebook(c: &mut Criterion) {
    let cfg = config(365, 10, RngKind::Numpy);
    let mut g = c.benchmark_group("notebook_10x365");
    g.bench_function("numpy_exact_summary", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            out.clear();
            currents::v1::write_summary_header(&mut out).expect("write");
            for run in 1..=10 {
                let s = run_summary(&cfg, Engine::Exact, run);
                currents::v1::write_summary_row(&mut out, &cfg, Engine::Exact, run, &s)
                    .expect("write");
            }
            black_box(out.len())
        })
    });
    g.bench_function("numpy_exact_csv", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            csv::write_header(&mut out).expect("write");
            for run in 1..=10 {
                simulate_run_with(&cfg, Engine::Exact, run, |t, s| {
                    csv::write_state(&mut out, run, t, s)
                })
                .expect("run");
            }
            black_box(out.len())
        })
    });
    g.finish();
}

fn sweep(c: &mut Criterion) {
    let mut cells = Vec::new();
    for integrity in [1.0, 0.8, 0.5] {
        for avg in [50.0, 100.0, 250.0] {
            for k in [10, 30, 60] {
                let p = Params::new(integrity, avg, k, 250).expect("valid");
                cells.push(SimConfig::new(p, 365, 10, 0, RngKind::Chacha).expect("valid"));
            }
        }
    }
    c.bench_function("sweep_27x10x365/streaming_chacha_summary", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for cfg in &cells {
                for run in 1..=10 {
                    acc += run_summary(cfg, Engine::Streaming, run).tally().final_limit;
                }
            }
            black_box(acc)
        })
    });
}

fn scaling_t(c: &mut Criterion) {
    let mut g = c.benchmark_group("scaling_t");
    g.sample_size(20);
    for steps in [365u64, 3_650, 36_500] {
        let cfg = config(steps, 1, RngKind::Chacha);
        for engine in [Engine::Streaming, Engine::Exact] {
            g.bench_function(format!("{engine}_chacha/{steps}"), |b| {
                b.iter(|| black_box(run_noop(&cfg, engine, 1)))
            });
        }
    }
    g.finish();
}

/// The draws of `n_steps` steps at integrity 1: the sign, the amount, two tests.
fn draws<R: Rng>(rng: &mut R, n_steps: u64) -> f64 {
    let mut acc = 0.0;
    for _ in 0..n_steps {
        acc += f64::from(randint01(rng));
        acc += uniform01(rng);
        acc += uniform01(rng);
        acc += uniform01(rng);
    }
    acc
}

fn rng_floor(c: &mut Criterion) {
    let mut g = c.benchmark_group("rng_floor");
    g.bench_function("chacha_365", |b| {
        b.iter(|| black_box(draws(&mut chacha_rng(0, 0, black_box(1)), 365)))
    });
    g.bench_function("numpy_365", |b| {
        b.iter(|| black_box(draws(&mut numpy_rng(black_box(0)), 365)))
    });
    g.finish();
}

/// One `simulate --summary` task's runs (89 runs of 365 steps fill its 2^15 steps), the
/// scalar loop against the batched engine; both give the same summaries.
fn batched(c: &mut Criterion) {
    const RUNS: u64 = 89;
    let cfg = config(365, RUNS, RngKind::Chacha);
    let mut g = c.benchmark_group("batched_89x365");
    g.throughput(criterion::Throughput::Elements(RUNS * 365));
    g.bench_function("scalar", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for run in 1..=RUNS {
                acc += run_summary(&cfg, Engine::Streaming, run)
                    .tally()
                    .final_limit;
            }
            black_box(acc)
        })
    });
    g.bench_function("lanes", |b| {
        b.iter(|| {
            let summaries =
                currents::v1::batch::summaries(&cfg, currents::v1::Engine::Streaming, 1..=RUNS);
            black_box(
                summaries
                    .iter()
                    .map(|s| s.as_ref().expect("run").tally().final_limit)
                    .sum::<f64>(),
            )
        })
    });
    g.finish();
}

fn network_step(c: &mut Criterion) {
    use currents::network::{Network, UniformPairs};
    use currents::rules::Static;
    let mut g = c.benchmark_group("network_step");
    let user = UniformPairs::default();
    for members in [1_000usize, 1_000_000] {
        let model = Network::new(members, 1).expect("valid");
        let mut run = Stepper::new(&model, &Static, &user, u64::MAX);
        let mut rng = chacha_rng(0, 0, 1);
        run.run(&mut rng, 100_000, &mut ()).expect("run");
        g.bench_function(format!("m{members}"), |b| {
            b.iter(|| {
                run.step(&mut rng, &mut ()).expect("step");
                black_box(run.state().refused)
            })
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    step,
    run_365,
    notebook,
    sweep,
    scaling_t,
    rng_floor,
    batched,
    network_step
);
criterion_main!(benches);
