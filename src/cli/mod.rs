//! Command-line definition and glue: parse, call the library, write files, map errors to
//! exit codes (0 success, 2 bad input, 1 a failure while running).

use std::io::{self, IsTerminal};
use std::path::Path;

use clap::{CommandFactory, Parser, Subcommand};

use crate::params::ParamError;
use crate::workbench::Workbench;
pub(crate) use output::{FlagPath, Outputs, check_paths, io_failure, stderr_line, write_output};

mod args;
mod check;
mod compare;
mod edges;
mod findings;
mod new;
mod output;
mod plot;
mod policies;
mod replay;
mod report;
mod scenario;
mod simulate;
mod spill;
mod sweep;

/// Exit code for bad input (flags, config, parameters).
pub(crate) const EXIT_USAGE: i32 = 2;
/// Exit code for a failure while running (for example, an unwritable output).
pub(crate) const EXIT_FAILURE: i32 = 1;

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
    /// Run seeded Monte Carlo simulations of one spec (rule, user, parameters) and write the
    /// trajectories as CSV.
    Simulate(simulate::SimulateArgs),
    /// Check a credit policy against the invariant catalog; exit 1 if a required law breaks.
    Check(check::CheckArgs),
    /// Replay a counterexample printed by `check` and report the violations it shows.
    Replay(replay::ReplayArgs),
    /// Draw charts (SVG and PNG) of trajectory CSVs and of a sweep table.
    Plot(plot::PlotArgs),
    /// Write one self-contained HTML page: charts, parameters and seeds, metric table.
    Report(report::ReportArgs),
    /// List the built-in credit rules and user types with their parameters and defaults.
    Policies(policies::PoliciesArgs),
    /// Run a grid of rules × user types × parameters, N runs per cell; write a summary CSV.
    Sweep(sweep::SweepArgs),
    /// Write docs/findings.md from a sweep summary (see scripts/findings.sh).
    Findings(findings::FindingsArgs),
    /// Compare a candidate rule with a baseline on common random numbers; exit 1 if it changed.
    Compare(compare::CompareArgs),
    /// Run a scenario file and write its report (the text of its snapshot).
    Scenario(scenario::ScenarioArgs),
    /// Start a crate of your own (rules, a model, tests, fuzzing, a binary) from the template
    New(new::NewArgs),
}

/// What every subcommand runs with: the workbench its names are looked up in and the
/// program's name as it was invoked (for the commands the tool prints).
pub(crate) struct Tool {
    /// Every model, rule and user a command accepts by name.
    pub(crate) bench: Workbench,
    /// The binary as invoked (`currents`, `target/release/currents`, a user's own binary):
    /// printed replay and reproduce commands start with it, so they run as printed.
    pub(crate) bin: String,
}

/// The `currents` tool with the built-in models: parses the process arguments, runs the
/// command and returns the exit code.
pub fn main() -> i32 {
    main_with(Workbench::builtin())
}

/// The whole `currents` tool — every subcommand — with the models of `bench`: a user's
/// binary registers its own models, rules and users and gets `simulate`, `check`,
/// `replay`, `sweep`, `compare`, `policies`, `plot`, `report` and `findings` with them.
///
/// ```no_run
/// use currents::v1::V1;
/// use currents::workbench::Workbench;
/// # use currents::rules::Static as MyRule; // your own `Rule` + `CreditPolicy` type
///
/// fn main() {
///     let bench = Workbench::builtin().with_registry::<V1>(|r| r.rule::<MyRule>());
///     std::process::exit(currents::cli::main_with(bench));
/// }
/// ```
pub fn main_with(bench: Workbench) -> i32 {
    // First, so that a signal at any later point leaves no temporary file.
    output::install_signal_handler();
    let tool = Tool {
        bench,
        bin: program(std::env::args().next()),
    };
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    match cli.command {
        Command::Simulate(args) => simulate::run(args, &tool),
        Command::Check(args) => check::run(args, &tool),
        Command::Replay(args) => replay::run(args, &tool),
        Command::Plot(args) => plot::run(args, &tool),
        Command::Report(args) => report::run(args, &tool),
        Command::Policies(args) => policies::run(args, &tool),
        Command::Sweep(args) => sweep::run(args, &tool),
        Command::Findings(args) => findings::run(args, &tool),
        Command::Compare(args) => compare::run(args, &tool),
        Command::Scenario(args) => scenario::run(args, &tool),
        Command::New(args) => new::run(args, &tool),
    }
}

/// The program as printed commands start it: as invoked when found on the `PATH`
/// (`currents`, `my-currency`), else — invoked by a path, `target/release/currents` — the
/// absolute path of the running executable, so that a printed command runs as printed from
/// any directory.
fn program(argv0: Option<String>) -> String {
    let argv0 = argv0
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| "currents".to_owned());
    if !argv0.contains('/') {
        return argv0;
    }
    std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .map_or(argv0, |p| p.to_string_lossy().into_owned())
}

/// Parses the process arguments. A negative number after a flag of any subcommand is its
/// value (`check --cases -1`, `replay --integrity -0.5`), so that the flag's own check
/// names it and its range, not "unexpected argument '-1'".
fn parse_args() -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = Cli::command();
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |s| s.allow_negative_numbers(true));
    }
    Cli::from_arg_matches(&cmd.try_get_matches()?)
}

