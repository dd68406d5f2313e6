//! `currents check`: the invariant catalog over seeded runs (the model's own cells, or the
//! one cell `--user` and `--param` name), a shrinking tape search and rule probes; exit 0
//! when every required invariant holds and every goal is reached, 1 otherwise, 2 on bad
//! input.

use crate::draws::NUMPY_SEED_MAX;
use crate::harness::{
    CHECK_RUNS_MAX, CHECK_STEPS_MAX, CellArgs, HarnessConfig, HarnessReport, TAPE_CASES_MAX,
};
use crate::params::ParamError;
use crate::spec::{SPEC_KEYS, canonical};

use clap::Args;

use super::args::{model_of, whole};
use super::{EXIT_FAILURE, usage_error};

fn format(s: &str) -> Result<Format, String> {
    match s.trim() {
        "table" => Ok(Format::Table),
        "json" => Ok(Format::Json),
        _ => Err("accepted: table or json".to_owned()),
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Format {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub(crate) struct CheckArgs {
    /// The policy to check, any rule `policies` lists [default: the first, currents-v1]
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
    /// The model the policy runs on [default: the first model that has the policy]
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// The user of the seeded runs, with its parameters if any (a network's
    /// `barabasi-albert:m=2`); the runs are then one cell, this user's [default: the
    /// model's own cells]
    #[arg(long, value_name = "NAME[:KEY=VALUE,...]")]
    user: Option<String>,
    /// A parameter of the model or the user for the seeded runs, as KEY=VALUE; repeatable;
    /// the runs are then one cell with these values [default: the model's own cells]
    #[arg(long = "param", value_name = "KEY=VALUE", allow_hyphen_values = true)]
    params: Vec<String>,
    /// The trading graph's edge list of the seeded runs, for the user `edge-list` (CSV:
    /// `from,to`, then one edge `A,B` a line); the printed replay commands name it
    #[arg(long, value_name = "FILE.csv")]
    edges: Option<String>,
    /// Runs per parameter set and generator
    #[arg(long, value_name = "N", value_parser = whole(1, CHECK_RUNS_MAX), default_value = "10")]
    runs: u64,
    /// Steps per run
    #[arg(long, value_name = "T", value_parser = whole(1, CHECK_STEPS_MAX), default_value = "365")]
    steps: u64,
    /// Seed of the runs (as `simulate --seed`) and of the tape search; the runs include
    /// numpy's, so seed + runs - 1 must fit its 32-bit seed
    #[arg(long, value_name = "S", value_parser = whole(0, NUMPY_SEED_MAX), default_value = "0")]
    seed: u64,
    /// Tape cases in the shrinking search; 0 skips it
    #[arg(long, value_name = "N", value_parser = whole(0, TAPE_CASES_MAX as u64), default_value = "256")]
    cases: u64,
    /// Output format: table or json
    #[arg(long, value_name = "table|json", value_parser = format, default_value = "table")]
    format: Format,
}

/// The one cell `--user` and `--param` name on the model the check runs, or none (the
/// model's own cells) when neither is given: the user's name, then its shorthand's
/// `key=value` pairs and each `--param`, every key a parameter (not a spec key), each once,
/// every value a number (its range is the model's to check, when the cell is resolved).
fn cell(args: &CheckArgs, tool: &super::Tool) -> Result<Option<CellArgs>, ParamError> {
    if args.user.is_none() && args.params.is_empty() && args.edges.is_none() {
        return Ok(None);
    }
    let model = model_of(&tool.bench, args.model.as_deref(), args.policy.as_deref())?;
    let (user, pairs) = match args
        .user
        .as_deref()
        .map(|u| u.split_once(':').unwrap_or((u, "")))
    {
        Some((name, rest)) => (Some(name.trim().to_owned()), rest),
        None => (None, ""),
    };
    let from_user = pairs.split(',').filter(|p| !p.trim().is_empty());
    let named = from_user
        .map(|p| ("--user", p))
        .chain(args.params.iter().map(|p| ("--param", p.as_str())));
    let mut params: Vec<(String, String)> = Vec::new();
    for (field, pair) in named {
        let accepted = "KEY=VALUE, KEY a parameter the model or the user declares, each once";
        let Some((key, value)) = pair.split_once('=') else {
            return Err(ParamError::new(field, format!("{pair:?}"), accepted));
        };
        let key = canonical(key.trim());
        if SPEC_KEYS.contains(&key.as_str()) || params.iter().any(|(k, _)| *k == key) {
            return Err(ParamError::new(
                field,
                format!("{pair:?}"),
                format!("{accepted}; `{key}` is set already or is not a parameter"),
            ));
        }
        params.push((key, value.trim().to_owned()));
    }
    if let Some(path) = &args.edges {
        params.push(("edges".to_owned(), path.clone()));
    }
    let cell = CellArgs {
        model: Some(model.name().to_owned()),
        user,
        params,
    };
    // Every value a number, named as its flag.
    cell.to_spec().map_err(|e| match e {
        crate::spec::SpecError::Value(e) => e,
        other => ParamError::new("--param", other.to_string(), "numbers"),
    })?;
    Ok(Some(cell))
}

/// Runs `currents check`.
pub(crate) fn run(args: CheckArgs, tool: &super::Tool) -> i32 {
    let cells = match cell(&args, tool) {
        Ok(cell) => cell.into_iter().collect(),
        Err(e) => return usage_error(e),
    };
    let edge_files = match super::edges::read_flag(args.edges.as_deref()) {
        Ok(file) => file.into_iter().collect(),
        Err(e) => return usage_error(e),
    };
    let config = HarnessConfig {
        cells,
        edge_files,
        n_runs: args.runs,
        n_steps: args.steps,
        seed: args.seed,
        tape_cases: u32::try_from(args.cases).unwrap_or(TAPE_CASES_MAX),
        ..HarnessConfig::default()
    };
    let report = match check_policy(tool, args.model.as_deref(), args.policy.as_deref(), config) {
        Ok(r) => r,
        // A setting refused with the others (numpy's seed with the runs) names its flag.
        Err(e) => {
            let e = ["seed", "runs", "steps", "cases"]
                .iter()
                .fold(e, |e, k| e.renamed(k, &format!("--{k}")));
            return usage_error(e);
        }
    };
    let text = match args.format {
        Format::Table => report.to_table(),
        Format::Json => format!("{:#}\n", report.to_json()),
    };
    if let Err(e) = super::write_output("-", |w| w.write_all(text.as_bytes())) {
        return super::io_failure(&e);
    }
    if report.passed() { 0 } else { EXIT_FAILURE }
}

/// Checks rule `policy` (the model's first when `None`) at its defaults on `model` (see
/// [`model_of`]) under `config`, its replay commands starting with the tool's program:
/// what `currents check` prints, and the invariant section of `currents report --check`
/// and `simulate --plot`.
pub(crate) fn check_policy(
    tool: &super::Tool,
    model: Option<&str>,
    policy: Option<&str>,
    config: HarnessConfig,
) -> Result<HarnessReport, ParamError> {
    let on = model_of(&tool.bench, model, policy)?;
    let config = HarnessConfig {
        bin: tool.bin.clone(),
        ..config
    };
    let rule = crate::spec::Spec {
        rule: policy.map(str::to_owned),
        ..crate::spec::Spec::default()
    };
    on.check(&rule, &config)
}
