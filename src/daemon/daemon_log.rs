//! The daemon's own log: tracing output on standard error (the CLI points it at
//! `$HERO_ROOT/var/hero_svc/daemon.log`), written so that a log that cannot be written never
//! stops the daemon.
//!
//! Writing a log line can fail (a full disk, a closed pipe). The standard printing macros
//! panic then, and `tracing`'s own error report goes to the same failing stream; either way
//! a failed log line used to end the task that logged it — a run that never finished, a
//! supervisor that stopped restarting. Here a failed write is counted and dropped: the
//! daemon goes on, the failure is a [fault](log_fault) its health answer shows, and when
//! writing works again the log says how many lines were lost.

use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Why the log cannot be written, since when, and how many lines were lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFault {
    /// The first failure.
    pub since: DateTime<Utc>,
    /// The last error.
    pub error: String,
    /// Lines dropped since.
    pub lost: u64,
}

static FAULT: Mutex<Option<LogFault>> = Mutex::new(None);

/// The daemon log's failure, while writes fail.
pub fn log_fault() -> Option<LogFault> {
    FAULT.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Standard error, as a writer whose failures are recorded instead of returned.
#[derive(Clone, Copy, Debug, Default)]
pub struct DaemonLogWriter;

impl Write for DaemonLogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut fault = FAULT.lock().unwrap_or_else(|e| e.into_inner());
        let mut err = io::stderr().lock();
        if let Some(f) = fault.as_ref() {
            // Say what was lost before the first line that gets through again.
            let note = format!(
                "{} WARN hero_svc: {} log lines were lost since {} ({})\n",
                Utc::now().format("%Y-%m-%dT%H:%M:%S%.6fZ"),
                f.lost,
                f.since.to_rfc3339(),
                f.error
            );
            if err.write_all(note.as_bytes()).is_err() {
                record(&mut fault, buf, None);
                return Ok(());
            }
        }
        match err.write_all(buf).and_then(|()| err.flush()) {
            Ok(()) => *fault = None,
            Err(e) => record(&mut fault, buf, Some(e)),
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}

fn record(fault: &mut Option<LogFault>, _line: &[u8], error: Option<io::Error>) {
    match fault {
        Some(f) => {
            f.lost += 1;
            if let Some(e) = error {
                f.error = e.to_string();
            }
        }
        None => {
            *fault = Some(LogFault {
                since: Utc::now(),
                error: error.map_or_else(|| "write failed".to_string(), |e| e.to_string()),
                lost: 1,
            });
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for DaemonLogWriter {
    type Writer = DaemonLogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

/// Sends the daemon's `tracing` output to standard error through [`DaemonLogWriter`]
/// (`RUST_LOG` filters it; default `info`), without colours unless standard error is a
/// terminal.
pub fn init_daemon_log() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(DaemonLogWriter)
        .with_ansi(io::stderr().is_terminal())
        .log_internal_errors(false)
        .try_init();
}
