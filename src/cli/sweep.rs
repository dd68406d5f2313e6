//! `currents sweep`: a grid of rules × user types × parameters of any model the workbench
//! holds, N runs per cell, summarised.
//!
//! Runs that fail part-way (a rule returning a negative limit, a value that no longer fits)
//! are left out of their cell's metrics and named in a `finding:` line on stderr per cell
//! (the cell, how many runs, the first run and its step); the summary is written and the
//! sweep exits 1.

use std::fs;
use std::path::PathBuf;

use crate::params::ParamError;
use crate::spec::{Setting, Spec, SpecError};
use crate::sweep::{RUNS_MAX, Sweep, SweepConfig, THREADS_MAX, run_sweep, write_summary};
use clap::Args;

use super::args::whole;
use super::{FlagPath, Outputs, check_out_path, check_paths, usage_error};

#[derive(Args, Debug)]
pub(crate) struct SweepArgs {
    /// The sweep config (TOML; see examples/sweep.toml)
    #[arg(long, value_name = "FILE.toml")]
    config: PathBuf,
    /// Summary CSV path; `-` is stdout [default: the config's `out`, else stdout]
    #[arg(long, value_name = "PATH")]
    out: Option<String>,
    /// Also write every state of every run to this CSV [default: the config's `trajectories`]
    #[arg(long, value_name = "PATH")]
    trajectories: Option<String>,
    /// Runs per cell (overrides the config)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = whole(1, RUNS_MAX))]
    runs: Option<u64>,
    /// Sweep seed (overrides the config)
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = whole(0, i64::MAX as u64))]
    seed: Option<u64>,
    /// Generator: chacha (run r of cell c: its own stream) or numpy (run r of every cell:
    /// RandomState(seed + r - 1)) (overrides the config) [default: chacha]
    #[arg(long, value_name = "RNG")]
    rng: Option<String>,
    /// Worker threads; the output is the same for any number [default: the config's, else all cores]
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = whole(1, THREADS_MAX))]
    threads: Option<u64>,
}

/// Runs `currents sweep`.
pub(crate) fn run(args: SweepArgs, tool: &super::Tool) -> i32 {
    let text = match fs::read_to_string(&args.config) {
        Ok(t) => t,
        Err(e) => {
            return usage_error(format_args!(
                "config {}: cannot read: {e}",
                args.config.display()
            ));
        }
    };
    let mut config = match SweepConfig::from_toml_str(&text) {
        Ok(c) => c,
        Err(e) => return usage_error(format_args!("config {}: {e}", args.config.display())),
    };
    // Flags over the file's top level, before any cell is resolved.
    let mut flags = Spec {
        runs: args.runs.map(|v| Setting::given("--runs", v)),
        seed: args.seed.map(|v| Setting::given("--seed", v)),
        ..Spec::default()
    };
    if let Some(rng) = &args.rng
        && let Err(e) = flags.set_text("rng", rng, "--rng")
    {
        return usage_error(e);
    }
    config.spec = std::mem::take(&mut config.spec).overlay(flags);
    // The trading graph's file the top level names (`edges`), read for every cell.
    if let Err(e) = super::edges::read_spec_edges(&mut config.spec) {
        return usage_error(format_args!("config {}: {e}", args.config.display()));
    }
    let edge_file = config
        .spec
        .edges_mut()
        .map(|f| (format!("--config's {}", f.field()), f.path().to_owned()));
    // The trajectories have a row per member of every state: they bound a model's members.
    let writes_rows = args.trajectories.is_some() || config.trajectories().is_some();
    let sweep = match config.resolve_within(&tool.bench, writes_rows) {
        Ok(s) => s,
        // A setting a flag gave is named as the flag, not as the file's.
        Err(SpecError::Value(e)) if e.field.starts_with("--") => return usage_error(e),
        Err(e) => return usage_error(format_args!("config {}: {e}", args.config.display())),
    };
    let out_flag = if args.out.is_some() {
        "--out"
    } else {
        "--config's out"
    };
    let trajectories_flag = if args.trajectories.is_some() {
        "--trajectories"
    } else {
        "--config's trajectories"
    };
    let out = args
        .out
        .or(config.out().map(str::to_owned))
        .unwrap_or_else(|| "-".to_owned());
    let trajectories = args
        .trajectories
        .or(config.trajectories().map(str::to_owned));
    if let Err(msg) = check_out_path(&out) {
        return usage_error(msg);
    }
    if let Some(t) = &trajectories {
        if t == "-" {
            return usage_error(ParamError::new(
                "trajectories",
                format!("{t:?}"),
                "a file path other than stdout and the summary's",
            ));
        }
        if let Err(e) = check_out_path(t) {
            return usage_error(e.renamed("out", "trajectories"));
        }
    }
    // Neither output is the config, nor the other one.
    let mut outputs = vec![FlagPath::file(out_flag, &out)];
    outputs.extend(
        trajectories
            .iter()
            .map(|t| FlagPath::file(trajectories_flag, t)),
    );
    let mut inputs = vec![FlagPath::file("--config", &args.config)];
    if let Some((field, path)) = &edge_file {
        inputs.push(FlagPath::file(field, path));
    }
    if let Err(clash) = check_paths(&inputs, &outputs) {
        return usage_error(clash);
    }
    let threads = args
        .threads
        .or(config.threads())
        .map(|t| t as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Every target is a temporary file until all are written (the summary last, so that
    // on stdout it comes after the trajectories are safely staged).
    let mut outputs = Outputs::new();
    let reserved = outputs.reserve(&out).and_then(|()| match &trajectories {
        Some(t) => outputs.reserve(t),
        None => Ok(()),
    });
    if let Err(e) = reserved {
        return super::io_failure(&e);
    }
    let bar = progress(&sweep);
    let on_cell = || bar.inc(1);
    let mut summaries = Vec::new();
    let ran = match &trajectories {
        None => run_sweep(&sweep, threads, None, &on_cell).map(|s| summaries = s),
        Some(t) => outputs.stage(t, |tw| {
            summaries = run_sweep(&sweep, threads, Some(tw), &on_cell)?;
            Ok(())
        }),
    };
    bar.finish_and_clear();
    let result = ran
        .and_then(|()| outputs.stage(&out, |w| write_summary(w, &sweep, &summaries)))
        .and_then(|()| outputs.commit());
    if let Err(e) = result {
        return super::io_failure(&e);
    }
    // A run whose step fails is a finding: the summary is written (its cell's metrics
    // leave the run out), a line on stderr names the cell, the count, the first failed
    // run and its step, and the sweep exits 1.
    let findings: Vec<String> = summaries
        .iter()
        .filter_map(|s| s.failure_note(sweep.n_runs()))
        .collect();
    for finding in &findings {
        super::stderr_line(format_args!("finding: {finding}"));
    }
    i32::from(!findings.is_empty())
}

/// A progress bar over cells on stderr, for sweeps of at least a million steps (indicatif
/// draws nothing when stderr is not a terminal).
fn progress(sweep: &Sweep) -> indicatif::ProgressBar {
    let n_cells = sweep.cells().len() as u64;
    if n_cells
        .saturating_mul(sweep.n_runs())
        .saturating_mul(sweep.n_steps())
        < 1_000_000
    {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n_cells);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} cells {pos}/{len} [{elapsed_precise}, eta {eta}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
