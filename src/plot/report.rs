//! The HTML report: one self-contained page (inline SVG and CSS, no script, no link to
//! anything outside it) holding the charts, the parameters and seeds, and a metric table.

use std::fmt::Write as _;

use crate::metrics::LedgerTally;
use crate::model::Ledger;

use super::stats::quantile;
use super::{Chart, Dataset, RunSeries, Var};

/// Most runs listed one per row in the report (beyond that, only the summary is shown).
pub(crate) const RUN_ROWS_MAX: usize = 50;

/// Summary figures of one run (of the dataset's member).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunMetrics {
    /// The run's group (index into [`Dataset::groups`]).
    pub(crate) group: usize,
    /// The 1-based run.
    pub(crate) run: u64,
    /// Steps taken (timesteps after genesis).
    pub n_steps: usize,
    /// The balance at the last timestep.
    pub(crate) balance_final: f64,
    /// The mean balance at the last timestep (NaN when the model keeps none).
    pub(crate) balance_mean_final: f64,
    /// The limit at the last timestep.
    pub limit_final: f64,
    /// Smallest limit after genesis.
    pub limit_min: f64,
    /// Largest limit after genesis.
    pub(crate) limit_max: f64,
    /// Steps (after genesis) with a limit of 0.
    pub zero_limit_steps: usize,
    /// Steps (after genesis) with the balance below minus the limit
    /// (`crate::model::balance_below_limit`): the member is past the limit.
    pub over_limit_steps: usize,
}

/// Reads one metric of a run.
pub(crate) type MetricFn = fn(&RunMetrics) -> f64;

/// The metric columns of the table for `ds`: header and accessor (the mean balance's only
/// when the model keeps one). The headers name the columns the figures come from.
pub(crate) fn metric_columns(ds: &Dataset) -> Vec<(String, MetricFn)> {
    let (balance, limit) = (ds.name(Var::Balance), ds.name(Var::Limit));
    let mut table: Vec<(String, MetricFn)> =
        vec![(format!("final {balance}"), |m| m.balance_final)];
    if ds.has(Var::BalanceMean) {
        let mean = ds.name(Var::BalanceMean);
        table.push((format!("final {mean}"), |m| m.balance_mean_final));
    }
    table.extend([
        (format!("final {limit}"), (|m| m.limit_final) as MetricFn),
        (format!("min {limit}"), |m| m.limit_min),
        (format!("max {limit}"), |m| m.limit_max),
        ("steps with zero credit".to_owned(), |m| {
            m.zero_limit_steps as f64
        }),
        ("steps over the limit".to_owned(), |m| {
            m.over_limit_steps as f64
        }),
    ]);
    table
}

/// Computes a run's summary figures, through the one ledger fold every per-run summary
/// shares ([`LedgerTally`]). Genesis (timestep 0) is left out of the step counts and of
/// the limit's range, since nothing has happened yet.
pub fn run_metrics(r: &RunSeries) -> RunMetrics {
    let at = |series: &[f64], i: usize| series.get(i).copied().unwrap_or(f64::NAN);
    let ledger = |i: usize| Ledger {
        balance: at(&r.balance, i),
        limit: at(&r.limit, i),
        capacity: at(&r.capacity, i),
        payment: at(&r.payment, i),
    };
    let mut tally = LedgerTally::new(&[ledger(0)]);
    for i in (0..r.len()).filter(|&i| r.timestep[i] > 0.0) {
        tally.push(&[ledger(i)]);
    }
    let last = r.len().saturating_sub(1);
    RunMetrics {
        group: r.group,
        run: r.run,
        n_steps: tally.n_steps as usize,
        balance_final: tally.final_balance,
        balance_mean_final: at(&r.balance_mean, last),
        limit_final: tally.final_limit,
        limit_min: tally.min_limit,
        limit_max: tally.max_limit,
        zero_limit_steps: tally.steps_zero_limit as usize,
        over_limit_steps: tally.steps_over_limit as usize,
    }
}

/// What the report shows besides the charts.
#[derive(Debug, Clone, Default)]
pub struct ReportMeta {
    /// Page title.
    pub title: String,
    /// The inputs: label (may be empty) and file name as given.
    pub inputs: Vec<(String, String)>,
    /// Parameter name and value pairs, if known.
    pub params: Vec<(String, String)>,
    /// How each run's generator was seeded, if known.
    pub seeds: Option<String>,
    /// A line saying where the parameters come from (or that the CSV does not record them).
    pub params_note: String,
    /// The invariant report of `currents check` for the rule behind the input, as text
    /// (`HarnessReport::to_table`), shown in its own section when present.
    pub invariants: Option<String>,
}

