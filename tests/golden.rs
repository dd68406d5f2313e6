//! Golden tests: `currents simulate --rng numpy` against trajectories produced by cadCAD.
//!
//! Every value of every column must match; floats bit for bit (compared as IEEE-754 bits
//! after parsing both files, so `-0` and `0` would differ). The reference files were
//! written by pandas with 17 significant digits, which round-trip every double exactly, so
//! an exact comparison is meaningful.

use std::path::Path;
use std::process::Command;

use currents::v1::csv::{Row, read_rows};

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cadcad")
        .join(name)
}

/// Runs the binary with `args` and parses its stdout as a trajectory CSV.
fn simulate(args: &[&str]) -> Vec<Row> {
    let out = Command::new(env!("CARGO_BIN_EXE_currents"))
        .arg("simulate")
        .args(args)
        .output()
        .expect("run currents");
    assert!(
        out.status.success(),
        "currents {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    read_rows(&out.stdout[..]).expect("our CSV parses")
}

/// The first difference between two trajectories, as (run, timestep, column, expected, got).
fn first_difference(expected: &[Row], got: &[Row]) -> Option<String> {
    if expected.len() != got.len() {
        return Some(format!(
            "row count: expected {}, got {}",
            expected.len(),
            got.len()
        ));
    }
    for (e, g) in expected.iter().zip(got) {
        let (es, gs) = (&e.state, &g.state);
        let floats = [
            ("userBalance", es.balance, gs.balance),
            ("avgUserBalance", es.balance_mean, gs.balance_mean),
            ("avgSendVolume", es.send_volume_mean, gs.send_volume_mean),
        ];
        let ints = [
            (
                "totalNumTransactions",
                es.n_transactions as i64,
                gs.n_transactions as i64,
            ),
            ("userCredit", es.credit, gs.credit),
            ("userCapacity", es.capacity, gs.capacity),
            ("sendVolume", es.send_volume, gs.send_volume),
            ("transaction", es.transaction, gs.transaction),
            ("simulation", e.simulation as i64, g.simulation as i64),
            ("subset", e.subset as i64, g.subset as i64),
            ("run", e.run as i64, g.run as i64),
            ("substep", e.substep as i64, g.substep as i64),
            ("timestep", e.timestep as i64, g.timestep as i64),
        ];
        // Genesis values are written as the integer 0 by cadCAD: compare 0 == 0.0 by value
        // there, bits everywhere else.
        for (col, x, y) in floats {
            let same = x.to_bits() == y.to_bits() || (x == 0.0 && y == 0.0 && e.timestep == 0);
            if !same {
                return Some(format!(
                    "run {}, timestep {}, column {col}: expected {x:?}, got {y:?}",
                    e.run, e.timestep
                ));
            }
        }
        for (col, x, y) in ints {
            if x != y {
                return Some(format!(
                    "run {}, timestep {}, column {col}: expected {x}, got {y}",
                    e.run, e.timestep
                ));
            }
        }
    }
    None
}

#[track_caller]
fn check(file: &str, args: &[&str]) {
    let text = std::fs::read(data(file)).expect("reference file");
    let expected = read_rows(&text[..]).expect("reference parses");
    let got = simulate(args);
    if let Some(diff) = first_difference(&expected, &got) {
        panic!(
            "{file}: {diff}\nreproduce: currents simulate {}",
            args.join(" ")
        );
    }
}

#[test]
fn notebook_default_matches_cadcad() {
    check(
        "notebook_default.csv",
        &[
            "--rng", "numpy", "--runs", "10", "--steps", "365", "--seed", "0",
        ],
    );
}

#[test]
fn integrity_0_8_matches_cadcad() {
    check(
        "integrity_0.8.csv",
        &[
            "--rng",
            "numpy",
            "--runs",
            "10",
            "--steps",
            "365",
            "--integrity",
            "0.8",
        ],
    );
}

#[test]
fn integrity_0_5_avg_250_sum_10_matches_cadcad() {
    check(
        "integrity_0.5_avg_250_sum_10.csv",
        &[
            "--rng",
            "numpy",
            "--integrity",
            "0.5",
            "--avg-amount",
            "250",
            "--sum-volume",
            "10",
        ],
    );
}

#[test]
fn seed_42_low_integrity_short_window_matches_cadcad() {
    check(
        "cadcad_extra_seed42_i0.3_a50_k7.csv",
        &[
            "--rng",
            "numpy",
            "--runs",
            "3",
            "--steps",
            "200",
            "--seed",
            "42",
            "--integrity",
            "0.3",
            "--avg-amount",
            "50",
            "--sum-volume",
            "7",
        ],
    );
}

#[test]
fn seed_7_window_1_zero_credit_matches_cadcad() {
    check(
        "cadcad_extra_seed7_i0.95_a1000_k1_c0.csv",
        &[
            "--rng",
            "numpy",
            "--runs",
            "2",
            "--steps",
            "120",
            "--seed",
            "7",
            "--integrity",
            "0.95",
            "--avg-amount",
            "1000",
            "--sum-volume",
            "1",
            "--initial-credit",
            "0",
        ],
    );
}

#[test]
fn a_changed_value_is_reported_with_its_place() {
    let text = std::fs::read(data("notebook_default.csv")).unwrap();
    let expected = read_rows(&text[..]).unwrap();
    let mut got = expected.clone();
    got[400].state.credit += 1;
    let diff = first_difference(&expected, &got).expect("a difference");
    assert!(
        diff.starts_with("run 2, timestep 34, column userCredit"),
        "{diff}"
    );
}
