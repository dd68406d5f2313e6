//! Charts rendered from fixed scenarios: cadCAD's own trajectories (tests/data/cadcad/), a
//! synthetic 1,000 × 3,650 input, and a small sweep table written here (a model of several
//! members: `tests/plot_members.rs`).
//!
//! Every chart is checked through one helper (`chart_check::check`): a well-formed SVG of
//! the stated size, a PNG of the stated size that is not blank (pixel variance above a
//! floor, enough ink), and the title and caption drawn in the SVG. Datasets are read
//! through one helper too (`chart_check::read`): a trajectory CSV by its header, against
//! the built-in workbench.

mod chart_check;

use std::collections::BTreeMap;

use chart_check::{CADCAD, by_name, cadcad, check, read};
use currents::model::Value;
use currents::plot::heatmap::render_heatmap;
use currents::plot::report::{ReportMeta, html, run_metrics};
use currents::plot::{
    self, Dataset, PlotError, PlotOptions, RowIndex, SweepError, SweepTable, Var,
};
use currents::v1::State;
use currents::v1::csv;
use currents::workbench::{TrajectoryColumns, Workbench};

#[test]
fn every_chart_of_the_notebook_scenario_is_a_valid_nonblank_image() {
    let ds = cadcad("notebook_default.csv");
    let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "trajectory",
            "facets",
            "balance_trend",
            "balance_vs_credit",
            "fan"
        ]
    );
    for chart in &charts {
        check(chart);
    }
    // Legends name the variables each chart shows.
    let texts = check(by_name(&charts, "trajectory")).texts;
    for v in [
        "avgUserBalance",
        "userCredit",
        "transaction",
        "userCapacity",
        "timestep",
    ] {
        assert!(texts.iter().any(|t| t == v), "trajectory legend lacks {v}");
    }
    let facets = check(by_name(&charts, "facets")).texts;
    for run in 1..=10 {
        assert!(
            facets.contains(&format!("run {run}")),
            "no facet for run {run}"
        );
    }
}

#[test]
fn trajectory_chart_structure_snapshot() {
    // Structure only (element counts and texts), which does not move with anti-aliasing
    // or coordinates: a change here is a visible change to the chart.
    let ds = cadcad("notebook_default.csv");
    let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
    for name in ["trajectory", "fan"] {
        let shape = check(by_name(&charts, name));
        let mut text = String::new();
        for (tag, n) in &shape.counts {
            text.push_str(&format!("<{tag}> × {n}\n"));
        }
        text.push_str("texts:\n");
        for t in &shape.texts {
            text.push_str(&format!("  {t}\n"));
        }
        insta::assert_snapshot!(format!("{name}_svg_structure"), text);
    }
}

#[test]
fn same_variable_same_colour_across_charts() {
    let ds = cadcad("integrity_0.8.csv");
    let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
    let hex = |v: Var| {
        let c = v.color();
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    };
    let stroke_in = |name: &str, v: Var| {
        let svg = &by_name(&charts, name).svg;
        svg.contains(&format!("stroke=\"{}\"", hex(v)))
    };
    for v in [Var::BalanceMean, Var::Limit] {
        assert!(stroke_in("trajectory", v), "{v:?} in trajectory");
        assert!(stroke_in("facets", v), "{v:?} in facets");
    }
    assert!(stroke_in("fan", Var::Limit) && stroke_in("fan", Var::Balance));
    assert!(stroke_in("trajectory", Var::Payment) && stroke_in("trajectory", Var::Capacity));
}

