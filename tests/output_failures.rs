//! The one output path, from outside: every subcommand on a full device (`/dev/full` as
//! stdout and as an output file) fails with one `error:` line and exit 1, on a closed pipe
//! exits 0 quietly, and never panics (exit 101); SIGINT and SIGTERM mid-run leave no
//! temporary file and no target; multi-file outputs are published all or nothing; an
//! existing file keeps its mode; a symbolic link stays a link.
//!
//! Unix only (devices, signals, modes, links); every command here is small, except the
//! ones a signal ends early.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_currents");

/// A fresh, empty directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("output_failures")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_owned()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Temporary files of the output layer left in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|n| n.starts_with(".currents-"))
        .collect()
}

/// A small sweep config (one cell of `runs` × `steps`) written into `dir`.
fn sweep_config(dir: &Path, runs: u64, steps: u64) -> String {
    let path = dir.join("sweep.toml");
    fs::write(
        &path,
        format!("runs = {runs}\nsteps = {steps}\n\n[[grid]]\nrule = \"currents-v1\"\n"),
    )
    .unwrap();
    s(&path)
}

/// A sweep summary written once (for `findings`).
fn summary_csv() -> &'static str {
    static SUMMARY: OnceLock<String> = OnceLock::new();
    SUMMARY.get_or_init(|| {
        let dir = scratch("summary-input");
        let out = dir.join("summary.csv");
        let config = sweep_config(&dir, 2, 20);
        let o = run(
            &["sweep", "--config", &config, "--out", &s(&out)],
            Stdio::null(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        s(&out)
    })
}

/// A trajectory CSV of `runs` × 365 steps, written once per size.
fn trajectories_csv(runs: u64) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("output_failures")
        .join("inputs");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("runs-{runs}.csv"));
    if !path.exists() {
        let o = run(
            &["simulate", "--runs", &runs.to_string(), "--out", &s(&path)],
            Stdio::null(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    s(&path)
}

fn run(args: &[impl AsRef<std::ffi::OsStr>], stdout: Stdio) -> Output {
    Command::new(BIN)
        .args(args)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run currents")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A pipe whose reader is gone before the command starts: every write to it fails with
/// EPIPE, whatever the timing.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

fn full_device() -> Stdio {
    Stdio::from(
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap(),
    )
}

/// Every subcommand that prints on stdout, with small arguments.
fn stdout_commands(dir: &Path) -> Vec<Vec<String>> {
    let sweep = sweep_config(dir, 2, 10);
    let cmds: Vec<Vec<&str>> = vec![
        vec!["--help"],
        vec!["simulate", "--help"],
        vec!["--version"],
        vec!["simulate", "--runs", "2", "--steps", "10"],
        vec!["simulate", "--runs", "2", "--steps", "10", "--summary"],
        vec!["check", "--runs", "1", "--steps", "20", "--cases", "4"],
        vec![
            "check", "--runs", "1", "--steps", "20", "--cases", "4", "--format", "json",
        ],
        vec!["replay", "--tape=1,2"],
        vec!["policies"],
        vec!["sweep", "--config", &sweep],
        vec!["findings", "--summary", summary_csv()],
        vec![
            "compare",
            "--baseline",
            "currents-v1",
            "--candidate",
            "currents-v1",
            "--runs",
            "2",
            "--steps",
            "10",
        ],
    ];
    cmds.into_iter()
        .map(|c| c.into_iter().map(str::to_owned).collect())
        .collect()
}

/// A failed write: exit 1 (not 101), one `error:` line that names the target.
#[track_caller]
fn check_write_failed(o: &Output, args: &[String], target: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(
        err.contains(target),
        "{args:?}: should name {target}: {err}"
    );
}

#[test]
fn a_full_device_as_stdout_fails_with_one_line_and_exit_1() {
    let dir = scratch("full-stdout");
    for args in stdout_commands(&dir) {
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&argv, full_device());
        check_write_failed(&o, &args, "stdout");
    }
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

#[test]
fn a_closed_pipe_on_stdout_exits_0_quietly_for_every_subcommand() {
    let dir = scratch("closed-pipe");
    let charts = s(&dir.join("charts"));
    let report = s(&dir.join("report"));
    let input = trajectories_csv(2);
    for args in stdout_commands(&dir) {
        let o = run(&args, closed_pipe());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
    // The commands that write only files say what they wrote, one line, and nothing else.
    for (args, wrote) in [
        (
            vec!["plot", "--input", &input, "--out", &charts],
            format!("wrote in {charts}: trajectory.svg, trajectory.png, "),
        ),
        (
            vec!["report", "--input", &input, "--out", &report],
            format!("wrote {report}/report.html"),
        ),
    ] {
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        let o = run(&args, closed_pipe());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with(&wrote), "{args:?}: {err}");
    }
    assert_eq!(leftovers(&dir), Vec::<String>::new());
}

/// Diagnostics on a full stderr are lost, not a panic: the exit code still tells.
#[test]
fn a_full_device_as_stderr_is_not_a_panic() {
    let cases: [(&[&str], i32); 5] = [
        (&["policies", "--bogus"], 2),
        (&["simulate", "--runs", "0"], 2),
        (
            &[
                "simulate",
                "--runs",
                "2",
                "--steps",
                "10",
                "--out",
                "/dev/full",
            ],
            1,
        ),
        (&["sweep", "--config", "missing.toml"], 2),
        (
            &[
                "compare",
                "--baseline",
                "currents-v1",
                "--candidate",
                "static",
                "--steps",
                "50",
                "--out",
                "/dev/null",
            ],
            1,
        ),
    ];
    for (args, code) in cases {
        let o = Command::new(BIN)
            .args(args)
            .stdout(Stdio::null())
            .stderr(full_device())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(code), "{args:?}");
    }
}

/// A closed pipe stops the command: exit 0, quietly, and the files staged before the
/// output to stdout are not published.
#[test]
fn a_closed_pipe_publishes_none_of_the_other_files() {
    let dir = scratch("closed-pipe-files");
    let sweep = sweep_config(&dir, 2, 10);
    let (traj, charts) = (s(&dir.join("t.csv")), s(&dir.join("charts")));
    for args in [
        vec!["sweep", "--config", &sweep, "--trajectories", &traj],
        vec![
            "simulate", "--runs", "2", "--steps", "10", "--plot", &charts,
        ],
    ] {
        let o = run(&args, closed_pipe());
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
        assert_eq!(listing(&dir), ["sweep.toml"], "{args:?}");
    }
}

#[test]
fn a_full_device_as_an_output_file_fails_with_one_line_and_leaves_nothing() {
    let dir = scratch("full-out");
    let sweep = sweep_config(&dir, 2, 10);
    let input = trajectories_csv(2);
    let (summary, charts) = (s(&dir.join("s.csv")), s(&dir.join("charts")));
    let cases: Vec<Vec<&str>> = vec![
        vec![
            "simulate",
            "--runs",
            "2",
            "--steps",
            "10",
            "--out",
            "/dev/full",
        ],
        vec![
            "simulate",
            "--runs",
            "2",
            "--steps",
            "10",
            "--summary",
            "--out",
            "/dev/full",
        ],
        vec!["sweep", "--config", &sweep, "--out", "/dev/full"],
        // The summary is staged after the trajectories failed: neither is published.
        vec![
            "sweep",
            "--config",
            &sweep,
            "--out",
            &summary,
            "--trajectories",
            "/dev/full",
        ],
        vec![
            "sweep",
            "--config",
            &sweep,
            "--trajectories",
            &summary,
            "--out",
            "/dev/full",
        ],
        vec!["findings", "--summary", summary_csv(), "--out", "/dev/full"],
        vec![
            "compare",
            "--baseline",
            "currents-v1",
            "--candidate",
            "currents-v1",
            "--runs",
            "2",
            "--steps",
            "10",
            "--out",
            "/dev/full",
        ],
        // A chart or the page linked to the device: the other files are not published.
        vec!["plot", "--input", &input, "--out", &charts],
        vec!["report", "--input", &input, "--out", &charts],
        vec![
            "simulate", "--runs", "2", "--steps", "10", "--out", &summary, "--plot", &charts,
        ],
    ];
    for args in cases {
        fs::create_dir_all(&charts).unwrap();
        let linked = if args[0] == "report" {
            "report.html"
        } else {
            "fan.png"
        };
        symlink("/dev/full", dir.join("charts").join(linked)).unwrap();
        let owned: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let o = run(&args, Stdio::null());
        let named = if args.contains(&"/dev/full") {
            "/dev/full"
        } else {
            linked
        };
        check_write_failed(&o, &owned, named);
        assert_eq!(listing(&dir), ["charts", "sweep.toml"], "{args:?}");
        assert_eq!(listing(&dir.join("charts")), [linked], "{args:?}");
        fs::remove_dir_all(&charts).unwrap();
    }
}

/// True once process `pid` has a temporary file of the output layer in `watch`: a named
/// one (`.currents-…`), or — on Linux, where it is unnamed (O_TMPFILE) — a descriptor on a
/// file of `watch` that has no name, as /proc shows it (`DIR/#INODE (deleted)`).
fn staging(pid: u32, watch: &Path) -> bool {
    if watch.is_dir() && !leftovers(watch).is_empty() {
        return true;
    }
    let Ok(dir) = watch.canonicalize() else {
        return false;
    };
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        fs::read_link(fd.path()).is_ok_and(|to| {
            to.parent() == Some(dir.as_path())
                && to.to_string_lossy().ends_with(" (deleted)")
                && to
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('#'))
        })
    })
}

