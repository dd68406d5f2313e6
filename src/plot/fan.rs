//! The Monte Carlo fan chart: median and 5–95% band across runs, per timestep.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::axes::{LEGEND_SIZE, house_mesh, span, x_span};
use super::stats::{quantile, stride_for};
use super::{Dataset, FAN_STEPS_MAX, FONT, Figure, PALETTE, RunSeries, Var, de};

/// A fan row: timestep, 5%, 50% and 95% quantiles.
type FanRow = (f64, f64, f64, f64);

// ---------------------------------------------------------------------------------------
// 5. Monte Carlo fan chart: median and 5–95% band across runs.

/// Per group: label, and per variable the (t, q05, q50, q95) rows.
type Fans = Vec<(String, Vec<(Var, Vec<FanRow>)>)>;

/// The variables of the fan chart, one panel each.
const VARS: [Var; 2] = [Var::Balance, Var::Limit];

pub(crate) struct Fan {
    /// The names of [`VARS`].
    names: [String; 2],
    fans: Fans,
    n_runs: usize,
    note: String,
}

pub(crate) fn fan(ds: &Dataset) -> Fan {
    let n_steps = ds.n_steps_max();
    let stride = stride_for(n_steps, FAN_STEPS_MAX);
    let mut fans = Vec::new();
    let mut column = Vec::new();
    for (g, group) in ds.groups.iter().enumerate() {
        let runs: Vec<&RunSeries> = ds.runs_of(g).collect();
        let mut per_var = Vec::new();
        for v in VARS {
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
        names: VARS.map(|v| ds.name(v).to_owned()),
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
        for (k, ((area, var), name)) in panels.iter().zip(VARS).zip(&self.names).enumerate() {
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
            house_mesh(&mut mesh, 1.0).y_desc(name.as_str());
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
