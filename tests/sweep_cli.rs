//! `currents sweep`, `currents policies` and `currents findings` through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use currents::registry::builtin_v1;
use currents::users::PRESETS;

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

#[test]
fn policies_lists_every_rule_parameter_default_and_preset() {
    let text = stdout_of(&["policies"]);
    assert_eq!(builtin_v1().rules().len(), 7);
    for r in builtin_v1().rules() {
        let head = format!("{}  [restriction: {}]", r.name, r.enforcement().mode);
        let start = text.find(&head).unwrap_or_else(|| panic!("{head} missing"));
        // The rule's section runs to the next blank line.
        let section = text[start..].split("\n\n").next().unwrap();
        for p in r.params {
            let line = section
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{} ", p.name)));
            let line = line.unwrap_or_else(|| panic!("{}.{} missing", r.name, p.name));
            assert!(line.contains(&format!("default {}", p.default)), "{line}");
        }
    }
    for p in PRESETS {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(p.name)),
            "{}",
            p.name
        );
    }
}

#[test]
fn sweep_summary_is_the_same_for_any_thread_count() {
    let cfg = example("sweep.toml");
    let one = stdout_of(&["sweep", "--config", &cfg, "--runs", "5", "--threads", "1"]);
    let two = stdout_of(&["sweep", "--config", &cfg, "--runs", "5", "--threads", "2"]);
    let three = stdout_of(&["sweep", "--config", &cfg, "--runs", "5", "--threads", "3"]);
    assert_eq!(one, two);
    assert_eq!(one, three);
    let other_seed = stdout_of(&["sweep", "--config", &cfg, "--runs", "5", "--seed", "2"]);
    assert_ne!(one, other_seed);
}

fn rows(csv_text: &str) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn cartesian_multiplies_declared_parameters_and_zip_pairs_elements() {
    let text = stdout_of(&["sweep", "--config", &example("sweep.toml"), "--runs", "2"]);
    let rows = rows(&text);
    // Grid 1: (4 rules + fixed-band × 2 values of `upper`) × 3 users; grid 2: 3 zipped cells.
    assert_eq!(rows.len(), 6 * 3 + 3);
    let zipped: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r[1] == "v1-zip")
        .map(|r| (r[3].split(' ').next().unwrap().to_owned(), r[6].clone()))
        .collect();
    assert_eq!(
        zipped,
        vec![
            ("quad-coef=-1".to_owned(), "1".to_owned()),
            ("quad-coef=-3".to_owned(), "0.9".to_owned()),
            ("quad-coef=-6".to_owned(), "0.8".to_owned()),
        ]
    );
    let bands: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "fixed-band")
        .map(|r| r[3].as_str())
        .collect();
    assert_eq!(bands.iter().filter(|b| b.ends_with("upper=250")).count(), 3);
    assert_eq!(bands.len(), 6);
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Runs a one-grid config and returns (summary rows, trajectory text).
fn one_run_sweep(dir: &Path, grid: &str) -> (Vec<Vec<String>>, String) {
    let cfg = dir.join("c.toml");
    std::fs::write(&cfg, format!("runs = 1\nsteps = 200\nseed = 3\n{grid}")).unwrap();
    let traj = dir.join("t.csv");
    let text = stdout_of(&[
        "sweep",
        "--config",
        cfg.to_str().unwrap(),
        "--trajectories",
        traj.to_str().unwrap(),
    ]);
    (rows(&text), std::fs::read_to_string(traj).unwrap())
}

#[test]
fn summary_metrics_agree_with_the_trajectories() {
    let dir = tmp();
    let (summary, traj) = one_run_sweep(
        dir.path(),
        "[[grid]]\nrules = [\"currents-v1\", \"turnover\"]\nusers = [\"spender\", \"balanced\"]\n",
    );
    let header: Vec<String> = csv::Reader::from_reader(stdout_header().as_bytes())
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let states = rows(&traj);
    for cell in &summary {
        let idx = &cell[0];
        // cell,run,timestep,balance,credit,capacity,transaction,drawn; genesis excluded.
        let steps: Vec<(f64, i64)> = states
            .iter()
            .filter(|s| &s[0] == idx && s[2] != "0")
            .map(|s| (s[3].parse().unwrap(), s[4].parse().unwrap()))
            .collect();
        assert_eq!(steps.len(), 200);
        let n = steps.len() as f64;
        let over = steps.iter().filter(|(b, c)| *b < -(*c as f64)).count() as f64 / n;
        let zero = steps.iter().filter(|(_, c)| *c == 0).count() as f64 / n;
        let mean_credit = steps.iter().map(|(_, c)| *c as f64).sum::<f64>() / n;
        let mut crossings = 0;
        let mut nonneg = true;
        for (b, _) in &steps {
            crossings += usize::from((*b >= 0.0) != nonneg);
            nonneg = *b >= 0.0;
        }
        let get = |m: &str| cell[col(m)].parse::<f64>().unwrap();
        assert_eq!(get("over_limit_share_mean"), over, "cell {idx}");
        assert_eq!(get("zero_credit_share_mean"), zero, "cell {idx}");
        assert_eq!(get("credit_final_mean"), steps[199].1 as f64, "cell {idx}");
        assert_eq!(get("zero_crossings_mean"), crossings as f64, "cell {idx}");
        // Sums in a different order: equal to within a few ulps.
        assert!((get("credit_mean_mean") - mean_credit).abs() <= 1e-9 * mean_credit.max(1.0));
    }
}