/// Starts `args` in `dir`, waits until the output layer's temporary file exists in
/// `watch` (named or unnamed: [`staging`]), sends `signal`, and checks the exit code and
/// that `watch` then holds nothing but `keep`.
#[track_caller]
fn check_interrupted(args: &[&str], dir: &Path, watch: &Path, keep: &[&str]) {
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let mut child: Child = Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while !staging(child.id(), watch) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{args:?}: no temporary file in {}",
                watch.display()
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "{args:?}: ended before the signal"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{args:?}: still running 20 s after SIG{signal}");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(status.code(), Some(code), "{args:?}: SIG{signal}");
        let left: Vec<String> = (if watch.exists() {
            listing(watch)
        } else {
            Vec::new()
        })
        .into_iter()
        .filter(|n| !keep.contains(&n.as_str()))
        .collect();
        assert!(left.is_empty(), "{args:?}: SIG{signal} left {left:?}");
    }
}

#[test]
fn a_signal_mid_simulate_leaves_no_file() {
    let dir = scratch("signal-simulate");
    check_interrupted(
        &["simulate", "--runs", "200000", "--out", "X.csv"],
        &dir,
        &dir,
        &[],
    );
    check_interrupted(
        &[
            "simulate",
            "--runs",
            "200000",
            "--summary",
            "--out",
            "X.csv",
        ],
        &dir,
        &dir,
        &[],
    );
}

