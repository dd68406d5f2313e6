//! `currents sweep`, `currents policies` and `currents findings` through the binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use currents::registry::Registry;
use currents::sweep::Sweep;
use currents::v1::V1;
use currents::v1::{NotebookUser, PRESETS};

fn builtin() -> Registry<V1> {
    Registry::builtin()
}

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
    assert_eq!(builtin().rules().len(), 7);
    for r in builtin().rules() {
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
    let names: Vec<String> = builtin()
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
    let want: Vec<&str> = builtin().rules().iter().map(|r| r.name).collect();
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
/// no output file. Returns the line.
#[track_caller]
fn rejects(config: &str, field: &str, value: &str) -> String {
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
    err.into_owned()
}

#[test]
fn bad_sweep_configs_are_rejected_with_field_value_and_accepted() {
    // (Values are shown escaped, so a quoted name reads `\"v2\"`.)
    let g = "[[grid]]\nrules = [\"currents-v1\"]\n";
    rejects("[[grid]]\nrules = [\"v2\"]\n", "grid[0].rules", "v2");
    rejects(
        &format!("{g}users = [\"miser\"]\n"),
        "grid[0].users",
        "miser",
    );
    rejects(
        &format!("{g}[grid.params]\nslope = 1\n"),
        "grid[0].params.slope",
        "rule currents-v1: quad-coef",
    );
    rejects(
        &format!("{g}[grid.params]\nwarmup = 2.5\n"),
        "grid[0].params.warmup",
        "2.5",
    );
    rejects(
        &format!("{g}[grid.params]\nbias = 0.9\n"),
        "grid[0].params.bias",
        "0.9",
    );
    rejects(
        &format!("{g}[grid.params]\nsum-volume = 0\n"),
        "grid[0].params.sum-volume",
        "0",
    );
    rejects(
        &format!("{g}restriction = \"maybe\"\n"),
        "grid[0].restriction",
        "maybe",
    );
    rejects(
        &format!(
            "{g}mode = \"zip\"\nusers = [\"balanced\", \"spender\"]\n[grid.params]\nquad-coef = [-1, -2, -3]\n"
        ),
        "grid[0].users",
        "a list of 2",
    );
    rejects(&format!("runs = 0\n{g}"), "runs", "0");
    rejects(&format!("runs = 100001\n{g}"), "runs", "[1, 100000]");
    rejects(&format!("colour = 1\n{g}"), "colour", "unknown key");
    rejects("runs = 3\n", "grid", "missing");
    // A top-level parameter that no cell declares.
    rejects(
        &format!("[params]\nwindow = 3\n{g}"),
        "params.window",
        "window",
    );
    // The spellings before the one spec are gone, with a pointer to the new one.
    for old in [
        "[grid.rule-params]\nquad-coef = -1\n",
        "[grid.user-params]\nbias = 0.1\n",
        "sum-volume = 30\n",
        "initial-credit = 250\n",
    ] {
        let key = old
            .trim_start_matches('[')
            .split([']', ' '])
            .next()
            .unwrap();
        let field = format!("grid[0].{}", key.trim_start_matches("grid."));
        rejects(&format!("{g}{old}"), &field, "[grid.params]");
    }
    // A numpy seed must leave room for every run.
    rejects(
        &format!("rng = \"numpy\"\nruns = 2\nseed = 4294967295\n{g}"),
        "seed",
        "[0, 4294967294]",
    );
}

#[test]
fn an_out_of_range_grid_parameter_is_refused_with_its_declared_range() {
    let quad = builtin()
        .find("currents-v1")
        .unwrap()
        .params
        .iter()
        .find(|p| p.name == "quad-coef")
        .copied()
        .unwrap();
    let range = format!("[{}, {}]", quad.min, quad.max);
    assert_eq!(range, "[-1000, 0]");
    for bad in [quad.max + 5.0, quad.min - 1.0] {
        rejects(
            &format!("[[grid]]\nrule = \"currents-v1\"\n[grid.params]\nquad-coef = [-3, {bad}]\n"),
            "grid[0].params.quad-coef",
            &range,
        );
    }
    // The same bound as a top-level value, and through the library.
    rejects(
        "[params]\nquad-coef = 5\n[[grid]]\nrule = \"currents-v1\"\n",
        "params.quad-coef",
        &range,
    );
    let e = Sweep::from_toml_str(
        "[[grid]]\nrule = \"currents-v1\"\n[grid.params]\nquad-coef = 5\n",
        &builtin(),
    )
    .unwrap_err();
    assert!(e.to_string().contains(&range), "{e}");
}

#[test]
fn a_key_twice_in_a_grid_is_refused_in_either_spelling() {
    // (TOML tables are read in key order: `rule` before `rules`, `-` before `_`.)
    for (grid, field, value) in [
        (
            "rule = \"static\"\nrules = [\"turnover\"]\n",
            "grid[0].rules",
            "turnover",
        ),
        (
            "users = [\"hoarder\"]\nuser = \"spender\"\n",
            "grid[0].users",
            "hoarder",
        ),
        (
            "[grid.params]\navg-amount = 5\navg_amount = 6\n",
            "grid[0].params.avg_amount",
            "6",
        ),
    ] {
        let err = rejects(&format!("[[grid]]\n{grid}"), field, value);
        assert!(err.contains("each key once"), "{err}");
    }
}

#[test]
fn a_grid_names_a_preset_with_an_overridden_parameter() {
    // The spender preset with integrity 0.7: the preset's bias stays, the override is
    // taken, and the cell is the same whether the override is in the grid or at the top.
    let in_grid = "runs = 4\nsteps = 100\n[[grid]]\nusers = [\"spender\", \"hoarder\"]\n[grid.params]\nintegrity = 0.7\n";
    let at_top = "runs = 4\nsteps = 100\n[params]\nintegrity = 0.7\n[[grid]]\nusers = [\"spender\", \"hoarder\"]\n";
    let dir = tmp();
    let run = |text: &str| {
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, text).unwrap();
        rows(&stdout_of(&["sweep", "--config", cfg.to_str().unwrap()]))
    };
    let header: Vec<String> = stdout_header().split(',').map(str::to_owned).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let a = run(in_grid);
    assert_eq!(a.len(), 2);
    for (row, preset) in a.iter().zip(["spender", "hoarder"]) {
        let b = PRESETS.iter().find(|p| p.name == preset).unwrap().behaviour;
        assert_eq!(row[col("user")], preset);
        assert_eq!(row[col("integrity")], "0.7");
        assert_eq!(
            row[col("bias")],
            b.bias.to_string(),
            "the preset's own bias"
        );
        assert_eq!(row[col("avg_amount")], b.avg_amount.to_string());
    }
    assert_eq!(a, run(at_top));
    // And not the preset's own integrity: the override changes the numbers.
    let plain = run("runs = 4\nsteps = 100\n[[grid]]\nusers = [\"spender\", \"hoarder\"]\n");
    assert_ne!(
        a[0][col("credit_mean_mean")],
        plain[0][col("credit_mean_mean")]
    );
}

