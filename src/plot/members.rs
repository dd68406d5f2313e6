//! The charts of the whole membership, for a model of several members: how the balances
//! are distributed after the last step (against the exact law of the classic chain), how
//! unequally the members can spend (the Lorenz curve of their capacities), and the share of
//! members at their limit over time. They read every member's ledger of a run
//! ([`super::MemberSeries`]), not the dataset's one member.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::metrics::{self, spending_power};

use super::axes::{Line, line_panel, short, span, x_span};
use super::data::MEMBER_RUNS_MAX;
use super::stats::{envelope, lorenz, stride_for, zero_sum_uniform_law};
use super::{Dataset, Figure, LINE_POINTS_MAX, PALETTE, RunSeries};

/// Most bins of the balance histogram when the balances are not whole numbers in a range
/// narrow enough for one bar per unit.
const BINS_MAX: usize = 80;

/// The label of group `g` on these charts: its own, or `all runs` for a single unlabelled
/// input.
fn group_label(ds: &Dataset, g: usize) -> String {
    let label = &ds.groups[g].label;
    if label.is_empty() {
        "all runs".to_owned()
    } else {
        label.clone()
    }
}

/// The runs of group `g` whose members' final ledgers were kept.
fn kept_runs(ds: &Dataset, g: usize) -> impl Iterator<Item = &RunSeries> {
    ds.runs_of(g).filter(|r| !r.members.balances.is_empty())
}

/// Whether the dataset holds every member's ledger (a model of several members).
pub(crate) fn has_members(ds: &Dataset) -> bool {
    ds.runs.iter().any(|r| !r.members.at_limit.is_empty())
}

/// "of the first 1000 runs" when runs were left out of the final ledgers.
fn kept_note(ds: &Dataset) -> String {
    if ds.runs.len() > MEMBER_RUNS_MAX {
        format!(" (the first {MEMBER_RUNS_MAX} of {} runs)", ds.runs.len())
    } else {
        String::new()
    }
}

// ---------------------------------------------------------------------------------------
// The balance distribution against the exact law.

pub(crate) struct BalanceDistribution {
    lines: Vec<Line>,
    n_members: usize,
    /// The common limit of every member at the end of every run, when there is one.
    common_limit: Option<u64>,
    note: String,
}

/// The histogram of `values` as (value, probability per unit) points: one bar per unit for
/// whole numbers spanning at most [`BINS_MAX`] units, else `BINS_MAX` equal bins.
fn histogram(values: &[f64], lo: f64, hi: f64, unit: bool) -> Vec<(f64, f64)> {
    let n = values.len() as f64;
    if unit {
        let mut counts = vec![0u64; (hi - lo) as usize + 1];
        for v in values {
            counts[(v - lo) as usize] += 1;
        }
        return (counts.iter().enumerate())
            .map(|(i, &k)| (lo + i as f64, k as f64 / n))
            .collect();
    }
    let width = ((hi - lo) / BINS_MAX as f64).max(f64::MIN_POSITIVE);
    let mut counts = vec![0u64; BINS_MAX];
    for v in values {
        counts[(((v - lo) / width) as usize).min(BINS_MAX - 1)] += 1;
    }
    (counts.iter().enumerate())
        .map(|(i, &k)| (lo + (i as f64 + 0.5) * width, k as f64 / n / width))
        .collect()
}