#[test]
fn labelled_inputs_become_groups_coloured_in_the_balance_chart() {
    let ds = read(
        0,
        [
            ("integrity=1", "notebook_default.csv"),
            ("integrity=0.8", "integrity_0.8.csv"),
        ]
        .map(|(label, file)| (label, std::fs::read(format!("{CADCAD}/{file}")).unwrap())),
    )
    .unwrap();
    assert_eq!(ds.groups.len(), 2);
    assert_eq!(ds.runs.len(), 20);
    assert!(ds.runs.iter().all(|r| r.len() == 366));
    let opts = PlotOptions {
        color_by: Some("integrity".into()),
        ..PlotOptions::default()
    };
    let charts = plot::render_all(&ds, &opts).unwrap();
    let trend = by_name(&charts, "balance_trend");
    assert_eq!(trend.title, "userBalance over time, coloured by integrity");
    let texts = check(trend).texts;
    for t in [
        "integrity=1",
        "integrity=0.8",
        "integrity=1 trend",
        "integrity=0.8 trend",
    ] {
        assert!(texts.iter().any(|x| x == t), "legend lacks {t}");
    }
}

#[test]
fn a_run_that_is_not_in_the_input_is_an_error() {
    let ds = cadcad("notebook_default.csv");
    let opts = PlotOptions {
        run: Some(11),
        ..PlotOptions::default()
    };
    match plot::render_all(&ds, &opts) {
        Err(PlotError::NoSuchRun { run: 11, max: 10 }) => {}
        other => panic!("expected NoSuchRun, got {:?}", other.map(|c| c.len())),
    }
    let opts = PlotOptions {
        run: Some(7),
        ..PlotOptions::default()
    };
    let charts = plot::render_all(&ds, &opts).unwrap();
    assert_eq!(charts[0].title, "One run over time (run 7)");
}

#[test]
fn metrics_match_the_model_notes_on_the_notebook_trajectories() {
    // MODEL.md (written from cadCAD's output, independently of this code): in
    // notebook_default.csv 94 of 3,650 steps have credit 0, and the balance is below
    // −userCredit in 18% of steps.
    let ds = cadcad("notebook_default.csv");
    let metrics: Vec<_> = ds.runs.iter().map(run_metrics).collect();
    assert_eq!(metrics.iter().map(|m| m.n_steps).sum::<usize>(), 3650);
    assert_eq!(
        metrics.iter().map(|m| m.zero_limit_steps).sum::<usize>(),
        94
    );
    let over: usize = metrics.iter().map(|m| m.over_limit_steps).sum();
    assert_eq!(
        (100.0 * over as f64 / 3650.0).round(),
        18.0,
        "{over} steps over"
    );
}

#[test]
fn report_is_one_offline_page_with_charts_and_tables() {
    let ds = cadcad("notebook_default.csv");
    let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
    let meta = ReportMeta {
        title: "a <test> & report".into(),
        inputs: vec![(String::new(), "notebook_default.csv".into())],
        params: vec![("integrity".into(), "1".into())],
        seeds: Some("numpy RandomState(0) … RandomState(9)".into()),
        params_note: String::new(),
        invariants: Some(
            "payment_within_limit  observed  violated  balance(1) < -credit(0)".into(),
        ),
    };
    let page = html(&meta, &ds, &charts);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<h2>Invariant report</h2>"));
    assert!(
        page.contains("balance(1) &lt; -credit(0)"),
        "the invariant table is escaped"
    );
    assert!(page.contains("<title>a &lt;test&gt; &amp; report</title>"));
    assert_eq!(page.matches("<svg").count(), charts.len());
    // Nothing is fetched: no script, no stylesheet link, no image or font source, and the
    // only URL is the SVG namespace name.
    for needle in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!page.contains(needle), "page holds {needle}");
    }
    let urls: Vec<&str> = page
        .match_indices("http")
        .map(|(i, _)| &page[i..i + 26])
        .collect();
    assert!(
        urls.iter()
            .all(|u| u.starts_with("http://www.w3.org/2000/svg")),
        "{urls:?}"
    );
    assert!(page.contains("<td>steps with zero credit</td>"));
    assert!(page.contains("RandomState(0)"));
    assert!(page.contains("<td>notebook_default.csv</td>"));
}

/// The columns of V1's trajectories, as the built-in workbench recognises them.
fn v1_columns() -> TrajectoryColumns {
    let header: Vec<String> = csv::HEADER.split(',').take(8).map(String::from).collect();
    Workbench::builtin().trajectory_columns(&header).unwrap()
}

