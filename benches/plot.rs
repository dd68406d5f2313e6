//! How long the charts take on the large input: 1,000 runs × 3,650 steps.
//!
//! `cargo bench --bench plot` times, on this machine, (1) rendering every trajectory chart
//! (SVG and PNG) from a dataset already in memory, and (2) reading a trajectory CSV into a
//! dataset, if `CURRENTS_BENCH_CSV` names one (for example the output of
//! `currents simulate --runs 1000 --steps 3650 --out big.csv`). Each figure is the median of
//! five repetitions. Results are written down in BENCHMARKS.md.

use std::fs::File;
use std::io::BufReader;
use std::time::{Duration, Instant};

use currents::model::Value;
use currents::plot::{self, Dataset, PlotOptions, RowIndex};
use currents::v1::State;
use currents::v1::csv::HEADER;
use currents::workbench::Workbench;

fn synthetic(n_runs: u64, n_steps: u64) -> Dataset {
    let mut ds = Dataset::new();
    let input = ds.add_input("");
    let header: Vec<String> = HEADER.split(',').take(8).map(String::from).collect();
    let columns = Workbench::builtin()
        .trajectory_columns(&header)
        .expect("V1's columns");
    ds.set_columns(input, columns)
        .expect("V1 declares its ledger");
    let mut cells = Vec::new();
    for run in 1..=n_runs {
        let mut x = run.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (mut balance, mut sum) = (0.0, 0.0);
        for t in 0..=n_steps {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let amount = (x % 201) as f64 - 100.0;
            if t > 0 {
                balance += amount;
            }
            sum += balance;
            let state = State {
                balance,
                balance_mean: sum / (t + 1) as f64,
                n_transactions: t,
                credit: 250 + (t as i64 % 500),
                capacity: balance as i64 + 250,
                send_volume: 0,
                send_volume_mean: 0.0,
                transaction: amount as i64,
            };
            cells.clear();
            cells.extend(currents::v1::cells(&state).map(|v| match v {
                Value::Int(x) => x as f64,
                Value::Count(x) => x as f64,
                Value::Float(x) => x,
            }));
            let at = RowIndex {
                simulation: 0,
                subset: 0,
                run,
                timestep: t,
            };
            ds.push(input, at, &cells).expect("a plottable row");
        }
    }
    ds.finish();
    ds
}

fn median_of_5(mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[2]
}

fn main() {
    let ds = synthetic(1_000, 3_650);
    let mut sizes = (0, 0);
    let render = median_of_5(|| {
        let charts = plot::render_all(&ds, &PlotOptions::default()).expect("render");
        sizes = charts
            .iter()
            .fold((0, 0), |(s, p), c| (s + c.svg.len(), p + c.png.len()));
    });
    println!(
        "render_all 1000 runs x 3650 steps: {:.2} s (SVG total {} kB, PNG total {} kB)",
        render.as_secs_f64(),
        sizes.0 / 1000,
        sizes.1 / 1000
    );
    if let Ok(path) = std::env::var("CURRENTS_BENCH_CSV") {
        let bench = Workbench::builtin();
        let read = median_of_5(|| {
            let mut ds = Dataset::new();
            let input = ds.add_input("");
            let file = File::open(&path).expect("open CURRENTS_BENCH_CSV");
            ds.read_csv(input, BufReader::with_capacity(1 << 20, file), &bench)
                .expect("read");
            ds.finish();
        });
        println!("read_csv {path}: {:.2} s", read.as_secs_f64());
    }
}