/// Prints a clap error as one line (help and version are printed in full): clap's
/// multi-line messages (the missing required arguments, one per line) are folded into
/// their first line, its usage and "For more information" lines left out, a tip kept in
/// brackets, and a long rejected value shortened.
fn clap_error(e: clap::Error) -> i32 {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Through the one output path: `--help > /dev/full` is one line and exit 1,
            // `--help | head -1` exit 0; coloured only on a terminal, as clap does.
            let rendered = e.render();
            let text = if io::stdout().is_terminal() {
                rendered.ansi().to_string()
            } else {
                rendered.to_string()
            };
            match write_output("-", |w| w.write_all(text.as_bytes())) {
                Ok(()) => 0,
                Err(e) => io_failure(&e),
            }
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            stderr_line(format_args!(
                "error: a subcommand is required (accepted: {})",
                accepted_flags()
            ));
            EXIT_USAGE
        }
        ErrorKind::ValueValidation
            if let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) = (
                e.get(ContextKind::InvalidArg),
                e.get(ContextKind::InvalidValue),
            ) =>
        {
            // A flag's own parser refused the value: the one invalid-value message, the
            // value as written (`--runs 2.5`: `invalid value for `--runs`: 2.5 (accepted:
            // a whole number in [1, 1000])`).
            let flag = arg.split([' ', '=']).next().unwrap_or(arg);
            let why = std::error::Error::source(&e).map_or_else(String::new, |s| s.to_string());
            let accepted = why.strip_prefix("accepted: ").unwrap_or(&why);
            stderr_line(format_args!(
                "error: {}",
                ParamError::new(flag, crate::params::shown_text(value), accepted)
            ));
            EXIT_USAGE
        }
        kind => {
            let mut line = fold_lines(&e.render().to_string());
            for kind in [
                ContextKind::InvalidValue,
                ContextKind::InvalidArg,
                ContextKind::InvalidSubcommand,
            ] {
                if let Some(ContextValue::String(value)) = e.get(kind) {
                    let short = crate::params::short_text(value);
                    if short != *value {
                        line = line.replacen(value.as_str(), &short, 1);
                    }
                }
            }
            if matches!(
                kind,
                ErrorKind::UnknownArgument | ErrorKind::InvalidSubcommand
            ) {
                stderr_line(format_args!("{line} (accepted: {})", accepted_flags()));
            } else {
                stderr_line(line);
            }
            EXIT_USAGE
        }
    }
}

/// A clap message as one line: its first line, then the lines under it (the names of the
/// missing arguments) joined by commas, and a `tip:` in brackets; the usage and the
/// "For more information" line are left out.
fn fold_lines(rendered: &str) -> String {
    let mut head = String::new();
    let mut items = Vec::new();
    let mut tips = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if line.is_empty() {
            continue;
        }
        if head.is_empty() {
            head = line.to_owned();
        } else if let Some(tip) = line.strip_prefix("tip:") {
            tips.push(tip.trim().to_owned());
        } else {
            items.push(line.to_owned());
        }
    }
    if head.is_empty() {
        head = "error: invalid arguments".to_owned();
    }
    if !items.is_empty() {
        head = format!("{} {}", head.trim_end(), items.join(", "));
    }
    for tip in tips {
        head = format!("{head} (tip: {tip})");
    }
    head
}

/// The flags of the subcommand named in the arguments, or the subcommands.
fn accepted_flags() -> String {
    let cmd = Cli::command();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sub = cmd
        .get_subcommands()
        .find(|s| args.iter().any(|a| a == s.get_name()));
    match sub {
        Some(sub) => {
            let flags: Vec<String> = sub
                .get_arguments()
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .collect();
            if flags.is_empty() {
                format!("no flags; `{} --help` is the only one", sub.get_name())
            } else {
                flags.join(", ")
            }
        }
        None => cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Prints `error: msg` on stderr and returns the bad-input exit code.
pub(crate) fn usage_error(msg: impl std::fmt::Display) -> i32 {
    stderr_line(format_args!("error: {msg}"));
    EXIT_USAGE
}

/// Checks before any work that `field` (`out`, `plot`) names a directory to write charts
/// into: not empty (which would write into the current directory), and not an existing
/// file.
pub(crate) fn check_out_dir(field: &str, path: &str) -> Result<(), ParamError> {
    let bad = |accepted: String| Err(ParamError::new(field, format!("{path:?}"), accepted));
    if path.is_empty() {
        return bad("a directory path; it is created if missing".to_owned());
    }
    if Path::new(path).exists() && !Path::new(path).is_dir() {
        return bad(format!("a directory path; {path} is a file"));
    }
    // A directory cannot be created under a file (`--out notes.txt/charts`).
    if let Some(file) = Path::new(path)
        .ancestors()
        .skip(1)
        .find(|a| !a.as_os_str().is_empty() && a.exists() && !a.is_dir())
    {
        return bad(format!(
            "a directory path; {} is not a directory",
            file.display()
        ));
    }
    Ok(())
}

/// Checks before any work that `--out` names a file in an existing directory.
pub(crate) fn check_out_path(path: &str) -> Result<(), ParamError> {
    if path == "-" {
        return Ok(());
    }
    let target = Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let bad = |accepted: String| Err(ParamError::new("out", format!("{path:?}"), accepted));
    if path.is_empty() || path.ends_with('/') || target.is_dir() {
        return bad("a file path, or - for stdout".to_owned());
    }
    if !dir.is_dir() {
        let why = if dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return bad(format!(
            "a file in an existing directory; {} {why}",
            dir.display()
        ));
    }
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
