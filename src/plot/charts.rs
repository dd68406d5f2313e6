//! The trajectory charts: data preparation (thinning, quantiles, lowess) and drawing.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::stats::{envelope, lowess, quantile, stride_for};
use super::{
    Dataset, FACET_POINTS_MAX, FACETS_MAX, FAN_STEPS_MAX, FONT, Figure, LINE_POINTS_MAX,
    LOWESS_POINTS_MAX, PALETTE, PlotOptions, RunSeries, SCATTER_POINTS_MAX, Var, de, viridis,
};

/// One line: legend label, colour, points.
type Line = (String, RGBColor, Vec<(f64, f64)>);
/// Points of one colour, with a legend label if they get one.
type Cloud = (Option<String>, RGBColor, Vec<(f64, f64)>);
/// A fan row: timestep, 5%, 50% and 95% quantiles.
type FanRow = (f64, f64, f64, f64);

const TICK_SIZE: u32 = 16;
const DESC_SIZE: u32 = 20;
const LEGEND_SIZE: u32 = 17;

fn run_name(ds: &Dataset, r: &RunSeries) -> String {
    let label = &ds.groups[r.group].label;
    if label.is_empty() {
        format!("run {}", r.run)
    } else {
        format!("{label}, run {}", r.run)
    }
}

/// The mesh style every chart shares: fonts, light grey grid, and `tick` labels. `scale`
/// shrinks the text for the small charts of the facet grid.
fn house_mesh<'r, 'a, 'b, DB: DrawingBackend>(
    mesh: &'r mut MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, DB>,
    scale: f64,
) -> &'r mut MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, DB> {
    let sz = |s: u32| (s as f64 * scale) as u32;
    mesh.label_style((FONT, sz(TICK_SIZE)))
        .axis_desc_style((FONT, sz(DESC_SIZE)))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .max_light_lines(2)
        .x_label_formatter(&tick_label)
        .y_label_formatter(&tick_label)
}

fn tick_label(v: &f64) -> String {
    tick(*v)
}

/// A padded range covering every value (a unit range around a constant).
fn span(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return 0.0..1.0;
    }
    if hi - lo < 1e-9 {
        return lo - 1.0..hi + 1.0;
    }
    let pad = 0.04 * (hi - lo);
    lo - pad..hi + pad
}

fn x_span(points: &[(f64, f64)]) -> Range<f64> {
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.0), hi.max(p.0))
        });
    if lo > hi {
        0.0..1.0
    } else if hi - lo < 1e-9 {
        lo - 1.0..hi + 1.0
    } else {
        lo..hi
    }
}

fn thinning_note(bucket: usize, n_steps: usize) -> String {
    if bucket <= 1 {
        "every step drawn".to_owned()
    } else {
        format!("{n_steps} steps: lines drawn through the min and max of every {bucket} steps")
    }
}

/// Draws a line chart with axes, grid and optional legend.
#[allow(clippy::too_many_arguments)]
fn line_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: Option<&str>,
    x: Range<f64>,
    y: Range<f64>,
    lines: &[Line],
    x_desc: &str,
    y_desc: &str,
    small: bool,
) -> Result<(), String> {
    let scale = if small { 0.75 } else { 1.0 };
    let sz = |s: u32| (s as f64 * scale) as u32;
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(if small { 6 } else { 16 })
        .x_label_area_size(if small { 30 } else { 52 })
        .y_label_area_size(if small { 52 } else { 88 });
    if let Some(c) = caption {
        builder.caption(c, (FONT, sz(18)));
    }
    let mut chart = builder.build_cartesian_2d(x, y).map_err(de)?;
    let mut mesh = chart.configure_mesh();
    house_mesh(&mut mesh, scale)
        .x_labels(if small { 4 } else { 10 })
        .y_labels(if small { 4 } else { 10 });
    if !small {
        mesh.x_desc(x_desc).y_desc(y_desc);
    }
    mesh.draw().map_err(de)?;
    for (label, color, pts) in lines {
        let style = color.stroke_width(2);
        let s = chart
            .draw_series(LineSeries::new(pts.iter().copied(), style))
            .map_err(de)?;
        if !small {
            let c = *color;
            s.label(label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
            });
        }
    }
    if !small && !lines.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FONT, LEGEND_SIZE))
            .draw()
            .map_err(de)?;
    }
    Ok(())
}

