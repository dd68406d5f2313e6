//! `currents simulate`: seeded Monte Carlo runs of the V1 model, written as cadCAD's CSV.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use currents::config::SimulateSettings;
use currents::params::{
    AVG_AMOUNT_MAX, INITIAL_CREDIT_MAX, INTEGRITY_ABS_MAX, RUNS_MAX, STEPS_MAX, SUM_VOLUME_MAX,
};
use currents::{RngKind, SimConfig, simulate_run, trajectory_csv};

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
pub(crate) fn run(args: SimulateArgs) -> i32 {
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
    let out = settings.out.as_deref().unwrap_or("-");
    if let Err(msg) = check_out_path(out) {
        return usage_error(msg);
    }
    if args.plot.is_some()
        && let Err(code) = super::plot::check_size(&config)
    {
        return code;
    }
    match write_output(out, |w| write_trajectories(&config, w)) {
        Ok(()) => match &args.plot {
            Some(dir) => super::plot::plot_simulation(&config, dir),
            None => 0,
        },
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

fn write_trajectories(config: &SimConfig, w: &mut dyn Write) -> io::Result<()> {
    trajectory_csv::write_header(w)?;
    let bar = progress_bar(config.n_runs() * config.n_steps(), config.n_runs());
    for run in 1..=config.n_runs() {
        simulate_run(config, run, |t, s| {
            trajectory_csv::write_state(w, run, t, s)
        })
        .map_err(|e| match e {
            currents::RunError::Visit(e) => e,
            other => io::Error::other(other.to_string()),
        })?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(())
}

// Ranges mentioned in the flag help must stay in step with the library's limits.
const _: () = assert!(
    INTEGRITY_ABS_MAX == 100.0 && AVG_AMOUNT_MAX == 1_000_000.0 && SUM_VOLUME_MAX == STEPS_MAX
);
