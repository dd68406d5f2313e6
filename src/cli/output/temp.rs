//! The temporary file of each target, how it is published onto the target, and the
//! clean-up of the temporary files a killed run left behind.
//!
//! So that a kill at any moment (SIGKILL, a power cut: nothing of the process runs after
//! it) leaves each target as it was or complete, and no temporary file in sight:
//!
//! - On Linux a target's bytes go to an **unnamed** file in the target's directory
//!   (`O_TMPFILE`): it has no name until it is published, so a kill while it is written
//!   leaves nothing visible, and the kernel frees it. Publishing links it to a fresh name
//!   (`linkat` through `/proc/self/fd`; a link cannot replace a file) and renames that name
//!   onto the target, atomically. Between the two calls the name is visible: that is the
//!   one window in which a kill leaves a file behind.
//! - Where unnamed files are not supported (another system, a file system without
//!   `O_TMPFILE`, no `/proc`), the temporary file is **named** from the start and renamed
//!   onto its target.
//! - Every name this module makes is `.currents-PID-N.partial` (a temporary file) or
//!   `.currents-PID-N.previous` (the previous file of a target, kept while a set of targets
//!   is published), PID the process that made it. The first time a run makes a temporary
//!   file in a directory, it removes the files of that pattern there whose process is no
//!   longer alive ([`remove_orphans`]): what a killed run left goes on the next run in that
//!   directory. A file of a live process, this one's included, is never touched.
//!
//! The `tempfile` crate's unnamed files (`tempfile::tempfile_in`, also `O_TMPFILE`) cannot
//! be linked into place, so the unnamed file is opened here.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::paths::parent_dir;
use super::signals::{Staged, live};

/// The start of every name this module makes.
const PREFIX: &str = ".currents-";
/// The extension of a temporary file.
const PARTIAL: &str = "partial";
/// The extension of a target's previous file, kept while a set is published.
const PREVIOUS: &str = "previous";
/// The most names tried for one fresh name (a name is taken only when a process with this
/// PID left it and died, so the second one tried is almost always free).
const FRESH_TRIES: u32 = 1000;
/// Where a process's open descriptors are links (Linux): how an unnamed file is linked.
#[cfg(target_os = "linux")]
const PROC_FD: &str = "/proc/self/fd";

/// A target's temporary file, open (for reading and writing) until it is published or
/// discarded.
#[derive(Debug)]
pub(super) struct TempFile {
    pub(super) file: File,
    /// Its name: `Some` for a named temporary file (registered for the signal handler),
    /// `None` for an unnamed one, which goes with its descriptor.
    pub(super) name: Option<PathBuf>,
}

/// Creates the temporary file of `target` in its directory, with the existing file's
/// permission bits, or 0666 minus the umask for a new file: unnamed where the system and
/// the file system allow it, else named and registered.
pub(super) fn create(target: &Path, existing: Option<&fs::Metadata>) -> io::Result<TempFile> {
    let dir = parent_dir(target);
    #[cfg(unix)]
    let kept = {
        use std::os::unix::fs::PermissionsExt;
        existing.map(|m| m.permissions().mode() & 0o7777)
    };
    #[cfg(not(unix))]
    let kept: Option<u32> = existing.map(|_| 0);
    // open(2) applies the umask to this mode, as for any new file.
    let mode = kept.unwrap_or(0o666);
    let temp = match unnamed(dir, mode)? {
        Some(file) => TempFile { file, name: None },
        None => named(dir, mode)?,
    };
    // An existing file's mode is kept exactly, whatever the umask.
    #[cfg(unix)]
    if let Some(mode) = kept {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = temp.file.set_permissions(fs::Permissions::from_mode(mode)) {
            discard(temp);
            return Err(e);
        }
    }
    Ok(temp)
}

/// Removes `temp`: its name, if it has one (and its registration), and its descriptor.
pub(super) fn discard(temp: TempFile) {
    if let Some(name) = temp.name {
        let mut staged = live();
        let _ = fs::remove_file(&name);
        staged.retain(|s| *s != Staged::File(name.clone()));
    }
}