/// A legend drawn as a row of swatches at the top right of `area`.
fn swatch_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(String, RGBColor)],
) -> Result<(), String> {
    let (w, _) = area.dim_in_pixel();
    let mut x = w as i32
        - 20
        - items
            .iter()
            .map(|(l, _)| 44 + 10 * l.len() as i32)
            .sum::<i32>();
    for (label, color) in items {
        area.draw(&Rectangle::new([(x, 8), (x + 24, 20)], color.filled()))
            .map_err(de)?;
        area.draw(&Text::new(
            label.clone(),
            (x + 30, 4),
            (FONT, LEGEND_SIZE).into_font().color(&BLACK),
        ))
        .map_err(de)?;
        x += 44 + 10 * label.len() as i32;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 1. One run's trajectory.

pub(crate) struct Trajectory {
    run: String,
    lines: Vec<Line>,
    note: String,
}

pub(crate) fn trajectory(ds: &Dataset, r: &RunSeries) -> Trajectory {
    let vars = [
        Var::BalanceMean,
        Var::Credit,
        Var::Transaction,
        Var::Capacity,
    ];
    let mut bucket = 1;
    let lines = vars
        .iter()
        .map(|&v| {
            let (pts, b) = envelope(&r.timestep, v.values(r), LINE_POINTS_MAX);
            bucket = bucket.max(b);
            (v.column().to_owned(), v.color(), pts)
        })
        .collect();
    Trajectory {
        run: run_name(ds, r),
        lines,
        note: thinning_note(bucket, r.len()),
    }
}

impl Figure for Trajectory {
    fn name(&self) -> &'static str {
        "trajectory"
    }
    fn title(&self) -> String {
        format!("One run over time ({})", self.run)
    }
    fn caption(&self) -> String {
        format!(
            "avgUserBalance, userCredit, transaction and userCapacity of {} against the timestep; {}.",
            self.run, self.note
        )
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all: Vec<(f64, f64)> = self
            .lines
            .iter()
            .flat_map(|l| l.2.iter().copied())
            .collect();
        let x = x_span(&all);
        let y = span(all.iter().map(|p| p.1));
        line_panel(body, None, x, y, &self.lines, "timestep", "amount", false)
    }
}

// ---------------------------------------------------------------------------------------
// 2. Facet grid: one small chart per run.

pub(crate) struct Facets {
    panels: Vec<(String, Vec<Line>)>,
    n_runs: usize,
    note: String,
}

pub(crate) fn facets(ds: &Dataset) -> Facets {
    let vars = [Var::BalanceMean, Var::Credit];
    let shown: Vec<&RunSeries> = ds.runs.iter().take(FACETS_MAX).collect();
    let mut bucket = 1;
    let panels = shown
        .iter()
        .map(|r| {
            let lines = vars
                .iter()
                .map(|&v| {
                    let (pts, b) = envelope(&r.timestep, v.values(r), FACET_POINTS_MAX);
                    bucket = bucket.max(b);
                    (v.column().to_owned(), v.color(), pts)
                })
                .collect();
            (run_name(ds, r), lines)
        })
        .collect();
    let runs_note = if ds.runs.len() > FACETS_MAX {
        format!("first {FACETS_MAX} of {} runs shown", ds.runs.len())
    } else {
        format!("all {} runs", ds.runs.len())
    };
    Facets {
        panels,
        n_runs: ds.runs.len(),
        note: format!("{runs_note}; {}", thinning_note(bucket, ds.n_steps_max())),
    }
}

impl Figure for Facets {
    fn name(&self) -> &'static str {
        "facets"
    }
    fn title(&self) -> String {
        format!(
            "Every run: avgUserBalance and userCredit ({} runs)",
            self.n_runs
        )
    }
    fn caption(&self) -> String {
        format!(
            "One panel per run, shared axes (x: timestep); {}.",
            self.note
        )
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (legend_area, grid) = body.split_vertically(30);
        swatch_legend(
            &legend_area,
            &[Var::BalanceMean, Var::Credit].map(|v| (v.column().to_owned(), v.color())),
        )?;
        let n = self.panels.len().max(1);
        let cols = ((n as f64 * 16.0 / 9.0).sqrt().ceil() as usize).clamp(1, n);
        let rows = n.div_ceil(cols);
        let all: Vec<(f64, f64)> = self
            .panels
            .iter()
            .flat_map(|p| p.1.iter().flat_map(|l| l.2.iter().copied()))
            .collect();
        let x = x_span(&all);
        let y = span(all.iter().map(|p| p.1));
        for (area, (name, lines)) in grid.split_evenly((rows, cols)).iter().zip(&self.panels) {
            line_panel(area, Some(name), x.clone(), y.clone(), lines, "", "", true)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// 3. Balance over time, coloured by group (or by run), with a lowess trend.

pub(crate) struct BalanceTrend {
    /// Per colour: legend label (if any), colour, points.
    clouds: Vec<Cloud>,
    trends: Vec<Line>,
    alpha: f64,
    legend_title: String,
    note: String,
}

/// Which points a scatter chart draws: every `step_stride`-th step (from a per-run offset,
/// so runs do not all land on the same timesteps) of every `run_stride`-th run.
#[derive(Debug, Clone, Copy)]
struct Sample {
    step_stride: usize,
    run_stride: usize,
}

impl Sample {
    /// Keeps `n_runs` runs of up to `n_steps` steps to about `budget` points: at most 500
    /// points per run, then as many evenly spaced runs as the budget allows.
    fn plan(n_runs: usize, n_steps: usize, budget: usize) -> Sample {
        let step_stride = stride_for(n_steps, 500);
        let per_run = n_steps.div_ceil(step_stride).max(1);
        let run_stride = stride_for(n_runs * per_run, budget);
        Sample {
            step_stride,
            run_stride,
        }
    }

    fn indices(self, k: usize, len: usize) -> impl Iterator<Item = usize> {
        let offset = if self.run_stride > 1 {
            k % self.step_stride
        } else {
            0
        };
        (offset.min(len)..len).step_by(self.step_stride)
    }

    fn describe(self, shown_runs: usize, n_runs: usize, drawn: usize, total: usize) -> String {
        match (self.step_stride, self.run_stride) {
            (1, 1) => format!("all {total} points"),
            (s, 1) => format!("every {s}th step of each run ({drawn} of {total} points)"),
            (s, _) => format!(
                "every {s}th step of {shown_runs} evenly spaced runs of {n_runs} ({drawn} of {total} points)"
            ),
        }
    }
}

pub(crate) fn balance_trend(ds: &Dataset, opts: &PlotOptions) -> BalanceTrend {
    let by_run = ds.groups.len() <= 1;
    let total: usize = ds.runs.iter().map(RunSeries::len).sum();
    let n_groups = ds.groups.len().max(1);
    let mut clouds = Vec::new();
    let mut trends = Vec::new();
    let mut fit_points_max = 0;
    let mut shown_runs = 0;
    let mut plan = Sample::plan(1, 1, 1);
    for (g, group) in ds.groups.iter().enumerate() {
        let runs: Vec<&RunSeries> = ds.runs_of(g).collect();
        let n_steps = runs.iter().map(|r| r.len()).max().unwrap_or(0);
        plan = Sample::plan(runs.len(), n_steps, SCATTER_POINTS_MAX / n_groups);
        let mut group_points: Vec<(f64, f64)> = Vec::new();
        for (i, r) in runs.iter().enumerate().step_by(plan.run_stride) {
            shown_runs += 1;
            let pts: Vec<(f64, f64)> = plan
                .indices(i, r.len())
                .map(|j| (r.timestep[j], r.balance[j]))
                .collect();
            group_points.extend_from_slice(&pts);
            if by_run {
                let n = clouds.len();
                let label = (n < PALETTE.len()).then(|| format!("run {}", r.run));
                clouds.push((label, PALETTE[n % PALETTE.len()], pts));
            }
        }
        // The trend is fitted on points from every run, not only the runs drawn.
        let fit_total: usize = runs.iter().map(|r| r.len()).sum();
        let fit_stride = stride_for(fit_total, LOWESS_POINTS_MAX);
        let mut fit_points: Vec<(f64, f64)> = Vec::new();
        for (k, r) in runs.iter().enumerate() {
            let offset = (k * 7919) % fit_stride;
            fit_points.extend(
                (offset.min(r.len())..r.len())
                    .step_by(fit_stride)
                    .map(|j| (r.timestep[j], r.balance[j])),
            );
        }
        let color = PALETTE[g % PALETTE.len()];
        let trend = trend_line(&mut fit_points);
        fit_points_max = fit_points_max.max(trend.1);
        let (trend_color, trend_label) = if by_run {
            (BLACK, "trend (lowess)".to_owned())
        } else {
            (darker(color), format!("{} trend", group.label))
        };
        trends.push((trend_label, trend_color, trend.0));
        if !by_run {
            clouds.push((Some(group.label.clone()), color, group_points));
        }
    }
    let drawn: usize = clouds.iter().map(|c| c.2.len()).sum();
    let alpha = (600.0 / drawn.max(1) as f64).clamp(0.08, 0.6);
    let sampled = plan.describe(shown_runs, ds.runs.len(), drawn, total);
    BalanceTrend {
        clouds,
        trends,
        alpha,
        legend_title: if by_run {
            "run".to_owned()
        } else {
            opts.color_by.clone().unwrap_or_else(|| "input".to_owned())
        },
        note: format!(
            "Points: {sampled}.\nTrend: lowess (frac 2/3, 3 robustness iterations) on at most {fit_points_max} points per {}, drawn from every run.",
            if by_run { "input" } else { "group" }
        ),
    }
}

/// A lowess line through the points (sorted by x in place), thinned to
/// [`LOWESS_POINTS_MAX`]; returns the line and the number of points it was fitted on.
fn trend_line(points: &mut [(f64, f64)]) -> (Vec<(f64, f64)>, usize) {
    points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let stride = stride_for(points.len(), LOWESS_POINTS_MAX);
    let fit: Vec<(f64, f64)> = points.iter().step_by(stride).copied().collect();
    let xs: Vec<f64> = fit.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = fit.iter().map(|p| p.1).collect();
    let fitted = lowess(&xs, &ys, 2.0 / 3.0, 3);
    (xs.into_iter().zip(fitted).collect(), fit.len())
}

fn darker(c: RGBColor) -> RGBColor {
    RGBColor(
        (c.0 as f64 * 0.6) as u8,
        (c.1 as f64 * 0.6) as u8,
        (c.2 as f64 * 0.6) as u8,
    )
}

impl Figure for BalanceTrend {
    fn name(&self) -> &'static str {
        "balance_trend"
    }
    fn title(&self) -> String {
        format!("userBalance over time, coloured by {}", self.legend_title)
    }
    fn caption(&self) -> String {
        self.note.clone()
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all: Vec<(f64, f64)> = self
            .clouds
            .iter()
            .flat_map(|c| c.2.iter().copied())
            .collect();
        let x = x_span(&all);
        let y = span(all.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(body)
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(88)
            .build_cartesian_2d(x, y)
            .map_err(de)?;
        house_mesh(&mut chart.configure_mesh(), 1.0)
            .x_desc("timestep")
            .y_desc("userBalance")
            .draw()
            .map_err(de)?;
        for (label, color, pts) in &self.clouds {
            let style = color.mix(self.alpha).filled();
            let s = chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 2, style)))
                .map_err(de)?;
            if let Some(label) = label {
                let c = *color;
                s.label(label.as_str())
                    .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
            }
        }
        for (label, color, pts) in &self.trends {
            let c = *color;
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(3)))
                .map_err(de)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FONT, LEGEND_SIZE))
            .draw()
            .map_err(de)
    }
}

