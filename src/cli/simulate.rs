//! `currents simulate`: seeded Monte Carlo runs of one spec, written as the trajectory CSV
//! (cadCAD's layout: the model's columns, then the index columns) or, with `--summary`,
//! one row per run.
//!
//! The spec comes from `--config` (a TOML spec plus `out`) with the flags over it, and is
//! resolved once against the tool's registry; the registry chooses how its runs go
//! ([`crate::registry::Registry::runs`], on `--engine` or the model's fastest engine).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::SimulateFile;
use crate::metrics::summary;
use crate::model::{RunError, Streams};
use crate::parallel::{Chunking, THREADS_MAX, ordered_tasks};
use crate::params::ParamError;
use crate::spec::{Limits, SPEC_KEYS, Spec, SpecError, canonical};
use crate::workbench::{AnyRuns, AnySpec, Workbench};
use clap::Args;

use super::args::whole;
use super::spill::{SPILL_CAP, SpillBuffer};
use super::{
    EXIT_FAILURE, FlagPath, Outputs, check_out_path, check_paths, io_failure, progress_bar,
    usage_error,
};

#[derive(Args, Debug)]
pub(crate) struct SimulateArgs {
    /// Credit rule, as `NAME` or the spec shorthand `NAME:key=value,…` (see `policies`)
    /// [default: currents-v1]
    #[arg(long, value_name = "NAME[:key=value,...]")]
    rule: Option<String>,
    /// User behaviour or preset (see `policies`) [default: balanced]
    #[arg(long, value_name = "NAME")]
    user: Option<String>,
    /// Model (see `policies`) [default: v1]
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// Spending restriction: none, clamp or reject [default: the rule's own]
    #[arg(long, value_name = "none|clamp|reject")]
    restriction: Option<String>,
    /// A parameter the chosen model, rule or user declares, as KEY=VALUE; repeatable
    #[arg(long = "param", value_name = "KEY=VALUE", allow_hyphen_values = true)]
    params: Vec<String>,
    /// Monte Carlo runs [default: 10]
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    runs: Option<String>,
    /// Steps per run [default: 365]
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    steps: Option<String>,
    /// Seed; with numpy, run r uses RandomState(seed + r - 1) [default: 0]
    #[arg(long, value_name = "S", allow_hyphen_values = true)]
    seed: Option<String>,
    /// Generator family: chacha or numpy [default: chacha]
    #[arg(long, value_name = "chacha|numpy", allow_hyphen_values = true)]
    rng: Option<String>,
    /// The user's integrity coefficient (`--param integrity=X`) [default: 1]
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    integrity: Option<String>,
    /// The user's average transaction amount (`--param avg-amount=A`) [default: 100]
    #[arg(long, value_name = "A", allow_hyphen_values = true)]
    avg_amount: Option<String>,
    /// The model's send-volume window, sumVolume (`--param sum-volume=K`) [default: 30]
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    sum_volume: Option<String>,
    /// The model's credit and capacity at genesis (`--param initial-credit=C`)
    /// [default: 250]
    #[arg(long, value_name = "C", allow_hyphen_values = true)]
    initial_credit: Option<String>,
    /// The engine the runs go on: exact (the model's own loop; for V1 numpy's means, bit
    /// for bit) or one the model adds (V1: streaming, O(1) per step, for currents-v1 at its
    /// defaults with the notebook's user at growth 0 and bias 0) [default: the model's
    /// fastest for the spec: for that V1 spec streaming with --rng chacha, else exact]
    #[arg(long, value_name = "exact|streaming")]
    engine: Option<String>,
    /// Write one summary row per run instead of the trajectories
    #[arg(long)]
    summary: bool,
    /// Worker threads; the output is the same for any number [default: available cores]
    #[arg(long, value_name = "N", value_parser = whole(1, THREADS_MAX))]
    threads: Option<u64>,
    /// Output CSV path; `-` is stdout [default: stdout]
    #[arg(long, value_name = "PATH")]
    out: Option<String>,
    /// A spec in TOML (rule, user, rng, seed, runs, steps, `[params]`, …) and `out`; flags
    /// override it
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
    /// Also write the charts (SVG, PNG) and report.html into DIR
    #[arg(long, value_name = "DIR")]
    plot: Option<String>,
    /// A trading graph's edge list (CSV: the header `from,to`, then one edge `A,B` a line),
    /// for the user `edge-list`
    #[arg(long, value_name = "FILE.csv")]
    edges: Option<String>,
}

