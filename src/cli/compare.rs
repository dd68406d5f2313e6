//! `currents compare`: a baseline and a candidate rule on common random numbers; exit 0 when
//! nothing changed significantly, 1 when something did (a side whose runs fail part-way
//! breaks `run-completes`, which counts), 2 on bad input.

use std::fs;

use crate::RngKind;
use crate::compare::{
    CompareConfig, Format, Side, compare, parse_change, parse_fail_on, parse_metric, parse_spec,
    side_from_scenario,
};
use crate::params::STEPS_MAX;
use clap::Args;

use super::simulate::{rng_kind, whole};
use super::{EXIT_FAILURE, check_out_path, usage_error, write_output};

/// Paired runs when neither a flag nor a scenario file sets them.

#[derive(Args, Debug)]
pub(crate) struct CompareArgs {
    /// The rule on the main branch: NAME[:key=value,…] (see `currents policies`) or a scenario .toml file
    #[arg(long, value_name = "RULE|FILE.toml")]
    baseline: String,
    /// The changed rule, in the same form as --baseline
    #[arg(long, value_name = "RULE|FILE.toml")]
    candidate: String,
    /// Paired runs, >= 2 [default: 20, or the baseline scenario's]
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = whole(0, u64::MAX))]
    runs: Option<u64>,
    /// Steps per run [default: 365, or the baseline scenario's]
    #[arg(long, value_name = "T", allow_hyphen_values = true, value_parser = whole(1, STEPS_MAX))]
    steps: Option<u64>,
    /// Seed; run r of both sides uses the stream `simulate` uses for run r [default: 0]
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = whole(0, u64::MAX))]
    seed: Option<u64>,
    /// Generator family: chacha or numpy [default: chacha]
    #[arg(long, value_name = "chacha|numpy", value_parser = rng_kind)]
    rng: Option<RngKind>,
    /// Output format: table, markdown or json [default: table]
    #[arg(long, value_name = "FORMAT", default_value = "table")]
    format: String,
    /// Output path; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH", default_value = "-")]
    out: String,
    /// Smallest relative change of a metric's mean that fails the gate: 0.01 or 1% [default: 1%]
    #[arg(long, value_name = "CHANGE")]
    min_change: Option<String>,
    /// Per-metric threshold replacing --min-change, e.g. credit_mean:5% (repeatable)
    #[arg(long, value_name = "METRIC:THRESHOLD")]
    fail_on: Vec<String>,
    /// A metric that is reported but never fails the gate (repeatable)
    #[arg(long, value_name = "METRIC")]
    allow: Vec<String>,
}

fn load_side(field: &str, arg: &str) -> Result<Side, String> {
    if arg.ends_with(".toml") {
        let text = fs::read_to_string(arg).map_err(|e| {
            format!(
                "invalid value for `{field}`: {arg:?} (accepted: a readable scenario file; {e})"
            )
        })?;
        side_from_scenario(field, arg, &text).map_err(|e| e.to_string())
    } else {
        parse_spec(field, arg).map_err(|e| e.to_string())
    }
}

/// Runs `currents compare`.
pub(crate) fn run(args: CompareArgs, _tool: &super::Tool) -> i32 {
    let parsed = (|| -> Result<_, String> {
        let mut baseline = load_side("baseline", &args.baseline)?;
        let mut candidate = load_side("candidate", &args.candidate)?;
        // A rule spec runs with the model parameters of a scenario on the other side, so the
        // comparison is about the rule alone.
        if baseline.from_scenario && !candidate.from_scenario {
            candidate.cell.params = baseline.cell.params;
            candidate.cell.behaviour = baseline.cell.behaviour;
        } else if candidate.from_scenario && !baseline.from_scenario {
            baseline.cell.params = candidate.cell.params;
            baseline.cell.behaviour = candidate.cell.behaviour;
        }
        let file = baseline.settings.as_ref().or(candidate.settings.as_ref());
        let defaults = CompareConfig::default();
        let config = CompareConfig {
            n_runs: args
                .runs
                .or(file.map(|c| c.n_runs()))
                .unwrap_or(defaults.n_runs),
            n_steps: args
                .steps
                .or(file.map(|c| c.n_steps()))
                .unwrap_or(defaults.n_steps),
            seed: args
                .seed
                .or(file.map(|c| c.seed()))
                .unwrap_or(defaults.seed),
            rng: args.rng.or(file.map(|c| c.rng())).unwrap_or(defaults.rng),
            min_change: match &args.min_change {
                Some(s) => parse_change("min-change", s).map_err(|e| e.to_string())?,
                None => defaults.min_change,
            },
            fail_on: args
                .fail_on
                .iter()
                .map(|s| parse_fail_on(s))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
            allow: args
                .allow
                .iter()
                .map(|s| parse_metric("allow", s))
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?,
        };
        config.validate().map_err(|e| e.to_string())?;
        let format = Format::parse(&args.format).map_err(|e| e.to_string())?;
        check_out_path(&args.out)?;
        Ok((baseline, candidate, config, format))
    })();
    let (baseline, candidate, config, format) = match parsed {
        Ok(x) => x,
        Err(msg) => return usage_error(msg),
    };
    let report = match compare(&baseline, &candidate, &config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILURE;
        }
    };
    let text = report.render(format);
    if let Err(e) = write_output(&args.out, |w| w.write_all(text.as_bytes())) {
        eprintln!("error: {e}");
        return EXIT_FAILURE;
    }
    if args.out != "-" {
        // The verdict also goes to stderr so a CI log shows it when the report is a file.
        eprintln!("{}", report.verdict());
    }
    i32::from(report.changed())
}