pub(crate) fn balance_distribution(ds: &Dataset) -> BalanceDistribution {
    let all: Vec<f64> = (ds.runs.iter())
        .flat_map(|r| r.members.balances.iter().copied())
        .collect();
    let (lo, hi) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let unit = all.iter().all(|v| v.fract() == 0.0) && hi - lo <= BINS_MAX as f64;
    let mut lines: Vec<Line> = (0..ds.groups.len())
        .filter_map(|g| {
            let values: Vec<f64> = kept_runs(ds, g)
                .flat_map(|r| r.members.balances.iter().copied())
                .collect();
            (!values.is_empty()).then(|| {
                let color = PALETTE[g % PALETTE.len()];
                (group_label(ds, g), color, histogram(&values, lo, hi, unit))
            })
        })
        .collect();
    // The exact law applies to a common whole limit c ≥ 0 (and a bounded n·c).
    let limits = ds
        .runs
        .iter()
        .flat_map(|r| r.members.limits.iter().copied());
    let mut common = None;
    let mut same = true;
    for l in limits {
        same &= common.is_none_or(|c| c == l);
        common = Some(l);
    }
    let n = ds.n_members();
    let common_limit = common
        .filter(|c| same && c.fract() == 0.0 && *c >= 0.0 && c * n as f64 <= 1e9)
        .map(|c| c as u64);
    if let Some(c) = common_limit
        && unit
        && n >= 2
    {
        let j_max = (hi + c as f64).max(0.0) as u64;
        let law = zero_sum_uniform_law(n as u64, c, j_max);
        let points = (law.iter().enumerate())
            .map(|(j, &p)| (j as f64 - c as f64, p))
            .filter(|&(b, _)| b >= lo)
            .collect();
        lines.push(("exact law of the classic chain".to_owned(), BLACK, points));
    }
    BalanceDistribution {
        lines,
        n_members: n,
        common_limit,
        note: kept_note(ds),
    }
}

impl Figure for BalanceDistribution {
    fn name(&self) -> &'static str {
        "balance_distribution"
    }
    fn title(&self) -> String {
        "Every member's balance after the last step".to_owned()
    }
    fn caption(&self) -> String {
        let reference = match self.common_limit {
            Some(c) => format!(
                "Black: the exact stationary law for {} members at limit {c} under the classic chain (one unit a step, uniform pairs or a connected graph, a fixed limit), a reference only.",
                self.n_members
            ),
            None => "No exact law drawn: the members' limits differ (it holds for one common whole limit).".to_owned(),
        };
        format!(
            "Share of members at each balance, pooled over the runs{} ({} members each).\n{reference}",
            self.note, self.n_members
        )
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all: Vec<(f64, f64)> = self.lines.iter().flat_map(|l| l.2.clone()).collect();
        let y = 0.0..span(all.iter().map(|p| p.1)).end;
        line_panel(
            body,
            None,
            x_span(&all),
            y,
            &self.lines,
            "balance",
            "share of members",
            false,
        )
    }
}

// ---------------------------------------------------------------------------------------
// The Lorenz curve of the members' capacities.

pub(crate) struct Lorenz {
    lines: Vec<Line>,
    /// Per group: its label and the mean Gini coefficient over its runs.
    gini: Vec<(String, f64)>,
    note: String,
}

pub(crate) fn lorenz_curves(ds: &Dataset) -> Lorenz {
    let mut lines: Vec<Line> = vec![(
        "equal capacities".to_owned(),
        RGBColor(160, 160, 160),
        vec![(0.0, 0.0), (1.0, 1.0)],
    )];
    let mut gini = Vec::new();
    for g in 0..ds.groups.len() {
        // The mean curve over the runs (every run has the same members, so the same
        // abscissas) and the mean Gini coefficient.
        let mut sum: Vec<f64> = Vec::new();
        let (mut runs, mut gini_sum) = (0usize, 0.0);
        for r in kept_runs(ds, g) {
            let m = &r.members;
            let mut power: Vec<f64> = (m.balances.iter().zip(&m.limits))
                .map(|(b, l)| spending_power(b + l))
                .collect();
            let coefficient = metrics::gini(&power);
            let Some(points) = lorenz(&mut power) else {
                continue;
            };
            sum.resize(points.len(), 0.0);
            for (s, p) in sum.iter_mut().zip(&points) {
                *s += p.1;
            }
            runs += 1;
            gini_sum += coefficient;
        }
        if runs == 0 {
            continue;
        }
        let n = sum.len() - 1;
        let stride = stride_for(n + 1, LINE_POINTS_MAX);
        let mut points: Vec<(f64, f64)> = (0..=n)
            .step_by(stride)
            .map(|k| (k as f64 / n as f64, sum[k] / runs as f64))
            .collect();
        if points.last().map(|p| p.0) != Some(1.0) {
            points.push((1.0, sum[n] / runs as f64));
        }
        let label = group_label(ds, g);
        gini.push((label.clone(), gini_sum / runs as f64));
        lines.push((label, PALETTE[g % PALETTE.len()], points));
    }
    Lorenz {
        lines,
        gini,
        note: kept_note(ds),
    }
}

