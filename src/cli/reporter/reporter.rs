//! [`Reporter`]: one of the terminal reporters, chosen by [`ProgressMode`], behind one
//! event sink.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::json::JsonReporter;
use super::output::Output;
use super::plain::PlainReporter;
use super::summary::render_failures;
use super::tty::TtyReporter;
use super::{ProgressMode, ReporterError};
use crate::graph::{Event, EventSink, ExecutionReport};

/// Shows one run. Hand [`sink`](Self::sink) to
/// [`RunRequest::sink`](crate::graph::RunRequest::sink), run the plan, then call
/// [`finish`](Self::finish) with the report:
///
/// ```no_run
/// # async fn demo(executor: hero_svc::tasks::Executor, plan: hero_svc::tasks::Plan) {
/// use hero_svc::cli::reporter::{ProgressMode, Reporter};
/// use hero_svc::graph::RunRequest;
///
/// let reporter = Reporter::stderr(ProgressMode::Auto);
/// let report = executor
///     .run(&plan, RunRequest::new("install").sink(reporter.sink()))
///     .await;
/// reporter.finish(&report).ok();
/// # }
/// ```
///
/// One reporter shows one run: build a new one for the next.
#[derive(Clone)]
pub struct Reporter {
    mode: ProgressMode,
    inner: Arc<Inner>,
}

enum Inner {
    Tty(TtyReporter),
    Plain(Mutex<PlainReporter>),
    Json(Mutex<JsonReporter>),
    Quiet(Mutex<Output>),
    Silent,
}

impl Reporter {
    /// A reporter that writes to `out`. A writer cannot redraw lines, so
    /// [`Auto`](ProgressMode::Auto) and [`Tty`](ProgressMode::Tty) both mean
    /// [`Plain`](ProgressMode::Plain) here; use [`Reporter::tty`] for live lines.
    pub fn new(mode: ProgressMode, out: Box<dyn Write + Send>) -> Self {
        let out = Output::new(out);
        let (mode, inner) = match mode {
            ProgressMode::Auto | ProgressMode::Tty | ProgressMode::Plain => (
                ProgressMode::Plain,
                Inner::Plain(Mutex::new(PlainReporter::new(out))),
            ),
            ProgressMode::Json => (
                ProgressMode::Json,
                Inner::Json(Mutex::new(JsonReporter::new(out))),
            ),
            ProgressMode::Quiet => (ProgressMode::Quiet, Inner::Quiet(Mutex::new(out))),
        };
        Self {
            mode,
            inner: Arc::new(inner),
        }
    }

    /// A reporter that draws the live board on `out`, a terminal `columns` wide and
    /// `lines` high, without colours (a test's terminal emulator, a recording).
    pub fn tty(out: Box<dyn Write + Send>, columns: usize, lines: usize) -> Self {
        Self::with_tty(TtyReporter::new(
            out,
            Box::new(move || (columns, lines)),
            false,
        ))
    }

    fn with_tty(tty: TtyReporter) -> Self {
        Self {
            mode: ProgressMode::Tty,
            inner: Arc::new(Inner::Tty(tty)),
        }
    }

    /// A reporter that shows nothing at all (`--json`: the result on stdout is all).
    pub fn silent() -> Self {
        Self {
            mode: ProgressMode::Quiet,
            inner: Arc::new(Inner::Silent),
        }
    }

    /// A reporter on standard error, where progress belongs so standard output stays
    /// clean; [`Auto`](ProgressMode::Auto) draws the live board when it is a terminal
    /// (sized and coloured as the terminal says; `NO_COLOR` turns colours off).
    pub fn stderr(mode: ProgressMode) -> Self {
        match mode.resolve(std::io::stderr().is_terminal()) {
            ProgressMode::Tty => {
                let term = console::Term::stderr();
                let size: super::tty::SizeFn = Box::new(move || {
                    let (rows, cols) = term.size();
                    (usize::from(cols), usize::from(rows))
                });
                let color = console::colors_enabled_stderr()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                Self::with_tty(TtyReporter::new(Box::new(std::io::stderr()), size, color))
            }
            other => Self::new(other, Box::new(std::io::stderr())),
        }
    }

    /// A reporter on standard output (for json a program reads); live lines need
    /// [`stderr`](Self::stderr).
    pub fn stdout(mode: ProgressMode) -> Self {
        Self::new(mode, Box::new(std::io::stdout()))
    }

    /// Ends a live display at once (the command is interrupted): the cursor comes back.
    /// Other modes have nothing to undo.
    pub fn abort(&self) {
        if let Inner::Tty(tty) = &*self.inner {
            tty.abort();
        }
    }

    /// Says something about the run outside its events (`cancelling…`): on the live
    /// board's header line, or as a line on stderr (not in json mode, whose stream is
    /// events only).
    pub fn note(&self, text: &str) {
        match &*self.inner {
            Inner::Tty(tty) => tty.note(text),
            Inner::Json(_) => {}
            _ => eprintln!("{text}"),
        }
    }

    /// For a live display: the frames drawn and the bytes written so far.
    pub fn draw_stats(&self) -> Option<(u64, u64)> {
        match &*self.inner {
            Inner::Tty(tty) => Some(tty.stats()),
            _ => None,
        }
    }

    /// The mode in effect (never [`Auto`](ProgressMode::Auto)).
    pub fn mode(&self) -> ProgressMode {
        self.mode
    }

    /// The sink to hand to the executor; every event of the run goes through it.
    pub fn sink(&self) -> EventSink {
        let inner = self.inner.clone();
        Arc::new(move |event: &Event| inner.on_event(event))
    }

    /// Ends the display: clears the live lines and prints the summary of `report` (quiet:
    /// only its failures; json: nothing, the `run_finished` event was the last line).
    /// Fails if any output could not be written; the run itself is unaffected.
    pub fn finish(&self, report: &ExecutionReport) -> Result<(), ReporterError> {
        match &*self.inner {
            Inner::Tty(tty) => tty.finish(report),
            Inner::Plain(plain) => lock(plain).finish(report),
            Inner::Json(json) => lock(json).finish(),
            Inner::Quiet(out) => {
                let mut out = lock(out);
                out.lines(&render_failures(report));
                out.finish()
            }
            Inner::Silent => Ok(()),
        }
    }
}

impl Inner {
    fn on_event(&self, event: &Event) {
        match self {
            Inner::Tty(tty) => tty.on_event(event),
            Inner::Plain(plain) => lock(plain).on_event(event),
            Inner::Json(json) => lock(json).on_event(event),
            Inner::Quiet(_) | Inner::Silent => {}
        }
    }
}

/// Locks `m`, going on with the data of a holder that panicked (a reporter is never left
/// half-updated in a way that matters).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
