//! `currents compare`: a baseline and a candidate on common random numbers; exit 0 when
//! nothing changed significantly, 1 when something did (a side whose runs fail part-way
//! breaks `run-completes`, which counts), 2 on bad input.
//!
//! Each side is a spec: the shorthand `NAME:key=value,…` or a spec/scenario `.toml` file;
//! how the two sides and the flags layer is the library's ([`crate::compare`]).

use std::fs;

use crate::compare::{
    CompareConfig, CompareError, Format, SideInput, compare, from_spec, parse_change,
    parse_fail_on, parse_metric, resolve_sides,
};
use crate::params::ParamError;
use crate::spec::Spec;
use clap::Args;

use super::{EXIT_FAILURE, FlagPath, check_out_path, check_paths, usage_error, write_output};

#[derive(Args, Debug)]
pub(crate) struct CompareArgs {
    /// The rule on the main branch: NAME[:key=value,…] — the rule, its parameters, model=, user=, the user's and model's parameters, restriction=, rng=, seed=, runs=, steps= (see `currents policies`) — or a spec/scenario .toml file
    #[arg(long, value_name = "SPEC|FILE.toml")]
    baseline: String,
    /// The changed rule, in the same form as --baseline
    #[arg(long, value_name = "SPEC|FILE.toml")]
    candidate: String,
    /// Paired runs, >= 2 [default: 20, or what a side sets]
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    runs: Option<String>,
    /// Steps per run [default: 365, or what a side sets]
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    steps: Option<String>,
    /// Seed; run r of both sides uses the stream `simulate` uses for run r [default: 0, or what a side sets]
    #[arg(long, value_name = "S", allow_hyphen_values = true)]
    seed: Option<String>,
    /// Generator family: chacha or numpy [default: chacha, or what a side sets]
    #[arg(long, value_name = "chacha|numpy", allow_hyphen_values = true)]
    rng: Option<String>,
    /// Output format: table, markdown or json
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: String,
    /// Output path; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH", default_value = "-")]
    out: String,
    /// Smallest relative change of a metric's mean that fails the gate: 0.01 or 1% [default: 1%]
    #[arg(long, value_name = "CHANGE", allow_hyphen_values = true)]
    min_change: Option<String>,
    /// Per-metric threshold replacing --min-change, e.g. credit_mean:5% (repeatable)
    #[arg(long, value_name = "METRIC:THRESHOLD", allow_hyphen_values = true)]
    fail_on: Vec<String>,
    /// A metric that is reported but never fails the gate (repeatable)
    #[arg(long, value_name = "METRIC")]
    allow: Vec<String>,
}

/// A side: a file when the argument ends in `.toml`, else the shorthand; the trading
/// graph's file it names (`edges`), read.
fn load_side(field: &str, arg: &str) -> Result<SideInput, String> {
    let mut side = parse_side(field, arg)?;
    super::edges::read_spec_edges(side.spec_mut()).map_err(|e| format!("{field}: {e}"))?;
    Ok(side)
}

/// A side as written: a file when the argument ends in `.toml`, else the shorthand.
fn parse_side(field: &str, arg: &str) -> Result<SideInput, String> {
    if arg.ends_with(".toml") {
        let text = fs::read_to_string(arg).map_err(|e| {
            ParamError::new(
                field,
                format!("{arg:?}"),
                format!("a readable spec or scenario file; {e}"),
            )
            .to_string()
        })?;
        SideInput::file(field, arg, &text).map_err(|e| e.to_string())
    } else {
        SideInput::shorthand(field, arg).map_err(|e| e.to_string())
    }
}

/// Runs `currents compare`.
pub(crate) fn run(args: CompareArgs, tool: &super::Tool) -> i32 {
    // A side that is a file (as `load_side` reads it) is an input the report may not
    // replace.
    let inputs: Vec<FlagPath> = [
        ("--baseline", &args.baseline),
        ("--candidate", &args.candidate),
    ]
    .into_iter()
    .filter(|(_, arg)| arg.ends_with(".toml"))
    .map(|(flag, arg)| FlagPath::file(flag, arg))
    .collect();
    if let Err(clash) = check_paths(&inputs, &[FlagPath::file("--out", &args.out)]) {
        return usage_error(clash);
    }
    let parsed = (|| -> Result<_, String> {
        let mut baseline = load_side("baseline", &args.baseline)?;
        let mut candidate = load_side("candidate", &args.candidate)?;
        // The trading graphs' files the sides name are inputs too.
        let edge_files: Vec<(String, String)> = [&mut baseline, &mut candidate]
            .into_iter()
            .filter_map(|side| {
                let f = side.spec_mut().edges_mut()?;
                Some((f.field().to_owned(), f.path().to_owned()))
            })
            .collect();
        let edge_inputs: Vec<FlagPath> = edge_files
            .iter()
            .map(|(field, path)| FlagPath::file(field, path))
            .collect();
        check_paths(&edge_inputs, &[FlagPath::file("--out", &args.out)])?;
        // The settings flags, read as the spec reads them.
        // Checked against compare's own limits, so an error names the range it enforces.
        let limits = CompareConfig::default().limits();
        let mut flags = Spec::default();
        for (key, flag, value) in [
            ("runs", "--runs", &args.runs),
            ("steps", "--steps", &args.steps),
            ("seed", "--seed", &args.seed),
            ("rng", "--rng", &args.rng),
        ] {
            if let Some(v) = value {
                flags
                    .set_text_within(key, v, flag, &limits)
                    .map_err(|e| from_spec(e).to_string())?;
            }
        }
        // A gate flag's error names the flag as typed (`--min-change`, not `min-change`).
        let as_flag = |e: CompareError| {
            let field = if e.field.starts_with("--") {
                e.field.clone()
            } else {
                format!("--{}", e.field)
            };
            CompareError { field, ..e }.to_string()
        };
        let defaults = CompareConfig::default();
        let gate = CompareConfig {
            min_change: match &args.min_change {
                Some(s) => parse_change("min-change", s).map_err(as_flag)?,
                None => defaults.min_change,
            },
            fail_on: args
                .fail_on
                .iter()
                .map(|s| parse_fail_on(s))
                .collect::<Result<_, _>>()
                .map_err(as_flag)?,
            allow: args
                .allow
                .iter()
                .map(|s| parse_metric("allow", s))
                .collect::<Result<_, _>>()
                .map_err(as_flag)?,
            ..defaults
        };
        let (baseline, candidate, config) =
            resolve_sides(&baseline, &candidate, &flags, &gate, &tool.bench)
                .map_err(|e| e.to_string())?;
        let format = Format::parse(&args.format).map_err(as_flag)?;
        check_out_path(&args.out).map_err(|e| e.to_string())?;
        Ok((baseline, candidate, config, format))
    })();
    let (baseline, candidate, config, format) = match parsed {
        Ok(x) => x,
        Err(msg) => return usage_error(msg),
    };
    let mut report = match compare(&baseline, &candidate, &config, &tool.bench) {
        Ok(r) => r,
        Err(e) => {
            super::stderr_line(format_args!("error: {e}"));
            return EXIT_FAILURE;
        }
    };
    report.program = tool.bin.clone();
    let text = report.render(format);
    if let Err(e) = write_output(&args.out, |w| w.write_all(text.as_bytes())) {
        return super::io_failure(&e);
    }
    if args.out != "-" {
        // The verdict also goes to stderr so a CI log shows it when the report is a file.
        super::stderr_line(report.verdict());
    }
    i32::from(report.changed())
}
