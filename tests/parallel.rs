//! Parallel runs: the output bytes do not depend on the number of threads, and the summary
//! figures are those of the trajectories.

use std::process::Command;

use currents::parallel::{Chunking, ordered_runs, ordered_tasks};
use currents::v1::csv::read_rows;

/// Runs `currents simulate` with `args` and returns its stdout.
#[track_caller]
fn simulate(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_currents"))
        .arg("simulate")
        .args(args)
        .output()
        .expect("run currents");
    assert!(
        out.status.success(),
        "currents simulate {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The output with `--threads 1` and with `--threads 4` must be the same bytes.
#[track_caller]
fn check_thread_independent(args: &[&str]) {
    let one = simulate(&[args, &["--threads", "1"]].concat());
    let four = simulate(&[args, &["--threads", "4"]].concat());
    assert!(!one.is_empty());
    if one != four {
        let at = one.iter().zip(&four).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "currents simulate {}: 1 and 4 threads differ at byte {at}",
            args.join(" ")
        );
    }
}

#[test]
fn one_thread_and_four_threads_write_the_same_bytes() {
    // 400 runs of 365 steps make 5 tasks, so several tasks run at once and may finish in
    // any order.
    let base = ["--runs", "400", "--steps", "365", "--seed", "3"];
    for extra in [
        &["--rng", "chacha"][..],
        &["--rng", "numpy"],
        &["--rng", "numpy", "--engine", "streaming"],
        &["--rng", "chacha", "--engine", "exact", "--integrity", "0.7"],
    ] {
        check_thread_independent(&[&base[..], extra].concat());
        check_thread_independent(&[&base[..], extra, &["--summary"]].concat());
    }
}

#[test]
fn ordered_runs_hands_buffers_on_in_run_order_whatever_finishes_first() {
    // Tasks of one run each, uneven work (later runs are cheaper), a window of three tasks
    // on four threads: the output must still be run 1, 2, 3, … in order.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let chunking = Chunking {
        runs_per_task: 1,
        tasks_per_window: 3,
    };
    let mut out = Vec::new();
    ordered_runs(
        &pool,
        50,
        chunking,
        |runs, buf| {
            for run in runs {
                let spin: u64 = (0..(60 - run) * 20_000).fold(0, |a, x| a ^ x.wrapping_mul(run));
                buf.extend_from_slice(format!("{run}:{}\n", spin % 2).as_bytes());
            }
            Ok::<(), ()>(())
        },
        |bytes, _| {
            out.extend_from_slice(bytes);
            Ok(())
        },
    )
    .unwrap();
    let runs: Vec<u64> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.split(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(runs, (1..=50).collect::<Vec<_>>());
}

#[test]
fn ordered_runs_stops_at_the_first_error_in_run_order() {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let chunking = Chunking {
        runs_per_task: 2,
        tasks_per_window: 2,
    };
    let mut seen = Vec::new();
    let r = ordered_runs(
        &pool,
        20,
        chunking,
        |runs, buf| {
            if runs.contains(&7) || runs.contains(&12) {
                return Err(*runs.start());
            }
            buf.push(*runs.start() as u8);
            Ok(())
        },
        |bytes, _| {
            seen.extend_from_slice(bytes);
            Ok(())
        },
    );
    assert_eq!(r, Err(7));
    assert_eq!(seen, vec![1, 3, 5]);
}

/// The summary row's figures, computed here from cadCAD's own trajectory.
struct Figures {
    final_balance: f64,
    final_credit: i64,
    min_credit: i64,
    max_credit: i64,
    steps_over_limit: u64,
    steps_zero_credit: u64,
    ratio: f64,
}

#[test]
fn summary_figures_are_those_of_cadcads_trajectories() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/cadcad/notebook_default.csv"
    );
    let rows = read_rows(std::fs::File::open(path).unwrap()).unwrap();
    let mut expected: Vec<Figures> = Vec::new();
    for run in 1..=10u64 {
        let steps: Vec<_> = rows
            .iter()
            .filter(|r| r.run == run && r.timestep > 0)
            .map(|r| r.state)
            .collect();
        assert_eq!(steps.len(), 365);
        let last = steps[steps.len() - 1];
        let (mut abs_sum, mut sv_sum) = (0.0f64, 0.0f64);
        for s in &steps {
            abs_sum += s.balance_mean.abs();
            sv_sum += s.send_volume_mean;
        }
        expected.push(Figures {
            final_balance: last.balance,
            final_credit: last.credit,
            min_credit: steps.iter().map(|s| s.credit).min().unwrap(),
            max_credit: steps.iter().map(|s| s.credit).max().unwrap(),
            steps_over_limit: steps
                .iter()
                .filter(|s| s.balance < -(s.credit as f64))
                .count() as u64,
            steps_zero_credit: steps.iter().filter(|s| s.credit == 0).count() as u64,
            ratio: abs_sum / sv_sum,
        });
    }
    let text = String::from_utf8(simulate(&["--rng", "numpy", "--summary"])).unwrap();
    let mut lines = text.lines();
    let header = currents::metrics::summary::header(&currents::v1::SUMMARY_PARAMS);
    assert_eq!(lines.next(), Some(header.as_str()));
    let got: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(got.len(), 10);
    for (i, (row, e)) in got.iter().zip(&expected).enumerate() {
        let run = i as u64 + 1;
        assert_eq!(
            &row[..11],
            &[
                &run.to_string() as &str,
                "0",
                "numpy",
                "exact",
                "1",
                "100",
                "0",
                "0",
                "30",
                "250",
                "365"
            ],
            "run {run}"
        );
        let f = |j: usize| row[j].parse::<f64>().unwrap();
        let n = |j: usize| row[j].parse::<i64>().unwrap();
        // Floats bit for bit: our trajectory is cadCAD's, and the sums run in the same order.
        assert_eq!(
            f(11).to_bits(),
            e.final_balance.to_bits(),
            "run {run} final_balance"
        );
        assert_eq!(
            (n(12), n(13), n(14), n(15) as u64, n(16) as u64),
            (
                e.final_credit,
                e.min_credit,
                e.max_credit,
                e.steps_over_limit,
                e.steps_zero_credit
            ),
            "run {run}"
        );
        assert_eq!(f(17).to_bits(), e.ratio.to_bits(), "run {run} ratio");
    }
    // The notebook's documented totals: 94 of 3,650 steps with zero credit.
    assert_eq!(
        expected.iter().map(|e| e.steps_zero_credit).sum::<u64>(),
        94
    );
}

