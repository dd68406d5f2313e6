//! `currents sweep` and `currents policies` through the binary: sweeps of V1 and of the
//! network (bad configs: tests/sweep_config.rs; `currents findings`: tests/findings_cli.rs).

use std::path::Path;
use std::process::{Command, Output};

use currents::registry::Registry;
use currents::v1::PRESETS;
use currents::v1::V1;

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

/// Runs a one-grid config and returns (summary header, summary rows, trajectory text).
fn one_run_sweep(dir: &Path, grid: &str) -> (Vec<String>, Vec<Vec<String>>, String) {
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
    (
        header(&text),
        rows(&text),
        std::fs::read_to_string(traj).unwrap(),
    )
}

#[test]
fn summary_metrics_agree_with_the_trajectories() {
    let dir = tmp();
    let (header, summary, traj) = one_run_sweep(
        dir.path(),
        "[[grid]]\nrules = [\"currents-v1\", \"turnover\"]\nusers = [\"spender\", \"balanced\"]\n",
    );
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
fn a_sweep_over_every_rule_writes_its_summary_and_exits_1_on_failed_runs() {
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
    // A run that cannot complete is a finding: the summary is written, exit 1.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let rows = rows(&String::from_utf8(out.stdout).unwrap());
    let rules: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    let want: Vec<&str> = builtin().rules().iter().map(|r| r.name).collect();
    assert_eq!(rules, want);
    // v1-no-fallback's limit goes negative in some runs: the run loop refuses it, the
    // cell, the count, the first run and its step are named on stderr and the runs are
    // left out of the cell's metrics.
    let cell = want.iter().position(|n| *n == "v1-no-fallback").unwrap();
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("finding: "))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(
        notes[0].starts_with(&format!("finding: cell {cell}: "))
            && notes[0].contains("/3 runs failed")
            && notes[0].contains("(first: run ")
            && notes[0].contains(" step "),
        "{stderr}"
    );
    assert!(notes[0].contains("limit -"), "{stderr}");
    // Every other cell defines its metrics from all three runs.
    assert!(rows.iter().all(|r| !r[15].is_empty()), "{rows:?}");
}

/// The header of a summary CSV, its columns by name.
fn header(csv_text: &str) -> Vec<String> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect()
}

/// The summary header of a sweep of V1 (the workbench's first model, so no `model`
/// column): the columns docs/questions-summary.csv has, whatever the cells.
#[test]
fn a_v1_sweep_summary_keeps_its_header() {
    let text = stdout_of(&["sweep", "--config", &example("sweep.toml"), "--runs", "1"]);
    let want = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/questions-summary.csv"),
    )
    .unwrap();
    assert_eq!(text.lines().next(), want.lines().next());
    assert!(text.starts_with(
        "cell,label,rule,rule_params,restriction,user,integrity,avg_amount,growth,bias,sum_volume,initial_credit,runs,steps,seed,balance_norm_mean,"
    ));
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
    let cfg = dir.path().join("h.toml");
    std::fs::write(&cfg, in_grid).unwrap();
    let header = header(&stdout_of(&["sweep", "--config", cfg.to_str().unwrap()]));
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

