//! Paths compared by identity: which file a path names, and the one check, before any
//! work, that no output of a command names one of its inputs, another of its outputs, or a
//! symbolic link that cannot be written through.
//!
//! Two paths name the same file when they are the same text, resolve to the same file
//! (`.`, `..`, symbolic links, existing or not yet), or — on Unix — are two hard links to
//! one file (the same device and inode). A command lists what it reads and what it writes
//! as [`FlagPath`]s and calls [`check_paths`]; a file written into a directory
//! (`plot --out DIR`) is listed as the file it is, so an input there with that name is a
//! clash too.

use std::fs;
use std::path::{Path, PathBuf};

use crate::params::one_line;

/// A file a command reads or writes, as its command line (or config) named it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlagPath<'a> {
    /// The flag or key that named it: `--out`, `--config`, `FILE`, `--config's out`.
    flag: &'a str,
    /// The path as given: the file itself, or the directory the file is written into.
    given: &'a Path,
    /// The file read or written.
    file: &'a Path,
}

impl<'a> FlagPath<'a> {
    /// The file `path`, named by `flag`.
    pub(crate) fn file(flag: &'a str, path: &'a (impl AsRef<Path> + ?Sized)) -> Self {
        let path = path.as_ref();
        FlagPath {
            flag,
            given: path,
            file: path,
        }
    }

    /// The file `file`, written into directory `dir`, which `flag` named.
    pub(crate) fn in_dir(
        flag: &'a str,
        dir: &'a (impl AsRef<Path> + ?Sized),
        file: &'a (impl AsRef<Path> + ?Sized),
    ) -> Self {
        FlagPath {
            flag,
            given: dir.as_ref(),
            file: file.as_ref(),
        }
    }

    /// How a message names it: `--out a.csv`, or `--out charts (its fan.svg)` for a file
    /// written into a directory.
    fn shown(&self) -> String {
        let text = |p: &Path| one_line(&p.to_string_lossy());
        if self.given == self.file {
            return format!("{} {}", self.flag, text(self.file));
        }
        let inner = self.file.strip_prefix(self.given).unwrap_or(self.file);
        format!("{} {} (its {})", self.flag, text(self.given), text(inner))
    }
}

/// Checks, before any work, every path a command writes (`outputs`) against every path it
/// reads (`inputs`) and against each other, by identity: an output that is the same file
/// as an input (`simulate --config c.toml --out c.toml`, a hard or symbolic link to it, a
/// chart `plot --out DIR` writes over its `--input`), two outputs that are one file, and an
/// output that is a symbolic link loop or a link into a directory that does not exist are
/// each refused with one line naming both flags and paths (`Err`, the caller's exit 2).
/// Stdout (`-`) and the special files written in place (`/dev/null`, a FIFO,
/// `/dev/stdout`) replace nothing and are not compared.
pub(crate) fn check_paths(inputs: &[FlagPath], outputs: &[FlagPath]) -> Result<(), String> {
    let outputs: Vec<&FlagPath> = outputs
        .iter()
        .filter(|o| !writes_in_place(o.file))
        .collect();
    for out in &outputs {
        if let Some(why) = unwritable_link(out.file) {
            return Err(format!("{} {why}", out.shown()));
        }
    }
    for out in &outputs {
        if let Some(input) = inputs.iter().find(|i| same_target(out.file, i.file)) {
            return Err(format!(
                "{} is the same file as {}: an output may not replace an input",
                out.shown(),
                input.shown()
            ));
        }
    }
    for (i, out) in outputs.iter().enumerate() {
        if let Some(earlier) = outputs[..i].iter().find(|e| same_target(out.file, e.file)) {
            return Err(format!(
                "{} is the same file as {}: two outputs may not name one file",
                out.shown(),
                earlier.shown()
            ));
        }
    }
    Ok(())
}

/// Why the output `path` cannot be written through its symbolic link: a loop (a link to
/// itself, or a chain longer than the kernel follows), or a dangling link into a directory
/// that does not exist. `None` for anything else: a dangling link into an existing
/// directory creates the file it names, a link to a file replaces that file's contents.
fn unwritable_link(path: &Path) -> Option<String> {
    const ACCEPTED: &str = "accepted: a file path, or a symbolic link to one";
    match fs::metadata(path) {
        Ok(_) => None,
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            Some(format!("is a symlink loop ({ACCEPTED})"))
        }
        Err(_) if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) => {
            let target = resolve_links(path);
            if parent_dir(&target).is_dir() {
                None
            } else {
                Some(format!(
                    "is a symbolic link to {}, in a directory that does not exist ({ACCEPTED})",
                    one_line(&target.to_string_lossy())
                ))
            }
        }
        Err(_) => None,
    }
}