// ---------------------------------------------------------------------------------------
// 4. avgUserBalance against userCredit, coloured by timestep.

pub(crate) struct BalanceVsCredit {
    points: Vec<(f64, f64, f64)>,
    t_max: f64,
    note: String,
}

pub(crate) fn balance_vs_credit(ds: &Dataset) -> BalanceVsCredit {
    let total: usize = ds.runs.iter().map(RunSeries::len).sum();
    let plan = Sample::plan(ds.runs.len(), ds.n_steps_max(), SCATTER_POINTS_MAX);
    let mut points = Vec::new();
    let mut shown_runs = 0;
    for (k, r) in ds.runs.iter().enumerate().step_by(plan.run_stride) {
        shown_runs += 1;
        for i in plan.indices(k, r.len()) {
            points.push((r.balance_mean[i], r.credit[i], r.timestep[i]));
        }
    }
    let t_max = points.iter().map(|p| p.2).fold(1.0, f64::max);
    let note = format!(
        "Points: {}.",
        plan.describe(shown_runs, ds.runs.len(), points.len(), total)
    );
    BalanceVsCredit {
        points,
        t_max,
        note,
    }
}

/// A vertical colour bar for `viridis` over [lo, hi].
pub(crate) fn colorbar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lo: f64,
    hi: f64,
    label: &str,
) -> Result<(), String> {
    let (_, h) = area.dim_in_pixel();
    let top = 30i32;
    let bottom = h as i32 - 70;
    let n = 64;
    for i in 0..n {
        let y0 = bottom - (bottom - top) * i / n;
        let y1 = bottom - (bottom - top) * (i + 1) / n;
        let c = viridis(i as f64 / (n - 1) as f64);
        area.draw(&Rectangle::new([(10, y1), (34, y0)], c.filled()))
            .map_err(de)?;
    }
    let text = (FONT, TICK_SIZE).into_font().color(&BLACK);
    area.draw(&Text::new(short(hi), (40, top - 8), text.clone()))
        .map_err(de)?;
    area.draw(&Text::new(short(lo), (40, bottom - 10), text.clone()))
        .map_err(de)?;
    area.draw(&Text::new(label.to_owned(), (6, 6), text))
        .map_err(de)?;
    Ok(())
}

