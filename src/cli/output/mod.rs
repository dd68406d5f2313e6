//! The one output path of the binary: everything a command writes — stdout, a file, a
//! directory of charts — goes through here, so that every command fails the same way,
//! never replaces one of its inputs, and leaves nothing behind, even when it is killed.
//!
//! - Before any work a command lists the files it reads and writes and [`check_paths`]
//!   compares them by identity (paths.rs): an output that is one of the inputs (by any
//!   path: `./`, a hard or symbolic link, a chart of `plot --out DIR` over its `--input`),
//!   two outputs that are one file, or an output that is a symbolic link loop is refused
//!   with one line naming both flags (exit 2), and nothing is written.
//! - A command's targets form one transaction, [`Outputs`]: each file is written to a
//!   temporary file in its target's directory — unnamed where Linux allows it, else
//!   `.currents-PID-N.partial` (temp.rs) — and each is renamed onto its target by
//!   [`Outputs::commit`] only when every one was written. A transaction dropped without a
//!   commit (an error, a bad input found late, a panic) removes its temporary files and the
//!   directories it created, so nothing that existed before is changed.
//! - A SIGKILL or a power cut at any moment leaves each target as it was or complete:
//!   a rename is atomic. Targets are renamed one by one, so a kill between two leaves some
//!   targets new and the others as they were, each whole. An unnamed temporary file
//!   vanishes with the process; a named one (the fallback, or an unnamed one in the instant
//!   between its link and its rename) is removed by the next run that writes in its
//!   directory.
//! - Stdout, and special files such as `/dev/null` or a FIFO, cannot be staged: they are
//!   written in place when their turn comes, so a command writes them after its files are
//!   staged.
//! - Every live named temporary file and created directory is also listed in one
//!   registry, guarded by a mutex that is held while staging and publishing; the signal
//!   handler ([`install_signal_handler`], signals.rs) takes it, removes everything listed
//!   and exits with 128 + the signal's number. A signal therefore never leaves a temporary
//!   file, nor a half-published set of outputs.
//! - A write failure is one `error:` line naming the target and exit code 1; a closed pipe
//!   exits 0 quietly ([`io_failure`]); nothing here panics.
//!
//! An existing target keeps its permission bits (a new one gets 0666 minus the umask, as
//! any file the user's shell would create); a target that is a symbolic link is resolved,
//! and the file it points to is replaced, so the link stays a link.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::EXIT_FAILURE;

mod paths;
mod signals;
mod temp;
mod wrote;

pub(crate) use paths::{FlagPath, check_paths};
use paths::{parent_dir, resolve_links, same_target, writes_in_place};
pub(crate) use signals::install_signal_handler;
use signals::{Staged, live, remove_staged};
use temp::{Previous, TempFile};
use wrote::{write_through, wrote_line};

/// Prints one line on stderr. Unlike `eprintln!`, a stderr that cannot be written (a full
/// device) does not panic: the line is lost and the exit code still tells what happened.
pub(crate) fn stderr_line(line: impl std::fmt::Display) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// Reports a failure to write output: a closed pipe (`currents … | head`) is not an error
/// and exits 0 quietly; anything else prints `error: …` and exits 1.
pub(crate) fn io_failure(e: &io::Error) -> i32 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return 0;
    }
    stderr_line(format_args!("error: {e}"));
    EXIT_FAILURE
}

/// Writes to stdout for `-`, else to `path` through a one-target [`Outputs`]: a failed run
/// never leaves a partial file.
pub(crate) fn write_output(
    path: &str,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut outputs = Outputs::new();
    outputs.stage(path, body)?;
    outputs.commit()
}

/// Where one target's bytes go.
#[derive(Debug)]
enum Sink {
    /// `-`: written when staged, not undone.
    Stdout,
    /// An existing device, FIFO or socket: written in place when staged (renaming over it
    /// would replace the special file with a regular file).
    InPlace(PathBuf),
    /// A regular file: a temporary file in the directory of `target`, renamed onto it at
    /// commit.
    Temp { temp: TempFile, target: PathBuf },
}

/// One target of a transaction.
#[derive(Debug)]
struct Slot {
    /// The path as the user gave it, for messages and to find the slot again.
    shown: String,
    sink: Sink,
    written: bool,
    /// The line breaks written (what the `wrote` line counts a CSV's rows by).
    lines: u64,
}

/// The targets of one command, published all together or not at all (see the module
/// docs). Reserve targets early ([`Outputs::reserve`]) to find an unwritable one before the
/// work; write each with [`Outputs::stage`]; publish with [`Outputs::commit`]. Dropping it
/// without a commit removes every temporary file and created directory.
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    slots: Vec<Slot>,
    /// Directories this transaction created, in creation order.
    dirs: Vec<PathBuf>,
    /// Directories whose orphaned temporary files this transaction removed already.
    swept: Vec<PathBuf>,
}

impl Outputs {
    /// An empty transaction.
    pub(crate) fn new() -> Self {
        Outputs::default()
    }

