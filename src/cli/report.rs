//! `currents report`: one self-contained HTML page (charts as inline SVG, parameters and
//! seeds, metric table) from trajectory CSVs.

use std::fs;
use std::path::{Path, PathBuf};

use crate::config::SimulateFile;
use crate::plot::data::members;
use crate::plot::report::{ReportMeta, html};
use crate::spec::Limits;
use clap::Args;

use super::plot::{InputArgs, REPORT_PAGE, config_meta, load, path_in, render, reserve_in};
use super::{FlagPath, Outputs, check_paths, io_failure, usage_error};

#[derive(Args, Debug)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// Directory for report.html (created if missing)
    #[arg(long, value_name = "DIR")]
    out: String,
    /// The simulate config (TOML) that made the input, to list its parameters and seeds
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
    /// Also run `check` on this policy (any rule `policies` lists, e.g. currents-v1) and
    /// show its invariant report on the page
    #[arg(long, value_name = "POLICY")]
    check: Option<String>,
    /// Page title [default: currents report]
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
}

/// Runs `currents report`.
pub(crate) fn run(args: ReportArgs, tool: &super::Tool) -> i32 {
    let check = match &args.check {
        Some(name) => match super::args::model_of(&tool.bench, None, Some(name)) {
            Ok(model) => Some((model.name(), name.trim())),
            Err(e) => {
                return usage_error(crate::params::ParamError {
                    field: "--check".to_owned(),
                    ..e
                });
            }
        },
        None => None,
    };
    if let Err(msg) = super::check_out_dir("out", &args.out) {
        return usage_error(msg);
    }
    let target = path_in(&args.out, REPORT_PAGE);
    let mut inputs = args.inputs.files();
    inputs.extend(args.config.iter().map(|c| FlagPath::file("--config", c)));
    if let Err(clash) = check_paths(&inputs, &[FlagPath::in_dir("--out", &args.out, &target)]) {
        return usage_error(clash);
    }
    let mut outputs = Outputs::new();
    if let Err(e) = reserve_in(
        &mut outputs,
        "--out",
        &args.out,
        std::slice::from_ref(&target),
    ) {
        return io_failure(&e);
    }
    let loaded = match load(&args.inputs, &tool.bench) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let Some(ds) = &loaded.dataset else {
        return usage_error("--input: missing (accepted: one or more trajectory CSVs)");
    };
    let mut meta = match &args.config {
        None => ReportMeta {
            params_note: "The trajectory CSV does not record the parameters or seeds; pass \
                          --config FILE.toml (the simulate config that made it) to list them."
                .to_owned(),
            ..ReportMeta::default()
        },
        Some(path) => {
            let shown = path.display();
            let text = match fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return usage_error(format_args!("--config {shown}: cannot read: {e}")),
            };
            let spec = match SimulateFile::from_toml_str(&text)
                .map_err(|e| super::simulate::with_params_hint(e, &tool.bench))
                .and_then(|f| tool.bench.resolve(&f.spec, &Limits::default()))
            {
                Ok(s) => s,
                Err(e) => return usage_error(format_args!("--config {shown}: {e}")),
            };
            // The config must at least describe data of the input's shape: its model's
            // columns (the model and, for the network, its members), its runs and steps.
            let config_runs = match spec.runs(None) {
                Ok(runs) => runs,
                Err(e) => return usage_error(format_args!("--config {shown}: {e}")),
            };
            let config_columns = config_runs.columns();
            let other = (0..loaded.inputs.len())
                .filter_map(|i| ds.columns(i))
                .find(|c| c.columns != config_columns);
            if let Some(input) = other {
                return usage_error(format_args!(
                    "--config {shown}: model = {} with {} ({} columns), but the input is a trajectory of {} with {} ({} columns) (accepted: the config that made the input)",
                    spec.model().name,
                    members(config_runs.n_members()),
                    config_columns.len(),
                    input.model,
                    members(input.members.len()),
                    input.columns.len(),
                ));
            }
            let n_runs = ds.runs.len() as u64;
            let n_steps = ds.n_steps_max().saturating_sub(1) as u64;
            let settings = spec.settings();
            if ds.groups.len() == 1 && (settings.runs, settings.steps) != (n_runs, n_steps) {
                return usage_error(format_args!(
                    "--config {shown}: runs = {}, steps = {} but the input holds {n_runs} runs of {n_steps} steps (accepted: the config that made the input)",
                    settings.runs, settings.steps
                ));
            }
            config_meta(&*spec, &format!("--config {}", file_name(path)))
        }
    };
    meta.title = args
        .title
        .clone()
        .unwrap_or_else(|| "currents report".to_owned());
    meta.inputs = loaded.inputs.clone();
    if let Some((model, rule)) = check {
        let config = crate::harness::HarnessConfig::default();
        match super::check::check_policy(tool, Some(model), Some(rule), config) {
            Ok(report) => meta.invariants = Some(report.to_table()),
            Err(e) => return usage_error(format_args!("--check: {e}")),
        }
    }
    let charts = match render(&loaded) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let page = html(&meta, ds, &charts);
    match outputs
        .stage(&target, |w| w.write_all(page.as_bytes()))
        .and_then(|()| outputs.commit())
    {
        Ok(()) => 0,
        Err(e) => io_failure(&e),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