#[test]
fn a_signal_mid_sweep_leaves_no_file() {
    let dir = scratch("signal-sweep");
    let config = sweep_config(&dir, 100_000, 365);
    check_interrupted(
        &[
            "sweep",
            "--config",
            &config,
            "--out",
            "s.csv",
            "--trajectories",
            "t.csv",
        ],
        &dir,
        &dir,
        &["sweep.toml"],
    );
}

#[test]
fn a_signal_mid_plot_leaves_no_file_and_no_directory() {
    let dir = scratch("signal-plot");
    let input = trajectories_csv(1000);
    // An existing directory: nothing in it afterwards.
    check_interrupted(&["plot", "--input", &input, "--out", "."], &dir, &dir, &[]);
    // A directory the command creates: removed again.
    fs::create_dir(dir.join("existing")).unwrap();
    check_interrupted(
        &["plot", "--input", &input, "--out", "existing/new"],
        &dir,
        &dir.join("existing/new"),
        &[],
    );
    assert_eq!(listing(&dir.join("existing")), Vec::<String>::new());
}

#[test]
fn a_failed_sweep_publishes_neither_file_and_keeps_what_was_there() {
    let dir = scratch("sweep-all-or-nothing");
    let config = sweep_config(&dir, 2, 10);
    fs::write(dir.join("s.csv"), "old summary").unwrap();
    let o = run(
        &[
            "sweep",
            "--config",
            &config,
            "--out",
            &s(&dir.join("s.csv")),
            "--trajectories",
            "/dev/full",
        ],
        Stdio::null(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(dir.join("s.csv")).unwrap(),
        "old summary"
    );
    assert_eq!(listing(&dir), ["s.csv", "sweep.toml"]);
}

#[test]
fn a_failed_plot_target_publishes_no_chart_and_no_csv() {
    let dir = scratch("plot-all-or-nothing");
    let input = trajectories_csv(2);
    let charts = dir.join("charts");
    // One target is a directory: plot writes no chart at all (it wrote 8 of 10).
    fs::create_dir_all(charts.join("fan.svg")).unwrap();
    let o = run(
        &["plot", "--input", &input, "--out", &s(&charts)],
        Stdio::null(),
    );
    check_write_failed(&o, &["plot".into()], "fan.svg");
    assert_eq!(listing(&charts), ["fan.svg"]);
    // simulate --plot with that directory: neither the CSV nor any chart, and a CSV that
    // was there is unchanged.
    fs::write(dir.join("o.csv"), "old").unwrap();
    let o = run(
        &[
            "simulate",
            "--runs",
            "2",
            "--steps",
            "10",
            "--out",
            &s(&dir.join("o.csv")),
            "--plot",
            &s(&charts),
        ],
        Stdio::null(),
    );
    check_write_failed(&o, &["simulate".into()], "fan.svg");
    assert_eq!(fs::read_to_string(dir.join("o.csv")).unwrap(), "old");
    assert_eq!(listing(&dir), ["charts", "o.csv"]);
    assert_eq!(listing(&charts), ["fan.svg"]);
    // A bad input after the directory was created: the directory goes too.
    let o = run(
        &[
            "plot",
            "--input",
            &s(&dir.join("missing.csv")),
            "--out",
            &s(&dir.join("new/charts")),
        ],
        Stdio::null(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(listing(&dir), ["charts", "o.csv"]);
}

#[test]
fn simulate_refuses_an_out_that_is_a_file_its_plot_writes() {
    let dir = scratch("same-target");
    let charts = dir.join("charts");
    fs::create_dir(&charts).unwrap();
    fs::write(charts.join("fan.svg"), "old").unwrap();
    fs::hard_link(charts.join("fan.svg"), dir.join("hard.svg")).unwrap();
    symlink("charts/report.html", dir.join("link.html")).unwrap();
    // The CSV is one of the files --plot writes (by another path, a hard link, a
    // symbolic link), or the directory itself (refused as a directory first).
    for (out, said) in [
        (
            "charts/./fan.svg",
            "error: --plot charts (its fan.svg) is the same file as --out charts/./fan.svg: two outputs may not name one file",
        ),
        (
            "hard.svg",
            "error: --plot charts (its fan.svg) is the same file as --out hard.svg: two outputs may not name one file",
        ),
        (
            "link.html",
            "error: --plot charts (its report.html) is the same file as --out link.html: two outputs may not name one file",
        ),
        ("charts/../charts", "error: invalid value for `out`"),
    ] {
        let o = Command::new(BIN)
            .args([
                "simulate", "--runs", "2", "--steps", "10", "--out", out, "--plot", "charts",
            ])
            .current_dir(&dir)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{out}: {err}");
        assert!(err.starts_with(said), "{out}: {err}");
        assert_eq!(err.lines().count(), 1, "{out}: {err}");
    }
    assert_eq!(listing(&dir), ["charts", "hard.svg", "link.html"]);
    assert_eq!(listing(&charts), ["fan.svg"]);
    assert_eq!(fs::read_to_string(charts.join("fan.svg")).unwrap(), "old");
}

/// The mode of a file the test itself creates: 0666 minus this process's umask, which the
/// binary inherits.
fn fresh_mode(dir: &Path) -> u32 {
    let probe = dir.join("probe");
    fs::File::create(&probe).unwrap();
    let mode = fs::metadata(&probe).unwrap().permissions().mode() & 0o7777;
    fs::remove_file(probe).unwrap();
    mode
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn an_existing_file_keeps_its_mode_and_a_new_one_gets_the_umasks() {
    let dir = scratch("modes");
    let new = dir.join("new.csv");
    let o = run(
        &[
            "simulate",
            "--runs",
            "2",
            "--steps",
            "10",
            "--out",
            &s(&new),
        ],
        Stdio::null(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(mode(&new), fresh_mode(&dir));
    for (name, bits) in [
        ("private.csv", 0o600),
        ("shared.csv", 0o664),
        ("exec.csv", 0o750),
    ] {
        let path = dir.join(name);
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(bits)).unwrap();
        let o = run(
            &[
                "simulate",
                "--runs",
                "2",
                "--steps",
                "10",
                "--out",
                &s(&path),
            ],
            Stdio::null(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(mode(&path), bits, "{name}");
        assert_ne!(fs::read_to_string(&path).unwrap(), "old");
    }
    // A chart that was there keeps its mode too.
    let charts = dir.join("charts");
    fs::create_dir(&charts).unwrap();
    fs::write(charts.join("fan.svg"), "old").unwrap();
    fs::set_permissions(charts.join("fan.svg"), fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(
        &["plot", "--input", &s(&new), "--out", &s(&charts)],
        Stdio::null(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(mode(&charts.join("fan.svg")), 0o600);
    assert_eq!(mode(&charts.join("fan.png")), fresh_mode(&dir));
}

#[test]
fn an_out_that_is_a_symbolic_link_writes_the_file_it_points_to() {
    let dir = scratch("symlink");
    let args = ["simulate", "--runs", "2", "--steps", "10"];
    let expected = run(&args, Stdio::piped()).stdout;
    assert!(!expected.is_empty());
    fs::write(dir.join("real.csv"), "old").unwrap();
    symlink("real.csv", dir.join("link.csv")).unwrap();
    // A dangling link: the file it names is created.
    symlink("made.csv", dir.join("dangling.csv")).unwrap();
    for (link, file) in [("link.csv", "real.csv"), ("dangling.csv", "made.csv")] {
        let mut full = args.to_vec();
        let out = s(&dir.join(link));
        full.extend(["--out", &out]);
        let o = run(&full, Stdio::null());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let meta = fs::symlink_metadata(dir.join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is still a link");
        assert_eq!(fs::read(dir.join(file)).unwrap(), expected, "{file}");
    }
    assert_eq!(
        listing(&dir),
        ["dangling.csv", "link.csv", "made.csv", "real.csv"]
    );
}

/// `--out /dev/stdout` writes to whatever stdout is, in place: a pipe (it failed: the
/// link /proc/self/fd/1 → `pipe:[…]` was resolved as a path), and a file opened for
/// appending keeps what it held (it was replaced by a rename onto the file stdout
/// pointed to).
#[test]
fn out_dev_stdout_writes_in_place_to_a_pipe_and_to_an_appended_file() {
    let piped = Command::new(BIN)
        .args([
            "simulate",
            "--runs",
            "1",
            "--steps",
            "2",
            "--out",
            "/dev/stdout",
        ])
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0), "{piped:?}");
    let text = String::from_utf8(piped.stdout).unwrap();
    assert_eq!(text.lines().count(), 4, "header and 3 states: {text}");

    let dir = scratch("dev_stdout");
    let log = dir.join("log.txt");
    fs::write(&log, "previous line\n").unwrap();
    let file = fs::OpenOptions::new().append(true).open(&log).unwrap();
    let status = Command::new(BIN)
        .args([
            "simulate",
            "--runs",
            "1",
            "--steps",
            "2",
            "--out",
            "/dev/stdout",
        ])
        .stdout(file)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let text = fs::read_to_string(&log).unwrap();
    assert!(text.starts_with("previous line\n"), "{text}");
    assert_eq!(text.lines().count(), 5, "{text}");
    assert_eq!(listing(&dir), ["log.txt"]);
}

/// A signal the process started with ignored stays ignored: under `nohup`, SIGHUP does
/// not end a run (it ended it with 129 once the handler took every signal), and SIGTERM
/// still ends it cleanly.
#[test]
fn a_signal_ignored_at_start_stays_ignored() {
    let dir = scratch("signal-nohup");
    let mut child: Child = Command::new("nohup")
        .arg(BIN)
        .args(["simulate", "--runs", "200000", "--out", "X.csv"])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !staging(child.id(), &dir) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no temporary file"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    let kill = |signal: &str| {
        let sent = Command::new("kill")
            .args([signal, pid.as_str()])
            .status()
            .unwrap();
        assert!(sent.success());
    };
    kill("-HUP");
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "SIGHUP ended the run");
    kill("-TERM");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert_eq!(listing(&dir), Vec::<String>::new());
}

/// A command that writes files says so on stderr, in one line: each file, a CSV with its
/// rows (runs × (steps + 1) states for `simulate`; one row a run for `--summary`).
#[test]
fn every_written_file_is_named_on_stderr_in_one_line() {
    let dir = scratch("wrote");
    let csv = s(&dir.join("states.csv"));
    let o = run(
        &["simulate", "--runs", "3", "--steps", "10", "--out", &csv],
        Stdio::null(),
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stderr(&o), format!("wrote {csv} (33 rows)\n"));
    let summary = s(&dir.join("summary.csv"));
    let o = run(
        &["simulate", "--runs", "4", "--summary", "--out", &summary],
        Stdio::null(),
    );
    assert_eq!(stderr(&o), format!("wrote {summary} (4 rows)\n"));
    // On stdout nothing is said.
    let o = run(&["simulate", "--runs", "1", "--steps", "2"], Stdio::null());
    assert_eq!(stderr(&o), "");
}
