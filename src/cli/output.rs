//! The one output path of the binary: everything a command writes — stdout, a file, a
//! directory of charts — goes through here, so that every command fails the same way and
//! leaves nothing behind.
//!
//! - A command's targets form one transaction, [`Outputs`]: each file is written to a
//!   temporary file beside its target (`.currents-XXXXXX.partial`) and all are renamed into
//!   place by [`Outputs::commit`] only when every one was written. A transaction dropped
//!   without a commit (an error, a bad input found late, a panic) removes its temporary
//!   files and the directories it created, so nothing that existed before is changed.
//! - Stdout, and special files such as `/dev/null` or a FIFO, cannot be staged: they are
//!   written in place when their turn comes, so a command writes them after its files are
//!   staged.
//! - Every live temporary file and created directory is also listed in one registry,
//!   guarded by a mutex that is held while staging and publishing; the signal handler
//!   ([`install_signal_handler`]) takes it, removes everything listed and exits with
//!   128 + the signal's number. A signal therefore never leaves a temporary file, nor a
//!   half-published set of outputs.
//! - A write failure is one `error:` line naming the target and exit code 1; a closed pipe
//!   exits 0 quietly ([`io_failure`]); nothing here panics.
//!
//! An existing target keeps its permission bits (a new one gets 0666 minus the umask, as
//! any file the user's shell would create); a target that is a symbolic link is resolved,
//! and the file it points to is replaced, so the link stays a link.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::EXIT_FAILURE;

/// A path the binary created and removes unless it is published.
#[derive(Debug, Clone, PartialEq)]
enum Staged {
    /// A temporary file beside a target.
    File(PathBuf),
    /// A directory created for a target (removed only when empty).
    Dir(PathBuf),
}

/// Every staged path of every live transaction, for the signal handler. Held while a
/// temporary file is created and registered, while a transaction publishes and while one
/// is discarded, so the handler sees each path either staged or published, never between.
static LIVE: Mutex<Vec<Staged>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<Staged>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes staged paths: files first, then directories, newest first (a directory goes only
/// when it is empty, so nothing someone else put there is lost).
fn remove_staged(items: &[Staged]) {
    for item in items.iter().rev() {
        if let Staged::File(p) = item {
            let _ = fs::remove_file(p);
        }
    }
    for item in items.iter().rev() {
        if let Staged::Dir(p) = item {
            let _ = fs::remove_dir(p);
        }
    }
}

/// Installs the handler of SIGINT, SIGTERM and SIGHUP: a thread that, on the first of
/// them, removes every staged path and exits with 130, 143 or 129. Called once, at the
/// start of `main_with`; if the handler cannot be installed the default action (end the
/// process) stays, and a signal may leave a temporary file. A signal the process started
/// with ignored (`nohup` ignores SIGHUP; a shell's background job SIGINT) stays ignored.
pub(crate) fn install_signal_handler() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&s| !ignored(s))
        .collect();
    let Ok(mut signals) = signal_hook::iterator::Signals::new(wanted) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("currents-signals".to_owned())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                remove_all_and_exit(128 + signal);
            }
        });
    drop(spawned);
}

