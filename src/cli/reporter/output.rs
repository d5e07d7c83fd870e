//! [`Output`]: a line-oriented writer that remembers its first error.
//!
//! Event sinks cannot return errors, so a write that fails (a closed pipe) is kept and
//! reported by [`Reporter::finish`](super::Reporter::finish); later writes are dropped.

use std::io::{self, Write};

use super::ReporterError;

/// Writes whole lines and flushes after each batch, so a log reader sees them live.
pub(crate) struct Output {
    out: Box<dyn Write + Send>,
    error: Option<io::Error>,
}

impl Output {
    pub(crate) fn new(out: Box<dyn Write + Send>) -> Self {
        Self { out, error: None }
    }

    /// Writes `text` followed by a newline, unless an earlier write failed.
    pub(crate) fn line(&mut self, text: &str) {
        self.attempt(|out| {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")
        });
    }

    /// Writes every line of `text` (each ended by a newline).
    pub(crate) fn lines(&mut self, text: &str) {
        for l in text.lines() {
            self.line(l);
        }
    }

    /// Runs one write operation, unless an earlier one failed.
    pub(crate) fn attempt(&mut self, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = f(&mut *self.out) {
            self.error = Some(e);
        }
    }

    /// Flushes, keeping the first error.
    pub(crate) fn flush(&mut self) {
        self.attempt(|out| out.flush());
    }

    /// Flushes and returns the first error, if any write failed.
    pub(crate) fn finish(&mut self) -> Result<(), ReporterError> {
        self.flush();
        match self.error.take() {
            Some(e) => Err(ReporterError::Write(e)),
            None => Ok(()),
        }
    }
}
