//! The `currents simulate` command line: outputs, flags over config, and every kind of bad
//! input (one line on stderr naming field, value and what is accepted; exit code 2; no
//! output file, not even a partial one).

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
        &["stepz", "accepted keys", "steps"],
    );
    let wrong_type = write_config("wrong-type", "integrity = \"high\"\n");
    check_rejected(
        "cfg-type",
        &["--config", &wrong_type],
        &["integrity", "\"high\"", "a number"],
    );
    let nan = write_config("nan", "integrity = nan\n");
    check_rejected(
        "cfg-nan",
        &["--config", &nan],
        &["integrity", "NaN", "finite"],
    );
    let window = write_config("window", "sum-volume = 0\n");
    check_rejected("cfg-window", &["--config", &window], &["sum-volume", "0"]);
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
    assert_eq!(lines.next(), Some(currents::trajectory_csv::HEADER));
    assert_eq!(lines.count(), 3 * 21);
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 1, "only the output file remains");
}

#[test]
fn flags_override_the_config_file() {
    let cfg = write_config("override", "runs = 3\nsteps = 5\nrng = \"numpy\"\n");
    let out = currents(&["simulate", "--config", &cfg, "--runs", "1", "--out", "-"]);
    assert!(out.status.success());
    let rows = currents::trajectory_csv::read_rows(&out.stdout[..]).unwrap();
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
    assert!(text.starts_with(currents::trajectory_csv::HEADER));
    assert_eq!(text.lines().count(), 1 + 4);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "no temporary file left: {left:?}");
}
