//! `currents simulate`: seeded Monte Carlo runs of the V1 model, written as cadCAD's CSV.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;

use crate::config::SimulateSettings;
use crate::parallel::{Chunking, ordered_runs};
use crate::params::{
    AVG_AMOUNT_MAX, INITIAL_CREDIT_MAX, INTEGRITY_ABS_MAX, RUNS_MAX, STEPS_MAX, SUM_VOLUME_MAX,
};
use crate::summary::{self, RunSummary};
use crate::{Engine, RngKind, SimConfig, simulate_run_with, trajectory_csv};
use clap::Args;

use super::{EXIT_FAILURE, check_out_path, progress_bar, usage_error, write_output};

pub(crate) fn whole(lo: u64, hi: u64) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |s: &str| {
        s.trim()
            .parse::<u64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(|| format!("accepted: a whole number in [{lo}, {hi}]"))
    }
}

pub(crate) fn number(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| "accepted: a decimal number".to_owned())
}

pub(crate) fn engine(s: &str) -> Result<Engine, String> {
    Engine::parse(s).map_err(|_| "accepted: exact or streaming".to_owned())
}

pub(crate) fn rng_kind(s: &str) -> Result<RngKind, String> {
    RngKind::parse(s).map_err(|_| "accepted: chacha or numpy".to_owned())
}

#[derive(Args, Debug)]
pub(crate) struct SimulateArgs {
    /// Monte Carlo runs [default: 10]
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = whole(1, RUNS_MAX))]
    runs: Option<u64>,
    /// Steps per run [default: 365]
    #[arg(long, value_name = "T", allow_hyphen_values = true, value_parser = whole(1, STEPS_MAX))]
    steps: Option<u64>,
    /// Seed; with numpy, run r uses RandomState(seed + r - 1) [default: 0]
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = whole(0, u64::MAX))]
    seed: Option<u64>,
    /// Generator family: chacha or numpy [default: chacha]
    #[arg(long, value_name = "chacha|numpy", value_parser = rng_kind)]
    rng: Option<RngKind>,
    /// Integrity coefficient, |X| <= 100 (1 = balanced) [default: 1]
    #[arg(long, value_name = "X", allow_hyphen_values = true, value_parser = number)]
    integrity: Option<f64>,
    /// Average transaction amount, 0 < A <= 1e6 [default: 100]
    #[arg(long, value_name = "A", allow_hyphen_values = true, value_parser = number)]
    avg_amount: Option<f64>,
    /// Send-volume window (sumVolume), K >= 1 [default: 30]
    #[arg(long, value_name = "K", allow_hyphen_values = true, value_parser = whole(0, u64::MAX))]
    sum_volume: Option<u64>,
    /// Credit and capacity at genesis [default: 250]
    #[arg(long, value_name = "C", allow_hyphen_values = true, value_parser = whole(0, INITIAL_CREDIT_MAX as u64))]
    initial_credit: Option<u64>,
    /// History engine: exact (numpy's means, bit-exact) or streaming (O(1) per step)
    /// [default: exact with --rng numpy, streaming otherwise]
    #[arg(long, value_name = "exact|streaming", value_parser = engine)]
    engine: Option<Engine>,
    /// Write one summary row per run instead of the trajectories
    #[arg(long)]
    summary: bool,
    /// Worker threads; the output is the same for any number [default: available cores]
    #[arg(long, value_name = "N", value_parser = whole(1, THREADS_MAX))]
    threads: Option<u64>,
    /// Output CSV path; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH")]
    out: Option<String>,
    /// TOML file with the same keys as these flags; flags override it
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
    /// Also write the charts (SVG, PNG) and report.html into DIR
    #[arg(long, value_name = "DIR")]
    plot: Option<String>,
}

