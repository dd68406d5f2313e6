//! `currents plot`, `currents report` and `simulate --plot` from the outside: files written,
//! exit codes, one-line errors, nothing written on bad input.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const NOTEBOOK: &str = "tests/data/cadcad/notebook_default.csv";
const CHARTS: [&str; 5] = [
    "trajectory",
    "facets",
    "balance_trend",
    "balance_vs_credit",
    "fan",
];
/// The charts of the whole membership, drawn after `CHARTS` for a model of several members.
const MEMBER_CHARTS: [&str; 3] = ["balance_distribution", "lorenz", "at_limit"];

fn currents(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(args)
        .output()
        .expect("run currents")
}

/// Checks a bad-input run: exit 2, one stderr line containing `needle`, no files in `dir`.
#[track_caller]
fn check_rejected(out: &Output, needle: &str, dir: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr}");
    let files = fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "files left in {}", dir.display());
}

#[test]
fn plot_writes_svg_and_png_of_every_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("charts");
    let out = currents(&["plot", "--input", NOTEBOOK, "--out", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in CHARTS {
        let svg = fs::read_to_string(dir.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{name}.svg"
        );
        let png = fs::read(dir.join(format!("{name}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name}.png");
    }
    let n_files = fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        n_files,
        2 * CHARTS.len(),
        "no heatmap without --sweep, no temp files"
    );
}

#[test]
fn plot_with_labels_and_a_sweep_adds_the_heatmap() {
    let tmp = tempfile::tempdir().unwrap();
    let sweep = tmp.path().join("sweep.csv");
    fs::write(&sweep, "a,b,m\n1,1,5\n1,2,6\n2,1,7\n2,2,8\n").unwrap();
    let dir = tmp.path().join("out");
    let low = format!("integrity=0.8:{}", "tests/data/cadcad/integrity_0.8.csv");
    let high = format!("integrity=1:{NOTEBOOK}");
    let out = currents(&[
        "plot",
        "--input",
        &high,
        "--input",
        &low,
        "--sweep",
        sweep.to_str().unwrap(),
        "--x",
        "a",
        "--y",
        "b",
        "--metric",
        "m",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let heatmap = fs::read_to_string(dir.join("heatmap.svg")).unwrap();
    assert!(heatmap.contains("m over a and b"));
    let trend = fs::read_to_string(dir.join("balance_trend.svg")).unwrap();
    assert!(trend.contains("coloured by integrity") && trend.contains("integrity=0.8 trend"));
}

#[test]
fn report_writes_one_self_contained_page() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("notebook.toml");
    fs::write(&config, "rng = \"numpy\"\nruns = 10\nsteps = 365\n").unwrap();
    let dir = tmp.path().join("report");
    let out = currents(&[
        "report",
        "--input",
        NOTEBOOK,
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["report.html"]);
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(page.matches("<svg").count(), CHARTS.len());
    assert!(
        page.contains("RandomState(0) … RandomState(9)"),
        "seeds listed"
    );
    assert!(
        page.contains("<td>sum-volume</td><td>30</td>"),
        "parameters listed"
    );
    assert!(!page.contains("<script") && !page.contains("src="));
}

#[test]
fn report_lists_the_spec_of_its_config() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("spec.toml");
    fs::write(
        &config,
        "rule = \"turnover:window=10\"\nuser = \"spender\"\nrng = \"numpy\"\nruns = 10\nsteps = 365\n[params]\nintegrity = 0.8\n",
    )
    .unwrap();
    let dir = tmp.path().join("report");
    let out = currents(&[
        "report",
        "--input",
        NOTEBOOK,
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    for row in [
        "<td>rule</td><td>turnover</td>",
        "<td>window</td><td>10</td>",
        "<td>user</td><td>spender</td>",
        "<td>integrity</td><td>0.8</td>",
        "<td>bias</td><td>-0.05</td>",
        "<td>sum-volume</td><td>30</td>",
    ] {
        assert!(page.contains(row), "{row} not listed");
    }
    // A config in the layout before the spec says where its parameters go.
    fs::write(&config, "runs = 10\nintegrity = 0.8\n").unwrap();
    let bad = tmp.path().join("bad");
    check_rejected(
        &currents(&[
            "report",
            "--input",
            NOTEBOOK,
            "--config",
            config.to_str().unwrap(),
            "--out",
            bad.to_str().unwrap(),
        ]),
        "a parameter such as `integrity` goes in [params]",
        &bad,
    );
}

#[test]
fn simulate_plot_writes_charts_and_report_beside_the_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("runs.csv");
    let dir = tmp.path().join("plots");
    let out = currents(&[
        "simulate",
        "--runs",
        "3",
        "--steps",
        "40",
        "--out",
        csv.to_str().unwrap(),
        "--plot",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(csv.exists());
    for name in CHARTS {
        assert!(dir.join(format!("{name}.svg")).exists(), "{name}.svg");
        assert!(dir.join(format!("{name}.png")).exists(), "{name}.png");
    }
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(page.contains("ChaCha8 keyed by (seed 0, subset 0)"));
    // The charts of `simulate --plot` are those of `plot` on the CSV it wrote.
    let again = tmp.path().join("again");
    let out = currents(&[
        "plot",
        "--input",
        csv.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    for name in CHARTS {
        let a = fs::read(dir.join(format!("{name}.svg"))).unwrap();
        let b = fs::read(again.join(format!("{name}.svg"))).unwrap();
        assert!(
            a == b,
            "{name}.svg differs between simulate --plot and plot"
        );
    }
}

#[test]
fn bad_inputs_are_rejected_with_one_line_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("never");
    let d = dir.to_str().unwrap();
    check_rejected(
        &currents(&["plot", "--input", "missing.csv", "--out", d]),
        "--input missing.csv",
        &dir,
    );
    check_rejected(&currents(&["plot", "--out", d]), "--input", &dir);
    check_rejected(
        &currents(&["plot", "--input", NOTEBOOK, "--run", "11", "--out", d]),
        "`--run`: 11 (accepted: a run of the input, a whole number in [1, 10])",
        &dir,
    );
    check_rejected(
        &currents(&["plot", "--input", "=x:a.csv", "--out", d]),
        "NAME=VALUE:FILE.csv",
        &dir,
    );
    let not_csv = tmp.path().join("bad.csv");
    fs::write(&not_csv, "a,b\n1,2\n").unwrap();
    check_rejected(
        &currents(&["plot", "--input", not_csv.to_str().unwrap(), "--out", d]),
        "header",
        &dir,
    );
    let sweep = tmp.path().join("sweep.csv");
    fs::write(&sweep, "a,b,m\n1,1,5\n").unwrap();
    check_rejected(
        &currents(&[
            "plot",
            "--sweep",
            sweep.to_str().unwrap(),
            "--x",
            "a",
            "--y",
            "c",
            "--metric",
            "m",
            "--out",
            d,
        ]),
        "`--y`: \"c\" (accepted: a column of the sweep table: a, b, m)",
        &dir,
    );
    let config = tmp.path().join("c.toml");
    fs::write(&config, "runs = 5\n").unwrap();
    check_rejected(
        &currents(&[
            "report",
            "--input",
            NOTEBOOK,
            "--config",
            config.to_str().unwrap(),
            "--out",
            d,
        ]),
        "runs = 5, steps = 365 but the input holds 10 runs of 365 steps",
        &dir,
    );
    let csv = tmp.path().join("huge.csv");
    check_rejected(
        &currents(&[
            "simulate",
            "--runs",
            "200000",
            "--steps",
            "365",
            "--out",
            csv.to_str().unwrap(),
            "--plot",
            d,
        ]),
        "--plot: runs × (steps + 1) = 73200000 rows",
        &dir,
    );
    assert!(!csv.exists(), "nothing written when --plot is refused");
    // Within the row bound but past the run bound (1,000,000 runs: each costs about 560
    // bytes beyond its rows).
    check_rejected(
        &currents(&[
            "simulate",
            "--runs",
            "1000001",
            "--steps",
            "1",
            "--out",
            csv.to_str().unwrap(),
            "--plot",
            d,
        ]),
        "--plot: 1000001 runs (accepted: at most 1000000;",
        &dir,
    );
    assert!(!csv.exists(), "nothing written when --plot is refused");
}

/// `simulate --model network … --plot DIR --out x.csv`, with 4 members, 3 runs of 50 steps,
/// in `tmp`; returns the CSV and the charts' directory.
fn network_simulation(tmp: &Path) -> (String, std::path::PathBuf) {
    let csv = tmp.join("x.csv");
    let dir = tmp.join("simulated");
    let out = currents(&[
        "simulate",
        "--model",
        "network",
        "--param",
        "members=4",
        "--runs",
        "3",
        "--steps",
        "50",
        "--plot",
        dir.to_str().unwrap(),
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (csv.to_str().unwrap().to_owned(), dir)
}

#[test]
fn a_network_simulation_is_plotted_and_reported_member_by_member() {
    let tmp = tempfile::tempdir().unwrap();
    let (csv, simulated) = network_simulation(tmp.path());
    // simulate --plot: every chart, and a page naming the model and the member.
    for name in CHARTS {
        let svg = fs::read_to_string(simulated.join(format!("{name}.svg"))).unwrap();
        assert!(
            svg.contains("balance_0"),
            "{name}.svg does not name balance_0"
        );
        assert!(
            !svg.contains("userBalance"),
            "{name}.svg names V1's columns"
        );
        assert!(simulated.join(format!("{name}.png")).exists(), "{name}.png");
    }
    let page = fs::read_to_string(simulated.join("report.html")).unwrap();
    for needle in [
        "Model network: the charts and figures are of member 0 of the 4 members",
        "<td>model</td><td>network</td>",
        "<td>members</td><td>4</td>",
        "<td>final balance_0</td>",
        "balances_sum_to_zero",
    ] {
        assert!(page.contains(needle), "page lacks {needle:?}");
    }
    // plot on the written CSV draws the charts simulate --plot drew, byte for byte.
    let plotted = tmp.path().join("plotted");
    let out = currents(&["plot", "--input", &csv, "--out", plotted.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in CHARTS.iter().chain(&MEMBER_CHARTS) {
        let a = fs::read(simulated.join(format!("{name}.svg"))).unwrap();
        let b = fs::read(plotted.join(format!("{name}.svg"))).unwrap();
        assert!(
            a == b,
            "{name}.svg differs between simulate --plot and plot"
        );
    }
    // Another member, on the charts and the page.
    let member2 = tmp.path().join("member2");
    let out = currents(&[
        "plot",
        "--input",
        &csv,
        "--member",
        "2",
        "--out",
        member2.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trajectory = fs::read_to_string(member2.join("trajectory.svg")).unwrap();
    assert!(trajectory.contains("balance_2 and limit_2 of run 1 against the timestep"));
    assert!(
        !trajectory.contains("balance_0"),
        "member 2's chart names member 0"
    );
    let report = tmp.path().join("report");
    let out = currents(&[
        "report",
        "--input",
        &csv,
        "--member",
        "3",
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = fs::read_to_string(report.join("report.html")).unwrap();
    assert!(page.contains("of member 3 of the 4 members"));
    assert!(page.contains("<th>final balance_3</th>") && !page.contains("balance_0"));
    assert_eq!(
        page.matches("<svg").count(),
        CHARTS.len() + MEMBER_CHARTS.len()
    );
}

#[test]
fn a_network_report_lists_its_config_and_refuses_another_networks() {
    let tmp = tempfile::tempdir().unwrap();
    let (csv, _) = network_simulation(tmp.path());
    let config = tmp.path().join("network.toml");
    let write = |members: u32| {
        fs::write(
            &config,
            format!("model = \"network\"\nruns = 3\nsteps = 50\n[params]\nmembers = {members}\n"),
        )
        .unwrap();
    };
    write(4);
    let dir = tmp.path().join("report");
    let out = currents(&[
        "report",
        "--input",
        &csv,
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    for row in [
        "<td>model</td><td>network</td>",
        "<td>members</td><td>4</td>",
        "<td>rule</td><td>static</td>",
        "ChaCha8 keyed by (seed 0, subset 0)",
    ] {
        assert!(page.contains(row), "{row} not listed");
    }
    // A config of three members did not make a file of four, nor did V1's.
    write(3);
    let bad = tmp.path().join("bad");
    check_rejected(
        &currents(&[
            "report",
            "--input",
            &csv,
            "--config",
            config.to_str().unwrap(),
            "--out",
            bad.to_str().unwrap(),
        ]),
        "model = network with 3 members (10 columns), but the input is a trajectory of network with 4 members (12 columns)",
        &bad,
    );
    fs::write(&config, "runs = 3\nsteps = 50\n").unwrap();
    check_rejected(
        &currents(&[
            "report",
            "--input",
            &csv,
            "--config",
            config.to_str().unwrap(),
            "--out",
            bad.to_str().unwrap(),
        ]),
        "model = v1 with 1 member (8 columns), but the input is a trajectory of network with 4 members (12 columns)",
        &bad,
    );
}

#[test]
fn a_member_past_the_last_is_refused_with_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (csv, _) = network_simulation(tmp.path());
    let dir = tmp.path().join("never");
    let d = dir.to_str().unwrap();
    for command in ["plot", "report"] {
        check_rejected(
            &currents(&[command, "--input", &csv, "--member", "9", "--out", d]),
            "--member 9: a trajectory of model network with 4 members (accepted: 0..=3)",
            &dir,
        );
        assert!(!dir.exists(), "{command} left {d}");
    }
    // V1's trajectories hold one member, and a network and a V1 file are not one chart.
    check_rejected(
        &currents(&["plot", "--input", NOTEBOOK, "--member", "1", "--out", d]),
        "--member 1: a trajectory of model v1 with 1 member (accepted: 0..=0)",
        &dir,
    );
    check_rejected(
        &currents(&[
            "plot",
            "--input",
            &format!("k=1:{csv}"),
            "--input",
            &format!("k=2:{NOTEBOOK}"),
            "--out",
            d,
        ]),
        "a trajectory of model v1, but the first input is one of network",
        &dir,
    );
}

/// `simulate --plot` knows the user that made the rows: a `traders` run's share at the limit
/// is drawn per member type; `plot` on the same CSV, which names no user, draws one line of
/// every member.
#[test]
fn simulate_plot_draws_the_share_at_the_limit_per_member_type() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("traders.csv");
    let (charts, plotted) = (tmp.path().join("charts"), tmp.path().join("plotted"));
    let out = currents(&[
        "simulate",
        "--model",
        "network",
        "--user",
        "traders",
        "--param",
        "members=10",
        "--param",
        "limit=3",
        "--runs",
        "2",
        "--steps",
        "100",
        "--out",
        csv.to_str().unwrap(),
        "--plot",
        charts.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = fs::read_to_string(charts.join("at_limit.svg")).unwrap();
    assert!(svg.contains("per member type"), "simulate --plot");
    let out = currents(&[
        "plot",
        "--input",
        csv.to_str().unwrap(),
        "--out",
        plotted.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = fs::read_to_string(plotted.join("at_limit.svg")).unwrap();
    assert!(
        !svg.contains("per member type") && svg.contains("cannot"),
        "plot"
    );
}