/// examples/network-sweep.toml from the command line: the network model's own rules and
/// parameters, each cell checked against what the network's semantics imply. Balances sum
/// to zero after every step (each transfer moves one unit from payer to payee), so the mean
/// final balance over the members is exactly 0 in every run; a payment never takes its
/// payer below the limit it was made under, and under `static` and `fixed-band` no limit
/// ever falls (static keeps genesis's, fixed-band raises a member's to 250), so no balance
/// is ever below its limit; under `static` every limit is the genesis `limit`.
#[test]
fn a_network_sweep_runs_from_the_command_line_and_conserves_balances() {
    let dir = tmp();
    let traj = dir.path().join("t.csv");
    let (n_runs, n_steps) = (3usize, 200usize);
    let text = stdout_of(&[
        "sweep",
        "--config",
        &example("network-sweep.toml"),
        "--runs",
        &n_runs.to_string(),
        "--trajectories",
        traj.to_str().unwrap(),
    ]);
    let header = header(&text);
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let summary = rows(&text);
    // (rule, members, limit) of each cell: 2 rules × members [2, 5] × limit [1, 3].
    let mut cells: Vec<(String, usize, i64)> = Vec::new();
    for r in &summary {
        assert_eq!(r[col("model")], "network");
        assert_eq!(r[col("user")], "uniform-pairs");
        assert_eq!(r[col("steps")], n_steps.to_string());
        let rule = r[col("rule")].clone();
        let members: usize = r[col("members")].parse().unwrap();
        let limit: i64 = r[col("limit")].parse().unwrap();
        for s in ["mean", "p5", "p95"] {
            assert_eq!(r[col(&format!("balance_final_{s}"))], "0", "{r:?}");
            assert_eq!(r[col(&format!("over_limit_share_{s}"))], "0", "{r:?}");
        }
        if rule == "static" {
            assert_eq!(r[col("credit_final_mean")], limit.to_string(), "{r:?}");
            assert_eq!(r[col("zero_credit_share_mean")], "0", "{r:?}");
        }
        cells.push((rule, members, limit));
    }
    let mut sorted = cells.clone();
    sorted.sort();
    let mut want = Vec::new();
    for rule in ["fixed-band", "static"] {
        for members in [2, 5] {
            for limit in [1, 3] {
                want.push((rule.to_owned(), members, limit));
            }
        }
    }
    assert_eq!(sorted, want);
    // The trajectories: a row per member of every state of every run.
    let traj = std::fs::read_to_string(traj).unwrap();
    assert_eq!(
        traj.lines().next(),
        Some("cell,run,timestep,member,balance,credit,capacity,transaction,drawn")
    );
    let states = rows(&traj);
    let members_total: usize = cells.iter().map(|c| c.1).sum();
    assert_eq!(states.len(), members_total * n_runs * (n_steps + 1));
    let mut i = 0;
    for (c, (rule, members, limit)) in cells.iter().enumerate() {
        for run in 1..=n_runs {
            for t in 0..=n_steps {
                let state = &states[i..i + members];
                i += members;
                let mut sum = 0i64;
                for (m, row) in state.iter().enumerate() {
                    let key = (c.to_string(), run.to_string(), t.to_string(), m.to_string());
                    assert_eq!(
                        (&row[0], &row[1], &row[2], &row[3]),
                        (&key.0, &key.1, &key.2, &key.3)
                    );
                    let balance: i64 = row[4].parse().unwrap();
                    let credit: i64 = row[5].parse().unwrap();
                    assert!(balance >= -credit, "{row:?}");
                    if rule == "static" {
                        assert_eq!(credit, *limit, "{row:?}");
                    }
                    sum += balance;
                }
                assert_eq!(sum, 0, "cell {c} run {run} step {t}");
            }
        }
    }
}

/// One config may sweep several models: each grid's cells resolve in the registry of the
/// model it names, the summary names each cell's model, and a parameter column is empty
/// where the cell's user or model does not declare it.
#[test]
fn grids_of_different_models_share_one_summary() {
    let dir = tmp();
    let cfg = dir.path().join("m.toml");
    std::fs::write(
        &cfg,
        "runs = 2\nsteps = 30\n\
         [[grid]]\nlabel = \"v1\"\nrules = [\"currents-v1\", \"static\"]\n\
         [[grid]]\nlabel = \"net\"\nmodel = \"network\"\nrule = \"static\"\n[grid.params]\nmembers = [2, 4]\n",
    )
    .unwrap();
    let text = stdout_of(&["sweep", "--config", cfg.to_str().unwrap()]);
    let header = header(&text);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let got: Vec<(String, String, String, String)> = rows(&text)
        .into_iter()
        .map(|r| {
            (
                r[col("model")].clone(),
                r[col("rule")].clone(),
                r[col("integrity")].clone(),
                r[col("members")].clone(),
            )
        })
        .collect();
    let row = |m: &str, r: &str, i: &str, n: &str| (m.into(), r.into(), i.into(), n.into());
    assert_eq!(
        got,
        vec![
            row("v1", "currents-v1", "1", ""),
            row("v1", "static", "1", ""),
            row("network", "static", "", "2"),
            row("network", "static", "", "4"),
        ]
    );
}
