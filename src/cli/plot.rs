//! `currents plot`: charts (SVG and PNG) of trajectory CSVs and of a sweep table; also the
//! `--plot DIR` hook of `simulate`.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;

use crate::draws::RngKind;
use crate::model::{Flow, Streams, Value};
use crate::params::{ParamError, Written};
use crate::plot::data::{ROWS_MAX, RUNS_MAX};
use crate::plot::heatmap::render_heatmap;
use crate::plot::report::{ReportMeta, html};
use crate::plot::{self, Chart, Dataset, PlotOptions, ReadError, RowIndex, SweepTable};
use crate::workbench::{AnyObserver, AnyRuns, AnySpec, StateView, StepView, Workbench};
use clap::Args;

use super::{EXIT_FAILURE, FlagPath, Outputs, check_paths, io_failure, usage_error};

/// One `--input`: an optional label (`name=value`) and a file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct InputSpec {
    pub(crate) label: String,
    pub(crate) path: String,
}

/// Parses `FILE.csv` or `NAME=VALUE:FILE.csv`.
pub(crate) fn input_spec(s: &str) -> Result<InputSpec, String> {
    if let Some((label, path)) = s.split_once(':')
        && let Some((name, value)) = label.split_once('=')
    {
        if name.trim().is_empty() || value.trim().is_empty() || path.is_empty() {
            return Err("accepted: FILE.csv or NAME=VALUE:FILE.csv".to_owned());
        }
        return Ok(InputSpec {
            label: format!("{}={}", name.trim(), value.trim()),
            path: path.to_owned(),
        });
    }
    if s.is_empty() {
        return Err("accepted: FILE.csv or NAME=VALUE:FILE.csv".to_owned());
    }
    Ok(InputSpec {
        label: String::new(),
        path: s.to_owned(),
    })
}

/// The inputs shared by `plot` and `report`.
#[derive(Args, Debug)]
pub(crate) struct InputArgs {
    /// Trajectory CSV of any model (simulate's or cadCAD's); repeat with NAME=VALUE:FILE.csv
    /// to compare inputs of one model, coloured by that parameter
    #[arg(long, value_name = "[NAME=VALUE:]FILE.csv", value_parser = input_spec)]
    input: Vec<InputSpec>,
    /// Run shown on the single-run chart (of the first input) [default: its first run]
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    run: Option<String>,
    /// Member whose ledger the charts and figures show, for a model of several members
    /// (0 is the first)
    #[arg(long, value_name = "M", default_value_t = 0,
          value_parser = super::args::whole(0, u64::from(u32::MAX)))]
    member: u64,
    /// Sweep table for a heatmap: a CSV with a header, one row per cell or run
    #[arg(long, value_name = "FILE.csv", requires_all = ["x", "y", "metric"])]
    sweep: Option<String>,
    /// Heatmap x axis: a column of the sweep table
    #[arg(long, value_name = "COLUMN", requires = "sweep")]
    x: Option<String>,
    /// Heatmap y axis: a column of the sweep table
    #[arg(long, value_name = "COLUMN", requires = "sweep")]
    y: Option<String>,
    /// Heatmap colour: a column of the sweep table (averaged per cell)
    #[arg(long, value_name = "COLUMN", requires = "sweep")]
    metric: Option<String>,
}

impl InputArgs {
    /// Every file read: each `--input`, and `--sweep`.
    pub(crate) fn files(&self) -> Vec<FlagPath<'_>> {
        let inputs = self
            .input
            .iter()
            .map(|i| FlagPath::file("--input", &i.path));
        let sweep = self.sweep.iter().map(|s| FlagPath::file("--sweep", s));
        inputs.chain(sweep).collect()
    }
}

#[derive(Args, Debug)]
pub(crate) struct PlotArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// Directory for the charts (created if missing)
    #[arg(long, value_name = "DIR")]
    out: String,
}

/// Everything read from the inputs.
pub(crate) struct Loaded {
    pub(crate) dataset: Option<Dataset>,
    pub(crate) sweep: Option<SweepTable>,
    pub(crate) options: PlotOptions,
    pub(crate) inputs: Vec<(String, String)>,
}

