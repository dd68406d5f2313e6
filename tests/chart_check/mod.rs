//! Helpers shared by the chart suites (`tests/plot.rs`, `tests/plot_members.rs`): reading
//! trajectory CSVs into a dataset, the trajectory CSV `simulate` writes, and one check of a
//! chart (a well-formed SVG and a non-blank PNG of the stated size, title and caption drawn).

#![allow(dead_code)]

use std::collections::BTreeMap;

use currents::plot::data::ReadError;
use currents::plot::{Chart, Dataset, HEIGHT, Var, WIDTH};
use currents::spec::{Limits, Spec};
use currents::workbench::Workbench;

/// cadCAD's own trajectories.
pub const CADCAD: &str = "tests/data/cadcad";

/// Reads trajectory CSVs (label, bytes) into a dataset of member `member`.
#[track_caller]
pub fn read<'a>(
    member: usize,
    inputs: impl IntoIterator<Item = (&'a str, Vec<u8>)>,
) -> Result<Dataset, ReadError> {
    let bench = Workbench::builtin();
    let mut ds = Dataset::of_member(member);
    for (label, bytes) in inputs {
        let input = ds.add_input(label);
        ds.read_csv(input, bytes.as_slice(), &bench)?;
    }
    ds.finish();
    Ok(ds)
}

pub fn cadcad(name: &str) -> Dataset {
    let bytes = std::fs::read(format!("{CADCAD}/{name}")).unwrap();
    read(0, [("", bytes)]).unwrap()
}

/// The trajectory CSV `simulate` writes for `shorthand` (a spec such as
/// `static:model=network,members=4`), `runs` runs of `steps` steps.
pub fn simulated(shorthand: &str, runs: u64, steps: u64) -> Vec<u8> {
    let bench = Workbench::builtin();
    let spec = Spec::from_shorthand("", shorthand).unwrap();
    let spec = bench.resolve(&spec, &Limits::default()).unwrap();
    let runs_of = spec.runs(None).unwrap();
    let streams = currents::model::Streams::new(currents::draws::RngKind::Chacha, 7);
    let mut out = Vec::new();
    runs_of.write_header(&mut out).unwrap();
    for run in 1..=runs {
        runs_of
            .write_run(&streams, run, steps, 0, &mut out)
            .unwrap();
    }
    out
}

/// The structure of an SVG: element counts by tag, and every text drawn, in order.
pub struct SvgShape {
    pub counts: BTreeMap<String, usize>,
    pub texts: Vec<String>,
}

/// Checks a chart is a valid SVG and a non-blank PNG, both of the stated size; returns the
/// SVG's structure.
#[track_caller]
pub fn check(chart: &Chart) -> SvgShape {
    assert_eq!(chart.size, (WIDTH, HEIGHT), "{}", chart.name);
    // SVG: well-formed XML, root <svg> of the stated size.
    let doc = roxmltree::Document::parse(&chart.svg)
        .unwrap_or_else(|e| panic!("{}: SVG is not well-formed: {e}", chart.name));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", chart.name);
    assert_eq!(root.attribute("width"), Some(WIDTH.to_string().as_str()));
    assert_eq!(root.attribute("height"), Some(HEIGHT.to_string().as_str()));
    let mut counts = BTreeMap::new();
    let mut texts = Vec::new();
    for node in root.descendants().filter(|n| n.is_element()) {
        *counts.entry(node.tag_name().name().to_owned()).or_insert(0) += 1;
        if node.tag_name().name() == "text" {
            texts.push(node.text().unwrap_or("").trim().to_owned());
        }
    }
    assert!(
        texts.contains(&chart.title),
        "{}: title not drawn",
        chart.name
    );
    let first_caption_line = chart.caption.lines().next().unwrap();
    assert!(
        texts.iter().any(|t| t == first_caption_line),
        "{}: caption not drawn",
        chart.name
    );
    // PNG: decodes, stated size, not blank.
    let decoder = png::Decoder::new(std::io::Cursor::new(&chart.png));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!((info.width, info.height), (WIDTH, HEIGHT), "{}", chart.name);
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let luma: Vec<f64> = buf[..info.buffer_size()]
        .chunks_exact(3)
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let variance = luma.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luma.len() as f64;
    let ink = luma.iter().filter(|&&l| l < 200.0).count() as f64 / luma.len() as f64;
    // A white page has variance 0; a title alone gives well under 50 and under 0.5% ink.
    assert!(
        variance > 200.0,
        "{}: pixel variance {variance:.1}",
        chart.name
    );
    assert!(
        ink > 0.01,
        "{}: only {:.3}% of pixels inked",
        chart.name,
        100.0 * ink
    );
    SvgShape { counts, texts }
}

pub fn by_name<'a>(charts: &'a [Chart], name: &str) -> &'a Chart {
    charts.iter().find(|c| c.name == name).unwrap()
}

/// The column `name` of a trajectory CSV, per (run, timestep), as doubles.
pub fn column_of(csv_bytes: &[u8], name: &str) -> BTreeMap<(u64, u64), f64> {
    let mut rdr = ::csv::Reader::from_reader(csv_bytes);
    let header = rdr.headers().unwrap().clone();
    let at = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (c, run, t) = (at(name), at("run"), at("timestep"));
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            let num = |i: usize| r[i].parse::<f64>().unwrap();
            ((num(run) as u64, num(t) as u64), num(c))
        })
        .collect()
}

/// A dataset's series `var`, per (run, timestep).
pub fn series_of(ds: &Dataset, var: Var) -> BTreeMap<(u64, u64), f64> {
    ds.runs
        .iter()
        .flat_map(|r| {
            let values = var.values(r);
            r.timestep
                .iter()
                .zip(values)
                .map(move |(&t, &v)| ((r.run, t as u64), v))
        })
        .collect()
}
