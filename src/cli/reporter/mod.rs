//! Terminal reporters: consumers of executor [`Event`](crate::graph::Event)s that show a
//! run to a person or a program.
//!
//! A [`Reporter`] is built for a [`ProgressMode`] and an output, hands out an
//! [`EventSink`](crate::graph::EventSink) for [`RunRequest::sink`](crate::graph::RunRequest::sink),
//! and prints the summary of the run with [`Reporter::finish`]:
//!
//! - **tty**: live lines (a spinner or byte bar per running task, an overall line) on an
//!   indicatif [`MultiProgress`](indicatif::MultiProgress); one printed line per finished task.
//! - **plain**: one line per event with a timestamp column, for CI logs.
//! - **json**: every event as one JSON object per line (NDJSON), nothing else.
//! - **quiet**: only the failures, at the end.
//!
//! The summary ([`render_summary`]) is a pure function of the
//! [`ExecutionReport`](crate::graph::ExecutionReport), shared by every mode but json.

mod json;
mod output;
mod plain;
mod progress_mode;
#[allow(clippy::module_inception)]
mod reporter;
mod reporter_error;
mod summary;
mod text;
mod tty;

pub use progress_mode::{ParseProgressModeError, ProgressMode};
pub use reporter::Reporter;
pub use reporter_error::ReporterError;
pub use summary::{render_failures, render_summary};
pub use text::format_duration_ms;