/// An unnamed file in `dir` (`O_TMPFILE`), or `None` where the kernel, the file system or
/// a missing `/proc` does not allow one.
#[cfg(target_os = "linux")]
fn unnamed(dir: &Path, mode: u32) -> io::Result<Option<File>> {
    use std::os::unix::fs::OpenOptionsExt;
    if !Path::new(PROC_FD).is_dir() {
        return Ok(None);
    }
    let opened = OpenOptions::new()
        .read(true)
        .write(true)
        .mode(mode)
        .custom_flags(libc::O_TMPFILE)
        .open(dir);
    match opened {
        Ok(file) => Ok(Some(file)),
        // A file system without it answers EOPNOTSUPP; a kernel before 3.11 reads the flag
        // as O_DIRECTORY and answers EISDIR; EINVAL for a flag it does not know.
        Err(e)
            if matches!(
                e.raw_os_error(),
                Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Unnamed files are a Linux feature: elsewhere every temporary file is named.
#[cfg(not(target_os = "linux"))]
fn unnamed(_dir: &Path, _mode: u32) -> io::Result<Option<File>> {
    Ok(None)
}

/// A named temporary file `.currents-PID-N.partial` in `dir`, registered for the signal
/// handler under the registry's lock (so a signal sees it either not yet made or listed).
pub(super) fn named(dir: &Path, mode: u32) -> io::Result<TempFile> {
    let mut staged = live();
    let (file, name) = fresh(dir, PARTIAL, |path| {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        #[cfg(not(unix))]
        let _ = mode;
        options.open(path)
    })?;
    staged.push(Staged::File(name.clone()));
    Ok(TempFile {
        file,
        name: Some(name),
    })
}

/// What a target held before it was published: what a failed set puts back.
#[derive(Debug, PartialEq)]
pub(super) enum Previous {
    /// No file: the target is removed again.
    Absent,
    /// A file, kept as this hard link beside it: renamed back.
    Kept(PathBuf),
    /// A file that was not kept (not asked for, or the file system cannot link): the new
    /// file, whole, stays.
    Unkept,
}

/// Renames `temp` onto `target`, giving an unnamed file a name first, and says what the
/// target held. With `keep`, a file it held is kept as a hard link beside it
/// (`.currents-PID-N.previous`), so that a later failure in the same set can put it back.
/// On an error nothing is left: no backup, no link of an unnamed file (a named one stays
/// for its caller to remove).
pub(super) fn publish(temp: &TempFile, target: &Path, keep: bool) -> io::Result<Previous> {
    let previous = if !fs::symlink_metadata(target).is_ok_and(|m| m.is_file()) {
        Previous::Absent
    } else if keep {
        backup_of(target).map_or(Previous::Unkept, Previous::Kept)
    } else {
        Previous::Unkept
    };
    let name = match &temp.name {
        Some(name) => Ok(name.clone()),
        None => link_unnamed(&temp.file, parent_dir(target)),
    };
    let renamed = name.and_then(|name| {
        fs::rename(&name, target).inspect_err(|_| {
            if temp.name.is_none() {
                let _ = fs::remove_file(&name);
            }
        })
    });
    match renamed {
        Ok(()) => Ok(previous),
        Err(e) => {
            if let Previous::Kept(b) = previous {
                let _ = fs::remove_file(b);
            }
            Err(e)
        }
    }
}

/// Links the unnamed file `file` into `dir` under a fresh name and returns it.
#[cfg(target_os = "linux")]
fn link_unnamed(file: &File, dir: &Path) -> io::Result<PathBuf> {
    use std::ffi::CString;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let from = CString::new(format!("{PROC_FD}/{}", file.as_raw_fd()))?;
    let ((), name) = fresh(dir, PARTIAL, |path| {
        let to = CString::new(path.as_os_str().as_bytes())?;
        // SAFETY: both paths are NUL-terminated strings that outlive the call; linkat only
        // reads them. AT_SYMLINK_FOLLOW links the file the descriptor's /proc link names.
        let linked = unsafe {
            libc::linkat(
                libc::AT_FDCWD,
                from.as_ptr(),
                libc::AT_FDCWD,
                to.as_ptr(),
                libc::AT_SYMLINK_FOLLOW,
            )
        };
        if linked == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    })?;
    Ok(name)
}

/// Elsewhere no file is unnamed ([`unnamed`] makes none), so there is nothing to link.
#[cfg(not(target_os = "linux"))]
fn link_unnamed(_file: &File, _dir: &Path) -> io::Result<PathBuf> {
    Err(io::Error::other(
        "an unnamed temporary file cannot be linked here",
    ))
}

/// Keeps the file at `target` as a hard link `.currents-PID-N.previous` beside it; `None`
/// when the file system cannot link it.
fn backup_of(target: &Path) -> Option<PathBuf> {
    fresh(parent_dir(target), PREVIOUS, |path| {
        fs::hard_link(target, path)
    })
    .ok()
    .map(|((), name)| name)
}

/// Makes something at a fresh name `.currents-PID-N.EXT` in `dir` with `make`, trying the
/// next N while the name is taken; returns what `make` returned and the name.
fn fresh<T>(
    dir: &Path,
    ext: &str,
    mut make: impl FnMut(&Path) -> io::Result<T>,
) -> io::Result<(T, PathBuf)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let pid = std::process::id();
    for _ in 0..FRESH_TRIES {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("{PREFIX}{pid}-{n}.{ext}"));
        match make(&path) {
            Ok(made) => return Ok((made, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free temporary name after {FRESH_TRIES} tries"),
    ))
}

/// The PID a name of this module holds (`.currents-PID-N.partial` or `.previous`), or
/// `None` for any other name (a file of another tool, of an older currents, of the user).
fn owner(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (pid, rest) = rest.split_once('-')?;
    let (n, ext) = rest.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(pid) && digits(n) && (ext == PARTIAL || ext == PREVIOUS)) {
        return None;
    }
    pid.parse().ok().filter(|&pid| pid > 0)
}

/// True unless process `pid` is known to be gone (a PID this system cannot hold is taken
/// as alive: its file is kept).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 sends nothing; kill only checks that the process exists (an
    // existing process of another user answers EPERM, which counts as alive).
    let answer = unsafe { libc::kill(pid, 0) };
    answer == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Without a way to ask, every process is taken as alive: nothing is removed.
#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

/// Removes from `dir` the temporary files and kept previous files of this tool
/// (`.currents-PID-N.partial`, `.currents-PID-N.previous`) whose process is no longer
/// alive: those of a run that was killed before it could remove them. Errors are ignored
/// (an orphan that cannot be removed stays, as it was).
///
/// A PID names a process of this machine (its PID namespace): in a directory shared with
/// another machine or container, a run there whose PID is free here may lose its named
/// temporary file, and then fails (exit 1) without publishing anything.
pub(super) fn remove_orphans(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner) else {
            continue;
        };
        if pid != me && entry.file_type().is_ok_and(|t| t.is_file()) && !alive(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::io::Write;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// A PID no process has: past the largest this system hands out.
    fn dead_pid() -> u32 {
        let max: u32 = fs::read_to_string("/proc/sys/kernel/pid_max")
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(4_194_304);
        max + 1
    }

    #[test]
    fn a_name_is_owned_only_in_the_exact_pattern() {
        assert_eq!(owner(".currents-123-4.partial"), Some(123));
        assert_eq!(owner(".currents-123-4.previous"), Some(123));
        for other in [
            ".currents-AbC123.partial",
            ".currents-123-4.partial.x",
            ".currents-123-.partial",
            ".currents--4.partial",
            ".currents-0-4.partial",
            ".currents-12a-4.partial",
            ".currents-123-4.csv",
            "currents-123-4.partial",
            "a.csv",
        ] {
            assert_eq!(owner(other), None, "{other}");
        }
    }

    /// The clean-up's law: a temporary file of a dead process goes, one of a live process
    /// (this one, the parent that runs the tests) stays, and no other file is touched.
    #[test]
    fn orphans_of_dead_processes_go_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let dead = dead_pid();
        let live_pids = [std::process::id(), std::os::unix::process::parent_id()];
        let mut kept: Vec<String> = vec![
            "a.csv".into(),
            ".currents-AbC123.partial".into(),
            format!(".currents-{dead}-1.csv"),
        ];
        for pid in live_pids {
            kept.push(format!(".currents-{pid}-1.partial"));
            kept.push(format!(".currents-{pid}-2.previous"));
        }
        for name in &kept {
            fs::write(d.join(name), "x").unwrap();
        }
        // A directory with the pattern's name is not a temporary file: kept.
        fs::create_dir(d.join(format!(".currents-{dead}-3.partial"))).unwrap();
        kept.push(format!(".currents-{dead}-3.partial"));
        for name in [
            format!(".currents-{dead}-1.partial"),
            format!(".currents-{dead}-2.previous"),
        ] {
            fs::write(d.join(name), "x").unwrap();
        }
        remove_orphans(d);
        kept.sort();
        assert_eq!(names(d), kept);
    }

    /// A named temporary file is the fallback where an unnamed one is not supported: it
    /// has the pattern's name with this PID, is registered for the signal handler while it
    /// lives, and publishing renames it onto the target.
    #[test]
    fn a_named_temporary_file_is_registered_and_renamed_onto_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.csv");
        fs::write(&target, "old").unwrap();
        let mut temp = named(dir.path(), 0o644).unwrap();
        let name = temp.name.clone().unwrap();
        let shown = name.file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(owner(&shown), Some(std::process::id()));
        assert!(live().contains(&Staged::File(name.clone())));
        temp.file.write_all(b"new").unwrap();
        assert_eq!(publish(&temp, &target, false).unwrap(), Previous::Unkept);
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(names(dir.path()), ["t.csv"]);
        discard(temp);
        assert!(!live().contains(&Staged::File(name)));
    }

    /// Where the file system allows it (Linux, O_TMPFILE), a temporary file has no name
    /// while it is written: the directory shows only the target until the publish.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_unnamed_temporary_file_is_invisible_until_published() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.csv");
        fs::write(&target, "old").unwrap();
        let mut temp = create(&target, fs::metadata(&target).ok().as_ref()).unwrap();
        if temp.name.is_some() {
            // This file system has no O_TMPFILE: the named path is the one in use.
            println!("O_TMPFILE not supported in {}", dir.path().display());
            return;
        }
        temp.file.write_all(b"new").unwrap();
        assert_eq!(names(dir.path()), ["t.csv"]);
        let Previous::Kept(backup) = publish(&temp, &target, true).unwrap() else {
            panic!("the previous file is kept");
        };
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::read_to_string(&backup).unwrap(), "old");
        fs::remove_file(backup).unwrap();
        assert_eq!(names(dir.path()), ["t.csv"]);
    }
}
