//! Every file the documentation names exists: a newcomer who copies a path from the README,
//! ARCHITECTURE.md, BENCHMARKS.md, docs/ or a template's README finds it. (CHANGELOG.md is
//! history and may name files that are gone; folders a run creates, listed in .gitignore,
//! are skipped.)

use std::path::Path;

/// The top-level folders a documented path starts with.
const ROOTS: [&str; 9] = [
    "examples/",
    "tests/",
    "docs/",
    "scripts/",
    "tools/",
    "benches/",
    "fuzz/",
    "snapshots/",
    "src/",
];

/// Paths in `text` that start with one of [`ROOTS`] (at a word boundary), trailing
/// punctuation removed. A path with a placeholder (an upper-case word such as `TARGET`, or a
/// `*` or `@` at its end) is a pattern, not a file, and is skipped.
fn documented_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.char_indices() {
        let rest = &text[i..];
        let Some(root) = ROOTS.iter().find(|r| rest.starts_with(**r)) else {
            continue;
        };
        let before = text[..i].chars().next_back();
        if before
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '/' || c == '.' || c == '-')
        {
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || "_./@-".contains(c)))
            .unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(['.', ',', ':']);
        let placeholder = path
            .split('/')
            .any(|part| part.len() > 1 && part.chars().all(|c| c.is_ascii_uppercase()))
            || path.ends_with('@');
        if path.len() > root.len() && !placeholder {
            out.push(path.to_owned());
        }
    }
    out
}

#[test]
fn every_path_the_docs_name_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![
        root.join("README.md"),
        root.join("ARCHITECTURE.md"),
        root.join("BENCHMARKS.md"),
    ];
    for dir in ["docs", "examples"] {
        for entry in walk(&root.join(dir)) {
            if entry.extension().is_some_and(|e| e == "md") {
                docs.push(entry);
            }
        }
    }
    let mut missing = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        // A template's README names paths relative to its own folder or to the repository.
        let base = doc.parent().unwrap();
        for p in documented_paths(&text) {
            if ignored_by_git(root, &p) {
                continue;
            }
            checked += 1;
            if !root.join(&p).exists() && !base.join(&p).exists() {
                missing.push(format!(
                    "{}: {p}",
                    doc.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        checked > 20,
        "only {checked} paths found: is the scan broken?"
    );
    assert!(
        missing.is_empty(),
        "documented paths that do not exist:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_scan_finds_paths_and_skips_patterns() {
    let text = "run `examples/simulate.toml`, see tests/golden.rs. Not xexamples/a.rs; fuzz/corpus/TARGET, snapshots/scenario@";
    assert_eq!(
        documented_paths(text),
        vec!["examples/simulate.toml", "tests/golden.rs"]
    );
}

/// True when git ignores `path` (a folder a run creates, such as `fuzz/artifacts/`): the
/// docs name it as where output goes, and a fresh clone does not have it.
fn ignored_by_git(root: &Path, path: &str) -> bool {
    std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["check-ignore", "-q", "--no-index", path])
        .status()
        .is_ok_and(|s| s.success())
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "target") {
                out.extend(walk(&p));
            }
        } else {
            out.push(p);
        }
    }
    out
}