/// Reads the trajectory files (of any model `models` holds) and the sweep table; `Err`
/// holds the exit code.
pub(crate) fn load(args: &InputArgs, models: &Workbench) -> Result<Loaded, i32> {
    if args.input.is_empty() && args.sweep.is_none() {
        return Err(usage_error(
            "--input: missing (accepted: one or more trajectory CSVs, or --sweep with --x, --y and --metric)",
        ));
    }
    let names: Vec<&str> = args
        .input
        .iter()
        .filter_map(|i| i.label.split_once('=').map(|(n, _)| n))
        .collect();
    let labelled = names.len();
    if labelled != 0 && labelled != args.input.len() {
        return Err(usage_error(
            "--input: some inputs have a NAME=VALUE label and some not (accepted: all or none)",
        ));
    }
    let color_by = match names.first() {
        Some(first) if names.iter().all(|n| n == first) => Some((*first).to_owned()),
        Some(_) => Some("input".to_owned()),
        None => None,
    };
    let dataset = if args.input.is_empty() {
        None
    } else {
        // Within u32::MAX (the parser's bound), so it fits a usize.
        let mut ds = Dataset::of_member(args.member as usize);
        for spec in &args.input {
            let file = File::open(&spec.path).map_err(|e| {
                usage_error(format_args!("--input {}: cannot read: {e}", spec.path))
            })?;
            let input = ds.add_input(&spec.label);
            ds.read_csv(input, BufReader::with_capacity(1 << 20, file), models)
                .map_err(|e| usage_error(format_args!("--input {}: {e}", spec.path)))?;
        }
        ds.finish();
        if ds.runs.is_empty() {
            return Err(usage_error(
                "--input: the files hold no trajectory row (accepted: a CSV with at least one row)",
            ));
        }
        Some(ds)
    };
    // `--run` is one of the runs of the first input: its range is the input's.
    let run = match (&args.run, &dataset) {
        (Some(text), Some(ds)) => Some(run_of(ds, text).map_err(usage_error)?),
        _ => None,
    };
    let sweep = match (&args.sweep, &args.x, &args.y, &args.metric) {
        (Some(path), Some(x), Some(y), Some(metric)) => {
            let file = File::open(path)
                .map_err(|e| usage_error(format_args!("--sweep {path}: cannot read: {e}")))?;
            Some(
                SweepTable::read(BufReader::new(file), x, y, metric)
                    .map_err(|e| usage_error(format_args!("--sweep {path}: {e}")))?,
            )
        }
        _ => None,
    };
    Ok(Loaded {
        dataset,
        sweep,
        options: PlotOptions { run, color_by },
        inputs: args
            .input
            .iter()
            .map(|i| (i.label.clone(), i.path.clone()))
            .collect(),
    })
}

/// The run `text` (`--run`) names among the runs of the first input of `ds`; the error
/// echoes it as written and states the runs the input holds (`a whole number in [1, 3]`,
/// or the list when they are not 1 to n).
fn run_of(ds: &Dataset, text: &str) -> Result<u64, ParamError> {
    let mut runs: Vec<u64> = ds.runs_of(ds.runs[0].group).map(|r| r.run).collect();
    runs.sort_unstable();
    runs.dedup();
    let written = Written::text(text);
    if let Some(n) = written.to_u64()
        && runs.binary_search(&n).is_ok()
    {
        return Ok(n);
    }
    let (first, last) = (runs[0], runs[runs.len() - 1]);
    let accepted = if last - first + 1 == runs.len() as u64 {
        format!("a run of the input, a whole number in [{first}, {last}]")
    } else {
        let listed: Vec<String> = runs.iter().take(12).map(u64::to_string).collect();
        let more = if runs.len() > 12 { ", …" } else { "" };
        format!("a run of the input: {}{more}", listed.join(", "))
    };
    Err(ParamError::new("--run", written.shown(), accepted))
}

/// Renders every chart the inputs allow; `Err` holds the exit code.
pub(crate) fn render(loaded: &Loaded) -> Result<Vec<Chart>, i32> {
    let mut charts = Vec::new();
    if let Some(ds) = &loaded.dataset {
        charts = plot::render_all(ds, &loaded.options).map_err(|e| match e {
            plot::PlotError::NoSuchRun { .. } | plot::PlotError::Empty => usage_error(e),
            other => failure(other),
        })?;
    }
    if let Some(table) = &loaded.sweep {
        charts.push(render_heatmap(table).map_err(failure)?);
    }
    Ok(charts)
}

fn failure(e: impl std::fmt::Display) -> i32 {
    super::stderr_line(format_args!("error: {e}"));
    EXIT_FAILURE
}

/// The file stems of the charts [`plot::render_all`] draws, in its order (a test checks
/// them): the files are reserved, and `simulate --out` compared with them, before any work.
pub(crate) const TRAJECTORY_CHARTS: [&str; 5] = [
    "trajectory",
    "facets",
    "balance_trend",
    "balance_vs_credit",
    "fan",
];