#[test]
fn a_sweep_over_every_rule_reports_failed_runs_instead_of_failing() {
    let dir = tmp();
    let names: Vec<String> = builtin_v1()
        .rules()
        .iter()
        .map(|r| format!("{:?}", r.name))
        .collect();
    let cfg = dir.path().join("all.toml");
    std::fs::write(
        &cfg,
        format!(
            "runs = 3\nsteps = 365\nseed = 1\n[[grid]]\nrules = [{}]\n",
            names.join(", ")
        ),
    )
    .unwrap();
    let out = currents(&["sweep", "--config", cfg.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let rows = rows(&String::from_utf8(out.stdout).unwrap());
    let rules: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let want: Vec<&str> = builtin_v1().rules().iter().map(|r| r.name).collect();
    assert_eq!(rules, want);
    // v1-no-fallback's limit goes negative in some runs: the run loop refuses it, the
    // run is named on stderr and left out of the cell's metrics.
    let cell = want.iter().position(|n| *n == "v1-no-fallback").unwrap();
    let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note: ")).collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(
        notes[0].starts_with(&format!("note: cell {cell}: "))
            && notes[0].contains("/3 runs failed"),
        "{stderr}"
    );
    assert!(notes[0].contains("limit -"), "{stderr}");
    // Every other cell defines its metrics from all three runs.
    assert!(rows.iter().all(|r| !r[15].is_empty()), "{rows:?}");
}

fn stdout_header() -> String {
    currents::sweep::summary_header()
}

#[test]
fn trajectories_do_not_change_the_summary() {
    let dir = tmp();
    let cfg = example("sweep.toml");
    let traj = dir.path().join("t.csv");
    let plain = stdout_of(&["sweep", "--config", &cfg, "--runs", "3"]);
    let with = stdout_of(&[
        "sweep",
        "--config",
        &cfg,
        "--runs",
        "3",
        "--trajectories",
        traj.to_str().unwrap(),
    ]);
    assert_eq!(plain, with);
    let lines = std::fs::read_to_string(traj).unwrap().lines().count();
    assert_eq!(lines, 1 + 21 * 3 * 366);
}

/// A bad config: exit 2, one stderr line naming `field` and `value` with "accepted", and
/// no output file.
#[track_caller]
fn rejects(config: &str, field: &str, value: &str) {
    let dir = tmp();
    let cfg: PathBuf = dir.path().join("bad.toml");
    std::fs::write(&cfg, config).unwrap();
    let out_path = dir.path().join("out.csv");
    let out = currents(&[
        "sweep",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out_path.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{config}: {err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("`{field}`")) && err.contains(value) && err.contains("accepted"),
        "{err}"
    );
    assert!(!out_path.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a stray file was left"
    );
}

#[test]
fn bad_sweep_configs_are_rejected_with_field_value_and_accepted() {
    let g = "[[grid]]\nrules = [\"currents-v1\"]\n";
    rejects("[[grid]]\nrules = [\"v2\"]\n", "grid[0].rules", "\"v2\"");
    rejects(
        &format!("{g}users = [\"miser\"]\n"),
        "grid[0].users",
        "\"miser\"",
    );
    rejects(
        &format!("{g}[grid.rule-params]\nslope = 1\n"),
        "grid[0].rule-params",
        "\"slope\"",
    );
    rejects(
        &format!("{g}[grid.rule-params]\nquad-coef = [-3, 5]\n"),
        "grid[0].rule-params.quad-coef",
        "5",
    );
    rejects(
        &format!("{g}[grid.rule-params]\nwarmup = 2.5\n"),
        "grid[0].rule-params.warmup",
        "2.5",
    );
    rejects(
        &format!("{g}[grid.user-params]\nbias = 0.9\n"),
        "grid[0].user-params.bias",
        "0.9",
    );
    rejects(
        &format!("{g}[grid.user-params]\nmood = 1\n"),
        "grid[0].user-params",
        "\"mood\"",
    );
    rejects(&format!("{g}sum-volume = 0\n"), "grid[0].sum-volume", "0");
    rejects(
        &format!("{g}restriction = \"maybe\"\n"),
        "grid[0].restriction",
        "\"maybe\"",
    );
    rejects(
        &format!(
            "{g}mode = \"zip\"\nusers = [\"balanced\", \"spender\"]\n[grid.rule-params]\nquad-coef = [-1, -2, -3]\n"
        ),
        "grid[0].users",
        "a list of 2",
    );
    rejects(&format!("runs = 0\n{g}"), "runs", "0");
    rejects(&format!("colour = 1\n{g}"), "colour", "unknown key");
    rejects("runs = 3\n", "grid", "missing");
    rejects(
        &format!("{g}[grid.user-params]\ngrowth = 100\navg-amount = 100000\n"),
        "grid[0].user-params.growth",
        "100",
    );
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
    let committed = std::fs::read_to_string(docs.join("findings.md")).unwrap();
    assert!(
        std::fs::read_to_string(&report).unwrap() == committed,
        "docs/findings.md is stale: run scripts/findings.sh"
    );
}