/// A state's row as doubles (what reading it back from the CSV gives).
fn cells(s: &State) -> Vec<f64> {
    currents::v1::cells(s)
        .iter()
        .map(|v| match *v {
            Value::Int(x) => x as f64,
            Value::Count(x) => x as f64,
            Value::Float(x) => x,
        })
        .collect()
}

/// A synthetic dataset of `n_runs` × `n_steps` steps of V1's columns: a cheap
/// deterministic walk.
fn synthetic(n_runs: u64, n_steps: u64) -> Dataset {
    let mut ds = Dataset::new();
    let input = ds.add_input("");
    ds.set_columns(input, v1_columns()).unwrap();
    for run in 1..=n_runs {
        let mut x = run.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut balance = 0.0;
        let mut sum = 0.0;
        for t in 0..=n_steps {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let amount = (x % 201) as f64 - 100.0;
            if t > 0 {
                balance += amount;
            }
            sum += balance;
            let state = State {
                balance,
                balance_mean: sum / (t + 1) as f64,
                n_transactions: t,
                credit: 250 + (t as i64 % 500),
                capacity: (balance as i64) + 250,
                send_volume: 0,
                send_volume_mean: 0.0,
                transaction: amount as i64,
            };
            let at = RowIndex {
                simulation: 0,
                subset: 0,
                run,
                timestep: t,
            };
            ds.push(input, at, &cells(&state)).unwrap();
        }
    }
    ds.finish();
    ds
}

#[test]
fn large_inputs_give_bounded_files_and_say_how_they_were_thinned() {
    let ds = synthetic(1_000, 3_650);
    let charts = plot::render_all(&ds, &PlotOptions::default()).unwrap();
    for chart in &charts {
        check(chart);
        assert!(
            chart.svg.len() < 2_000_000,
            "{}: SVG {} bytes",
            chart.name,
            chart.svg.len()
        );
        assert!(
            chart.png.len() < 1_000_000,
            "{}: PNG {} bytes",
            chart.name,
            chart.png.len()
        );
    }
    let caption = |name| by_name(&charts, name).caption.clone();
    assert!(
        caption("trajectory").contains("min and max of every"),
        "{}",
        caption("trajectory")
    );
    assert!(
        caption("facets").contains("first 24 of 1000 runs"),
        "{}",
        caption("facets")
    );
    assert!(caption("balance_trend").contains("evenly spaced runs of 1000"));
    assert!(caption("balance_vs_credit").contains("of 3651000 points"));
    assert!(
        caption("fan").contains("every 4th of 3651 steps"),
        "{}",
        caption("fan")
    );
}

fn sweep_csv(text: &str) -> Result<SweepTable, SweepError> {
    SweepTable::read(text.as_bytes(), "integrity", "sum_volume", "final_credit")
}

#[test]
fn sweep_heatmap_averages_rows_per_cell() {
    let table = sweep_csv(
        "seed,integrity,sum_volume,final_credit\n\
         0,0.5,10,100\n1,0.5,10,200\n0,1,10,300\n0,0.5,30,50\n1,1,30,70\n0,1,30,90\n",
    )
    .unwrap();
    assert_eq!(table.xs, [0.5, 1.0]);
    assert_eq!(table.ys, [10.0, 30.0]);
    assert_eq!(table.cells[0], [Some((150.0, 2)), Some((300.0, 1))]);
    assert_eq!(table.cells[1], [Some((50.0, 1)), Some((80.0, 2))]);
    let chart = render_heatmap(&table).unwrap();
    let texts = check(&chart).texts;
    for t in [
        "150",
        "300",
        "50",
        "80",
        "0.5",
        "1",
        "10",
        "30",
        "integrity",
        "sum_volume",
    ] {
        assert!(texts.iter().any(|x| x == t), "heatmap lacks {t}: {texts:?}");
    }
    assert!(chart.caption.contains("1 to 2 rows per cell"));
}

