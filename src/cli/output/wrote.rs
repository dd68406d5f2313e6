//! What a command says once its files are published (the `wrote` line), and the writer
//! every target is written through: buffered, its errors naming the target, its line
//! breaks counted.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::paths::parent_dir;

/// The most files the `wrote` line names one by one; beyond, it says how many and where.
const WROTE_NAMES_MAX: usize = 16;

/// The one line a command prints on stderr once its files are published: every file it
/// wrote, a CSV with its rows (lines after the header), files in one directory grouped.
///
/// `wrote out.csv (3650 rows)`; `wrote x.csv (150 rows); in charts: fan.svg, fan.png, report.html`.
pub(super) fn wrote_line(files: &[(String, u64)]) -> String {
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
pub(super) fn write_through(
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