/// Runs `currents simulate`.
pub(crate) fn run(args: SimulateArgs, _tool: &super::Tool) -> i32 {
    let file = match &args.config {
        Some(path) => match fs::read_to_string(path) {
            Ok(text) => match SimulateSettings::from_toml_str(&text) {
                Ok(s) => s,
                Err(e) => return usage_error(format_args!("config {}: {e}", path.display())),
            },
            Err(e) => {
                return usage_error(format_args!("config {}: cannot read: {e}", path.display()));
            }
        },
        None => SimulateSettings::default(),
    };
    let flags = SimulateSettings {
        runs: args.runs,
        steps: args.steps,
        seed: args.seed,
        rng: args.rng,
        integrity: args.integrity,
        avg_amount: args.avg_amount,
        sum_volume: args.sum_volume,
        initial_credit: args.initial_credit.map(|c| c as i64),
        out: args.out,
    };
    let settings = file.overlay(flags);
    let config = match settings.resolve() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let engine = args.engine.unwrap_or(Engine::default_for(config.rng()));
    let n_threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    let pool = match crate::parallel::pool(n_threads) {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot start {n_threads} threads: {e}");
            return EXIT_FAILURE;
        }
    };
    let job = Job {
        config: &config,
        engine,
        summary: args.summary,
        pool: &pool,
        n_threads,
    };
    let out = settings.out.as_deref().unwrap_or("-");
    if let Err(msg) = check_out_path(out) {
        return usage_error(msg);
    }
    if args.plot.is_some()
        && let Err(code) = super::plot::check_size(&config)
    {
        return code;
    }
    match write_output(out, |w| job.write(w)) {
        Ok(()) => match &args.plot {
            Some(dir) => super::plot::plot_simulation(&config, engine, dir),
            None => 0,
        },
        Err(e) => super::io_failure(&e),
    }
}

/// The most worker threads `--threads` accepts.
const THREADS_MAX: u64 = 1024;

/// Steps of work per parallel task: large enough to amortise scheduling, small enough
/// that a window of CSV buffers (about 100 bytes per step) stays in the tens of MB.
const STEPS_PER_TASK: u64 = 1 << 15;

/// One `simulate` invocation, validated.
struct Job<'a> {
    config: &'a SimConfig,
    engine: Engine,
    summary: bool,
    pool: &'a rayon::ThreadPool,
    n_threads: usize,
}

impl Job<'_> {
    /// Writes the header, then every run's rows (or summary row) in run order.
    fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let config = self.config;
        let chunking = Chunking::for_steps(config.n_steps(), STEPS_PER_TASK, self.n_threads);
        let bar = progress_bar(config.n_runs() * config.n_steps(), config.n_runs());
        if self.summary {
            summary::write_header(w)?;
        } else {
            trajectory_csv::write_header(w)?;
        }
        ordered_runs(
            self.pool,
            config.n_runs(),
            chunking,
            |runs, buf| {
                for run in runs {
                    self.write_run(run, buf)?;
                }
                Ok::<(), io::Error>(())
            },
            |bytes, n_runs| {
                w.write_all(bytes)?;
                bar.inc(n_runs);
                Ok(())
            },
        )?;
        bar.finish_and_clear();
        Ok(())
    }

    /// Appends run `run`'s output to `buf`.
    fn write_run(&self, run: u64, buf: &mut Vec<u8>) -> io::Result<()> {
        let to_io = |e: crate::RunError<io::Error>| match e {
            crate::RunError::Observe(e) => e,
            other => io::Error::other(other.to_string()),
        };
        if self.summary {
            let mut s = RunSummary::default();
            simulate_run_with(self.config, self.engine, run, |t, state| {
                s.observe(t, state);
                Ok::<(), io::Error>(())
            })
            .map_err(to_io)?;
            summary::write_row(buf, self.config, self.engine, run, &s)
        } else {
            simulate_run_with(self.config, self.engine, run, |t, s| {
                trajectory_csv::write_state(buf, run, t, s)
            })
            .map_err(to_io)
        }
    }
}

// Ranges mentioned in the flag help must stay in step with the library's limits.
const _: () = assert!(
    INTEGRITY_ABS_MAX == 100.0 && AVG_AMOUNT_MAX == 1_000_000.0 && SUM_VOLUME_MAX == STEPS_MAX
);
