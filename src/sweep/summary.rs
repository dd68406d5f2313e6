//! The summary CSV of a sweep: one row per cell — what it ran (label, model, rule and its
//! parameters, restriction, user, the user's and the model's parameters, the settings) and
//! each metric's mean, p5, p50 and p95 across its runs — written by [`write_summary`] and
//! read back by [`read_summary`] (what a model's report of a sweep renders).

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::metrics::NAMES;
use crate::workbench::ChosenView;

use super::{CellSummary, Sweep};

impl Sweep {
    /// The parameter columns: every parameter the cells' users declare, then every other
    /// one the cells' models declare (each once, in the order the cells first declare
    /// them). A cell's value of one is its user's, else its model's.
    fn param_columns(&self) -> Vec<&'static str> {
        let mut columns: Vec<&'static str> = Vec::new();
        let mut add = |view: ChosenView| {
            for p in view.params {
                if !columns.contains(&p.name) {
                    columns.push(p.name);
                }
            }
        };
        self.cells().iter().for_each(|c| add(c.spec().user()));
        self.cells().iter().for_each(|c| add(c.spec().model()));
        columns
    }

    /// The summary CSV's header: `cell,label`; `model` when some cell runs a model other
    /// than the workbench's first (the default a config that names none runs); `rule,
    /// rule_params,restriction,user`; the parameter columns (the cells' users' parameters,
    /// then their models', `-` written `_`: for V1, `integrity,avg_amount,growth,bias,
    /// sum_volume,initial_credit`); `runs,steps,seed`; then `METRIC_mean,METRIC_p5,
    /// METRIC_p50,METRIC_p95` for each metric of [`NAMES`].
    pub fn summary_header(&self) -> String {
        let mut h = String::from("cell,label");
        if self.names_models() {
            h.push_str(",model");
        }
        h.push_str(",rule,rule_params,restriction,user");
        for name in self.param_columns() {
            h.push(',');
            h.push_str(&name.replace('-', "_"));
        }
        h.push_str(",runs,steps,seed");
        for m in NAMES {
            for s in ["mean", "p5", "p50", "p95"] {
                h.push_str(&format!(",{m}_{s}"));
            }
        }
        h
    }
}

fn num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        x.to_string()
    }
}

/// `text` as one CSV field: quoted (quotes doubled) when it holds a comma, a quote or a
/// line break, as it is when a grid's label or a user's registered name does.
fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

/// Writes the summary CSV ([`Sweep::summary_header`]): one row per cell, its parameters
/// and each metric's mean, p5, p50 and p95 across runs (empty where no run defined the
/// metric). A parameter column is empty where the cell's user (or model) declares no
/// parameter of that name. When some cell's user declares member groups (the network's
/// `traders`), the per-group figures follow, `GROUP_FIGURE_mean, …_p5, …_p50, …_p95`
/// (docs/metrics.md), empty in the cells without them; otherwise the summary has none.
pub fn write_summary(
    w: &mut dyn Write,
    sweep: &Sweep,
    summaries: &[CellSummary],
) -> io::Result<()> {
    // The group columns (groups.rs in `crate::metrics`), each once in the order the cells
    // first name them, after every other column: only when some cell's user declares
    // member groups, so that every other summary is as it was.
    let mut groups: Vec<&str> = Vec::new();
    for s in summaries {
        for (name, _) in &s.group_spreads {
            if !groups.contains(&name.as_str()) {
                groups.push(name);
            }
        }
    }
    write!(w, "{}", sweep.summary_header())?;
    for g in &groups {
        for s in ["mean", "p5", "p50", "p95"] {
            write!(w, ",{g}_{s}")?;
        }
    }
    writeln!(w)?;
    let columns = sweep.param_columns();
    for (cell, s) in sweep.cells().iter().zip(summaries) {
        let spec = cell.spec();
        let (model, rule, user) = (spec.model(), spec.rule(), spec.user());
        write!(w, "{},{}", cell.index(), csv_field(cell.label()))?;
        if sweep.names_models() {
            write!(w, ",{}", csv_field(model.name))?;
        }
        let rule_params: Vec<String> = rule
            .pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        write!(
            w,
            ",{},{},{},{}",
            csv_field(rule.name),
            csv_field(&rule_params.join(" ")),
            spec.restriction(),
            csv_field(user.name),
        )?;
        for name in &columns {
            let value = user.get(name).or_else(|| model.get(name));
            write!(w, ",{}", value.map_or_else(String::new, |v| v.to_string()))?;
        }
        write!(
            w,
            ",{},{},{}",
            sweep.n_runs(),
            sweep.n_steps(),
            sweep.seed()
        )?;
        for sp in &s.spreads {
            write!(
                w,
                ",{},{},{},{}",
                num(sp.mean),
                num(sp.p5),
                num(sp.p50),
                num(sp.p95)
            )?;
        }
        for g in &groups {
            match s.group_spreads.iter().find(|(name, _)| name == g) {
                Some((_, sp)) => write!(
                    w,
                    ",{},{},{},{}",
                    num(sp.mean),
                    num(sp.p5),
                    num(sp.p50),
                    num(sp.p95)
                )?,
                None => write!(w, ",,,,")?,
            }
        }
        writeln!(w)?;
    }
    Ok(())
}

