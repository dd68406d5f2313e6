//! A task's output buffer with a fixed in-memory budget: what does not fit goes to an
//! unnamed temporary file.
//!
//! The parallel executor (`crate::parallel`) keeps one window of task outputs in memory
//! while the tasks of that window finish in any order; a task of one run of 10⁶ steps
//! writes about 100 MB of CSV. [`SpillBuffer`] keeps at most its cap in memory and moves
//! everything, once the cap would be exceeded, to `tempfile::tempfile()`: a file without a
//! name (unlinked at creation on Unix), so a crash or a signal leaves nothing on disk. The
//! bytes are copied out in the order they were written, so the output does not depend on
//! whether, or where, a buffer spilled.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};

/// The bytes a task keeps in memory before it spills: 2 MiB. A task of
/// `super::simulate::STEPS_PER_TASK` steps writes about 1.6 MB of trajectory rows (about
/// 100 bytes a row), so whole tasks of short runs stay in memory and only runs of more than
/// about 20,000 steps spill.
pub(crate) const SPILL_CAP: usize = 2 << 20;

/// The write buffer of a spilled task (the file is written through it).
const SPILL_WRITE_BUFFER: usize = 64 << 10;

/// An output buffer holding at most `cap` bytes in memory, the rest in an unnamed file.
pub(crate) struct SpillBuffer {
    cap: usize,
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
}

impl SpillBuffer {
    /// An empty buffer that keeps up to `cap` bytes in memory.
    pub(crate) fn new(cap: usize) -> Self {
        SpillBuffer {
            cap,
            memory: Vec::new(),
            file: None,
        }
    }

    /// True when the buffer moved to its temporary file.
    pub(crate) fn spilled(&self) -> bool {
        self.file.is_some()
    }

    /// Writes everything written so far to `w`, in order, and drops the temporary file.
    pub(crate) fn copy_to(self, w: &mut dyn Write) -> io::Result<()> {
        match self.file {
            None => w.write_all(&self.memory),
            Some(file) => {
                let mut file = file.into_inner().map_err(|e| e.into_error())?;
                file.seek(SeekFrom::Start(0))?;
                io::copy(&mut file, w)?;
                Ok(())
            }
        }
    }
}

impl Write for SpillBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(file) = &mut self.file {
            return file.write(buf);
        }
        if self.memory.len() + buf.len() <= self.cap {
            self.memory.extend_from_slice(buf);
            return Ok(buf.len());
        }
        let mut file = BufWriter::with_capacity(SPILL_WRITE_BUFFER, tempfile::tempfile()?);
        file.write_all(&self.memory)?;
        self.memory = Vec::new();
        // The file holds what memory held from now on, whatever this write does.
        self.file.insert(file).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(cap: usize, pieces: &[&[u8]]) -> (Vec<u8>, bool) {
        let mut b = SpillBuffer::new(cap);
        for p in pieces {
            b.write_all(p).unwrap();
        }
        let spilled = b.spilled();
        let mut out = Vec::new();
        b.copy_to(&mut out).unwrap();
        (out, spilled)
    }

    #[test]
    fn bytes_come_back_in_order_whether_or_not_the_buffer_spilled() {
        let pieces: Vec<Vec<u8>> = (0..1000u32)
            .map(|i| format!("row {i},{}\n", i * 7).into_bytes())
            .collect();
        let pieces: Vec<&[u8]> = pieces.iter().map(|p| p.as_slice()).collect();
        let expected: Vec<u8> = pieces.concat();
        let (kept, spilled) = written(usize::MAX, &pieces);
        assert!(!spilled);
        assert_eq!(kept, expected);
        for cap in [0, 1, 100, expected.len() - 1] {
            let (out, spilled) = written(cap, &pieces);
            assert!(spilled, "cap {cap}");
            assert_eq!(out, expected, "cap {cap}");
        }
        let (out, spilled) = written(expected.len(), &pieces);
        assert!(!spilled);
        assert_eq!(out, expected);
    }
}