/// The file stems of the charts of the whole membership [`plot::render_all`] adds, in its
/// order, for a model of several members.
pub(crate) const MEMBER_CHARTS: [&str; 3] = ["balance_distribution", "lorenz", "at_limit"];

/// The trajectory charts drawn for a model of `n_members` members.
pub(crate) fn trajectory_charts(n_members: usize) -> Vec<&'static str> {
    let members = if n_members > 1 {
        &MEMBER_CHARTS[..]
    } else {
        &[]
    };
    [&TRAJECTORY_CHARTS[..], members].concat()
}

/// The file stem of the heatmap of `--sweep`.
const HEATMAP_CHART: &str = "heatmap";

/// The page `report` and `simulate --plot` write into their directory.
pub(crate) const REPORT_PAGE: &str = "report.html";

/// The files (`DIR/NAME.svg`, `DIR/NAME.png`) of the charts named `names`.
pub(crate) fn chart_files(dir: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .flat_map(|name| ["svg", "png"].map(|ext| path_in(dir, &format!("{name}.{ext}"))))
        .collect()
}

/// `DIR/NAME` as text.
pub(crate) fn path_in(dir: &str, name: &str) -> String {
    Path::new(dir).join(name).to_string_lossy().into_owned()
}

/// Every file `simulate --plot DIR` writes for a model of `n_members` members: the
/// trajectory charts and the report page.
pub(crate) fn simulation_files(dir: &str, n_members: usize) -> Vec<String> {
    let mut files = chart_files(dir, &trajectory_charts(n_members));
    files.push(path_in(dir, REPORT_PAGE));
    files
}

/// Creates `dir` (the value of `flag`) and reserves `files` in it, before any work: an
/// unwritable directory fails now, and a signal from here on leaves nothing behind.
pub(crate) fn reserve_in(
    outputs: &mut Outputs,
    flag: &str,
    dir: &str,
    files: &[String],
) -> io::Result<()> {
    outputs
        .create_dir(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("{flag} {dir}: cannot create: {e}")))?;
    files.iter().try_for_each(|f| outputs.reserve(f))
}

/// Stages each chart as `DIR/NAME.svg` and `DIR/NAME.png`; they are published with the
/// rest of the command's outputs.
pub(crate) fn write_charts(outputs: &mut Outputs, dir: &str, charts: &[Chart]) -> io::Result<()> {
    for c in charts {
        let [svg, png] = ["svg", "png"].map(|ext| path_in(dir, &format!("{}.{ext}", c.name)));
        outputs.stage(&svg, |w| w.write_all(c.svg.as_bytes()))?;
        outputs.stage(&png, |w| w.write_all(&c.png))?;
    }
    Ok(())
}

/// Runs `currents plot`.
pub(crate) fn run(args: PlotArgs, tool: &super::Tool) -> i32 {
    if let Err(msg) = super::check_out_dir("out", &args.out) {
        return super::usage_error(msg);
    }
    // Every chart that may be drawn is checked against the inputs before any work; the
    // ones the inputs call for (the membership's charts for a model of several members)
    // are reserved once the inputs are read, before any is drawn.
    let names = |n_members: usize| {
        let mut names = Vec::new();
        if !args.inputs.input.is_empty() {
            names.extend(trajectory_charts(n_members));
        }
        if args.inputs.sweep.is_some() {
            names.push(HEATMAP_CHART);
        }
        names
    };
    let written: Vec<String> = chart_files(&args.out, &names(usize::MAX));
    let written: Vec<FlagPath> = (written.iter())
        .map(|f| FlagPath::in_dir("--out", &args.out, f))
        .collect();
    if let Err(clash) = check_paths(&args.inputs.files(), &written) {
        return usage_error(clash);
    }
    let loaded = match load(&args.inputs, &tool.bench) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let n_members = loaded.dataset.as_ref().map_or(1, Dataset::n_members);
    let files = chart_files(&args.out, &names(n_members));
    let mut outputs = Outputs::new();
    if let Err(e) = reserve_in(&mut outputs, "--out", &args.out, &files) {
        return io_failure(&e);
    }
    let charts = match render(&loaded) {
        Ok(c) => c,
        Err(code) => return code,
    };
    match write_charts(&mut outputs, &args.out, &charts).and_then(|()| outputs.commit()) {
        Ok(()) => 0,
        Err(e) => io_failure(&e),
    }
}

