//! The bad-input catalog: the built binary run over every case of `tests/catalog/cases.tsv`
//! (every subcommand; numbers, empty strings, wrong types, unknown and duplicated flags and
//! keys, broken TOML and CSV, missing required arguments, special output targets).
//!
//! Each case runs in a fresh directory of its own (the working directory of the process)
//! and asserts: the exit code; when it is 2, that stderr is exactly one line starting with
//! `error: `; that stderr holds each expected substring (written by hand from the ranges
//! the README and `currents policies` document, never read back from the code); that no
//! run panics (exit 101, "panicked"); and that the directory holds exactly the files the
//! case expects afterwards (no partial output, no temporary file).
//!
//! The table's columns, separated by tabs: category, arguments, exit code, expected
//! substrings of stderr (separated by ` ;; `, may be empty) and the files the case leaves
//! in its directory (separated by commas, may be empty). In the arguments, words are
//! separated by spaces; `''` is an empty argument; `{files}` is `tests/catalog/files`
//! (read-only fixtures) and `{dir}` is the case's own directory; a last word `>FILE`
//! sends stdout to FILE (`>/dev/full`) instead of a pipe. Lines starting with `#` are
//! comments.
//!
//! Leading words before the subcommand lay out the case's directory first (Unix):
//! `copy:NAME` copies the fixture `NAME` into it (`copy:NAME=FIXTURE` under another name,
//! which may hold a folder), `symlink:NAME=TARGET` makes a symbolic link, and
//! `hardlink:NAME=FILE` a hard link to a file copied before. Afterwards each of them must
//! be there unchanged — a copy byte for byte, a hard link still the same file, a symbolic
//! link still a link to the same target — and they count as files the case leaves.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// One row of the table.
#[derive(Debug)]
struct Case {
    line: usize,
    category: String,
    args: String,
    exit: i32,
    expect: Vec<String>,
    keep: Vec<String>,
}

fn cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog/cases.tsv");
    let text = std::fs::read_to_string(&path).expect("read tests/catalog/cases.tsv");
    let mut all = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = raw.split('\t').collect();
        assert!(
            (3..=5).contains(&cols.len()),
            "cases.tsv line {}: 3 to 5 tab-separated columns expected, got {}: {raw:?}",
            i + 1,
            cols.len()
        );
        let list = |k: usize, sep: &str| -> Vec<String> {
            cols.get(k)
                .map(|c| {
                    c.split(sep)
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default()
        };
        all.push(Case {
            line: i + 1,
            category: cols[0].trim().to_owned(),
            args: cols[1].to_owned(),
            exit: cols[2]
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("cases.tsv line {}: exit code {:?}", i + 1, cols[2])),
            expect: list(3, " ;; "),
            keep: list(4, ","),
        });
    }
    all
}

/// What a leading word of a case puts into its directory before the run.
#[derive(Debug)]
enum Setup {
    /// The fixture `.1` copied to `.0`.
    Copy(String, String),
    /// A symbolic link `.0` to `.1`.
    Symlink(String, String),
    /// A hard link `.0` to the file `.1`.
    Hardlink(String, String),
}

/// The leading setup words of `args` and the rest.
fn setup(args: &str) -> (Vec<Setup>, String) {
    let mut steps = Vec::new();
    let mut rest: Vec<&str> = args.split(' ').filter(|w| !w.is_empty()).collect();
    while let Some(word) = rest.first() {
        let Some((kind, spec)) = word.split_once(':') else {
            break;
        };
        let (name, from) = spec.split_once('=').unwrap_or((spec, spec));
        let (name, from) = (name.to_owned(), from.to_owned());
        steps.push(match kind {
            "copy" => Setup::Copy(name, from),
            "symlink" => Setup::Symlink(name, from),
            "hardlink" => Setup::Hardlink(name, from),
            _ => break,
        });
        rest.remove(0);
    }
    (steps, rest.join(" "))
}

impl Setup {
    /// The name it makes in the case's directory.
    fn name(&self) -> &str {
        match self {
            Setup::Copy(n, _) | Setup::Symlink(n, _) | Setup::Hardlink(n, _) => n,
        }
    }

    #[cfg(unix)]
    fn make(&self, dir: &Path, files: &Path) -> std::io::Result<()> {
        let path = dir.join(self.name());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        match self {
            Setup::Copy(_, from) => std::fs::copy(files.join(from), &path).map(drop),
            Setup::Symlink(_, to) => std::os::unix::fs::symlink(to, &path),
            Setup::Hardlink(_, to) => std::fs::hard_link(dir.join(to), &path),
        }
    }

