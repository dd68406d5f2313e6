//! Sweep heatmaps: a metric over two parameters, read from a generic CSV.
//!
//! The input is any CSV with a header row and one row per sweep cell (or per run of a
//! cell): two parameter columns and a metric column, chosen by name. Rows sharing a pair
//! of parameter values are averaged into one cell, and the caption says how many rows each
//! cell holds. Parameter values are shown as categories in ascending order, so uneven grids
//! (0.5, 0.8, 1) get equal-width cells.

use std::collections::BTreeMap;
use std::io;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{colorbar, short, tick};
use super::{Chart, FONT, Figure, PlotError, de, render, viridis};

/// Most distinct values per axis (a grid larger than this is unreadable as cells).
pub(crate) const AXIS_VALUES_MAX: usize = 200;

/// A CSV that cannot be a sweep table: says which column or line and why.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The file could not be read or is not CSV.
    #[error("{0}")]
    Csv(#[from] csv::Error),
    /// A chosen column is not in the header (the one invalid-value form: the flag, the
    /// name given and the header's columns, or that it has none).
    #[error(
        "invalid value for `{flag}`: {:?} (accepted: {})",
        crate::params::short_text(column),
        columns_accepted(available)
    )]
    NoColumn {
        /// The flag that named it.
        flag: &'static str,
        /// The name given.
        column: String,
        /// The header's columns, comma-separated.
        available: String,
    },
    /// A cell of a chosen column is not a finite number.
    #[error(
        "line {line}, column `{column}`: {:?} is not a finite number",
        crate::params::short_text(value)
    )]
    Cell {
        /// 1-based line.
        line: u64,
        /// The column.
        column: String,
        /// The cell's text.
        value: String,
    },
    /// The metric's cell means span more than a double holds (max − min overflows), so no
    /// colour scale can be drawn.
    #[error(
        "--metric {column:?}: cell means from {} to {} (accepted: a spread max - min that is a finite number)",
        crate::params::short_number(*lo),
        crate::params::short_number(*hi)
    )]
    Spread {
        /// The metric's column.
        column: String,
        /// The smallest cell mean.
        lo: f64,
        /// The largest cell mean.
        hi: f64,
    },
    /// No data row.
    #[error("the sweep table has no data row")]
    Empty,
    /// Too many distinct values on one axis.
    #[error("{flag} {column:?}: {count} distinct values (accepted: at most {AXIS_VALUES_MAX})")]
    TooManyValues {
        /// The flag that named the column.
        flag: &'static str,
        /// The column.
        column: String,
        /// Distinct values found.
        count: usize,
    },
}

/// What a column flag accepts: a column of the header, or — a header that names none (an
/// empty first line) — a table that has one.
fn columns_accepted(available: &str) -> String {
    if available.trim_matches([',', ' ']).is_empty() {
        "a column of the sweep table, whose header (its first line) names none".to_owned()
    } else {
        format!("a column of the sweep table: {available}")
    }
}

/// A metric averaged over the cells of a two-parameter grid.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    /// The x parameter's column.
    pub(crate) x_name: String,
    /// The y parameter's column.
    pub(crate) y_name: String,
    /// The metric's column.
    pub(crate) metric_name: String,
    /// Distinct x values, ascending.
    pub xs: Vec<f64>,
    /// Distinct y values, ascending.
    pub ys: Vec<f64>,
    /// `cells[j][i]`: mean metric and row count at (`xs[i]`, `ys[j]`); `None` if no row.
    pub cells: Vec<Vec<Option<(f64, usize)>>>,
}

/// Total-ordered key for an f64 (values are finite: checked on reading).
fn key(v: f64) -> i64 {
    let bits = (v + 0.0).to_bits() as i64;
    if bits < 0 { bits ^ i64::MAX } else { bits }
}