/// One row of a summary CSV, by column name.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    cols: BTreeMap<String, String>,
}

impl SummaryRow {
    /// The text of column `name` (empty when absent).
    pub fn text(&self, name: &str) -> &str {
        self.cols.get(name).map_or("", String::as_str)
    }

    /// Column `name` as a number (NaN when empty or absent).
    pub fn num(&self, name: &str) -> f64 {
        self.text(name).parse().unwrap_or(f64::NAN)
    }

    /// The value of rule parameter `name` from the `rule_params` column.
    pub fn rule_param(&self, name: &str) -> Option<f64> {
        self.text("rule_params").split(' ').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.parse().ok()).flatten()
        })
    }
}

/// The columns every row must hold as whole numbers: the run settings.
const WHOLE_COLUMNS: [&str; 3] = ["runs", "steps", "seed"];

/// Reads a summary CSV written by `currents sweep` ([`write_summary`]). Refused, naming
/// the line and column: a file without a cell row; a run setting (`runs`, `steps`, `seed`)
/// that is not a whole number; a parameter (a column between `user` and `runs`) or a metric
/// (`*_mean`, `*_p5`, `*_p50`, `*_p95`) that is neither empty (how the sweep writes an
/// undefined metric) nor a finite number.
pub fn read_summary<R: io::Read>(reader: R) -> io::Result<Vec<SummaryRow>> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidData, msg);
    let mut rdr = csv::Reader::from_reader(reader);
    let headers = rdr.headers().map_err(io::Error::other)?.clone();
    let missing = ["label", "rule_params"]
        .into_iter()
        .chain(WHOLE_COLUMNS)
        .find(|c| !headers.iter().any(|h| h == *c));
    if let Some(column) = missing {
        return Err(invalid(format!(
            "not a sweep summary: no column `{column}` (accepted: the CSV written by `currents sweep`)"
        )));
    }
    // The parameter columns: after `user`, before `runs`.
    let first_param = headers.iter().position(|h| h == "user").map(|i| i + 1);
    let runs_at = headers.iter().position(|h| h == "runs").unwrap_or(0);
    let is_param = |i: usize| first_param.is_some_and(|f| i >= f && i < runs_at);
    let is_metric = |h: &str| {
        ["_mean", "_p5", "_p50", "_p95"]
            .iter()
            .any(|suffix| h.ends_with(suffix))
    };
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(io::Error::other)?;
        let line = rec.position().map_or(0, |p| p.line());
        for (i, (h, v)) in headers.iter().zip(rec.iter()).enumerate() {
            let t = v.trim();
            let shown = crate::params::short_text(v);
            if WHOLE_COLUMNS.contains(&h) && t.parse::<u64>().is_err() {
                return Err(invalid(format!(
                    "line {line}, column `{h}`: {shown:?} (accepted: a whole number in [0, {}])",
                    u64::MAX
                )));
            }
            let numeric = is_param(i) || is_metric(h);
            if numeric && !t.is_empty() && !t.parse::<f64>().is_ok_and(f64::is_finite) {
                return Err(invalid(format!(
                    "line {line}, column `{h}`: {shown:?} (accepted: a finite number, or empty where undefined)"
                )));
            }
        }
        let cols = headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.to_owned(), v.to_owned()))
            .collect();
        rows.push(SummaryRow { cols });
    }
    if rows.is_empty() {
        return Err(invalid(
            "no cell row, only a header (accepted: a summary with at least one cell)".to_owned(),
        ));
    }
    Ok(rows)
}