    /// Creates directory `dir` and its missing parents, each removed again (when empty) if
    /// the transaction is not committed. The error is the system's, naming no path.
    pub(crate) fn create_dir(&mut self, dir: &str) -> io::Result<()> {
        let mut missing = Vec::new();
        let mut p = Path::new(dir);
        while !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err() {
            missing.push(p.to_path_buf());
            p = match p.parent() {
                Some(parent) => parent,
                None => break,
            };
        }
        for d in missing.into_iter().rev() {
            let mut staged = live();
            match fs::create_dir(&d) {
                Ok(()) => {
                    staged.push(Staged::Dir(d.clone()));
                    self.dirs.push(d);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        if !Path::new(dir).is_dir() {
            return Err(io::Error::other("not a directory"));
        }
        Ok(())
    }

    /// Makes `path` a target of this transaction: for a regular file (existing or not),
    /// creates its temporary file now, so that a directory that cannot be written in is
    /// found before the work, after removing what killed runs left in that directory.
    /// Reserving a path twice does nothing; two paths naming the same file, and a symbolic
    /// link loop, are an error (commands refuse them as bad input first, [`check_paths`]).
    pub(crate) fn reserve(&mut self, path: &str) -> io::Result<()> {
        if self.slots.iter().any(|s| s.shown == path) {
            return Ok(());
        }
        let sink = if path == "-" {
            Sink::Stdout
        } else if writes_in_place(Path::new(path)) {
            // The links of /proc/self/fd are not paths to resolve: renaming onto the file
            // stdout points to would replace it, and a pipe is no file to rename onto.
            Sink::InPlace(PathBuf::from(path))
        } else {
            let target = resolve_links(Path::new(path));
            if let Some(other) = self.slots.iter().find(|s| match &s.sink {
                Sink::Stdout => false,
                Sink::InPlace(t) | Sink::Temp { target: t, .. } => same_target(t, &target),
            }) {
                return Err(io::Error::other(format!(
                    "cannot write {path}: it is the same file as {}",
                    other.shown
                )));
            }
            if fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(io::Error::other(format!(
                    "cannot write {path}: it is a symlink loop"
                )));
            }
            let dir = parent_dir(&target);
            if !self.swept.iter().any(|d| d == dir) {
                temp::remove_orphans(dir);
                self.swept.push(dir.to_path_buf());
            }
            match fs::metadata(&target) {
                Ok(m) if m.is_dir() => {
                    return Err(io::Error::other(format!(
                        "cannot write {path}: it is a directory"
                    )));
                }
                Ok(m) if !m.is_file() => Sink::InPlace(target),
                existing => {
                    let temp = temp::create(&target, existing.ok().as_ref()).map_err(|e| {
                        io::Error::new(e.kind(), format!("cannot write {path}: {e}"))
                    })?;
                    Sink::Temp { temp, target }
                }
            }
        };
        self.slots.push(Slot {
            shown: path.to_owned(),
            sink,
            written: false,
            lines: 0,
        });
        Ok(())
    }

    /// Writes target `path` (reserving it if it is not yet): `body` gets a buffered writer
    /// whose write errors name the target. A regular file stays a temporary file until
    /// [`Outputs::commit`]; stdout and special files are written now.
    pub(crate) fn stage(
        &mut self,
        path: &str,
        body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> io::Result<()> {
        self.reserve(path)?;
        let Some(slot) = self.slots.iter_mut().find(|s| s.shown == path) else {
            return Err(io::Error::other(format!("cannot write {path}")));
        };
        if slot.written {
            return Err(io::Error::other(format!("cannot write {path} twice")));
        }
        slot.written = true;
        let shown = if path == "-" { "stdout" } else { path };
        let lines = &mut slot.lines;
        match &mut slot.sink {
            Sink::Stdout => {
                let stdout = io::stdout();
                write_through(shown, stdout.lock(), lines, body)
            }
            Sink::InPlace(target) => {
                // Appending: a descriptor that is a file (`>> log`) keeps what it holds.
                let file = fs::OpenOptions::new()
                    .append(true)
                    .open(&*target)
                    .map_err(|e| io::Error::new(e.kind(), format!("cannot write {shown}: {e}")))?;
                write_through(shown, file, lines, body)
            }
            // Synced before it can be published: an error that shows only when the bytes
            // reach the disk (a quota, a network file system) fails the write instead of
            // publishing a short file, and a power cut after the rename finds the bytes.
            // The file stays open: an unnamed one lives only as long as its descriptor.
            Sink::Temp { temp, .. } => {
                write_through(shown, &temp.file, lines, body).and_then(|()| {
                    (temp.file.sync_all())
                        .map_err(|e| io::Error::new(e.kind(), format!("cannot write {shown}: {e}")))
                })
            }
        }
    }

    /// Publishes every written target: each temporary file is renamed onto its target (an
    /// unnamed one linked to a name first), under the registry's lock so that a signal
    /// comes before or after the whole set. A reserved target that was never written is
    /// removed, not published. If a rename fails, the targets already renamed are put back
    /// as they were (an existing target is kept as a hard link beside it until the set is
    /// published; the last one needs none), so a failed commit changes no file either —
    /// but for one the file system could not link, which stays new, whole, rather than
    /// being lost. A SIGKILL between two renames leaves each target whole, old or new.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        let slots = std::mem::take(&mut self.slots);
        let dirs = std::mem::take(&mut self.dirs);
        let mut staged = live();
        let mut result = Ok(());
        let mut done = Vec::new();
        // Each published target, with what it held before.
        let mut published: Vec<(PathBuf, Previous)> = Vec::new();
        // What the `wrote` line names: each file written (not stdout), with its lines.
        let mut wrote: Vec<(String, u64)> = Vec::new();
        // The last target renamed needs no backup: no rename after it can fail.
        let last = (slots.iter()).rposition(|s| s.written && matches!(s.sink, Sink::Temp { .. }));
        for (i, slot) in slots.into_iter().enumerate() {
            if slot.written && !matches!(slot.sink, Sink::Stdout) {
                wrote.push((slot.shown.clone(), slot.lines));
            }
            if let Sink::Temp { temp, target } = slot.sink {
                if slot.written && result.is_ok() {
                    match temp::publish(&temp, &target, Some(i) != last) {
                        Ok(previous) => published.push((target, previous)),
                        Err(e) => {
                            result = Err(io::Error::new(
                                e.kind(),
                                format!("cannot write {}: {e}", slot.shown),
                            ));
                        }
                    }
                }
                // A named file not renamed goes; an unnamed one goes with its descriptor.
                if let Some(name) = temp.name {
                    if result.is_err() || !slot.written {
                        let _ = fs::remove_file(&name);
                    }
                    done.push(Staged::File(name));
                }
            }
        }
        if result.is_ok() {
            // The renames themselves durable: each directory that received a target is
            // synced once (its entries, not its files: those were synced before the
            // rename). Best effort: a file system that cannot sync a directory (some
            // network mounts) has published the files all the same.
            let mut synced: Vec<&Path> = Vec::new();
            for (target, _) in &published {
                let dir = match target.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                if !synced.contains(&dir) {
                    synced.push(dir);
                    let _ = fs::File::open(dir).and_then(|d| d.sync_all());
                }
            }
        }
        for (target, previous) in published {
            match previous {
                Previous::Kept(b) if result.is_err() => {
                    let _ = fs::rename(b, &target);
                }
                Previous::Kept(b) => {
                    let _ = fs::remove_file(b);
                }
                Previous::Absent if result.is_err() => {
                    let _ = fs::remove_file(&target);
                }
                // A file that could not be kept is not removed: the new one stays, whole.
                Previous::Absent | Previous::Unkept => {}
            }
        }
        if result.is_err() {
            // Directories that hold nothing published go too.
            let created: Vec<Staged> = dirs.iter().cloned().map(Staged::Dir).collect();
            remove_staged(&created);
        }
        done.extend(dirs.into_iter().map(Staged::Dir));
        staged.retain(|s| !done.contains(s));
        drop(staged);
        if result.is_ok() && !wrote.is_empty() {
            stderr_line(wrote_line(&wrote));
        }
        result
    }

    /// Removes every temporary file and created directory of this transaction.
    fn discard(&mut self) {
        if self.slots.is_empty() && self.dirs.is_empty() {
            return;
        }
        let mut mine = Vec::new();
        for slot in self.slots.drain(..) {
            if let Sink::Temp { temp, .. } = slot.sink
                && let Some(name) = temp.name
            {
                mine.push(Staged::File(name));
            }
        }
        mine.extend(self.dirs.drain(..).map(Staged::Dir));
        let mut staged = live();
        remove_staged(&mine);
        staged.retain(|s| !mine.contains(s));
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        self.discard();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// All or nothing, at the last moment too: when the second rename of a commit fails
    /// (its target became a directory after it was reserved), the first target, already
    /// renamed, gets its previous contents back and no temporary file or backup is left.
    #[test]
    fn a_failed_rename_puts_back_the_targets_already_published() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        let c = dir.path().join("c.csv");
        fs::write(&a, "old a").unwrap();
        let mut outputs = Outputs::new();
        for (p, text) in [(&a, "new a"), (&c, "new c"), (&b, "new b")] {
            outputs
                .stage(p.to_str().unwrap(), |w| w.write_all(text.as_bytes()))
                .unwrap();
        }
        fs::create_dir(&b).unwrap();
        fs::write(b.join("inside"), "x").unwrap();
        let err = outputs.commit().unwrap_err();
        assert!(err.to_string().contains("b.csv"), "{err}");
        assert_eq!(fs::read_to_string(&a).unwrap(), "old a");
        assert_eq!(names(dir.path()), ["a.csv", "b.csv"]);
    }

    /// A published set leaves no backup beside its targets.
    #[test]
    fn a_commit_leaves_only_the_targets() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        fs::write(&a, "old").unwrap();
        let mut outputs = Outputs::new();
        outputs
            .stage(a.to_str().unwrap(), |w| w.write_all(b"new"))
            .unwrap();
        outputs.commit().unwrap();
        assert_eq!(fs::read_to_string(&a).unwrap(), "new");
        assert_eq!(names(dir.path()), ["a.csv"]);
    }
}
