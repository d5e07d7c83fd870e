//! [`JsonReporter`]: every event as one JSON object on its own line (NDJSON).
//!
//! The objects are the serialized [`Event`]s (`{"run_id":…,"elapsed_us":…,"event":"task_started",…}`),
//! in the order the executor emitted them, and nothing else: the last line of a run is its
//! `run_finished` event. The full report is the caller's to print or fetch.

use super::ReporterError;
use super::output::Output;
use crate::graph::Event;

/// Writes one JSON object per event.
pub(crate) struct JsonReporter {
    out: Output,
}

impl JsonReporter {
    pub(crate) fn new(out: Output) -> Self {
        Self { out }
    }

    pub(crate) fn on_event(&mut self, event: &Event) {
        self.out.attempt(|out| {
            serde_json::to_writer(&mut *out, event).map_err(std::io::Error::from)?;
            out.write_all(b"\n")?;
            out.flush()
        });
    }

    pub(crate) fn finish(&mut self) -> Result<(), ReporterError> {
        self.out.finish()
    }
}