#[test]
fn sweep_table_errors_name_the_column_and_line() {
    match sweep_csv("integrity,sumVolume,final_credit\n1,2,3\n") {
        Err(SweepError::NoColumn {
            flag: "--y",
            column,
            available,
        }) => {
            assert_eq!(column, "sum_volume");
            assert_eq!(available, "integrity, sumVolume, final_credit");
        }
        other => panic!("{other:?}"),
    }
    match sweep_csv("integrity,sum_volume,final_credit\n1,2,3\n1,2,abc\n") {
        Err(SweepError::Cell {
            line: 3,
            column,
            value,
        }) => {
            assert_eq!((column.as_str(), value.as_str()), ("final_credit", "abc"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        sweep_csv("integrity,sum_volume,final_credit\n"),
        Err(SweepError::Empty)
    ));
    assert!(matches!(
        sweep_csv("integrity,sum_volume,final_credit\n1,2,NaN\n"),
        Err(SweepError::Cell { .. })
    ));
}

#[test]
fn lowess_matches_statsmodels() {
    // tests/data/python/lowess_table.csv: statsmodels' lowess (what plotly's
    // trendline="lowess" calls) on fixed inputs, made by tools/python-lowess-table.
    // Tolerance: 1e-8 relative, since the sums run in a different order.
    let text = std::fs::read_to_string("tests/data/python/lowess_table.csv").unwrap();
    // Per case: frac, iterations, x, y, statsmodels' fit.
    type Case = (f64, usize, Vec<f64>, Vec<f64>, Vec<f64>);
    let mut cases: BTreeMap<u32, Case> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let case = cases.entry(f[0].parse().unwrap()).or_insert_with(|| {
            (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                vec![],
                vec![],
                vec![],
            )
        });
        case.2.push(f[3].parse().unwrap());
        case.3.push(f[4].parse().unwrap());
        case.4.push(f[5].parse().unwrap());
    }
    assert_eq!(cases.len(), 5);
    for (k, (frac, it, xs, ys, expected)) in &cases {
        let got = plot::stats::lowess(xs, ys, *frac, *it);
        for (i, (g, e)) in got.iter().zip(expected).enumerate() {
            assert!(
                (g - e).abs() <= 1e-8 * e.abs().max(1.0),
                "case {k}, point {i} (x = {}): {g} != statsmodels {e}",
                xs[i]
            );
        }
    }
}

/// A reader of `n_runs` one-row runs (timestep 0 of runs 1 …), generated as it is read.
struct OneRowRuns {
    next_run: u64,
    n_runs: u64,
    pending: Vec<u8>,
}

impl std::io::Read for OneRowRuns {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pending.len() < buf.len() && self.next_run <= self.n_runs {
            let r = self.next_run;
            self.pending
                .extend_from_slice(format!("0,0.0,0,250,250,0,0.0,0,0,0,{r},0,0\n").as_bytes());
            self.next_run += 1;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn a_dataset_refuses_the_run_past_its_run_bound() {
    use currents::plot::data::RUNS_MAX;
    let reader = |n_runs: u64| OneRowRuns {
        next_run: 1,
        n_runs,
        pending: format!("{}\n", csv::HEADER).into_bytes(),
    };
    let bench = Workbench::builtin();
    let mut ds = Dataset::new();
    let input = ds.add_input("");
    ds.read_csv(input, reader(RUNS_MAX as u64), &bench)
        .expect("exactly RUNS_MAX runs are accepted");
    assert_eq!(ds.runs.len(), RUNS_MAX);
    let mut ds = Dataset::new();
    let input = ds.add_input("");
    let err = ds
        .read_csv(input, reader(RUNS_MAX as u64 + 1), &bench)
        .expect_err("one run more is refused");
    let text = err.to_string();
    assert!(
        text.contains("more than 1000000 runs (accepted: at most 1000000)"),
        "{text}"
    );
}
