//! [`WaitError`]: why a wait for health gave up.

use std::path::PathBuf;
use std::time::Duration;

use super::probe_result::humanize;
use super::{ProbeError, ProbeResult};

/// A service did not become healthy in time, said with what was seen last so a person
/// knows where to look.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// The probe is written wrong; nothing was tried.
    #[error("cannot wait on {probe}: the probe is invalid")]
    InvalidProbe {
        /// The probe, as text.
        probe: String,
        /// What is wrong with it.
        #[source]
        source: ProbeError,
    },
    /// The unix socket never showed up: the service did not start, crashed early, or uses
    /// another socket path.
    #[error(
        "socket {} never appeared within {}: is the service running, and does it use this socket path? see its log",
        socket.display(),
        humanize(*after)
    )]
    SocketNeverAppeared {
        /// The socket waited for.
        socket: PathBuf,
        /// How long the wait was allowed to last.
        after: Duration,
        /// Probes made.
        attempts: u32,
    },
    /// The service answered (or the socket existed) but the probe never passed.
    #[error(
        "{probe} not healthy after {}: {}",
        humanize(*after),
        last_seen(last)
    )]
    NotHealthy {
        /// The probe, as text.
        probe: String,
        /// How long the wait was allowed to last.
        after: Duration,
        /// Probes made.
        attempts: u32,
        /// The last probe's result.
        last: ProbeResult,
    },
    /// Waiting was pointless before the deadline: what the probe waits for is gone (its
    /// process failed or exited).
    #[error("{reason} ({attempts} probes; last seen: {})", last.detail)]
    GaveUp {
        /// Why waiting longer could not help.
        reason: String,
        /// Probes made.
        attempts: u32,
        /// The last probe's result.
        last: ProbeResult,
    },
}

impl WaitError {
    /// The last probe's result, when there was one.
    pub fn last(&self) -> Option<&ProbeResult> {
        match self {
            WaitError::NotHealthy { last, .. } | WaitError::GaveUp { last, .. } => Some(last),
            _ => None,
        }
    }
}

/// `last answer 503 Service Unavailable: …` for an HTTP answer, `last seen: connection
/// refused` otherwise.
fn last_seen(last: &ProbeResult) -> String {
    if last.status.is_some() {
        format!("last answer {}", last.detail)
    } else {
        format!("last seen: {}", last.detail)
    }
}
