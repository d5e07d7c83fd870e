//! [`TaskError`]: how a task reports a failure to the executor.

use std::error::Error;
use std::fmt;

/// Any error a task wraps as the cause of its failure.
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// A task's failure: what went wrong (lowercase, without repeating the cause), the cause as
/// a [`source`](Error::source) chain, whether a retry could help, and the log lines that
/// matter (e.g. a compiler's last lines).
#[derive(Debug)]
pub struct TaskError {
    message: String,
    source: Option<BoxError>,
    permanent: bool,
    log_tail: Vec<String>,
}

impl TaskError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
            permanent: false,
            log_tail: Vec::new(),
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn with_source(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(message)
        }
    }

    /// Marks the failure as one a retry cannot fix (a checksum mismatch, a 404).
    pub fn permanent(mut self) -> Self {
        self.permanent = true;
        self
    }

    /// Attaches the log lines that explain the failure.
    pub fn with_log_tail(mut self, lines: Vec<String>) -> Self {
        self.log_tail = lines;
        self
    }

    /// True when retrying cannot help.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    /// The log lines attached to the failure.
    pub fn log_tail(&self) -> &[String] {
        &self.log_tail
    }

    /// The message followed by every cause, outermost first.
    pub fn chain(&self) -> Vec<String> {
        crate::util::error_chain(self)
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for TaskError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_lists_causes_outermost_first() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = TaskError::with_source("could not read config", io);
        assert_eq!(err.chain(), vec!["could not read config", "no such file"]);
        assert!(!err.is_permanent());
        assert!(err.permanent().is_permanent());
    }
}