/// Escapes text for HTML.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn num(v: f64) -> String {
    if v.is_nan() {
        "–".to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:1320px;color:#222;padding:0 1em}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:0.5em 0;font-size:0.9em}\
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;border:1px solid #ddd}\
figcaption{color:#555;font-size:0.9em;margin-top:0.3em}.note{color:#555}";

/// Builds the page.
pub fn html(meta: &ReportMeta, ds: &Dataset, charts: &[Chart]) -> String {
    let mut h = String::new();
    let title = escape(&meta.title);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    // Inputs, parameters, seeds.
    h.push_str("<h2>Inputs, parameters and seeds</h2>\n<table>\n<tr><th>input</th><th>file</th><th>runs</th><th>steps</th></tr>\n");
    let metrics: Vec<RunMetrics> = ds.runs.iter().map(run_metrics).collect();
    for (g, group) in ds.groups.iter().enumerate() {
        let runs: Vec<&RunMetrics> = metrics.iter().filter(|m| m.group == g).collect();
        let steps = runs.iter().map(|m| m.n_steps).max().unwrap_or(0);
        let file = meta.inputs.get(group.input).map_or("", |(_, f)| f.as_str());
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(if group.label.is_empty() {
                "(all runs)"
            } else {
                &group.label
            }),
            escape(file),
            runs.len(),
            steps
        );
    }
    h.push_str("</table>\n");
    if !meta.params.is_empty() {
        h.push_str("<table>\n<tr><th>parameter</th><th>value</th></tr>\n");
        for (k, v) in &meta.params {
            let _ = writeln!(h, "<tr><td>{}</td><td>{}</td></tr>", escape(k), escape(v));
        }
        h.push_str("</table>\n");
    }
    if let Some(seeds) = &meta.seeds {
        let _ = writeln!(h, "<p>Seeds: {}</p>", escape(seeds));
    }
    if !meta.params_note.is_empty() {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", escape(&meta.params_note));
    }
    // Metric table.
    h.push_str("<h2>Metrics across runs</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">Per metric: mean, and the 5%, 50% and 95% quantiles across runs (linear interpolation). Steps over the limit: {} &lt; −{}. Genesis (timestep 0) is not counted.</p>",
        escape(ds.name(Var::Balance)),
        escape(ds.name(Var::Limit))
    );
    if ds.n_members() > 1 {
        let _ = writeln!(
            h,
            "<p class=\"note\">Model {}: the charts and figures are of member {} of the {} members of each run (--member chooses).</p>",
            escape(ds.model().unwrap_or("")),
            ds.member(),
            ds.n_members()
        );
    }
    let columns = metric_columns(ds);
    for (g, group) in ds.groups.iter().enumerate() {
        let runs: Vec<&RunMetrics> = metrics.iter().filter(|m| m.group == g).collect();
        if !group.label.is_empty() {
            let _ = writeln!(h, "<h3>{}</h3>", escape(&group.label));
        }
        h.push_str("<table>\n<tr><th>metric</th><th>mean</th><th>5%</th><th>median</th><th>95%</th></tr>\n");
        for (name, get) in &columns {
            let mut vals: Vec<f64> = runs.iter().map(|m| get(m)).collect();
            let mean = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
            let q = |vals: &mut Vec<f64>, p| quantile(vals, p).unwrap_or(f64::NAN);
            let (q05, q50, q95) = (q(&mut vals, 0.05), q(&mut vals, 0.5), q(&mut vals, 0.95));
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(name),
                num(mean),
                num(q05),
                num(q50),
                num(q95)
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(table) = &meta.invariants {
        h.push_str("<h2>Invariant report</h2>\n");
        h.push_str("<p class=\"note\">From <code>currents check</code>: each invariant of the catalog, whether the rule must keep it (required) or it is a finding (observed), and the first counterexample with its replay command.</p>\n");
        let _ = writeln!(h, "<pre>{}</pre>", escape(table));
    }
    h.push_str("<h2>Runs</h2>\n");
    if metrics.len() > RUN_ROWS_MAX {
        let _ = writeln!(
            h,
            "<p class=\"note\">First {RUN_ROWS_MAX} of {} runs.</p>",
            metrics.len()
        );
    }
    h.push_str("<table>\n<tr><th>run</th>");
    for (name, _) in &columns {
        let _ = write!(h, "<th>{}</th>", escape(name));
    }
    h.push_str("</tr>\n");
    for m in metrics.iter().take(RUN_ROWS_MAX) {
        let label = &ds.groups[m.group].label;
        let name = if label.is_empty() {
            m.run.to_string()
        } else {
            format!("{label}, run {}", m.run)
        };
        let _ = write!(h, "<tr><td>{}</td>", escape(&name));
        for (_, get) in &columns {
            let _ = write!(h, "<td>{}</td>", num(get(m)));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n<h2>Charts</h2>\n");
    for c in charts {
        let _ = writeln!(
            h,
            "<figure id=\"{}\">\n{}\n<figcaption><b>{}.</b> {}</figcaption>\n</figure>",
            c.name,
            svg_body(&c.svg),
            escape(&c.title),
            escape(&c.caption)
        );
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// The `<svg>` element of an SVG document (drops an XML declaration, if any).
fn svg_body(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}
