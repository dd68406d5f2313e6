//! The line charts: one run's trajectory, and the facet grid of every run.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{Line, line_panel, listed, run_name, span, swatch_legend, thinning_note, x_span};
use super::stats::envelope;
use super::{Dataset, FACET_POINTS_MAX, FACETS_MAX, Figure, LINE_POINTS_MAX, RunSeries, Var};

// ---------------------------------------------------------------------------------------
// 1. One run's trajectory.

pub(crate) struct Trajectory {
    run: String,
    lines: Vec<Line>,
    note: String,
}

/// The variables of the trajectory chart, those the model declares: the balance level
/// ([`Dataset::level`]), the limit, the payment and the capacity.
fn trajectory_vars(ds: &Dataset) -> Vec<Var> {
    let optional = [Var::Payment, Var::Capacity].into_iter();
    [ds.level(), Var::Limit]
        .into_iter()
        .chain(optional.filter(|&v| ds.has(v)))
        .collect()
}

pub(crate) fn trajectory(ds: &Dataset, r: &RunSeries) -> Trajectory {
    let vars = trajectory_vars(ds);
    let mut bucket = 1;
    let lines = vars
        .iter()
        .map(|&v| {
            let (pts, b) = envelope(&r.timestep, v.values(r), LINE_POINTS_MAX);
            bucket = bucket.max(b);
            (ds.name(v).to_owned(), v.color(), pts)
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
        let names: Vec<&str> = self.lines.iter().map(|l| l.0.as_str()).collect();
        format!(
            "{} of {} against the timestep; {}.",
            listed(&names),
            self.run,
            self.note
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
    /// The variables' names and colours, for the legend.
    legend: Vec<(String, RGBColor)>,
    n_runs: usize,
    note: String,
}

pub(crate) fn facets(ds: &Dataset) -> Facets {
    let vars = [ds.level(), Var::Limit];
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
                    (ds.name(v).to_owned(), v.color(), pts)
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
        legend: vars.map(|v| (ds.name(v).to_owned(), v.color())).to_vec(),
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
            "Every run: {} and {} ({} runs)",
            self.legend[0].0, self.legend[1].0, self.n_runs
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
        swatch_legend(&legend_area, &self.legend)?;
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
