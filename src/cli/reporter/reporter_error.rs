//! [`ReporterError`]: what can go wrong while showing a run.

/// Showing a run failed. The run itself is unaffected: its report is complete either way.
#[derive(Debug, thiserror::Error)]
pub enum ReporterError {
    /// The output could not be written (a closed pipe, a full disk).
    #[error("could not write the progress output; the run's report is still stored")]
    Write(#[source] std::io::Error),
}
