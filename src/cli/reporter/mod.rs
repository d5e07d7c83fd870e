//! Terminal reporters: consumers of executor [`Event`](crate::graph::Event)s that show a
//! run to a person or a program.
//!
//! A [`Reporter`] is built for a [`ProgressMode`] and an output, hands out an
//! [`EventSink`](crate::graph::EventSink) for [`RunRequest::sink`](crate::graph::RunRequest::sink),
//! and prints the summary of the run with [`Reporter::finish`]:
//!
//! - **tty**: a live board like `docker compose up`: a header with the run's totals and one
//!   line per service (its step, a bar where the work has a size, elapsed), collapsing to
//!   `✔ name  started, healthy` when done; redrawn in place, rate-limited (see `tty.rs`).
//! - **plain**: one line per event with a timestamp column, for CI logs.
//! - **json**: every event as one JSON object per line (NDJSON), nothing else.
//! - **quiet**: only the failures, at the end.
//!
//! The summary ([`render_summary`]) is a pure function of the
//! [`ExecutionReport`](crate::graph::ExecutionReport), shared by every mode but json.

mod board;
mod json;
mod live_screen;
mod output;
mod plain;
mod progress_mode;
mod report_text;
#[allow(clippy::module_inception)]
mod reporter;
mod reporter_error;
mod summary;
mod text;
mod tty;

pub(crate) use live_screen::LiveScreen;
pub use progress_mode::{ParseProgressModeError, ProgressMode};
pub use report_text::render_report;
pub use reporter::Reporter;
pub use reporter_error::ReporterError;
pub use summary::{render_failures, render_summary, render_tty_summary};
pub(crate) use text::cut as text_cut;
pub use text::format_duration_ms;