impl SimulateArgs {
    /// The spec the flags give: `--rule`'s shorthand, then every other flag as one key of
    /// it. A key given twice, in any spelling (`--rule x:seed=1 --seed 2`, `--integrity 1
    /// --param integrity=2`), is an error.
    fn spec(&self, limits: &Limits) -> Result<Spec, SpecError> {
        let mut spec = match &self.rule {
            Some(text) => Spec::from_shorthand_within("--rule", text, limits)?,
            None => Spec::default(),
        };
        let flags = [
            ("model", "--model", &self.model),
            ("user", "--user", &self.user),
            ("restriction", "--restriction", &self.restriction),
            ("rng", "--rng", &self.rng),
            ("seed", "--seed", &self.seed),
            ("runs", "--runs", &self.runs),
            ("steps", "--steps", &self.steps),
            ("edges", "--edges", &self.edges),
            ("integrity", "--integrity", &self.integrity),
            ("avg-amount", "--avg-amount", &self.avg_amount),
            ("sum-volume", "--sum-volume", &self.sum_volume),
            ("initial-credit", "--initial-credit", &self.initial_credit),
        ];
        for (key, flag, value) in flags {
            if let Some(v) = value {
                spec.set_text_within(key, v, flag, limits)?;
            }
        }
        for pair in &self.params {
            let accepted =
                "KEY=VALUE, KEY a parameter the model, rule or user declares (see `policies`)";
            let Some((key, value)) = pair.split_once('=') else {
                return Err(SpecError::value("--param", format!("{pair:?}"), accepted));
            };
            let key = key.trim();
            // Settings have flags of their own; `--param` sets parameters only.
            if SPEC_KEYS.contains(&canonical(key).as_str()) {
                return Err(SpecError::value(
                    "--param",
                    format!("{pair:?}"),
                    format!("{accepted}; `{key}` has its own flag, --{}", canonical(key)),
                ));
            }
            spec.set_text_within(key, value, &format!("--param {key}"), limits)?;
        }
        Ok(spec)
    }
}

/// Reads `--config`: the spec it holds and its `out`.
fn read_config(path: &Path, bench: &Workbench, limits: &Limits) -> Result<SimulateFile, String> {
    let shown = path.display();
    let text = fs::read_to_string(path).map_err(|e| format!("config {shown}: cannot read: {e}"))?;
    SimulateFile::from_toml_str_within(&text, limits)
        .map_err(|e| format!("config {shown}: {}", with_params_hint(e, bench)))
}

/// A parameter written as a top-level key (the layout of configs before the spec) is an
/// unknown key; the error then says where parameters go.
pub(crate) fn with_params_hint(e: SpecError, bench: &Workbench) -> SpecError {
    match e {
        SpecError::Value(e)
            if e.value == "(unknown key)" && bench.declares(&canonical(&e.field)) =>
        {
            SpecError::Value(ParamError {
                accepted: format!(
                    "{}; a parameter such as `{}` goes in [params]",
                    e.accepted, e.field
                ),
                ..e
            })
        }
        other => other,
    }
}