#[test]
fn an_unknown_engine_or_zero_threads_is_one_line_and_exit_2() {
    for (args, field, accepted) in [
        (
            &["--engine", "fast"][..],
            "--engine",
            "accepted: exact or streaming",
        ),
        (
            &["--threads", "0"],
            "--threads",
            "accepted: a whole number in [1, 64]",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_currents"))
            .arg("simulate")
            .args(args)
            .output()
            .expect("run currents");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} wrote output");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(field) && err.contains(accepted) && err.contains(args[1]),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn ordered_tasks_hands_typed_outputs_on_in_item_order() {
    // The sweep's shape: one item per task, uneven work, outputs that are not bytes.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let chunking = Chunking {
        runs_per_task: 1,
        tasks_per_window: 4,
    };
    let mut seen = Vec::new();
    ordered_tasks(
        &pool,
        30,
        chunking,
        |items| {
            let i = *items.start();
            let spin: u64 = (0..(31 - i) * 10_000).fold(0, |a, x| a ^ x.wrapping_mul(i));
            Ok::<_, ()>(vec![(i, spin % 2 < 2)])
        },
        |out, items| {
            assert_eq!(out.len(), items.count());
            seen.extend(out.into_iter().map(|(i, _)| i));
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(seen, (1..=30).collect::<Vec<_>>());
}

#[test]
fn threads_above_the_bound_are_refused_with_exit_2_and_nothing_written() {
    // The bound is 64 (README "At scale", ARCHITECTURE.md "Memory budgets"): one value for
    // simulate's flag, sweep's flag and a sweep config's `threads`.
    let dir = std::env::temp_dir().join(format!("currents-threads-bound-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("sweep.toml");
    std::fs::write(
        &config,
        "runs = 2\nsteps = 5\nthreads = 65\n[[grid]]\nrules = [\"static\"]\n",
    )
    .unwrap();
    let out = dir.join("out.csv");
    let (config, out) = (config.to_str().unwrap(), out.to_str().unwrap());
    for (args, field, value) in [
        (
            vec!["simulate", "--threads", "65", "--out", out],
            "--threads",
            "65",
        ),
        (
            vec!["simulate", "--threads", "1024", "--out", out],
            "--threads",
            "1024",
        ),
        (
            vec!["sweep", "--config", config, "--threads", "65", "--out", out],
            "--threads",
            "65",
        ),
        (
            vec!["sweep", "--config", config, "--out", out],
            "threads",
            "65",
        ),
    ] {
        let got = Command::new(env!("CARGO_BIN_EXE_currents"))
            .args(&args)
            .output()
            .expect("run currents");
        let err = String::from_utf8_lossy(&got.stderr);
        assert_eq!(got.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ")
                && err.contains(field)
                && err.contains(value)
                && err.contains("[1, 64]"),
            "{args:?}: {err}"
        );
        assert!(got.stdout.is_empty(), "{args:?} wrote to stdout");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "sweep.toml")
            .collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
    // The bound itself is accepted.
    let got = Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(["simulate", "--runs", "2", "--steps", "3", "--threads", "64"])
        .output()
        .expect("run currents");
    assert_eq!(got.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}
