//! Crash consistency, from outside: the built binary killed with SIGKILL at a random moment
//! of its run — 100 kills in all, over `simulate` (a CSV), `sweep --trajectories` (two
//! CSVs) and `plot` (ten charts) — each time in a directory holding valid targets whose
//! bytes are known. After each kill two laws are checked:
//!
//! - **old or new**: every target is byte-identical to what it was before the run, or to
//!   what an uninterrupted run writes (complete and valid: the CSV's header and every row,
//!   the chart's every byte). A kill between two renames of one command may leave some
//!   targets old and others new: each is whole.
//! - **nothing else**: the directory holds no file it did not hold before. On Linux the
//!   temporary files are unnamed (O_TMPFILE) and a kill leaves none, but for the instant
//!   between linking a file to its `.currents-PID-N.partial` name and renaming it; where
//!   they are named (the fallback), a kill leaves one. Such a file — only of the killed
//!   run's PID and the output layer's pattern — must be gone after the next run in that
//!   directory (its clean-up of orphans), which then publishes the new targets. How many
//!   kills left one is printed, with whether this file system has O_TMPFILE.
//!
//! The moments are drawn from a seeded SplitMix64 (Steele, Lea and Flood, "Fast splittable
//! pseudorandom number generators", 2014), uniform over 1.2 times the longest of three
//! uninterrupted runs measured first, so some kills come during the publish and some after
//! the end. The test never
//! asserts on time; it stops killing when `BUDGET` is spent (a machine so loaded that 100
//! runs do not fit), says so, and checks what it did. Unix only (signals, /proc).
#![cfg(unix)]

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_currents");

/// Kills per command: 100 in all.
const KILLS: [(&str, u64); 3] = [("simulate", 40), ("sweep", 30), ("plot", 30)];

/// The wall time the kills may take at most; past it the rest are left out (and said).
/// A bound against a run-away test on a loaded machine, not an assertion.
const BUDGET: Duration = Duration::from_secs(150);

/// The seed of the moments.
const SEED: u64 = 22;

