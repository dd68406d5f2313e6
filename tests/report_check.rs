//! `currents report --check POLICY` and `simulate --plot` put the invariant report of
//! `currents check` on the HTML page.

use std::path::Path;
use std::process::Command;

fn currents(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(args)
        .output()
        .expect("run currents")
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report-check")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn report_with_check_shows_v1_findings_and_without_it_does_not() {
    let input =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cadcad/notebook_default.csv");
    let input = input.to_str().unwrap();
    let with = scratch("with");
    let out = currents(&[
        "report",
        "--input",
        input,
        "--out",
        with.to_str().unwrap(),
        "--check",
        "currents-v1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(with.join("report.html")).unwrap();
    assert!(page.contains("<h2>Invariant report</h2>"));
    // V1's known findings (docs/v1-findings.md) appear with their replay commands.
    for needle in [
        "payment_within_limit",
        "observed",
        "violated",
        // The replay commands start with the binary that printed them.
        &format!(
            "{} replay --policy currents-v1",
            env!("CARGO_BIN_EXE_currents")
        ),
    ] {
        assert!(page.contains(needle), "page lacks {needle:?}");
    }
    let without = scratch("without");
    let out = currents(&[
        "report",
        "--input",
        input,
        "--out",
        without.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let page = std::fs::read_to_string(without.join("report.html")).unwrap();
    assert!(!page.contains("Invariant report"));
}

#[test]
fn unknown_check_policy_is_bad_input() {
    let dir = scratch("bad");
    let input =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cadcad/notebook_default.csv");
    let out = currents(&[
        "report",
        "--input",
        input.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--check",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nope") && stderr.contains("currents-v1"),
        "{stderr}"
    );
    assert!(!dir.join("report.html").exists());
}

#[test]
fn simulate_plot_page_holds_the_invariant_report() {
    let dir = scratch("simulate");
    let csv = dir.join("runs.csv");
    let charts = dir.join("charts");
    let out = currents(&[
        "simulate",
        "--runs",
        "2",
        "--steps",
        "40",
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
    let page = std::fs::read_to_string(charts.join("report.html")).unwrap();
    assert!(page.contains("<h2>Invariant report</h2>") && page.contains("credit_non_negative"));
}

#[test]
fn simulate_plot_of_a_named_rule_lists_its_spec_and_checks_that_rule() {
    let dir = scratch("simulate-rule");
    let csv = dir.join("runs.csv");
    let charts = dir.join("charts");
    let out = currents(&[
        "simulate",
        "--rule",
        "turnover:window=10",
        "--user",
        "spender",
        "--runs",
        "2",
        "--steps",
        "40",
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
    let page = std::fs::read_to_string(charts.join("report.html")).unwrap();
    for needle in [
        "<td>rule</td><td>turnover</td>",
        "<td>window</td><td>10</td>",
        "<td>user</td><td>spender</td>",
        "<h2>Invariant report</h2>",
        "policy turnover:",
    ] {
        assert!(page.contains(needle), "page lacks {needle:?}");
    }
    // The charts are those of the CSV that was written.
    let rows = currents::v1::csv::read_rows(std::fs::File::open(&csv).unwrap()).unwrap();
    assert_eq!(rows.len(), 2 * 41);
}