#[test]
fn a_preset_registered_by_the_caller_can_be_named_in_a_grid() {
    let registry = builtin().preset::<NotebookUser>(
        "cautious",
        "pays a little less often than paid",
        &[1.0, 50.0, 0.0, 0.1],
    );
    let text = "runs = 2\n[[grid]]\nusers = [\"balanced\", \"cautious\"]\n[grid.params]\navg-amount = [50, 80]\n";
    let sweep = Sweep::from_toml_str(text, &registry).unwrap();
    let users: Vec<(&str, Vec<f64>)> = sweep
        .cells()
        .iter()
        .map(|c| (c.spec().user.entry().name, c.spec().user.values().to_vec()))
        .collect();
    assert_eq!(
        users,
        vec![
            ("balanced", vec![1.0, 50.0, 0.0, 0.0]),
            ("balanced", vec![1.0, 80.0, 0.0, 0.0]),
            ("cautious", vec![1.0, 50.0, 0.0, 0.1]),
            ("cautious", vec![1.0, 80.0, 0.0, 0.1]),
        ]
    );
    // The built-in registry does not know it.
    let e = Sweep::from_toml_str(text, &builtin()).unwrap_err();
    assert!(e.to_string().contains("grid[0].users"), "{e}");
}

#[test]
fn numpy_cells_with_the_same_rule_and_user_share_every_runs_draws() {
    // Law: under numpy, run r of every cell draws from RandomState(seed + r − 1), so two
    // cells with the same rule and user (in different grids, at different indexes) have
    // identical metrics; under ChaCha each cell has its own streams.
    let config = "runs = 6\nsteps = 200\nseed = 11\n\
        [[grid]]\nlabel = \"a\"\nrules = [\"turnover\", \"currents-v1\"]\nusers = [\"spender\", \"growing\"]\n\
        [[grid]]\nlabel = \"b\"\nrule = \"currents-v1\"\nuser = \"growing\"\n";
    let dir = tmp();
    let cfg = dir.path().join("n.toml");
    std::fs::write(&cfg, config).unwrap();
    let metrics = |rng: &str| {
        let text = stdout_of(&["sweep", "--config", cfg.to_str().unwrap(), "--rng", rng]);
        rows(&text)
            .into_iter()
            .map(|r| (r[2].clone(), r[5].clone(), r[15..].to_vec()))
            .collect::<Vec<_>>()
    };
    let numpy = metrics("numpy");
    assert_eq!(numpy.len(), 5);
    let (a, b) = (&numpy[3], &numpy[4]);
    assert_eq!((a.0.as_str(), a.1.as_str()), ("currents-v1", "growing"));
    assert_eq!((b.0.as_str(), b.1.as_str()), ("currents-v1", "growing"));
    assert_eq!(a.2, b.2, "same rule and user under numpy: the same metrics");
    assert_ne!(numpy[0].2, numpy[2].2, "another rule: other metrics");
    // The same config in the file gives the same numbers as the flag.
    let in_file = dir.path().join("f.toml");
    std::fs::write(&in_file, format!("rng = \"numpy\"\n{config}")).unwrap();
    let file_rows = rows(&stdout_of(&[
        "sweep",
        "--config",
        in_file.to_str().unwrap(),
    ]));
    assert_eq!(file_rows[4][15..], numpy[4].2[..]);
    let chacha = metrics("chacha");
    assert_ne!(
        chacha[3].2, chacha[4].2,
        "under ChaCha each cell has its own streams"
    );
    assert_ne!(chacha[4].2, numpy[4].2);
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

/// CSV output quotes what needs quoting: a grid label with a comma and a quote reads back
/// as one field with the text as written, and every row has the header's number of fields.
#[test]
fn a_label_with_a_comma_and_a_quote_is_one_csv_field() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep-label-quoting");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("w.toml");
    std::fs::write(
        &config,
        "runs = 2\nsteps = 10\n[[grid]]\nlabel = 'integrity, \"low\"'\nrules = [\"static\"]\n",
    )
    .unwrap();
    let out = currents(&["sweep", "--config", config.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_reader(&out.stdout[..]);
    let n_fields = reader.headers().unwrap().len();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].len(), n_fields);
    assert_eq!(&rows[0][1], "integrity, \"low\"");
}

/// The summary and the trajectories are compared as files, not as strings: `./a.csv` and
/// `a.csv` (and a symbolic link to the summary) are the same target and are refused (exit
/// 2, nothing written); before, one silently overwrote the other (exit 0).
#[test]
fn summary_and_trajectories_naming_one_file_are_refused() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweep-same-target");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("w.toml"),
        "runs = 1\nsteps = 5\n[[grid]]\nrules = [\"static\"]\n",
    )
    .unwrap();
    let run = |out: &str, traj: &str| {
        Command::new(env!("CARGO_BIN_EXE_currents"))
            .args([
                "sweep",
                "--config",
                "w.toml",
                "--out",
                out,
                "--trajectories",
                traj,
            ])
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let o = run("./a.csv", "a.csv");
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!dir.join("a.csv").exists());
    #[cfg(unix)]
    {
        std::fs::write(dir.join("b.csv"), "").unwrap();
        std::os::unix::fs::symlink("b.csv", dir.join("link.csv")).unwrap();
        let o = run("b.csv", "link.csv");
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = run("s.csv", "t.csv");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
