//! The registry of every path the output path created and has not published yet, and the
//! handler of SIGINT, SIGTERM and SIGHUP that removes them before the process ends.
//!
//! Only named paths are listed: a named temporary file (where unnamed ones are not
//! supported) and a directory created for a target. An unnamed temporary file needs no
//! entry: it goes with the process, whatever ends it.

use std::fs;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A path the binary created and removes unless it is published.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Staged {
    /// A named temporary file beside a target.
    File(PathBuf),
    /// A directory created for a target (removed only when empty).
    Dir(PathBuf),
}

/// Every staged path of every live transaction, for the signal handler. Held while a
/// temporary file is created and registered, while a transaction publishes and while one
/// is discarded, so the handler sees each path either staged or published, never between.
static LIVE: Mutex<Vec<Staged>> = Mutex::new(Vec::new());

/// The registry, locked.
pub(super) fn live() -> MutexGuard<'static, Vec<Staged>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Removes staged paths: files first, then directories, newest first (a directory goes only
/// when it is empty, so nothing someone else put there is lost).
pub(super) fn remove_staged(items: &[Staged]) {
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
/// process) stays, and a signal may leave a named temporary file (removed by the next run
/// in its directory, as after a SIGKILL). A signal the process started with ignored
/// (`nohup` ignores SIGHUP; a shell's background job SIGINT) stays ignored.
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
