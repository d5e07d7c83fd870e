//! Writing lines to stdout and stderr, flushed at once so a supervisor's log capture sees
//! them immediately; a closed pipe is ignored rather than fatal.

use std::io::Write;

/// Writes `line` to stdout and flushes.
pub fn out(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// Writes `line` to stderr.
pub fn err(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