    /// `Err` says how it changed.
    #[cfg(unix)]
    fn unchanged(&self, dir: &Path, files: &Path) -> Result<(), String> {
        use std::os::unix::fs::MetadataExt;
        let path = dir.join(self.name());
        let name = self.name();
        let ok = match self {
            Setup::Copy(_, from) => {
                std::fs::read(&path).ok() == std::fs::read(files.join(from)).ok()
            }
            Setup::Symlink(_, to) => std::fs::read_link(&path).ok() == Some(PathBuf::from(to)),
            Setup::Hardlink(_, to) => {
                let ino = |p: &Path| {
                    std::fs::symlink_metadata(p)
                        .map(|m| (m.dev(), m.ino()))
                        .ok()
                };
                ino(&path).is_some() && ino(&path) == ino(&dir.join(to))
            }
        };
        if ok {
            Ok(())
        } else {
            Err(format!("{name} changed"))
        }
    }
}

/// The arguments of a case, placeholders replaced.
fn words(args: &str, files: &Path, dir: &Path) -> Vec<String> {
    args.split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            if w == "''" {
                return String::new();
            }
            w.replace("{files}", files.to_str().unwrap())
                .replace("{dir}", dir.to_str().unwrap())
        })
        .collect()
}

/// Every file and directory under `dir`, as paths relative to it.
fn listing(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(d) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            // A symbolic link is listed as itself, never followed (it may loop).
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.push(format!("{rel}/"));
                walk(root, &p, out);
            } else {
                out.push(rel);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Runs one case; `Err` says what went wrong.
fn run(case: &Case, scratch: &Path, files: &Path) -> Result<(), String> {
    let dir = scratch.join(format!("line{}", case.line));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (laid, args) = setup(&case.args);
    #[cfg(unix)]
    for step in &laid {
        step.make(&dir, files)
            .map_err(|e| format!("cases.tsv line {}: cannot lay out {step:?}: {e}", case.line))?;
    }
    let mut argv = words(&args, files, &dir);
    // A last word `>FILE` sends stdout to FILE (`>/dev/full`) instead of a pipe.
    let stdout_to = match argv.last() {
        Some(w) if w.starts_with('>') => argv.pop().map(|w| w[1..].to_owned()),
        _ => None,
    };
    let stdout = match &stdout_to {
        Some(path) => Stdio::from(
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| format!("cannot open {path}: {e}"))?,
        ),
        None => Stdio::piped(),
    };
    let out = Command::new(env!("CARGO_BIN_EXE_currents"))
        .args(&argv)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    let mut errors = Vec::new();
    if code == 101 || stderr.contains("panicked") {
        errors.push("panicked".to_owned());
    }
    if code != case.exit {
        errors.push(format!("exit code {code}, expected {}", case.exit));
    }
    if code == 2 {
        let lines: Vec<&str> = stderr.lines().collect();
        if lines.len() != 1 || !lines[0].starts_with("error: ") {
            errors.push("stderr is not one line `error: …`".to_owned());
        }
    }
    for m in &case.expect {
        if !stderr.contains(m.as_str()) {
            errors.push(format!("stderr lacks {m:?}"));
        }
    }
    #[cfg(unix)]
    for step in &laid {
        if let Err(e) = step.unchanged(&dir, files) {
            errors.push(e);
        }
    }
    let left = listing(&dir);
    let mut expected: Vec<String> = case.keep.clone();
    for step in &laid {
        expected.push(step.name().to_owned());
        // A folder a copy made is left too.
        let mut d = Path::new(step.name()).parent();
        while let Some(p) = d.filter(|p| !p.as_os_str().is_empty()) {
            expected.push(format!("{}/", p.display()));
            d = p.parent();
        }
    }
    expected.sort();
    expected.dedup();
    // A kept file inside a directory also lists the directory.
    let left_files: Vec<&String> = left.iter().filter(|p| !p.ends_with('/')).collect();
    let left_dirs: Vec<&String> = left.iter().filter(|p| p.ends_with('/')).collect();
    let wanted_dirs: Vec<String> = expected
        .iter()
        .filter(|p| p.ends_with('/'))
        .cloned()
        .collect();
    let wanted_files: Vec<&String> = expected.iter().filter(|p| !p.ends_with('/')).collect();
    let dirs_ok = left_dirs.iter().all(|d| {
        // A kept directory may hold directories of its own (a new crate's).
        wanted_dirs.iter().any(|w| d.starts_with(w.as_str()))
            || wanted_files.iter().any(|f| f.starts_with(d.as_str()))
    }) && wanted_dirs.iter().all(|d| left_dirs.contains(&d));
    // A kept directory (`charts/`) may hold any files but the output layer's temporary
    // files (`.currents-*`); other files must be listed.
    let no_temporaries = left
        .iter()
        .all(|p| !p.split('/').any(|c| c.starts_with(".currents-")));
    let files_ok = no_temporaries
        && left_files.iter().all(|f| {
            wanted_files.contains(f) || wanted_dirs.iter().any(|d| f.starts_with(d.as_str()))
        })
        && wanted_files.iter().all(|f| left_files.contains(f));
    if !(dirs_ok && files_ok) {
        errors.push(format!("left {left:?}, expected {expected:?}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "cases.tsv line {} [{}] `currents {}`: {}\n    stderr: {}",
            case.line,
            case.category,
            argv.join(" "),
            errors.join("; "),
            stderr.trim_end()
        ))
    }
}