/// An axis tick label: integers without a decimal point, others with at most two decimals.
pub(crate) fn tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{:.0}", v.round() + 0.0)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// A compact number for labels.
pub(crate) fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e9 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

impl Figure for BalanceVsCredit {
    fn name(&self) -> &'static str {
        "balance_vs_credit"
    }
    fn title(&self) -> String {
        "avgUserBalance against userCredit, coloured by timestep".to_owned()
    }
    fn caption(&self) -> String {
        self.note.clone()
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (w, _) = body.dim_in_pixel();
        let (main, bar) = body.split_horizontally(w - 130);
        let x = span(self.points.iter().map(|p| p.0));
        let y = span(self.points.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(&main)
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(88)
            .build_cartesian_2d(x, y)
            .map_err(de)?;
        house_mesh(&mut chart.configure_mesh(), 1.0)
            .x_desc("avgUserBalance")
            .y_desc("userCredit")
            .draw()
            .map_err(de)?;
        let t_max = self.t_max;
        chart
            .draw_series(
                self.points
                    .iter()
                    .map(|&(x, y, t)| Circle::new((x, y), 3, viridis(t / t_max).mix(0.7).filled())),
            )
            .map_err(de)?;
        colorbar(&bar, 0.0, t_max, "timestep")
    }
}