impl SweepTable {
    /// Reads the columns `x`, `y` and `metric` of a CSV with a header row.
    pub fn read<R: io::Read>(
        reader: R,
        x: &str,
        y: &str,
        metric: &str,
    ) -> Result<Self, SweepError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(reader);
        let header: Vec<String> = rdr.headers()?.iter().map(|h| h.trim().to_owned()).collect();
        let find = |flag: &'static str, name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| SweepError::NoColumn {
                    flag,
                    column: name.to_owned(),
                    available: header.join(", "),
                })
        };
        let cols = [find("--x", x)?, find("--y", y)?, find("--metric", metric)?];
        let mut sums: BTreeMap<(i64, i64), (f64, f64, f64, usize)> = BTreeMap::new();
        for record in rdr.records() {
            let record = record?;
            let line = record.position().map_or(0, |p| p.line());
            let mut v = [0.0; 3];
            for (k, &c) in cols.iter().enumerate() {
                let text = record.get(c).unwrap_or("");
                v[k] = text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| SweepError::Cell {
                        line,
                        column: header[c].clone(),
                        value: text.to_owned(),
                    })?;
            }
            let e = sums
                .entry((key(v[0]), key(v[1])))
                .or_insert((v[0], v[1], 0.0, 0));
            // A running mean, m + v/n - m/n: no sum that overflows (two cells of 1e308
            // average to 1e308, not to inf).
            e.3 += 1;
            let n = e.3 as f64;
            e.2 = e.2 + (v[2] / n - e.2 / n);
        }
        if sums.is_empty() {
            return Err(SweepError::Empty);
        }
        let mut xs: Vec<f64> = sums.values().map(|e| e.0).collect();
        let mut ys: Vec<f64> = sums.values().map(|e| e.1).collect();
        for (vals, flag, name) in [(&mut xs, "--x", x), (&mut ys, "--y", y)] {
            vals.sort_by(f64::total_cmp);
            vals.dedup_by_key(|v| key(*v));
            if vals.len() > AXIS_VALUES_MAX {
                return Err(SweepError::TooManyValues {
                    flag,
                    column: name.to_owned(),
                    count: vals.len(),
                });
            }
        }
        let mut cells = vec![vec![None; xs.len()]; ys.len()];
        for e in sums.values() {
            let i = xs.iter().position(|&v| key(v) == key(e.0)).unwrap_or(0);
            let j = ys.iter().position(|&v| key(v) == key(e.1)).unwrap_or(0);
            cells[j][i] = Some((e.2, e.3));
        }
        let table = Self {
            x_name: x.to_owned(),
            y_name: y.to_owned(),
            metric_name: metric.to_owned(),
            xs,
            ys,
            cells,
        };
        // The colour scale divides by the metric's spread: it must be a finite number.
        let (lo, hi) = table.range();
        if !(hi - lo).is_finite() {
            return Err(SweepError::Spread {
                column: metric.to_owned(),
                lo,
                hi,
            });
        }
        Ok(table)
    }

    fn range(&self) -> (f64, f64) {
        let vals = self.cells.iter().flatten().flatten().map(|c| c.0);
        vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
    }
}

/// Renders the heatmap of a sweep table.
pub fn render_heatmap(table: &SweepTable) -> Result<Chart, PlotError> {
    render(table)
}

impl Figure for SweepTable {
    fn name(&self) -> &'static str {
        "heatmap"
    }
    fn title(&self) -> String {
        format!(
            "{} over {} and {}",
            self.metric_name, self.x_name, self.y_name
        )
    }
    fn caption(&self) -> String {
        let counts: Vec<usize> = self.cells.iter().flatten().flatten().map(|c| c.1).collect();
        let (lo, hi) = (
            counts.iter().min().copied().unwrap_or(0),
            counts.iter().max().copied().unwrap_or(0),
        );
        let rows = if lo == hi {
            format!("{lo} row(s) per cell")
        } else {
            format!("{lo} to {hi} rows per cell")
        };
        let empty = self.cells.iter().flatten().filter(|c| c.is_none()).count();
        format!(
            "Each cell: the mean of {} over the rows with that pair of values ({rows}){}.",
            self.metric_name,
            if empty > 0 {
                format!("; {empty} cell(s) without rows left blank")
            } else {
                String::new()
            }
        )
    }
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (w, _) = body.dim_in_pixel();
        let (main, bar) = body.split_horizontally(w - 150);
        let (lo, hi) = self.range();
        let scale = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let (nx, ny) = (self.xs.len(), self.ys.len());
        let mut chart = ChartBuilder::on(&main)
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(88)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(de)?;
        let xs = self.xs.clone();
        let ys = self.ys.clone();
        let x_fmt = move |v: &f64| label_at(&xs, *v);
        let y_fmt = move |v: &f64| label_at(&ys, *v);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx * 2 + 1)
            .y_labels(ny * 2 + 1)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .label_style((FONT, 16))
            .axis_desc_style((FONT, 20))
            .x_desc(self.x_name.as_str())
            .y_desc(self.y_name.as_str())
            .draw()
            .map_err(de)?;
        let show_values = nx * ny <= 150;
        for (j, row) in self.cells.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                let Some((v, _)) = *cell else { continue };
                let (x0, y0) = (i as f64, j as f64);
                let c = viridis(scale(v));
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                        c.filled(),
                    )))
                    .map_err(de)?;
                if show_values {
                    let text_color = if scale(v) > 0.6 { BLACK } else { WHITE };
                    let style = (FONT, 16)
                        .into_font()
                        .color(&text_color)
                        .pos(Pos::new(HPos::Center, VPos::Center));
                    chart
                        .draw_series(std::iter::once(Text::new(
                            short(v),
                            (x0 + 0.5, y0 + 0.5),
                            style,
                        )))
                        .map_err(de)?;
                }
            }
        }
        colorbar(&bar, lo, hi, &self.metric_name)
    }
}

/// The category label for a tick at `v`: the value of the cell whose centre is at `v`.
fn label_at(values: &[f64], v: f64) -> String {
    let i = (v - 0.5).round();
    if (v - (i + 0.5)).abs() > 1e-6 || i < 0.0 || i as usize >= values.len() {
        return String::new();
    }
    tick(values[i as usize])
}