/// Runs `currents simulate`: the file's spec with the flags over it, resolved once.
pub(crate) fn run(args: SimulateArgs, tool: &super::Tool) -> i32 {
    // A summary writes no row per state (unless --plot charts the states): more steps, and
    // more of what widens a row (a network's members), are accepted.
    let limits = if args.summary && args.plot.is_none() {
        Limits::summary()
    } else {
        Limits::default()
    };
    let file = match &args.config {
        Some(path) => match read_config(path, &tool.bench, &limits) {
            Ok(f) => f,
            Err(e) => return usage_error(e),
        },
        None => SimulateFile::default(),
    };
    let flags = match args.spec(&limits) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let mut spec = file.spec.overlay(flags);
    if let Err(e) = super::edges::read_spec_edges(&mut spec) {
        return usage_error(e);
    }
    let edge_file = spec
        .edges_mut()
        .map(|f| (f.field().to_owned(), f.path().to_owned()));
    // A value is named where it was given (`--seed`, or `runs` of the file, then with the
    // file's name).
    let spec = match tool.bench.resolve(&spec, &limits) {
        Ok(s) => s,
        // (A name — model, rule, user — may come from either: named as its key alone.)
        Err(SpecError::Value(e))
            if !e.field.starts_with("--")
                && !["model", "rule", "user"].contains(&e.field.as_str()) =>
        {
            return match &args.config {
                Some(path) => usage_error(format_args!("config {}: {e}", path.display())),
                None => usage_error(e),
            };
        }
        Err(e) => return usage_error(e),
    };
    let sim = match Simulation::new(spec, args.engine.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let n_threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    let out_flag = if args.out.is_some() {
        "--out"
    } else {
        "--config's out"
    };
    let out = args.out.or(file.out);
    let out = out.as_deref().unwrap_or("-");
    if let Err(msg) = check_out_path(out) {
        return usage_error(msg);
    }
    if let Some(dir) = &args.plot
        && let Err(msg) = super::check_out_dir("plot", dir)
    {
        return usage_error(msg);
    }
    if args.plot.is_some() {
        let settings = sim.spec.settings();
        if let Err(code) = super::plot::check_size(settings.runs, settings.steps) {
            return code;
        }
    }
    // No output is the config, and the CSV is not the directory --plot writes into nor
    // one of the files there (compared as files: `./d/fan.svg`, a link to it, a hard link).
    let n_members = sim.runs().n_members();
    let plot_files = args
        .plot
        .as_deref()
        .map(|dir| super::plot::simulation_files(dir, n_members))
        .unwrap_or_default();
    let mut outputs = vec![FlagPath::file(out_flag, out)];
    if let Some(dir) = &args.plot {
        outputs.push(FlagPath::file("--plot", dir));
        outputs.extend(
            plot_files
                .iter()
                .map(|f| FlagPath::in_dir("--plot", dir, f)),
        );
    }
    let mut inputs: Vec<FlagPath> = args
        .config
        .iter()
        .map(|c| FlagPath::file("--config", c))
        .collect();
    if let Some((field, path)) = &edge_file {
        inputs.push(FlagPath::file(field, path));
    }
    if let Err(clash) = check_paths(&inputs, &outputs) {
        return usage_error(clash);
    }
    let pool = match crate::parallel::pool(n_threads) {
        Ok(pool) => pool,
        Err(e) => {
            super::stderr_line(format_args!("error: cannot start {n_threads} threads: {e}"));
            return EXIT_FAILURE;
        }
    };
    let job = Job {
        sim: &sim,
        summary: args.summary,
        pool: &pool,
        n_threads,
        spill_cap: SPILL_CAP,
        n_spilled: AtomicU64::new(0),
    };
    // One transaction: the CSV and, with --plot, the charts and the page are reserved now,
    // staged (the charts first, so that a CSV on stdout comes after them) and published
    // together, or not at all.
    let mut outputs = Outputs::new();
    let mut reserved = outputs.reserve(out);
    if let Some(dir) = &args.plot {
        reserved = reserved.and_then(|()| {
            let files = super::plot::simulation_files(dir, n_members);
            super::plot::reserve_in(&mut outputs, "--plot", dir, &files)
        });
    }
    if let Err(e) = reserved {
        return io_failure(&e);
    }
    if let Some(dir) = &args.plot
        && let Err(code) =
            super::plot::plot_simulation(&*sim.spec, sim.runs(), tool, dir, &mut outputs)
    {
        return code;
    }
    match outputs
        .stage(out, |w| job.write(w))
        .and_then(|()| outputs.commit())
    {
        Ok(()) => 0,
        Err(e) => io_failure(&e),
    }
}

/// A resolved `simulate` spec and the runs its model's registry chose for it (on
/// `--engine`, or the model's fastest engine for the spec).
pub(crate) struct Simulation {
    /// The spec, resolved.
    pub(crate) spec: Box<dyn AnySpec>,
    runs: Box<dyn AnyRuns>,
}

impl Simulation {
    /// How `spec` runs: its runs on `engine` (`None`: the fastest the model has for the
    /// spec); an engine the model does not have, or that cannot run the spec, is refused
    /// naming `--engine`.
    pub(crate) fn new(spec: Box<dyn AnySpec>, engine: Option<&str>) -> Result<Self, SpecError> {
        let engine = engine.unwrap_or_else(|| spec.fastest_engine());
        let runs = spec
            .runs(Some(engine))
            .map_err(|e| e.renamed("engine", "--engine"))?;
        Ok(Simulation { spec, runs })
    }

    /// The engine the runs use.
    pub(crate) fn engine(&self) -> &'static str {
        self.runs.engine()
    }

    /// The runs.
    pub(crate) fn runs(&self) -> &dyn AnyRuns {
        &*self.runs
    }

    /// The streams the runs draw from: the spec's (seed, generator), subset 0.
    pub(crate) fn streams(&self) -> Streams {
        let s = self.spec.settings();
        Streams::new(s.rng, s.seed)
    }

    /// The names of the summary's parameter columns (the user's, then the model's) and
    /// their values.
    fn summary_params(&self) -> (Vec<&'static str>, Vec<f64>) {
        let (user, model) = (self.spec.user(), self.spec.model());
        let names = (user.params.iter().chain(model.params))
            .map(|p| p.name)
            .collect();
        let values = user.values.iter().chain(&model.values).copied().collect();
        (names, values)
    }
}

