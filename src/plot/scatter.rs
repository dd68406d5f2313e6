//! The point clouds: the balance of every run over time with a lowess trend, and the
//! balance level against the limit, coloured by timestep.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{LEGEND_SIZE, Line, colorbar, house_mesh, span, x_span};
use super::stats::{lowess, stride_for};
use super::{
    Dataset, FONT, Figure, LOWESS_POINTS_MAX, PALETTE, PlotOptions, RunSeries, SCATTER_POINTS_MAX,
    Var, de, viridis,
};

/// Points of one colour, with a legend label if they get one.
type Cloud = (Option<String>, RGBColor, Vec<(f64, f64)>);

// ---------------------------------------------------------------------------------------
// 3. Balance over time, coloured by group (or by run), with a lowess trend.

pub(crate) struct BalanceTrend {
    /// The balance's name.
    balance: String,
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
        balance: ds.name(Var::Balance).to_owned(),
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
        format!(
            "{} over time, coloured by {}",
            self.balance, self.legend_title
        )
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
            .y_desc(self.balance.as_str())
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
// 4. The balance level against the limit, coloured by timestep.

pub(crate) struct BalanceVsCredit {
    /// The names of the x variable (the balance level) and of the limit.
    names: (String, String),
    points: Vec<(f64, f64, f64)>,
    t_max: f64,
    note: String,
}

pub(crate) fn balance_vs_credit(ds: &Dataset) -> BalanceVsCredit {
    let level = ds.level();
    let total: usize = ds.runs.iter().map(RunSeries::len).sum();
    let plan = Sample::plan(ds.runs.len(), ds.n_steps_max(), SCATTER_POINTS_MAX);
    let mut points = Vec::new();
    let mut shown_runs = 0;
    for (k, r) in ds.runs.iter().enumerate().step_by(plan.run_stride) {
        shown_runs += 1;
        for i in plan.indices(k, r.len()) {
            points.push((level.values(r)[i], r.limit[i], r.timestep[i]));
        }
    }
    let t_max = points.iter().map(|p| p.2).fold(1.0, f64::max);
    let note = format!(
        "Points: {}.",
        plan.describe(shown_runs, ds.runs.len(), points.len(), total)
    );
    BalanceVsCredit {
        names: (ds.name(level).to_owned(), ds.name(Var::Limit).to_owned()),
        points,
        t_max,
        note,
    }
}

impl Figure for BalanceVsCredit {
    fn name(&self) -> &'static str {
        "balance_vs_credit"
    }
    fn title(&self) -> String {
        format!(
            "{} against {}, coloured by timestep",
            self.names.0, self.names.1
        )
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
            .x_desc(self.names.0.as_str())
            .y_desc(self.names.1.as_str())
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
