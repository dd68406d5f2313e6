//! Charts of trajectories of any model: the notebook's four plotly charts, a Monte Carlo
//! fan chart and a sweep heatmap, rendered as SVG and PNG with plotters, and an offline
//! HTML report.
//!
//! The module turns a [`Dataset`] (one member's ledger, from the columns its model declares,
//! in every run of trajectory CSVs, [`data`]) into [`Chart`]s — each an SVG document and a
//! PNG image held in memory — and leaves writing them to the caller, so it does no I/O of
//! its own. Text is drawn with DejaVu Sans, compiled into the
//! library (`assets/fonts/`), so PNG rendering needs no system font or font library.
//!
//! Every chart bounds what it draws, whatever the input's size: lines are thinned to the
//! minimum and maximum of fixed-size step buckets, point clouds to a fixed number of points,
//! facet grids to a fixed number of panels; each chart's caption says what was left out.
//! The same variable has the same colour on every chart ([`Var::color`]).

mod axes;
pub mod data;
mod fan;
pub mod heatmap;
mod lines;
mod members;
pub mod report;
mod scatter;
pub mod stats;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use data::{Dataset, Group, MemberSeries, ReadError, RowIndex, RunSeries};
pub use heatmap::{SweepError, SweepTable};

/// DejaVu Sans 2.37 (licence in `assets/fonts/LICENSE-DejaVu.txt`).
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The family name charts ask for; SVG viewers fall back to their own sans-serif font.
pub(crate) const FONT: &str = "sans-serif";

/// Chart width in pixels: slide-sized (16:9).
pub const WIDTH: u32 = 1280;
/// Chart height in pixels.
pub const HEIGHT: u32 = 720;

/// Most points drawn per line on a full-size chart.
pub(crate) const LINE_POINTS_MAX: usize = 1_500;
/// Most points drawn per line in one facet.
pub(crate) const FACET_POINTS_MAX: usize = 400;
/// Most facets (runs) in the facet grid.
pub(crate) const FACETS_MAX: usize = 24;
/// Most points in a scatter chart.
pub(crate) const SCATTER_POINTS_MAX: usize = 15_000;
/// Most points a lowess trend is fitted on (its cost grows with the square of the points).
pub(crate) const LOWESS_POINTS_MAX: usize = 2_000;
/// Most timesteps drawn in the fan chart.
pub(crate) const FAN_STEPS_MAX: usize = 1_000;

/// A series of a member's ledger the charts draw, with its colour on every chart. Its name
/// is the column it is read from ([`Dataset::name`]: for V1 `userBalance`,
/// `avgUserBalance`, `userCredit`, `transaction`, `userCapacity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    /// The balance.
    Balance,
    /// The mean balance, when the model keeps one.
    BalanceMean,
    /// The limit, a magnitude.
    Limit,
    /// The payment, when the model stores it.
    Payment,
    /// The capacity, when the model stores it.
    Capacity,
}

impl Var {
    /// The variable's position in [`Var::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The variable's colour, the same on every chart.
    pub fn color(self) -> RGBColor {
        match self {
            Var::Balance => RGBColor(214, 39, 40),
            Var::BalanceMean => RGBColor(31, 119, 180),
            Var::Limit => RGBColor(255, 127, 14),
            Var::Payment => RGBColor(150, 150, 150),
            Var::Capacity => RGBColor(44, 160, 44),
        }
    }

    /// The run's values of this variable (empty when the model declares no column for it).
    pub fn values(self, r: &RunSeries) -> &[f64] {
        match self {
            Var::Balance => &r.balance,
            Var::BalanceMean => &r.balance_mean,
            Var::Limit => &r.limit,
            Var::Payment => &r.payment,
            Var::Capacity => &r.capacity,
        }
    }
}

/// Colours for groups and runs (tab10), used in order and cycled.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Viridis, sampled at 0, ¼, ½, ¾ and 1, interpolated linearly: a colour for `t` in [0, 1].
pub(crate) fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * 4.0;
    let i = (pos.floor() as usize).min(3);
    let f = pos - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// What to draw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlotOptions {
    /// The run shown on the single-run trajectory chart (1-based, of the first group);
    /// `None` for the first run.
    pub run: Option<u64>,
    /// Name of the parameter the groups differ in (legend title of the balance chart).
    pub color_by: Option<String>,
}

