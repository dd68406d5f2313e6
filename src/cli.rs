//! Command-line definition and glue: parse, call the library, write files, map errors to
//! exit codes (0 success, 2 bad input, 1 a failure while running).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory, Parser, Subcommand};
use currents::config::SimulateSettings;
use currents::params::{
    AVG_AMOUNT_MAX, INITIAL_CREDIT_MAX, INTEGRITY_ABS_MAX, RUNS_MAX, STEPS_MAX, SUM_VOLUME_MAX,
};
use currents::{RngKind, SimConfig, simulate_run, trajectory_csv};

/// Exit code for bad input (flags, config, parameters).
const EXIT_USAGE: i32 = 2;
/// Exit code for a failure while running (for example, an unwritable output).
const EXIT_FAILURE: i32 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "currents",
    version,
    about = "Simulate and verify mutual-credit credit rules",
    allow_negative_numbers = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run seeded Monte Carlo simulations of the V1 model and write the trajectories as CSV.
    Simulate(SimulateArgs),
}

fn whole(lo: u64, hi: u64) -> impl Fn(&str) -> Result<u64, String> + Clone {
    move |s: &str| {
        s.trim()
            .parse::<u64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(|| format!("accepted: a whole number in [{lo}, {hi}]"))
    }
}

fn number(s: &str) -> Result<f64, String> {
    s.trim()
        .parse::<f64>()
        .map_err(|_| "accepted: a decimal number".to_owned())
}

fn rng_kind(s: &str) -> Result<RngKind, String> {
    RngKind::parse(s).map_err(|_| "accepted: chacha or numpy".to_owned())
}

#[derive(Args, Debug)]
struct SimulateArgs {
    /// Monte Carlo runs [default: 10]
    #[arg(long, value_name = "N", value_parser = whole(1, RUNS_MAX))]
    runs: Option<u64>,
    /// Steps per run [default: 365]
    #[arg(long, value_name = "T", value_parser = whole(1, STEPS_MAX))]
    steps: Option<u64>,
    /// Seed; with numpy, run r uses RandomState(seed + r - 1) [default: 0]
    #[arg(long, value_name = "S", value_parser = whole(0, u64::MAX))]
    seed: Option<u64>,
    /// Generator family: chacha or numpy [default: chacha]
    #[arg(long, value_name = "chacha|numpy", value_parser = rng_kind)]
    rng: Option<RngKind>,
    /// Integrity coefficient, |X| <= 100 (1 = balanced) [default: 1]
    #[arg(long, value_name = "X", value_parser = number)]
    integrity: Option<f64>,
    /// Average transaction amount, 0 < A <= 1e6 [default: 100]
    #[arg(long, value_name = "A", value_parser = number)]
    avg_amount: Option<f64>,
    /// Send-volume window (sumVolume), K >= 1 [default: 30]
    #[arg(long, value_name = "K", value_parser = whole(0, u64::MAX))]
    sum_volume: Option<u64>,
    /// Credit and capacity at genesis [default: 250]
    #[arg(long, value_name = "C", value_parser = whole(0, INITIAL_CREDIT_MAX as u64))]
    initial_credit: Option<u64>,
    /// Output CSV path; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH")]
    out: Option<String>,
    /// TOML file with the same keys as these flags; flags override it
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
}

/// Parses the process arguments and runs the command; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    match cli.command {
        Command::Simulate(args) => simulate(args),
    }
}

/// Prints a clap error as one line (help and version are printed in full).
fn clap_error(e: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            let _ = e.print();
            EXIT_USAGE
        }
        kind => {
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .next()
                .unwrap_or("error: invalid arguments")
                .trim_end();
            if matches!(
                kind,
                ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand
            ) {
                eprintln!("{first} (accepted: {})", accepted_flags());
            } else {
                eprintln!("{first}");
            }
            EXIT_USAGE
        }
    }
}

/// The flags of the subcommand named in the arguments, or the subcommands.
fn accepted_flags() -> String {
    let cmd = Cli::command();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sub = cmd
        .get_subcommands()
        .find(|s| args.iter().any(|a| a == s.get_name()));
    match sub {
        Some(sub) => sub
            .get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect::<Vec<_>>()
            .join(", "),
        None => cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn usage_error(msg: impl std::fmt::Display) -> i32 {
    eprintln!("error: {msg}");
    EXIT_USAGE
}

fn simulate(args: SimulateArgs) -> i32 {
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
    match write_output(out, |w| write_trajectories(&config, w)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_FAILURE
        }
    }
}

/// Writes to stdout for `-`, else to a temporary file beside `path` renamed into place on
/// success, so a failed run never leaves a partial file.
fn write_output(path: &str, body: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    if path == "-" {
        let stdout = io::stdout();
        let mut w = BufWriter::with_capacity(1 << 16, stdout.lock());
        body(&mut w)?;
        return w.flush();
    }
    let target = Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".currents-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot write in {}: {e}", dir.display())))?;
    {
        let mut w = BufWriter::with_capacity(1 << 16, tmp.as_file());
        body(&mut w)?;
        w.flush()?;
    }
    tmp.persist(target)
        .map_err(|e| io::Error::new(e.error.kind(), format!("cannot write {path}: {}", e.error)))?;
    Ok(())
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

/// A progress bar over runs on stderr, shown only for long jobs on a terminal.
fn progress_bar(work: u64, n_runs: u64) -> indicatif::ProgressBar {
    if work < 5_000_000 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n_runs);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} runs {pos}/{len} [{elapsed_precise}, eta {eta}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

// Ranges mentioned in the flag help must stay in step with the library's limits.
const _: () = assert!(
    INTEGRITY_ABS_MAX == 100.0 && AVG_AMOUNT_MAX == 1_000_000.0 && SUM_VOLUME_MAX == STEPS_MAX
);