impl Figure for Lorenz {
    fn name(&self) -> &'static str {
        "lorenz"
    }
    fn title(&self) -> String {
        "Lorenz curve of what the members can spend".to_owned()
    }
    fn caption(&self) -> String {
        let gini: Vec<String> = (self.gini.iter())
            .map(|(label, g)| format!("{label} {}", short(*g)))
            .collect();
        format!(
            "Capacity (balance + limit, below 0 counted as 0) after the last step, members sorted poorest first; the mean curve over the runs{}.\nGini coefficient (mean over the runs): {}.",
            self.note,
            gini.join(", ")
        )
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let lines = &self.lines;
        line_panel(
            body,
            None,
            0.0..1.0,
            0.0..1.0,
            lines,
            "share of members",
            "share of the capacity",
            false,
        )
    }
}

// ---------------------------------------------------------------------------------------
// The share of members at their limit over time.

pub(crate) struct AtLimit {
    lines: Vec<Line>,
    bucket: usize,
    n_steps: usize,
    /// One line per member type (the user's member groups) rather than per input.
    by_type: bool,
}

pub(crate) fn at_limit(ds: &Dataset) -> AtLimit {
    let mut bucket = 1;
    let n_steps = ds.n_steps_max();
    let names = ds.member_group_names();
    let mut lines = Vec::new();
    for g in 0..ds.groups.len() {
        for (k, name) in names.iter().enumerate() {
            // The mean over the runs at each row (runs may differ in length).
            let (mut sum, mut count, mut ts) = (Vec::new(), Vec::new(), Vec::new());
            for r in ds.runs_of(g) {
                let Some(shares) = r.members.at_limit.get(k) else {
                    continue;
                };
                if sum.len() < shares.len() {
                    sum.resize(shares.len(), 0.0);
                    count.resize(shares.len(), 0u64);
                    ts.clone_from(&r.timestep);
                }
                for (i, s) in shares.iter().enumerate() {
                    sum[i] += s;
                    count[i] += 1;
                }
            }
            if sum.is_empty() {
                continue;
            }
            let mean: Vec<f64> = (sum.iter().zip(&count))
                .map(|(s, &c)| s / c as f64)
                .collect();
            let (points, b) = envelope(&ts, &mean, LINE_POINTS_MAX);
            bucket = bucket.max(b);
            let label = match (ds.groups.len(), names.len()) {
                (1, 1) => group_label(ds, g),
                (1, _) => (*name).to_owned(),
                _ => format!("{}: {name}", group_label(ds, g)),
            };
            let color = PALETTE[(g * names.len() + k) % PALETTE.len()];
            lines.push((label, color, points));
        }
    }
    AtLimit {
        lines,
        bucket,
        n_steps,
        by_type: names.len() > 1,
    }
}

impl Figure for AtLimit {
    fn name(&self) -> &'static str {
        "at_limit"
    }
    fn title(&self) -> String {
        if self.by_type {
            "Share of members at their limit, per member type".to_owned()
        } else {
            "Share of members at their limit".to_owned()
        }
    }
    fn caption(&self) -> String {
        let what = if self.by_type {
            "Per member type, the share of its members whose capacity (balance + limit) is below\nthe type's typical payment (most of their payments would be refused), mean over the runs"
        } else {
            "The share of members whose capacity (balance + limit) is below one unit: they cannot\nspend at all, mean over the runs"
        };
        format!(
            "{what}; {}.",
            super::axes::thinning_note(self.bucket, self.n_steps)
        )
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all: Vec<(f64, f64)> = self.lines.iter().flat_map(|l| l.2.clone()).collect();
        let y = 0.0..span(all.iter().map(|p| p.1)).end.max(0.05);
        line_panel(
            body,
            None,
            x_span(&all),
            y,
            &self.lines,
            "timestep",
            "share of members",
            false,
        )
    }
}