// ---------------------------------------------------------------------------------------
// 5. Monte Carlo fan chart: median and 5–95% band across runs.

/// Per group: label, and per variable the (t, q05, q50, q95) rows.
type Fans = Vec<(String, Vec<(Var, Vec<FanRow>)>)>;

pub(crate) struct Fan {
    fans: Fans,
    n_runs: usize,
    note: String,
}

pub(crate) fn fan(ds: &Dataset) -> Fan {
    let vars = [Var::Balance, Var::Credit];
    let n_steps = ds.n_steps_max();
    let stride = stride_for(n_steps, FAN_STEPS_MAX);
    let mut fans = Vec::new();
    let mut column = Vec::new();
    for (g, group) in ds.groups.iter().enumerate() {
        let runs: Vec<&RunSeries> = ds.runs_of(g).collect();
        let mut per_var = Vec::new();
        for &v in &vars {
            let mut rows = Vec::new();
            let len = runs.iter().map(|r| r.len()).max().unwrap_or(0);
            let mut steps: Vec<usize> = (0..len).step_by(stride).collect();
            if len > 0 && steps.last() != Some(&(len - 1)) {
                steps.push(len - 1);
            }
            for i in steps {
                column.clear();
                column.extend(runs.iter().filter_map(|r| v.values(r).get(i).copied()));
                let t = runs.iter().find_map(|r| r.timestep.get(i).copied());
                let (Some(t), Some(lo), Some(mid), Some(hi)) = (
                    t,
                    quantile(&mut column, 0.05),
                    quantile(&mut column, 0.5),
                    quantile(&mut column, 0.95),
                ) else {
                    continue;
                };
                rows.push((t, lo, mid, hi));
            }
            per_var.push((v, rows));
        }
        fans.push((group.label.clone(), per_var));
    }
    let steps_note = if stride > 1 {
        format!("quantiles at every {stride}th of {n_steps} steps")
    } else {
        "quantiles at every step".to_owned()
    };
    Fan {
        fans,
        n_runs: ds.runs.len(),
        note: format!(
            "Across {}: 5%, 50% and 95% quantiles (linear interpolation, as numpy) at each timestep; {steps_note}.",
            if ds.groups.len() > 1 {
                format!(
                    "the runs of each input separately ({} runs in all)",
                    ds.runs.len()
                )
            } else {
                format!("{} runs", ds.runs.len())
            }
        ),
    }
}