/// The spec of a simulation with its parameters and seeds, for the report: the model, rule
/// and user, every parameter each declares with its value, the restriction and the
/// settings.
pub(crate) fn config_meta(spec: &dyn AnySpec, source: &str) -> ReportMeta {
    let settings = spec.settings();
    let (seed, n) = (settings.seed, settings.runs);
    let seeds = match settings.rng {
        RngKind::Numpy => format!(
            "numpy: run r uses RandomState(seed + r − 1), here RandomState({seed}) … RandomState({})",
            seed.saturating_add(n - 1)
        ),
        RngKind::Chacha => {
            format!("chacha: ChaCha8 keyed by (seed {seed}, subset 0), stream = run r (1 … {n})")
        }
    };
    let chosen = [spec.model(), spec.rule(), spec.user()];
    let mut params: Vec<(String, String)> = chosen
        .iter()
        .map(|c| (c.kind.to_owned(), c.name.to_owned()))
        .collect();
    for c in &chosen {
        params.extend(
            c.pairs()
                .into_iter()
                .map(|(name, v)| (name.to_owned(), v.to_string())),
        );
    }
    params.extend([
        ("restriction".into(), spec.restriction().to_string()),
        ("steps".into(), settings.steps.to_string()),
        ("runs".into(), n.to_string()),
        ("seed".into(), seed.to_string()),
        ("rng".into(), settings.rng.name().to_owned()),
    ]);
    ReportMeta {
        title: "currents report".to_owned(),
        inputs: Vec::new(),
        params,
        seeds: Some(seeds),
        params_note: format!("Parameters and seeds from {source}."),
        invariants: None,
    }
}

/// Refuses (before anything is written) a `simulate --plot` whose runs would not fit in a
/// [`Dataset`]; `Err` holds the exit code.
pub(crate) fn check_size(n_runs: u64, n_steps: u64) -> Result<(), i32> {
    let rows = n_runs.saturating_mul(n_steps + 1);
    if rows > ROWS_MAX as u64 {
        return Err(usage_error(format_args!(
            "--plot: runs × (steps + 1) = {rows} rows (accepted: at most {ROWS_MAX}; write the CSV without --plot and plot a subset of its runs)"
        )));
    }
    if n_runs > RUNS_MAX as u64 {
        return Err(usage_error(format_args!(
            "--plot: {n_runs} runs (accepted: at most {RUNS_MAX}; write the CSV without --plot and plot a subset of its runs)"
        )));
    }
    Ok(())
}

/// Hands every state of one run to a [`Dataset`] as the row `simulate` writes for it in
/// the trajectory CSV (the model's cells as doubles, which is what reading the CSV back
/// gives: integers are exact, floats are written in the shortest form that reads back to
/// the same double), at run `run` of subset 0.
struct Charted<'a> {
    ds: &'a mut Dataset,
    input: usize,
    run: u64,
    row: Vec<Value>,
    cells: Vec<f64>,
}

impl Charted<'_> {
    fn push(&mut self, timestep: u64, state: &dyn StateView) -> io::Result<()> {
        self.row.clear();
        state.row(&mut self.row);
        self.cells.clear();
        self.cells.extend(self.row.iter().map(|v| match *v {
            Value::Int(x) => x as f64,
            Value::Count(x) => x as f64,
            Value::Float(x) => x,
        }));
        let at = RowIndex {
            simulation: 0,
            subset: 0,
            run: self.run,
            timestep,
        };
        self.ds
            .push(self.input, at, &self.cells)
            .map_err(io::Error::other)
    }
}

impl AnyObserver for Charted<'_> {
    fn genesis(&mut self, state: &dyn StateView) -> io::Result<()> {
        self.push(0, state)
    }
    fn step(&mut self, step: &dyn StepView) -> io::Result<Flow> {
        self.push(step.t(), step)?;
        Ok(Flow::Continue)
    }
}