/// SplitMix64 (Steele, Lea and Flood 2014): the moments of the kills.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// One command under test: its arguments, the files laid in its directory before each
/// run, and each target with its bytes before the run and after an uninterrupted one.
struct Subject {
    name: &'static str,
    args: Vec<String>,
    /// Files the command reads, laid in its directory (paths relative to it).
    inputs: Vec<(String, Vec<u8>)>,
    /// (path relative to the directory, old bytes, new bytes).
    targets: Vec<(String, Vec<u8>, Vec<u8>)>,
    /// How long an uninterrupted run took.
    duration: Duration,
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("kill_consistency")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary in `dir` to its end; panics unless it exits 0.
fn run_ok(dir: &Path, args: &[String]) {
    let o = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// Every file under `dir`, as paths relative to it (directories are walked, not listed).
fn files_under(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeSet<String>) {
        for e in fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// Lays out `dir` afresh: the inputs and the old targets.
fn lay_out(dir: &Path, subject: &Subject) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap();
    let old = subject.targets.iter().map(|(p, old, _)| (p, old));
    for (path, bytes) in subject.inputs.iter().map(|(p, b)| (p, b)).chain(old) {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

/// Uninterrupted runs per subject: their longest duration spans the kills, and their
/// outputs must be byte-identical (the new bytes are one thing).
const REFERENCE_RUNS: usize = 3;

/// Makes a subject: lays out its directory with `old` targets and `inputs`, runs it
/// uninterrupted [`REFERENCE_RUNS`] times, timed, and reads what it wrote.
fn subject(
    name: &'static str,
    args: Vec<String>,
    inputs: Vec<(String, Vec<u8>)>,
    old: Vec<(String, Vec<u8>)>,
) -> Subject {
    let dir = scratch(&format!("{name}-reference"));
    let mut s = Subject {
        name,
        args,
        inputs,
        targets: old.into_iter().map(|(p, b)| (p, b, Vec::new())).collect(),
        duration: Duration::ZERO,
    };
    for i in 0..REFERENCE_RUNS {
        lay_out(&dir, &s);
        let start = Instant::now();
        run_ok(&dir, &s.args);
        s.duration = s.duration.max(start.elapsed());
        for (path, old, new) in &mut s.targets {
            let written = fs::read(dir.join(&*path)).unwrap();
            assert!(
                *old != written,
                "{name}: {path}: the old bytes must differ from the new"
            );
            if i == 0 {
                *new = written;
            } else {
                assert!(
                    *new == written,
                    "{name}: {path}: two uninterrupted runs differ"
                );
            }
        }
    }
    s
}

/// The three subjects, with targets written by runs of other seeds as their old bytes.
fn subjects() -> Vec<Subject> {
    let prep = scratch("prepare");
    let read = |name: &str| fs::read(prep.join(name)).unwrap();
    // simulate: a CSV of 100 runs × 365 steps (3.3 MB).
    let sim = |seed: &str, out: &str| {
        strings(&[
            "simulate", "--runs", "100", "--steps", "365", "--seed", seed, "--out", out,
        ])
    };
    run_ok(&prep, &sim("1", "old.csv"));
    let simulate = subject(
        "simulate",
        sim("7", "out.csv"),
        Vec::new(),
        vec![("out.csv".to_owned(), read("old.csv"))],
    );
    // sweep: 4 cells × 20 runs × 365 steps, its summary and every state.
    let config = |seed: u64| {
        format!(
            "runs = 20\nsteps = 365\nseed = {seed}\n\n[[grid]]\nrules = [\"currents-v1\", \"static\"]\nusers = [\"balanced\"]\n[grid.params]\nintegrity = [1.0, 0.8]\n"
        )
    };
    fs::write(prep.join("old.toml"), config(4)).unwrap();
    let sweep_args = |config: &str, out: &str, t: &str| {
        strings(&[
            "sweep",
            "--config",
            config,
            "--out",
            out,
            "--trajectories",
            t,
        ])
    };
    run_ok(&prep, &sweep_args("old.toml", "old-s.csv", "old-t.csv"));
    let sweep = subject(
        "sweep",
        sweep_args("sweep.toml", "s.csv", "t.csv"),
        vec![("sweep.toml".to_owned(), config(3).into_bytes())],
        vec![
            ("s.csv".to_owned(), read("old-s.csv")),
            ("t.csv".to_owned(), read("old-t.csv")),
        ],
    );
    // plot: the ten charts of 5 runs × 365 steps, over the charts of other runs.
    let traj = |seed: &str, out: &str| {
        strings(&[
            "simulate", "--runs", "5", "--steps", "365", "--seed", seed, "--out", out,
        ])
    };
    run_ok(&prep, &traj("1", "old-in.csv"));
    run_ok(&prep, &traj("7", "in.csv"));
    run_ok(
        &prep,
        &strings(&["plot", "--input", "old-in.csv", "--out", "old-charts"]),
    );
    let input = prep.join("in.csv").to_string_lossy().into_owned();
    let old_charts: Vec<(String, Vec<u8>)> = files_under(&prep.join("old-charts"))
        .into_iter()
        .map(|f| (format!("charts/{f}"), read(&format!("old-charts/{f}"))))
        .collect();
    assert_eq!(old_charts.len(), 10, "plot writes ten charts");
    let plot = subject(
        "plot",
        strings(&["plot", "--input", &input, "--out", "charts"]),
        Vec::new(),
        old_charts,
    );
    vec![simulate, sweep, plot]
}

/// The PID a name of the output layer holds (`.currents-PID-N.partial`, `.previous`).
fn owner(name: &str) -> Option<u32> {
    let file = Path::new(name).file_name()?.to_str()?;
    let rest = file.strip_prefix(".currents-")?;
    let (pid, rest) = rest.split_once('-')?;
    let (n, ext) = rest.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(n) && (ext == "partial" || ext == "previous"))
        .then(|| pid.parse().ok())
        .flatten()
}

/// What one kill left.
#[derive(Default)]
struct Tally {
    kills: u64,
    /// Every target as it was.
    old: u64,
    /// Every target new.
    new: u64,
    /// Some targets old, some new (a kill between two renames).
    mixed: u64,
    /// Runs that ended before the kill came.
    finished: u64,
    /// Kills that left a temporary file, removed by the next run.
    orphans: u64,
}

/// Checks the two laws after a kill of `subject` in `dir` (process `pid`); `Err` says
/// which broke.
fn check(dir: &Path, subject: &Subject, pid: u32, tally: &mut Tally) -> Result<(), String> {
    let (mut n_old, mut n_new) = (0, 0);
    for (path, old, new) in &subject.targets {
        let now = fs::read(dir.join(path)).map_err(|e| format!("{path}: {e}"))?;
        if now == *old {
            n_old += 1;
        } else if now == *new {
            n_new += 1;
        } else {
            return Err(format!(
                "{path} is neither as before nor complete ({} bytes)",
                now.len()
            ));
        }
    }
    match (n_old, n_new) {
        (_, 0) => tally.old += 1,
        (0, _) => tally.new += 1,
        _ => tally.mixed += 1,
    }
    let expected: BTreeSet<String> = (subject.inputs.iter().map(|(p, _)| p.clone()))
        .chain(subject.targets.iter().map(|(p, _, _)| p.clone()))
        .collect();
    let left = files_under(dir);
    let extra: Vec<&String> = left.difference(&expected).collect();
    if extra.is_empty() {
        return Ok(());
    }
    if let Some(other) = extra.iter().find(|f| owner(f) != Some(pid)) {
        return Err(format!(
            "left {other}, not a temporary file of the killed run"
        ));
    }
    // A temporary file of the killed run: the next run in the directory removes it.
    tally.orphans += 1;
    run_ok(dir, &subject.args);
    let after = files_under(dir);
    if after != expected {
        return Err(format!(
            "left {extra:?}; after the next run still {:?}",
            after.difference(&expected).collect::<Vec<_>>()
        ));
    }
    Ok(())
}

/// True when `dir` allows unnamed temporary files (O_TMPFILE), which the binary uses there.
fn has_o_tmpfile(dir: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
            .is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        false
    }
}

#[test]
fn a_sigkill_at_any_moment_leaves_each_target_old_or_new_and_no_temporary_file() {
    let start = Instant::now();
    let subjects = subjects();
    let mut rng = SplitMix64(SEED);
    let mut failures = Vec::new();
    let mut left_out = 0;
    let root = scratch("kills");
    println!(
        "O_TMPFILE in {}: {}",
        root.display(),
        if has_o_tmpfile(&root) {
            "yes (unnamed temporary files)"
        } else {
            "no (named temporary files, removed by the next run)"
        }
    );
    for subject in &subjects {
        let kills = KILLS.iter().find(|(n, _)| *n == subject.name).unwrap().1;
        // Over 1.2 times an uninterrupted run, in microseconds.
        let span = (subject.duration.as_micros() as u64).max(1) * 12 / 10;
        let mut tally = Tally::default();
        for i in 0..kills {
            if start.elapsed() > BUDGET {
                left_out += kills - i;
                break;
            }
            let dir = root.join(format!("{}-{i}", subject.name));
            lay_out(&dir, subject);
            let delay = Duration::from_micros(rng.next() % span);
            let mut child = Command::new(BIN)
                .args(&subject.args)
                .current_dir(&dir)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(delay);
            // SIGKILL; a child that has ended but is not yet reaped takes it harmlessly.
            child.kill().unwrap();
            let status = child.wait().unwrap();
            match status.signal() {
                Some(9) => {}
                None if status.success() => tally.finished += 1,
                _ => failures.push(format!(
                    "{} kill {i}: ended with {status:?} before the kill",
                    subject.name
                )),
            }
            tally.kills += 1;
            if let Err(e) = check(&dir, subject, child.id(), &mut tally) {
                failures.push(format!(
                    "{} kill {i} after {delay:?} of ~{:?}: {e}",
                    subject.name, subject.duration
                ));
            }
            let _ = fs::remove_dir_all(&dir);
        }
        println!(
            "{}: {} kills over {:?} (an uninterrupted run: {:?}): {} left every target as it was, {} every target new ({} of these had ended before the kill), {} some old and some new; {} left a temporary file that the next run removed",
            subject.name,
            tally.kills,
            Duration::from_micros(span),
            subject.duration,
            tally.old,
            tally.new,
            tally.finished,
            tally.mixed,
            tally.orphans
        );
    }
    if left_out > 0 {
        println!("budget of {BUDGET:?} spent: {left_out} kills left out");
    }
    println!("wall time: {:?}", start.elapsed());
    assert!(
        failures.is_empty(),
        "{} kills broke a law:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The clean-up, end to end (the fallback's half of the second law, whatever this file
/// system supports): a run that writes into a directory removes the output layer's files
/// of processes that are gone — a killed run's temporary file and kept previous file —
/// and keeps those of a live process (this test's own PID) and every other file.
#[test]
fn the_next_run_removes_the_temporary_files_of_dead_runs_only() {
    let dir = scratch("orphans");
    // A PID no process has: past the largest this system hands out.
    let dead: u64 = fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(4_194_304)
        + 1;
    let me = std::process::id();
    let gone = [
        format!(".currents-{dead}-0.partial"),
        format!(".currents-{dead}-1.previous"),
    ];
    let kept = [
        format!(".currents-{me}-0.partial"),
        ".currents-AbC123.partial".to_owned(),
        "notes.txt".to_owned(),
    ];
    for name in gone.iter().chain(&kept) {
        fs::write(dir.join(name), "x").unwrap();
    }
    run_ok(
        &dir,
        &strings(&[
            "simulate", "--runs", "1", "--steps", "2", "--out", "out.csv",
        ]),
    );
    let mut expected: BTreeSet<String> = kept.iter().cloned().collect();
    expected.insert("out.csv".to_owned());
    assert_eq!(files_under(&dir), expected);
}
