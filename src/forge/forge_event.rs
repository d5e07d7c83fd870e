//! [`ForgeEvent`]: what a [`ForgeClient`](super::ForgeClient) operation reports while it
//! runs — bytes arriving, and every retry with its reason and wait — to whoever started it.
//!
//! The client knows nothing about tasks or terminals: each public operation takes a
//! [`ForgeObserver`] (a callback) and hands it events as they happen. The task kinds turn
//! them into progress and log lines; tests collect them. Events pass the same redaction as
//! errors before the observer sees them, so they never hold the token.

use std::fmt;
use std::time::Duration;

use super::redaction::Redactor;
use super::transfer_limits::format_duration;

/// The callback a forge operation reports to. Called on the operation's task: keep it
/// quick.
pub type ForgeObserver<'a> = dyn FnMut(ForgeEvent) + Send + 'a;

/// One thing that happened during a forge operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ForgeEvent {
    /// Bytes of a download arrived: `done` of `total` (throttled; a retry starts again
    /// from 0).
    Progressed {
        /// Bytes received by this attempt.
        done: u64,
        /// The announced length, when there is one.
        total: Option<u64>,
    },
    /// An attempt failed and the request will be tried again after a wait.
    Retrying(RetryNotice),
}

/// A failed attempt that will be retried: which request, which attempt of how many, why
/// it failed, and how long the client waits before the next one. Its `Display` is the log
/// line (`download of tool-linux-amd64: attempt 1 of 4 failed: …; trying again in 500ms`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryNotice {
    /// The request (`download of tool-linux-amd64`, `GET https://forge/api/v1/…`).
    pub request: String,
    /// The attempt that failed (1-based).
    pub attempt: u32,
    /// Attempts allowed in all (`ForgeConfig::max_attempts`).
    pub max_attempts: u32,
    /// The wait before the next attempt (the backoff, or the server's `Retry-After`).
    pub delay: Duration,
    /// Why the attempt failed: the error and its causes, joined by `: `.
    pub reason: String,
}

impl fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: attempt {} of {} failed: {}; trying again in {}",
            self.request,
            self.attempt,
            self.max_attempts,
            self.reason,
            format_duration(self.delay)
        )
    }
}

impl ForgeEvent {
    /// The event without the token in any text.
    pub(crate) fn redact_with(self, redactor: &Redactor<'_>) -> Self {
        match self {
            ForgeEvent::Progressed { .. } => self,
            ForgeEvent::Retrying(notice) => ForgeEvent::Retrying(RetryNotice {
                request: redactor.text(notice.request),
                reason: redactor.text(notice.reason),
                ..notice
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_reads_as_a_log_line() {
        let n = RetryNotice {
            request: "download of tool".into(),
            attempt: 2,
            max_attempts: 4,
            delay: Duration::from_secs(1),
            reason: "x answered 502 Bad Gateway: oops".into(),
        };
        assert_eq!(
            n.to_string(),
            "download of tool: attempt 2 of 4 failed: x answered 502 Bad Gateway: oops; trying again in 1s"
        );
    }
}