/// True for an output that is written in place rather than replaced: stdout (`-`), a
/// descriptor the process already has (`/dev/stdout`, `/dev/fd/3`, `>(cmd)`), or an
/// existing device, FIFO or socket.
pub(super) fn writes_in_place(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text == "-"
        || ["/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/"]
            .iter()
            .any(|p| text.starts_with(p))
        || fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// True when paths `a` and `b` name the same file: the same text, the same file after
/// resolving `.`, `..` and symbolic links (existing or not yet), or — on Unix — two hard
/// links to one file. Files are compared by identity, not by string.
pub(super) fn same_target(a: impl AsRef<Path>, b: impl AsRef<Path>) -> bool {
    let (a, b) = (a.as_ref(), b.as_ref());
    if a == b {
        return true;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (fs::metadata(a), fs::metadata(b)) {
            return (x.dev(), x.ino()) == (y.dev(), y.ino());
        }
    }
    fn resolved(path: &Path) -> Option<PathBuf> {
        if let Ok(c) = path.canonicalize() {
            return Some(c);
        }
        let path = resolve_links(path);
        Some(
            parent_dir(&path)
                .canonicalize()
                .ok()?
                .join(path.file_name()?),
        )
    }
    matches!((resolved(a), resolved(b)), (Some(x), Some(y)) if x == y)
}

/// The directory a path is in (`.` for a bare name).
pub(super) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `path` with its last component's symbolic links followed (a dangling link gives the path
/// it points to): the file an output replaces, so that the link itself stays a link. A
/// loop gives a path that is still a link.
pub(super) fn resolve_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // The kernel's own limit on a chain of links (ELOOP beyond it).
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&p) {
                Ok(next) if next.is_absolute() => p = next,
                // Beside the link (`d/link` → `d/next`; a bare `link` → `next`).
                Ok(next) => p = p.parent().unwrap_or(Path::new("")).join(next),
                Err(_) => break,
            },
            _ => break,
        }
    }
    p
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// The law: no output is an input. Checked on every way two paths can name one file —
    /// the same text, `./`, a hard link, a symbolic link, a new file beside a link to its
    /// directory — and on a file a directory output writes.
    #[test]
    fn an_output_naming_an_input_by_any_path_is_refused_naming_both_flags() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("c.toml"), "x").unwrap();
        fs::hard_link(d.join("c.toml"), d.join("hard.toml")).unwrap();
        symlink("c.toml", d.join("soft.toml")).unwrap();
        symlink(".", d.join("here")).unwrap();
        let input = d.join("c.toml");
        for out in [
            d.join("c.toml"),
            d.join("./c.toml"),
            d.join("hard.toml"),
            d.join("soft.toml"),
            d.join("here/c.toml"),
        ] {
            let err = check_paths(
                &[FlagPath::file("--config", &input)],
                &[FlagPath::file("--out", &out)],
            )
            .unwrap_err();
            assert!(
                err.starts_with(&format!("--out {}", out.display()))
                    && err.contains(&format!("--config {}", input.display()))
                    && err.ends_with("an output may not replace an input"),
                "{err}"
            );
        }
        let chart = d.join("fan.svg");
        let err = check_paths(
            &[FlagPath::file("--input", &chart)],
            &[FlagPath::in_dir("--out", d, &chart)],
        )
        .unwrap_err();
        assert!(
            err.contains("(its fan.svg) is the same file as --input"),
            "{err}"
        );
        // A new file, another file, stdout: no clash.
        for out in [d.join("new.csv"), d.join("hard2.toml"), PathBuf::from("-")] {
            assert_eq!(
                check_paths(
                    &[FlagPath::file("--config", &input)],
                    &[FlagPath::file("--out", &out)]
                ),
                Ok(())
            );
        }
    }

    /// Two outputs that are one file are refused, the later one named first.
    #[test]
    fn two_outputs_naming_one_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let also_a = dir.path().join("./a.csv");
        let err = check_paths(
            &[],
            &[
                FlagPath::file("--out", &a),
                FlagPath::file("--trajectories", &also_a),
            ],
        )
        .unwrap_err();
        assert!(err.starts_with("--trajectories "), "{err}");
        assert!(err.ends_with("two outputs may not name one file"), "{err}");
    }

    /// A link to itself, a loop of two and a dangling link into a missing directory are
    /// refused; a dangling link into an existing directory is not (it creates its file).
    #[test]
    fn a_symlink_loop_or_a_link_into_nowhere_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        symlink("loop", d.join("loop")).unwrap();
        symlink("b", d.join("a")).unwrap();
        symlink("a", d.join("b")).unwrap();
        symlink("missing/x.csv", d.join("nowhere")).unwrap();
        symlink("made.csv", d.join("dangling")).unwrap();
        for (name, why) in [
            ("loop", "is a symlink loop"),
            ("a", "is a symlink loop"),
            ("nowhere", "in a directory that does not exist"),
        ] {
            let out = d.join(name);
            let err = check_paths(&[], &[FlagPath::file("--out", &out)]).unwrap_err();
            assert!(err.contains(why) && err.starts_with("--out "), "{err}");
        }
        let dangling = d.join("dangling");
        assert_eq!(
            check_paths(&[], &[FlagPath::file("--out", &dangling)]),
            Ok(())
        );
    }
}
