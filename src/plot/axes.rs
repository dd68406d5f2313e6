//! What every trajectory chart shares: the house mesh style, axis ranges and tick labels,
//! a line panel with its legend, a swatch legend, a colour bar, how a chart names a run and
//! says how it was thinned.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{Dataset, FONT, RunSeries, de, viridis};

/// One line: legend label, colour, points.
pub(crate) type Line = (String, RGBColor, Vec<(f64, f64)>);

pub(crate) const TICK_SIZE: u32 = 16;
const DESC_SIZE: u32 = 20;
pub(crate) const LEGEND_SIZE: u32 = 17;

pub(crate) fn run_name(ds: &Dataset, r: &RunSeries) -> String {
    let label = &ds.groups[r.group].label;
    if label.is_empty() {
        format!("run {}", r.run)
    } else {
        format!("{label}, run {}", r.run)
    }
}

/// The mesh style every chart shares: fonts, light grey grid, and `tick` labels. `scale`
/// shrinks the text for the small charts of the facet grid.
pub(crate) fn house_mesh<'r, 'a, 'b, DB: DrawingBackend>(
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
pub(crate) fn span(values: impl Iterator<Item = f64>) -> Range<f64> {
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

pub(crate) fn x_span(points: &[(f64, f64)]) -> Range<f64> {
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

pub(crate) fn thinning_note(bucket: usize, n_steps: usize) -> String {
    if bucket <= 1 {
        "every step drawn".to_owned()
    } else {
        format!("{n_steps} steps: lines drawn through the min and max of every {bucket} steps")
    }
}

/// Draws a line chart with axes, grid and optional legend.
#[allow(clippy::too_many_arguments)]
pub(crate) fn line_panel<DB: DrawingBackend>(
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
pub(crate) fn swatch_legend<DB: DrawingBackend>(
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

/// Names joined as a sentence lists them: `a`, `a and b`, `a, b and c`.
pub(crate) fn listed(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}