/// One rendered chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// File stem (`trajectory`, `facets`, …).
    pub name: &'static str,
    /// The chart's title.
    pub title: String,
    /// What the chart shows and how the data was thinned, as printed under the title.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
    /// The PNG image (RGB, [`WIDTH`] × [`HEIGHT`]).
    pub png: Vec<u8>,
    /// Pixel size (width, height) of both images.
    pub size: (u32, u32),
}

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The input holds no run.
    #[error("the input holds no trajectory row")]
    Empty,
    /// The requested run is not in the input.
    #[error(
        "invalid value for `--run`: {run} (accepted: a run of the input, a whole number in [1, {max}])"
    )]
    NoSuchRun {
        /// The run asked for.
        run: u64,
        /// The largest run present.
        max: u64,
    },
    /// plotters failed (a bug or an out-of-memory condition, not bad input).
    #[error("drawing {chart}: {message}")]
    Draw {
        /// The chart being drawn.
        chart: &'static str,
        /// plotters' message.
        message: String,
    },
}

/// Renders the trajectory charts of a dataset (its member's ledger): the single-run
/// trajectory, the facet grid, the balance over time by group with a lowess trend, the
/// balance level ([`Dataset::level`]: V1's avgUserBalance) against the limit coloured by
/// timestep, and the Monte Carlo fan chart of the balance and the limit, in that order;
/// then, for a model of several members, the charts of the whole membership: every
/// member's balance after the last step against the exact law of the classic chain, the
/// Lorenz curve of the members' capacities, and the share of members at their limit over
/// time.
pub fn render_all(ds: &Dataset, opts: &PlotOptions) -> Result<Vec<Chart>, PlotError> {
    if ds.runs.iter().all(RunSeries::is_empty) {
        return Err(PlotError::Empty);
    }
    let run = match opts.run {
        None => &ds.runs[0],
        Some(n) => ds
            .runs_of(ds.runs[0].group)
            .find(|r| r.run == n)
            .ok_or_else(|| PlotError::NoSuchRun {
                run: n,
                max: ds
                    .runs_of(ds.runs[0].group)
                    .map(|r| r.run)
                    .max()
                    .unwrap_or(0),
            })?,
    };
    let mut charts = vec![
        render(&lines::trajectory(ds, run))?,
        render(&lines::facets(ds))?,
        render(&scatter::balance_trend(ds, opts))?,
        render(&scatter::balance_vs_credit(ds))?,
        render(&fan::fan(ds))?,
    ];
    if members::has_members(ds) {
        charts.extend([
            render(&members::balance_distribution(ds))?,
            render(&members::lorenz_curves(ds))?,
            render(&members::at_limit(ds))?,
        ]);
    }
    Ok(charts)
}

/// A chart's prepared data, drawable on any plotters backend.
pub(crate) trait Figure {
    fn name(&self) -> &'static str;
    fn title(&self) -> String;
    fn caption(&self) -> String;
    fn draw<DB: DrawingBackend>(&self, body: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draws a figure twice, as SVG and into an RGB buffer encoded as PNG.
pub(crate) fn render<F: Figure>(fig: &F) -> Result<Chart, PlotError> {
    let (w, h) = (WIDTH, HEIGHT);
    let title = fig.title();
    let caption = fig.caption();
    let failed = |message: String| PlotError::Draw {
        chart: fig.name(),
        message,
    };
    register_font().map_err(failed)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw_with_header(fig, &root, &title, &caption).map_err(failed)?;
        root.present().map_err(|e| failed(e.to_string()))?;
    }
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw_with_header(fig, &root, &title, &caption).map_err(failed)?;
        root.present().map_err(|e| failed(e.to_string()))?;
    }
    let png = encode_png(&rgb, w, h).map_err(|e| failed(e.to_string()))?;
    Ok(Chart {
        name: fig.name(),
        title,
        caption,
        svg,
        png,
        size: (w, h),
    })
}

/// Height of the title band.
const HEADER_HEIGHT: u32 = 96;

fn draw_with_header<F: Figure, DB: DrawingBackend>(
    fig: &F,
    root: &DrawingArea<DB, Shift>,
    title: &str,
    caption: &str,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(de)?;
    let (top, body) = root.split_vertically(HEADER_HEIGHT);
    top.draw(&Text::new(
        title.to_owned(),
        (24, 12),
        (FONT, 30).into_font().color(&BLACK),
    ))
    .map_err(de)?;
    for (i, line) in caption.lines().take(2).enumerate() {
        top.draw(&Text::new(
            line.to_owned(),
            (24, 52 + 21 * i as i32),
            (FONT, 16).into_font().color(&RGBColor(90, 90, 90)),
        ))
        .map_err(de)?;
    }
    fig.draw(&body)
}

/// Formats a plotters error.
pub(crate) fn de<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err("the bundled DejaVu Sans font does not parse".to_owned())
    }
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut writer = enc.write_header()?;
        writer.write_image_data(rgb)?;
        writer.finish()?;
    }
    Ok(out)
}
