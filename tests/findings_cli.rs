//! `currents findings` through the binary, and the seam it renders through: a model's report
//! of a sweep, registered with the workbench (V1's: the notebook's questions; the
//! network's: questions 2 and 3 between high- and low-volume members).

use std::path::Path;
use std::process::{Command, Output};

use currents::network::Network;
use currents::workbench::Workbench;

fn currents(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_currents"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("run currents")
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

fn stdout_of(args: &[&str]) -> String {
    let out = currents(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn findings_renders_every_question_from_a_summary() {
    let dir = tmp();
    let cfg = dir.path().join("q.toml");
    let q = std::fs::read_to_string(example("questions.toml"))
        .unwrap()
        .replace("runs = 200", "runs = 3");
    std::fs::write(&cfg, q).unwrap();
    let summary = dir.path().join("s.csv");
    stdout_of(&[
        "sweep",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        summary.to_str().unwrap(),
    ]);
    let md = stdout_of(&["findings", "--summary", summary.to_str().unwrap()]);
    for h in [
        "## Summary for the designers",
        "## Q1.",
        "## Q2.",
        "## Q3.",
        "### Growing volume",
    ] {
        assert!(md.contains(h), "{h}");
    }
    for user in [
        "balanced",
        "spender",
        "hoarder",
        "growing",
        "high-volume",
        "low-volume",
    ] {
        assert!(md.contains(&format!("### {user}")), "{user}");
    }
    let bad = currents(&["findings", "--summary", &example("sweep.toml")]);
    assert_eq!(bad.status.code(), Some(2));
}

/// docs/findings.md and docs/questions-summary.csv are exactly what scripts/findings.sh
/// produces from examples/questions.toml (so the committed numbers come from the committed
/// command, and a change to the model that moves them fails here until regenerated).
#[test]
fn committed_findings_are_what_the_committed_command_produces() {
    let dir = tmp();
    let summary = dir.path().join("s.csv");
    let report = dir.path().join("f.md");
    stdout_of(&[
        "sweep",
        "--config",
        &example("questions.toml"),
        "--out",
        summary.to_str().unwrap(),
    ]);
    stdout_of(&[
        "findings",
        "--summary",
        summary.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let committed = std::fs::read_to_string(docs.join("questions-summary.csv")).unwrap();
    assert!(
        std::fs::read_to_string(&summary).unwrap() == committed,
        "docs/questions-summary.csv is stale: run scripts/findings.sh"
    );
    // Then the network's section, appended.
    let network = dir.path().join("n.csv");
    stdout_of(&[
        "sweep",
        "--config",
        &example("network-questions.toml"),
        "--out",
        network.to_str().unwrap(),
    ]);
    let committed = std::fs::read_to_string(docs.join("network-summary.csv")).unwrap();
    assert!(
        std::fs::read_to_string(&network).unwrap() == committed,
        "docs/network-summary.csv is stale: run scripts/findings.sh"
    );
    let section = stdout_of(&["findings", "--summary", network.to_str().unwrap()]);
    let committed = std::fs::read_to_string(docs.join("findings.md")).unwrap();
    assert!(
        std::fs::read_to_string(&report).unwrap() + &section == committed,
        "docs/findings.md is stale: run scripts/findings.sh"
    );
}

/// The network's report renders both of its questions from a summary of a sweep with the
/// user `traders`, and refuses one without the per-type columns (`uniform-pairs`): exit 2,
/// one line, nothing written.
#[test]
fn the_networks_report_renders_its_questions_and_needs_the_per_type_columns() {
    let dir = tmp();
    let summary = dir.path().join("s.csv");
    stdout_of(&[
        "sweep",
        "--config",
        &example("network-questions.toml"),
        "--runs",
        "2",
        "--out",
        summary.to_str().unwrap(),
    ]);
    let md = stdout_of(&["findings", "--summary", summary.to_str().unwrap()]);
    for h in [
        "## The network",
        "### Summary for the designers of the rule (network)",
        "### Q2 (network).",
        "### Q3 (network).",
        "| both | credit-period (clamp) |",
    ] {
        assert!(md.contains(h), "{h}\n{md}");
    }
    let plain = dir.path().join("p.csv");
    let report = dir.path().join("f.md");
    stdout_of(&[
        "sweep",
        "--config",
        &example("network-sweep.toml"),
        "--runs",
        "1",
        "--out",
        plain.to_str().unwrap(),
    ]);
    let out = currents(&[
        "findings",
        "--summary",
        plain.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no per-type columns") && err.contains("traders"),
        "{err}"
    );
    assert!(!report.exists());
}

/// A summary of a sweep of a model that registers no report (`network-one-sided`) is
/// refused: exit 2, one line naming the summary, its model and the models that have a
/// report, and nothing written.
#[test]
fn findings_refuses_a_summary_of_a_model_without_a_report() {
    let dir = tmp();
    let summary = dir.path().join("n.csv");
    let report = dir.path().join("f.md");
    let cfg = dir.path().join("one-sided.toml");
    let text = std::fs::read_to_string(example("network-sweep.toml"))
        .unwrap()
        .replace("model = \"network\"", "model = \"network-one-sided\"");
    std::fs::write(&cfg, text).unwrap();
    stdout_of(&[
        "sweep",
        "--config",
        cfg.to_str().unwrap(),
        "--runs",
        "1",
        "--out",
        summary.to_str().unwrap(),
    ]);
    let out = currents(&[
        "findings",
        "--summary",
        summary.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("`summary`")
            && err.contains("n.csv")
            && err.contains("model \"network-one-sided\"")
            && err.contains("accepted: a sweep of v1 or network"),
        "{err}"
    );
    assert!(!report.exists());
}

/// The seam: a report registered for a model type is found by the model's name and
/// rendered with the summary, the command and the registry the workbench holds; a model
/// without one (or an unknown name) has none.
#[test]
fn a_models_report_of_a_sweep_is_rendered_by_the_models_name() {
    let builtin = Workbench::builtin();
    assert_eq!(builtin.sweep_report_models(), vec!["v1", "network"]);
    assert!(
        builtin
            .render_sweep_report("network-one-sided", "cell,label\n", "x")
            .is_none()
    );
    let bench = builtin.sweep_report::<Network>(|summary, command, registry| {
        if summary.is_empty() {
            return Err("an empty summary".to_owned());
        }
        Ok(format!(
            "{command}: {} lines, {} rules",
            summary.lines().count(),
            registry.rules().len()
        ))
    });
    assert_eq!(bench.sweep_report_models(), vec!["v1", "network"]);
    let rules = bench.registry::<Network>().unwrap().rules().len();
    assert_eq!(rules, 4);
    assert_eq!(
        bench.render_sweep_report("network", "a\nb\nc\n", "cmd"),
        Some(Ok("cmd: 3 lines, 4 rules".to_owned()))
    );
    assert_eq!(
        bench.render_sweep_report("network", "", "cmd"),
        Some(Err("an empty summary".to_owned()))
    );
    assert!(bench.render_sweep_report("nope", "a\n", "cmd").is_none());
    // V1's own is still V1's: it refuses a file that is not a summary, in one line.
    let Some(Err(e)) = bench.render_sweep_report("v1", "a,b\n1,2\n", "cmd") else {
        panic!("V1's report accepted a file that is not a summary");
    };
    assert!(e.contains("not a sweep summary"), "{e}");
}
