//! The `currents simulate` command line: outputs, the one spec (flags, shorthand, config
//! file) with flags over the file, and every kind of bad input (one line on stderr naming
//! field, value and what is accepted; exit code 2; no output file, not even a partial one).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn currents(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(args)
        .output()
        .expect("run currents")
}

/// A fresh, empty directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `simulate` with `args` plus `--out` into a scratch directory and checks that it is
/// rejected as bad input: exit 2, one stderr line that mentions each of `mentions`, and the
/// directory left empty.
#[track_caller]
fn check_rejected(name: &str, args: &[&str], mentions: &[&str]) {
    let dir = scratch(name);
    let out_path = dir.join("out.csv");
    let out_s = out_path.to_str().unwrap().to_owned();
    let mut full = vec!["simulate"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--out", &out_s]);
    let out = currents(&full);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: exit code; stderr: {stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{args:?}: one line expected, got: {stderr}"
    );
    for m in mentions {
        assert!(
            stderr.contains(m),
            "{args:?}: stderr should mention {m:?}: {stderr}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{args:?}: files left behind: {left:?}");
    assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
}

fn write_config(name: &str, text: &str) -> String {
    let dir = scratch(&format!("{name}-config"));
    let path = dir.join("c.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn unknown_flag_is_rejected() {
    check_rejected(
        "unknown-flag",
        &["--runz", "3"],
        &["--runz", "accepted", "--runs"],
    );
}

#[test]
fn malformed_number_is_rejected() {
    check_rejected(
        "malformed",
        &["--integrity", "abc"],
        &["--integrity", "abc", "accepted"],
    );
    check_rejected(
        "malformed-int",
        &["--runs", "1.5"],
        &["--runs", "1.5", "whole number"],
    );
}

#[test]
fn nan_and_infinity_are_rejected() {
    check_rejected(
        "nan",
        &["--integrity", "NaN"],
        &["integrity", "NaN", "finite"],
    );
    check_rejected(
        "inf",
        &["--avg-amount", "inf"],
        &["avg-amount", "inf", "finite"],
    );
    check_rejected(
        "neg-inf",
        &["--integrity", "-inf"],
        &["integrity", "-inf", "finite"],
    );
}

#[test]
fn zero_or_negative_where_not_allowed_is_rejected() {
    check_rejected(
        "avg-zero",
        &["--avg-amount", "0"],
        &["avg-amount", "0", "[0.001, 1000000]"],
    );
    check_rejected(
        "avg-neg",
        &["--avg-amount", "-5"],
        &["avg-amount", "-5", "[0.001, 1000000]"],
    );
    check_rejected(
        "runs-zero",
        &["--runs", "0"],
        &["--runs", "0", "[1, 10000000]"],
    );
    check_rejected(
        "steps-neg",
        &["--steps", "-1"],
        &["--steps", "-1", "[1, 1000000]"],
    );
    check_rejected(
        "credit-neg",
        &["--initial-credit", "-1"],
        &["--initial-credit", "-1"],
    );
}

#[test]
fn window_of_zero_is_rejected() {
    check_rejected(
        "window-zero",
        &["--sum-volume", "0"],
        &["sum-volume", "0", "[1, 1000000]"],
    );
}

#[test]
fn steps_and_runs_beyond_the_maximums_are_rejected() {
    check_rejected(
        "steps-max",
        &["--steps", "1000001"],
        &["--steps", "1000001", "1000000"],
    );
    check_rejected(
        "runs-max",
        &["--runs", "10000001"],
        &["--runs", "10000001", "10000000"],
    );
}

#[test]
fn numpy_seed_that_overflows_32_bits_is_rejected() {
    check_rejected(
        "seed",
        &["--rng", "numpy", "--runs", "2", "--seed", "4294967295"],
        &["seed", "4294967295", "numpy"],
    );
    check_rejected("rng", &["--rng", "mt"], &["--rng", "mt", "chacha or numpy"]);
}

#[test]
fn bad_config_files_are_rejected() {
    let missing = scratch("missing").join("nope.toml");
    check_rejected(
        "cfg-missing",
        &["--config", missing.to_str().unwrap()],
        &["nope.toml", "cannot read"],
    );
    let bad = write_config("bad-toml", "runs = = 3\n");
    check_rejected(
        "cfg-syntax",
        &["--config", &bad],
        &["not valid TOML", "line 1"],
    );
    let unknown = write_config("unknown-key", "runs = 3\nstepz = 10\n");
    check_rejected(
        "cfg-unknown",
        &["--config", &unknown],
        &["stepz", "accepted: keys", "steps", "params", "out"],
    );
    let wrong_type = write_config("wrong-type", "[params]\nintegrity = \"high\"\n");
    check_rejected(
        "cfg-type",
        &["--config", &wrong_type],
        &[
            "params.integrity",
            "\"high\"",
            "a finite number in [-100, 100]",
        ],
    );
    let nan = write_config("nan", "[params]\nintegrity = nan\n");
    check_rejected(
        "cfg-nan",
        &["--config", &nan],
        &["params.integrity", "nan", "finite"],
    );
    let window = write_config("window", "[params]\nsum-volume = 0\n");
    check_rejected(
        "cfg-window",
        &["--config", &window],
        &["params.sum-volume", "0", "[1, 1000000]"],
    );
    // The layout before the spec: a parameter at the top level says where it goes.
    let old = write_config("old-layout", "runs = 3\nintegrity = 0.8\n");
    check_rejected(
        "cfg-old-layout",
        &["--config", &old],
        &["`integrity`", "unknown key", "goes in [params]"],
    );
    let twice = write_config("twice", "seed = 1\nrule = \"turnover:seed=2\"\n");
    check_rejected(
        "cfg-twice",
        &["--config", &twice],
        &["seed", "each key once"],
    );
}

#[test]
fn output_in_a_missing_directory_is_rejected() {
    let out = currents(&["simulate", "--out", "no-such-dir-for-currents/x.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

#[test]
fn writes_header_and_one_row_per_run_and_timestep() {
    let dir = scratch("ok");
    let path = dir.join("t.csv");
    let out = currents(&[
        "simulate",
        "--runs",
        "3",
        "--steps",
        "20",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(currents::v1::csv::HEADER));
    assert_eq!(lines.count(), 3 * 21);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "only the output file remains");
}

#[test]
fn flags_override_the_config_file() {
    let cfg = write_config("override", "runs = 3\nsteps = 5\nrng = \"numpy\"\n");
    let out = currents(&["simulate", "--config", &cfg, "--runs", "1", "--out", "-"]);
    assert!(out.status.success());
    let rows = currents::v1::csv::read_rows(&out.stdout[..]).unwrap();
    assert_eq!(rows.len(), 6, "1 run of 5 steps plus genesis");
    let numpy = currents(&["simulate", "--rng", "numpy", "--runs", "1", "--steps", "5"]);
    assert_eq!(out.stdout, numpy.stdout, "the config's rng = numpy applies");
}

#[test]
fn same_seed_same_output_and_seeds_differ() {
    let a = currents(&["simulate", "--runs", "2", "--steps", "50", "--seed", "7"]);
    let b = currents(&["simulate", "--runs", "2", "--steps", "50", "--seed", "7"]);
    let c = currents(&["simulate", "--runs", "2", "--steps", "50", "--seed", "8"]);
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
}

/// `--out` naming a FIFO (like `/dev/null`, a special file) is written in place: the
/// temporary-file-and-rename path must never replace a special file with a regular one.
#[cfg(unix)]
#[test]
fn out_to_a_fifo_writes_into_it_and_leaves_it_a_fifo() {
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("fifo");
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut text = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        })
    };
    let out = currents(&[
        "simulate",
        "--runs",
        "1",
        "--steps",
        "3",
        "--out",
        fifo.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Checked before joining: had the FIFO been replaced, the reader would never see a
    // writer and the join would block.
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "still a FIFO"
    );
    let text = reader.join().unwrap();
    assert!(text.starts_with(currents::v1::csv::HEADER));
    assert_eq!(text.lines().count(), 1 + 4);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
}

/// Runs `simulate` with `args` (output on stdout) and returns the bytes; it must succeed.
#[track_caller]
fn simulate_ok(args: &[&str]) -> Vec<u8> {
    let mut full = vec!["simulate"];
    full.extend_from_slice(args);
    let out = currents(&full);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

const NAMED: [&str; 10] = [
    "--rule",
    "turnover:window=10",
    "--user",
    "spender",
    "--param",
    "integrity=0.8",
    "--runs",
    "3",
    "--steps",
    "40",
];

#[test]
fn a_named_rule_user_and_parameter_run_in_the_trajectory_format() {
    let named = simulate_ok(&NAMED);
    let text = String::from_utf8(named.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(currents::v1::csv::HEADER));
    assert_eq!(lines.count(), 3 * 41);
    let rows = currents::v1::csv::read_rows(&named[..]).unwrap();
    assert_eq!(rows.last().map(|r| (r.run, r.timestep)), Some((3, 40)));
    let default = simulate_ok(&["--runs", "3", "--steps", "40"]);
    assert_ne!(named, default, "the rule and the user are the spec's");
    // Each part of the spec counts: another window, another user, another integrity.
    for (i, value) in [
        (1, "turnover:window=3"),
        (3, "balanced"),
        (5, "integrity=0.7"),
    ] {
        let mut other = NAMED;
        other[i] = value;
        assert_ne!(simulate_ok(&other), named, "{value}");
    }
}

#[test]
fn the_same_spec_in_a_config_file_writes_the_same_bytes() {
    let named = simulate_ok(&NAMED);
    for (name, text) in [
        (
            "shorthand",
            "rule = \"turnover:window=10\"\nuser = \"spender\"\nruns = 3\nsteps = 40\n[params]\nintegrity = 0.8\n",
        ),
        (
            "tables",
            "runs = 3\nsteps = 40\n[rule]\nname = \"turnover\"\nwindow = 10\n[user]\nname = \"spender\"\nintegrity = 0.8\n",
        ),
    ] {
        let cfg = write_config(&format!("same-spec-{name}"), text);
        assert_eq!(simulate_ok(&["--config", &cfg]), named, "{name}");
    }
    // Flags overlay the file: the file's window, the flag's user.
    let cfg = write_config(
        "same-spec-overlay",
        "rule = \"turnover:window=10\"\nuser = \"balanced\"\nruns = 3\nsteps = 40\n",
    );
    assert_eq!(
        simulate_ok(&[
            "--config",
            &cfg,
            "--user",
            "spender",
            "--param",
            "integrity=0.8"
        ]),
        named
    );
}

#[test]
fn a_spec_run_writes_the_same_bytes_on_any_thread_count() {
    // 40 runs of 2000 steps make several tasks (one task holds 2^15 steps of work).
    let args = [
        "--rule",
        "credit-period",
        "--user",
        "growing",
        "--restriction",
        "clamp",
        "--runs",
        "40",
        "--steps",
        "2000",
    ];
    for extra in [&[][..], &["--summary"], &["--rng", "numpy"]] {
        let one = simulate_ok(&[&args[..], extra, &["--threads", "1"]].concat());
        let four = simulate_ok(&[&args[..], extra, &["--threads", "4"]].concat());
        assert!(one == four, "{extra:?}: 1 and 4 threads differ");
    }
}

#[test]
fn a_spec_run_writes_the_summary_rows() {
    let out = simulate_ok(&[&NAMED[..], &["--summary"]].concat());
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    let header = currents::metrics::summary::header(&currents::v1::SUMMARY_PARAMS);
    assert_eq!(lines.next(), Some(header.as_str()));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3);
    // run, seed, rng, engine, then the user's parameters (integrity set, the preset's
    // average amount, growth and bias), the model's window and genesis credit, the steps.
    assert!(
        rows[0].starts_with("1,0,chacha,exact,0.8,100,0,-0.05,30,250,40,"),
        "{}",
        rows[0]
    );
}

#[test]
fn the_notebooks_spec_in_any_spelling_is_the_notebook_run() {
    let plain = simulate_ok(&["--rng", "numpy", "--runs", "2", "--steps", "30"]);
    for spelled in [
        &[
            "--rule",
            "currents-v1",
            "--user",
            "balanced",
            "--model",
            "v1",
        ][..],
        &["--rule", "currents-v1:quad-coef=-3,rng=numpy"],
        &["--restriction", "none"],
        &["--param", "growth=0", "--param", "bias=0"],
    ] {
        let rng: &[&str] = if spelled.iter().any(|a| a.contains("rng=numpy")) {
            &[]
        } else {
            &["--rng", "numpy"]
        };
        let out = simulate_ok(&[spelled, rng, &["--runs", "2", "--steps", "30"]].concat());
        assert!(out == plain, "{spelled:?}");
    }
    // Another restriction is another spec (the notebook's user overdraws within a year).
    let year = ["--rng", "numpy", "--runs", "2", "--steps", "365"];
    let clamp = simulate_ok(&[&year[..], &["--restriction", "clamp"]].concat());
    assert_ne!(clamp, simulate_ok(&year));
}

#[test]
fn a_negative_number_after_a_space_is_a_value() {
    let spaced = simulate_ok(&["--integrity", "-0.5", "--runs", "2", "--steps", "20"]);
    let joined = simulate_ok(&["--integrity=-0.5", "--runs", "2", "--steps", "20"]);
    let param = simulate_ok(&["--param", "integrity=-0.5", "--runs", "2", "--steps", "20"]);
    assert_eq!(spaced, joined);
    assert_eq!(spaced, param);
    let default = simulate_ok(&["--runs", "2", "--steps", "20"]);
    assert_ne!(spaced, default);
}

#[test]
fn an_undeclared_parameter_names_what_each_entry_declares() {
    check_rejected(
        "undeclared",
        &["--param", "window=3"],
        &[
            "--param window",
            "model v1: sum-volume, initial-credit",
            "rule currents-v1: quad-coef",
            "user balanced: integrity, avg-amount, growth, bias",
        ],
    );
    check_rejected(
        "param-range",
        &["--rule", "turnover", "--param", "window=0"],
        &["--param window", "0", "a whole number in [1, "],
    );
    check_rejected(
        "param-shape",
        &["--param", "window"],
        &["--param", "\"window\"", "KEY=VALUE"],
    );
    check_rejected(
        "param-setting",
        &["--param", "seed=3"],
        &["--param", "seed=3", "--seed"],
    );
    check_rejected(
        "unknown-rule",
        &["--rule", "v9"],
        &["rule", "\"v9\"", "currents-v1, static"],
    );
    check_rejected(
        "unknown-user",
        &["--user", "nobody"],
        &["user", "\"nobody\"", "balanced, spender"],
    );
    check_rejected(
        "restriction",
        &["--restriction", "maybe"],
        &["--restriction", "\"maybe\"", "none, clamp or reject"],
    );
}

#[test]
fn a_key_given_twice_in_any_spelling_is_refused() {
    for (name, args, key) in [
        (
            "twice-flag-param",
            &["--param", "integrity=1", "--integrity", "2"][..],
            "integrity",
        ),
        (
            "twice-param",
            &["--param", "avg-amount=5", "--param", "avg_amount=6"],
            "avg-amount",
        ),
        (
            "twice-shorthand-param",
            &["--rule", "turnover:window=10", "--param", "window=3"],
            "window",
        ),
        (
            "twice-shorthand-flag",
            &["--rule", "currents-v1:seed=1", "--seed", "2"],
            "seed",
        ),
        (
            "twice-shorthand-user",
            &["--rule", "turnover:user=spender", "--user", "balanced"],
            "user",
        ),
    ] {
        check_rejected(name, args, &[key, "each key once"]);
    }
}

#[test]
fn the_streaming_engine_is_refused_for_another_spec() {
    check_rejected(
        "streaming",
        &["--rule", "turnover", "--engine", "streaming"],
        &["`--engine`", "streaming", "exact for turnover"],
    );
    // Without --engine, such a spec runs on the exact history whatever the generator.
    let out = simulate_ok(&["--rule", "turnover", "--runs", "1", "--steps", "5"]);
    let exact = simulate_ok(&[
        "--rule", "turnover", "--runs", "1", "--steps", "5", "--engine", "exact",
    ]);
    assert_eq!(out, exact);
}

#[test]
fn the_example_config_runs() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/simulate.toml");
    let out = simulate_ok(&["--config", example, "--runs", "2", "--steps", "10"]);
    let numpy = simulate_ok(&["--rng", "numpy", "--runs", "2", "--steps", "10"]);
    assert_eq!(out, numpy, "the example is the notebook's spec with numpy");
    // Its commented rule line, uncommented, is a spec too.
    let text = std::fs::read_to_string(example).unwrap();
    let rule = text.replace("# rule = ", "rule = ");
    assert_ne!(rule, text, "the example shows a rule line");
    let cfg = write_config("example-rule", &rule);
    let turnover = simulate_ok(&["--config", &cfg, "--runs", "2", "--steps", "10"]);
    let flags = simulate_ok(&[
        "--rule",
        "turnover:window=10",
        "--rng",
        "numpy",
        "--runs",
        "2",
        "--steps",
        "10",
    ]);
    assert_eq!(turnover, flags);
}

/// One output path for what `check` and `replay` print: a full device is one `error:` line
/// and exit 1, never a panic in `print!` (exit 101).
#[test]
fn check_and_replay_on_a_full_device_fail_with_one_line() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return; // not Linux: nothing to write to that always fails
    }
    for args in [
        &["check", "--runs", "1", "--steps", "20", "--cases", "4"][..],
        &["replay", "--tape=1,2"][..],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_currents"))
            .args(args)
            .stdout(std::fs::OpenOptions::new().write(true).open(full).unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

/// A closed pipe on stdout (`currents check | head -1`, the reader gone before the report
/// is written) exits 0 quietly, as `simulate` does.
#[test]
fn check_into_a_closed_pipe_exits_0_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(["check", "--runs", "1", "--steps", "20", "--cases", "4"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before anything is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// A subcommand without flags says so instead of listing nothing after "accepted:".
#[test]
fn an_unknown_flag_of_a_command_without_flags_says_so() {
    let out = currents(&["policies", "--bogus"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("(accepted: no flags"), "{stderr}");
}

/// Error messages stay short and say what is wrong: a huge value is shown as `1e308`, not
/// 309 digits; an output path under a regular file names the file as "not a directory".
#[test]
fn errors_show_long_numbers_short_and_a_file_as_not_a_directory() {
    check_rejected(
        "huge",
        &["--integrity", "1e308"],
        &[
            "--integrity",
            ": 1e308 (accepted: a finite number in [-100, 100])",
        ],
    );
    let file = scratch("under-a-file").join("plain");
    std::fs::write(&file, "x").unwrap();
    let under = file.join("out.csv");
    let out = currents(&["simulate", "--out", under.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is not a directory"), "{stderr}");
    assert!(!under.exists());
}

/// `check --help` shows each default once (clap adds it; the doc line does not repeat it).
#[test]
fn check_help_shows_each_default_once() {
    let out = currents(&["check", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        assert!(line.matches("[default:").count() <= 1, "{line}");
    }
    assert!(text.contains("[default: 365]"), "{text}");
}

/// A chart directory that is empty or an existing file is bad input for `plot --out`,
/// `report --out` and `simulate --plot`: exit 2, one line naming the flag, nothing written
/// (`--out ''` used to write the charts into the current directory, and `simulate --plot
/// FILE` wrote the CSV, then failed with exit 1 blaming `--out`).
#[test]
fn a_chart_directory_that_is_empty_or_a_file_is_refused_before_any_output() {
    let dir = scratch("chart-dir");
    let file = dir.join("f");
    std::fs::write(&file, "x").unwrap();
    let file = file.to_str().unwrap();
    let input = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cadcad/notebook_default.csv"
    );
    let csv = dir.join("o.csv");
    let cases: [(&[&str], &str); 5] = [
        (&["plot", "--input", input, "--out", ""], "`out`"),
        (&["report", "--input", input, "--out", ""], "`out`"),
        (&["plot", "--input", input, "--out", file], "`out`"),
        (&["report", "--input", input, "--out", file], "`out`"),
        (
            &[
                "simulate",
                "--runs",
                "1",
                "--steps",
                "5",
                "--out",
                csv.to_str().unwrap(),
                "--plot",
                file,
            ],
            "`plot`",
        ),
    ];
    for (args, field) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_currents"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(field), "{args:?}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("f")],
            "{args:?} left files"
        );
    }
}

/// The text of a stored scenario snapshot (after insta's metadata block).
fn scenario_snapshot(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(format!("scenario@{name}.snap"));
    let text = std::fs::read_to_string(&path).unwrap();
    let body = text.strip_prefix("---\n").unwrap();
    body[body.find("\n---\n").unwrap() + "\n---\n".len()..].to_owned()
}

/// `currents scenario FILE` prints the scenario's report, the text its snapshot holds, byte
/// for byte — for V1 and for the network — and `--out` writes the same bytes to a file
/// (saying so on stderr, one line); a bad file is one line, exit 2, and nothing written.
#[test]
fn the_scenario_command_prints_the_snapshot_of_any_model() {
    let root = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_currents"))
            .args(args)
            .current_dir(root)
            .output()
            .unwrap()
    };
    for name in ["network-three-members.toml", "notebook_default.toml"] {
        let file = format!("tests/scenarios/{name}");
        let out = run(&["scenario", &file]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert!(out.stderr.is_empty(), "{name}");
        let printed = String::from_utf8(out.stdout).unwrap();
        assert_eq!(printed, scenario_snapshot(name), "{name}");
        let dir = scratch(&format!("scenario-{name}"));
        let target = dir.join("report.txt");
        let out = run(&["scenario", &file, "--out", target.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        // The one line every subcommand that writes a file prints once it is published.
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("wrote {}\n", target.display()),
            "{name}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), printed, "{name}");
    }
    let dir = scratch("scenario-bad");
    let bad = dir.join("bad.toml");
    let text =
        std::fs::read_to_string(Path::new(root).join("tests/scenarios/network-three-members.toml"))
            .unwrap()
            .replace("members = 3", "members = 1001");
    std::fs::write(&bad, text).unwrap();
    let target = dir.join("report.txt");
    let out = run(&[
        "scenario",
        bad.to_str().unwrap(),
        "--out",
        target.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for part in ["`params.members`", "1001", "[2, 1000]"] {
        assert!(stderr.contains(part), "{part} in {stderr}");
    }
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["bad.toml"], "nothing written");
}