/// `simulate --plot DIR`: re-runs the (deterministic) simulation, handing each state to
/// the dataset as the row the written CSV holds for it (so the charts are those of `plot`
/// on that CSV, member 0), then stages the charts and `report.html` in `dir` (reserved by
/// the caller with [`simulation_files`]); the page holds the invariant report of the
/// spec's rule (checked at its defaults, as `check --policy NAME` does, so that its replay
/// commands run as printed). `Err` holds the exit code.
pub(crate) fn plot_simulation(
    spec: &dyn AnySpec,
    runs: &dyn AnyRuns,
    tool: &super::Tool,
    dir: &str,
    outputs: &mut Outputs,
) -> Result<(), i32> {
    let settings = spec.settings();
    check_size(settings.runs, settings.steps)?;
    let columns = runs.columns();
    let mut ds = Dataset::new();
    let input = ds.add_input("");
    // The columns as `plot` recognises them in the written CSV's header.
    tool.bench
        .trajectory_columns(&columns)
        .ok_or_else(|| {
            let index = crate::trajectory_csv::INDEX_COLUMNS.map(String::from);
            ReadError::no_model(&[columns.as_slice(), &index].concat(), &tool.bench)
        })
        .and_then(|c| ds.set_columns(input, c))
        .map_err(|e| usage_error(format_args!("--plot: {e}")))?;
    // The user's member groups (a `traders` run's types): the share at the limit per type.
    if let Some(groups) = runs.member_groups() {
        ds.set_member_groups(groups);
    }
    let streams = Streams::new(settings.rng, settings.seed);
    for run in 1..=settings.runs {
        let mut charted = Charted {
            ds: &mut ds,
            input,
            run,
            row: Vec::new(),
            cells: Vec::new(),
        };
        runs.observe(&streams, run, settings.steps, &mut charted, None)
            .map_err(|e| failure(format_args!("--plot: {e}")))?;
    }
    ds.finish();
    let charts = plot::render_all(&ds, &PlotOptions::default()).map_err(failure)?;
    let mut meta = config_meta(spec, "this simulate command");
    let config = crate::harness::HarnessConfig {
        seed: settings.seed,
        ..crate::harness::HarnessConfig::default()
    };
    let report = super::check::check_policy(
        tool,
        Some(spec.model().name),
        Some(spec.rule().name),
        config,
    )
    .map_err(failure)?;
    meta.invariants = Some(report.to_table());
    meta.title = "currents simulate".to_owned();
    let page = html(&meta, &ds, &charts);
    write_charts(outputs, dir, &charts)
        .and_then(|()| outputs.stage(&path_in(dir, REPORT_PAGE), |w| w.write_all(page.as_bytes())))
        .map_err(|e| io_failure(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Streams;
    use crate::spec::{Limits, Spec};

    #[test]
    fn input_spec_splits_a_label_from_the_path() {
        assert_eq!(
            input_spec("integrity=0.8:runs.csv").unwrap(),
            InputSpec {
                label: "integrity=0.8".into(),
                path: "runs.csv".into()
            }
        );
        assert_eq!(input_spec("a:b.csv").unwrap().path, "a:b.csv");
        assert_eq!(input_spec("plain.csv").unwrap().label, "");
        assert!(input_spec("=1:x.csv").is_err());
        assert!(input_spec("").is_err());
    }

    /// The chart files reserved before any work are the files the charts are written to,
    /// for every built-in model (each run of two steps handed to the dataset as `simulate
    /// --plot` hands it).
    #[test]
    fn the_reserved_chart_names_are_the_drawn_ones() {
        let bench = Workbench::builtin();
        for model in bench.models() {
            let spec = Spec {
                model: Some(model.name().to_owned()),
                ..Spec::default()
            };
            let spec = bench.resolve(&spec, &Limits::default()).unwrap();
            let runs = spec.runs(None).unwrap();
            let mut ds = Dataset::new();
            let input = ds.add_input("");
            let columns = bench.trajectory_columns(&runs.columns()).unwrap();
            // A trajectory is read as the first model with its columns (network-one-sided's
            // are the network's).
            let first = bench
                .models()
                .find(|m| m.default_columns() == model.default_columns());
            assert_eq!(Some(columns.model), first.map(|m| m.name()));
            ds.set_columns(input, columns).unwrap();
            let mut charted = Charted {
                ds: &mut ds,
                input,
                run: 1,
                row: Vec::new(),
                cells: Vec::new(),
            };
            let streams = Streams::new(RngKind::Chacha, 0);
            runs.observe(&streams, 1, 2, &mut charted, None).unwrap();
            ds.finish();
            assert_eq!(ds.n_rows(), 3, "{}", model.name());
            let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
            let drawn: Vec<&str> = charts.iter().map(|c| c.name).collect();
            let n_members = runs.n_members();
            assert_eq!(drawn, trajectory_charts(n_members), "{}", model.name());
            let files = simulation_files("d", n_members);
            assert_eq!(files.len(), 2 * drawn.len() + 1, "{}", model.name());
        }
    }
}