/// Steps of work per parallel task: large enough to amortise scheduling, small enough
/// that a task's CSV rows (about 100 bytes a step, 1.6 MB) fit its in-memory budget
/// ([`SPILL_CAP`]) unless one run alone is longer.
pub(crate) const STEPS_PER_TASK: u64 = 1 << 14;

/// One `simulate` invocation, validated.
struct Job<'a> {
    sim: &'a Simulation,
    summary: bool,
    pool: &'a rayon::ThreadPool,
    n_threads: usize,
    /// The bytes a task keeps in memory before its output spills to an unnamed file.
    spill_cap: usize,
    /// Tasks whose output spilled (what the tests look at).
    n_spilled: AtomicU64,
}

impl Job<'_> {
    /// Writes the header, then every run's rows (or summary row) in run order.
    ///
    /// A window of `4 × threads` tasks is in flight; each holds at most `spill_cap` bytes
    /// of output in memory (the rest in an unnamed temporary file), so the output buffers
    /// take at most `4 × threads × spill_cap` bytes whatever `--runs` and `--steps` are.
    fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let spec = self.sim.spec.settings();
        let mut chunking = Chunking::for_steps(spec.steps, STEPS_PER_TASK, self.n_threads);
        if self.summary {
            // Summaries may be stepped in blocks (one row a run in memory): whole blocks.
            chunking = chunking.in_blocks_of(self.sim.runs.block_len());
        }
        let bar = progress_bar(spec.runs * spec.steps, spec.runs);
        if self.summary {
            summary::write_header(w, &self.sim.summary_params().0)?;
        } else {
            self.sim.runs.write_header(w)?;
        }
        ordered_tasks(
            self.pool,
            spec.runs,
            chunking,
            |runs| {
                let mut buf = SpillBuffer::new(self.spill_cap);
                if self.summary {
                    self.write_summaries(runs, &mut buf)?;
                } else {
                    for run in runs {
                        self.write_run(run, &mut buf)?;
                    }
                }
                if buf.spilled() {
                    self.n_spilled.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, io::Error>(buf)
            },
            |buf, runs| {
                buf.copy_to(w)?;
                bar.inc(runs.end() - runs.start() + 1);
                Ok(())
            },
        )?;
        bar.finish_and_clear();
        Ok(())
    }

    /// Appends the summary rows of `runs` to `buf`, in run order: each run's fold, as the
    /// registry's runs fold them (in blocks where the engine steps runs together); a
    /// failed run fails the job, naming its step.
    fn write_summaries(
        &self,
        runs: std::ops::RangeInclusive<u64>,
        buf: &mut SpillBuffer,
    ) -> io::Result<()> {
        let sim = self.sim;
        let spec = sim.spec.settings();
        let folds = sim.runs.folds(&sim.streams(), runs.clone(), spec.steps);
        let (_, params) = sim.summary_params();
        for (run, fold) in runs.zip(folds) {
            let fold = fold.map_err(|e| io::Error::other(e.to_string()))?;
            summary::write_row(
                buf,
                (spec.seed, spec.rng, sim.engine()),
                &params,
                run,
                &fold,
            )?;
        }
        Ok(())
    }

    /// Appends run `run`'s rows to `buf`.
    fn write_run(&self, run: u64, buf: &mut SpillBuffer) -> io::Result<()> {
        let steps = self.sim.spec.settings().steps;
        (self.sim.runs)
            .write_run(&self.sim.streams(), run, steps, 0, buf)
            .map_err(|e| match e {
                RunError::Observe(e) => e,
                other => io::Error::other(other.to_string()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(text: &str) -> Box<dyn AnySpec> {
        let spec = Spec::from_shorthand("", text).unwrap();
        Workbench::builtin()
            .resolve(&spec, &Limits::default())
            .unwrap()
    }

    fn simulation(text: &str, engine: Option<&str>) -> Result<Simulation, SpecError> {
        Simulation::new(resolve(text), engine)
    }

    /// The bytes `simulate` writes for `text` on `n_threads` threads with tasks that keep
    /// `spill_cap` bytes in memory, and how many tasks spilled.
    fn written(text: &str, summary: bool, n_threads: usize, spill_cap: usize) -> (Vec<u8>, u64) {
        let sim = simulation(text, None).unwrap();
        let pool = crate::parallel::pool(n_threads).unwrap();
        let job = Job {
            sim: &sim,
            summary,
            pool: &pool,
            n_threads,
            spill_cap,
            n_spilled: AtomicU64::new(0),
        };
        let mut out = Vec::new();
        job.write(&mut out).unwrap();
        (out, job.n_spilled.into_inner())
    }

    #[test]
    fn spilled_output_is_the_same_bytes_for_any_thread_count() {
        // Runs of 3,000 steps (about 300 kB of rows each) against a 64 kB budget: every
        // task spills; one task of several runs (short runs) too.
        for text in [
            "currents-v1:rng=numpy,runs=7,steps=3000",
            "currents-v1:runs=40,steps=200,integrity=0.5",
            "turnover:runs=5,steps=2500",
        ] {
            let (reference, kept) = written(text, false, 1, usize::MAX);
            assert_eq!(kept, 0, "{text}");
            let header_and_rows = reference.iter().filter(|&&b| b == b'\n').count();
            let spec = resolve(text).settings();
            assert_eq!(header_and_rows as u64, 1 + spec.runs * (spec.steps + 1));
            for n_threads in [1, 3, 4] {
                let (out, spilled) = written(text, false, n_threads, 64 << 10);
                assert!(spilled > 0, "{text}: no task spilled");
                assert!(
                    out == reference,
                    "{text}: {n_threads} threads, spilled, differ"
                );
            }
        }
        let (summary, _) = written("currents-v1:runs=30,steps=50", true, 1, usize::MAX);
        let (spilled, n) = written("currents-v1:runs=30,steps=50", true, 3, 0);
        assert!(n > 0);
        assert!(summary == spilled);
    }

    #[test]
    fn an_engine_the_spec_cannot_run_on_is_refused_naming_the_flag() {
        // The model's engines decide (V1: streaming for the notebook's spec only).
        for (text, notebook) in [("currents-v1", true), ("turnover", false)] {
            let sim = simulation(text, None).unwrap();
            let fastest = if notebook { "streaming" } else { "exact" };
            assert_eq!(sim.engine(), fastest, "{text}");
            let streaming = simulation(text, Some("streaming"));
            assert_eq!(streaming.is_ok(), notebook, "{text}");
            if let Err(e) = streaming {
                assert!(
                    e.to_string().starts_with("invalid value for `--engine`"),
                    "{e}"
                );
            }
        }
    }
}