#[test]
fn every_catalog_case_exits_as_expected_with_one_line_and_leaves_nothing_behind() {
    let all = cases();
    let files = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog/files");
    let scratch: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("catalog");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    // The cases are independent processes: a few threads keep the wall time short.
    let next = AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = all.get(i) else { break };
                    if let Err(e) = run(case, &scratch, &files) {
                        failures.lock().unwrap().push(e);
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &all {
        *per_category.entry(c.category.as_str()).or_default() += 1;
    }
    println!("{} cases: {per_category:?}", all.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn the_catalog_holds_at_least_300_cases_over_every_subcommand() {
    let all = cases();
    assert!(all.len() >= 300, "{} cases", all.len());
    for sub in [
        "simulate", "check", "replay", "plot", "report", "policies", "sweep", "findings",
        "compare", "scenario",
    ] {
        assert!(
            all.iter()
                .any(|c| c.args.split(' ').next() == Some(sub) && c.exit == 2),
            "no bad-input case for {sub}"
        );
    }
    for category in [
        "numbers",
        "empty",
        "types",
        "unknown",
        "duplicate",
        "toml",
        "csv",
        "missing",
        "output",
        "valid",
    ] {
        assert!(
            all.iter().any(|c| c.category == category),
            "no case of category {category}"
        );
    }
}

#[test]
fn the_runner_catches_a_wrong_expectation() {
    // The checks themselves can fail: a case that expects the wrong exit code, a missing
    // substring or a file that is not written is reported.
    let files = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/catalog/files");
    let scratch: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("catalog-self");
    std::fs::create_dir_all(&scratch).unwrap();
    let case = |exit: i32, expect: &[&str], keep: &[&str]| Case {
        line: 1,
        category: "self".to_owned(),
        args: "simulate --runs 0".to_owned(),
        exit,
        expect: expect.iter().map(|s| s.to_string()).collect(),
        keep: keep.iter().map(|s| s.to_string()).collect(),
    };
    assert!(
        run(
            &case(2, &["--runs", "[1, 10000000]"], &[]),
            &scratch,
            &files
        )
        .is_ok()
    );
    assert!(run(&case(0, &[], &[]), &scratch, &files).is_err());
    assert!(run(&case(2, &["--steps"], &[]), &scratch, &files).is_err());
    assert!(run(&case(2, &[], &["out.csv"]), &scratch, &files).is_err());
    // A laid-out file that the command replaces is caught; one it only reads passes.
    let laid = |args: &str| Case {
        line: 2,
        category: "self".to_owned(),
        args: args.to_owned(),
        exit: 0,
        expect: Vec::new(),
        keep: Vec::new(),
    };
    let replaced = laid("copy:sim_ok.toml simulate --runs 1 --steps 2 --out sim_ok.toml");
    let err = run(&replaced, &scratch, &files).unwrap_err();
    assert!(err.contains("sim_ok.toml changed"), "{err}");
    let kept = laid("copy:sim_ok.toml simulate --config sim_ok.toml --out out.csv");
    assert!(
        run(
            &Case {
                keep: vec!["out.csv".to_owned()],
                ..kept
            },
            &scratch,
            &files
        )
        .is_ok()
    );
}