impl Figure for Fan {
    fn name(&self) -> &'static str {
        "fan"
    }
    fn title(&self) -> String {
        format!(
            "Monte Carlo fan: median and 5–95% band ({} runs)",
            self.n_runs
        )
    }
    fn caption(&self) -> String {
        self.note.clone()
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let panels = body.split_evenly((2, 1));
        let several = self.fans.len() > 1;
        for (k, (area, var)) in panels.iter().zip([Var::Balance, Var::Credit]).enumerate() {
            let rows: Vec<(usize, &String, &Vec<FanRow>)> = self
                .fans
                .iter()
                .enumerate()
                .flat_map(|(g, (label, per_var))| {
                    per_var
                        .iter()
                        .filter(|(v, _)| *v == var)
                        .map(move |(_, rows)| (g, label, rows))
                })
                .collect();
            let all = rows.iter().flat_map(|r| r.2.iter());
            let x = x_span(&all.clone().map(|r| (r.0, 0.0)).collect::<Vec<_>>());
            let y = span(all.flat_map(|r| [r.1, r.3]));
            let mut chart = ChartBuilder::on(area)
                .margin(12)
                .x_label_area_size(if k == 1 { 48 } else { 28 })
                .y_label_area_size(88)
                .build_cartesian_2d(x, y)
                .map_err(de)?;
            let mut mesh = chart.configure_mesh();
            house_mesh(&mut mesh, 1.0).y_desc(var.column());
            if k == 1 {
                mesh.x_desc("timestep");
            }
            mesh.draw().map_err(de)?;
            for (g, label, rows) in rows {
                let color = if several {
                    PALETTE[g % PALETTE.len()]
                } else {
                    var.color()
                };
                let mut band: Vec<(f64, f64)> = rows.iter().map(|r| (r.0, r.3)).collect();
                band.extend(rows.iter().rev().map(|r| (r.0, r.1)));
                let band_series = chart
                    .draw_series(std::iter::once(Polygon::new(
                        band,
                        color.mix(0.25).filled(),
                    )))
                    .map_err(de)?;
                if !several {
                    band_series.label("5–95% of runs").legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 24, y + 6)], color.mix(0.25).filled())
                    });
                }
                let median_label = if several {
                    format!("{label}: median, 5–95% band")
                } else {
                    "median".to_owned()
                };
                chart
                    .draw_series(LineSeries::new(
                        rows.iter().map(|r| (r.0, r.2)),
                        color.stroke_width(2),
                    ))
                    .map_err(de)?
                    .label(median_label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                    });
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font((FONT, LEGEND_SIZE))
                .draw()
                .map_err(de)?;
        }
        Ok(())
    }
}