/// True when signal `signal` is ignored (SIG_IGN) in this process.
fn ignored(signal: i32) -> bool {
    // SAFETY: sigaction with a null new action only reads the current disposition into
    // `old`, a zeroed plain-data struct owned here; it changes nothing.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Removes every staged path and exits with `code`. The registry's lock is held until the
/// process ends, so no transaction stages or publishes after this; if a transaction holds
/// it for more than two seconds (a file system that does not answer), the process exits
/// without waiting, as the default action would.
fn remove_all_and_exit(code: i32) -> ! {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match LIVE.try_lock() {
            Ok(staged) => {
                remove_staged(&staged);
                std::process::exit(code);
            }
            Err(std::sync::TryLockError::Poisoned(p)) => {
                remove_staged(&p.into_inner());
                std::process::exit(code);
            }
            Err(std::sync::TryLockError::WouldBlock) => {
                if std::time::Instant::now() >= deadline {
                    std::process::exit(code);
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }
}

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

/// True when paths `a` and `b` name the same file: the same text, the same file after
/// resolving `.`, `..` and symbolic links (existing or not yet), or — on Unix — two hard
/// links to one file. Output targets are compared by identity, not by string.
pub(crate) fn same_target(a: impl AsRef<Path>, b: impl AsRef<Path>) -> bool {
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
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `path` with its last component's symbolic links followed (a dangling link gives the path
/// it points to): the file an output replaces, so that the link itself stays a link.
fn resolve_links(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    // The kernel's own limit on a chain of links (ELOOP beyond it).
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match fs::read_link(&p) {
                Ok(next) if next.is_absolute() => p = next,
                Ok(next) => p = parent_dir(&p).join(next),
                Err(_) => break,
            },
            _ => break,
        }
    }
    p
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
    /// A regular file: a temporary file beside `target`, renamed onto it at commit.
    Temp {
        temp: PathBuf,
        target: PathBuf,
        file: Option<File>,
    },
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
    /// found before the work. Reserving a path twice does nothing; two paths naming the
    /// same file are an error (commands refuse them as bad input first).
    pub(crate) fn reserve(&mut self, path: &str) -> io::Result<()> {
        if self.slots.iter().any(|s| s.shown == path) {
            return Ok(());
        }
        // A descriptor the process already has (`/dev/stdout`, `/dev/fd/3`, `>(cmd)`) or
        // a device, FIFO or socket: written in place.
        let special = ["/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/"]
            .iter()
            .any(|p| path.starts_with(p))
            || fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        let sink = if path == "-" {
            Sink::Stdout
        } else if special {
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
            match fs::metadata(&target) {
                Ok(m) if m.is_dir() => {
                    return Err(io::Error::other(format!(
                        "cannot write {path}: it is a directory"
                    )));
                }
                Ok(m) if !m.is_file() => Sink::InPlace(target),
                existing => {
                    let (file, temp) =
                        create_temp(&target, existing.ok().as_ref()).map_err(|e| {
                            io::Error::new(e.kind(), format!("cannot write {path}: {e}"))
                        })?;
                    Sink::Temp {
                        temp,
                        target,
                        file: Some(file),
                    }
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
            Sink::Temp { file, .. } => match file.take() {
                // Synced before it can be published: an error that shows only when the
                // bytes reach the disk (a quota, a network file system) fails the write
                // instead of publishing a short file.
                Some(f) => write_through(shown, &f, lines, body).and_then(|()| {
                    f.sync_all()
                        .map_err(|e| io::Error::new(e.kind(), format!("cannot write {shown}: {e}")))
                }),
                None => Err(io::Error::other(format!("cannot write {shown}"))),
            },
        }
    }

    /// Publishes every written target: each temporary file is renamed onto its target,
    /// under the registry's lock so that a signal comes before or after the whole set.
    /// A reserved target that was never written is removed, not published. If a rename
    /// fails, the targets already renamed are put back as they were (an existing target
    /// is kept as a hard link beside it until the set is published), so a failed commit
    /// changes no file either.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        let slots = std::mem::take(&mut self.slots);
        let dirs = std::mem::take(&mut self.dirs);
        let mut staged = live();
        let mut result = Ok(());
        let mut done = Vec::new();
        // (target, the previous file's backup if it had one) of each published target.
        let mut published: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        // What the `wrote` line names: each file written (not stdout), with its lines.
        let mut wrote: Vec<(String, u64)> = Vec::new();
        for slot in slots {
            if slot.written && !matches!(slot.sink, Sink::Stdout) {
                wrote.push((slot.shown.clone(), slot.lines));
            }
            if let Sink::Temp { temp, target, .. } = slot.sink {
                if slot.written && result.is_ok() {
                    let backup = backup_of(&temp, &target);
                    match fs::rename(&temp, &target) {
                        Ok(()) => published.push((target, backup)),
                        Err(e) => {
                            if let Some(b) = backup {
                                let _ = fs::remove_file(b);
                            }
                            result = Err(io::Error::new(
                                e.kind(),
                                format!("cannot write {}: {e}", slot.shown),
                            ));
                        }
                    }
                }
                if result.is_err() || !slot.written {
                    let _ = fs::remove_file(&temp);
                }
                done.push(Staged::File(temp));
            }
        }
        for (target, backup) in published {
            match backup {
                Some(b) if result.is_err() => {
                    let _ = fs::rename(b, &target);
                }
                Some(b) => {
                    let _ = fs::remove_file(b);
                }
                None if result.is_err() => {
                    let _ = fs::remove_file(&target);
                }
                None => {}
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
            if let Sink::Temp { temp, file, .. } = slot.sink {
                drop(file);
                mine.push(Staged::File(temp));
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

/// Creates and registers the temporary file for `target` in its directory, with the
/// existing file's permission bits, or 0666 minus the umask for a new file.
fn create_temp(target: &Path, existing: Option<&fs::Metadata>) -> io::Result<(File, PathBuf)> {
    let dir = parent_dir(target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".currents-").suffix(".partial");
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        let mode = existing.map(|m| m.permissions().mode() & 0o7777);
        // open(2) applies the umask to this mode, as for any new file.
        builder.permissions(fs::Permissions::from_mode(mode.unwrap_or(0o666)));
        mode
    };
    #[cfg(not(unix))]
    let _ = existing;
    let mut staged = live();
    let (file, temp) = builder
        .tempfile_in(dir)
        .and_then(|t| t.keep().map_err(|e| e.error))?;
    staged.push(Staged::File(temp.clone()));
    // An existing file's mode is kept exactly, whatever the umask.
    #[cfg(unix)]
    if let Some(mode) = mode {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = file.set_permissions(fs::Permissions::from_mode(mode)) {
            // No slot owns the file yet: it goes now.
            let _ = fs::remove_file(&temp);
            staged.retain(|s| *s != Staged::File(temp.clone()));
            return Err(e);
        }
    }
    Ok((file, temp))
}

/// Keeps the file at `target`, if there is one, as a hard link beside it (named after its
/// temporary file `temp`, `.currents-XXXXXX.previous`), so that a failed commit can put it
/// back; `None` when there is no file or the file system cannot link it.
fn backup_of(temp: &Path, target: &Path) -> Option<PathBuf> {
    if !fs::symlink_metadata(target).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let backup = temp.with_extension("previous");
    fs::hard_link(target, &backup).ok().map(|()| backup)
}

/// The most files the `wrote` line names one by one; beyond, it says how many and where.
const WROTE_NAMES_MAX: usize = 16;

/// The one line a command prints on stderr once its files are published: every file it
/// wrote, a CSV with its rows (lines after the header), files in one directory grouped.
///
/// `wrote out.csv (3650 rows)`; `wrote x.csv (150 rows); in charts: fan.svg, fan.png, report.html`.
fn wrote_line(files: &[(String, u64)]) -> String {
    // Many files (a new crate): how many, and under which folder.
    if files.len() > WROTE_NAMES_MAX {
        let mut common: Option<PathBuf> = None;
        for (shown, _) in files {
            let dir = parent_dir(Path::new(shown)).to_path_buf();
            common = Some(match common {
                None => dir,
                Some(c) => c
                    .ancestors()
                    .find(|a| dir.starts_with(a))
                    .map_or_else(PathBuf::new, Path::to_path_buf),
            });
        }
        let common = common.unwrap_or_default();
        let shown = if common.as_os_str().is_empty() {
            ".".into()
        } else {
            common.to_string_lossy()
        };
        return format!("wrote {} files in {shown}", files.len());
    }
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for (shown, lines) in files {
        let path = Path::new(shown);
        let name = path
            .file_name()
            .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
        let name = if shown.ends_with(".csv") {
            format!("{name} ({} rows)", lines.saturating_sub(1))
        } else {
            name
        };
        let dir = parent_dir(path).to_string_lossy().into_owned();
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, names)) => names.push(name),
            None => groups.push((dir, vec![name])),
        }
    }
    let parts: Vec<String> = groups
        .into_iter()
        .map(|(dir, names)| match (dir.as_str(), names.len()) {
            (".", _) => names.join(", "),
            (_, 1) => format!("{dir}/{}", names[0]),
            _ => format!("in {dir}: {}", names.join(", ")),
        })
        .collect();
    format!("wrote {}", parts.join("; "))
}

/// Runs `body` on a buffered writer over `sink` and flushes it, counting the line breaks
/// written into `lines`; a write error names `shown`.
fn write_through(
    shown: &str,
    sink: impl Write,
    lines: &mut u64,
    body: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let named = Named {
        shown,
        inner: sink,
        lines,
    };
    let mut w = BufWriter::with_capacity(1 << 16, named);
    body(&mut w)?;
    w.flush()
}

/// A writer whose errors say which target failed, counting the line breaks it passes on.
struct Named<'a, W> {
    shown: &'a str,
    inner: W,
    lines: &'a mut u64,
}

impl<W: Write> Named<'_, W> {
    fn named(&self, e: io::Error) -> io::Error {
        io::Error::new(e.kind(), format!("cannot write {}: {e}", self.shown))
    }
}

impl<W: Write> Write for Named<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf).map_err(|e| self.named(e))?;
        *self.lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.named(e))
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
