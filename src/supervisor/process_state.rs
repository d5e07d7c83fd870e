//! [`ProcessState`]: the lifecycle state of a supervised process.

use serde::{Deserialize, Serialize};

/// Where a supervised process is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessState {
    /// Being spawned.
    Starting,
    /// Alive and supervised.
    Running,
    /// Exited and waiting out its backoff delay before the next start.
    Backoff,
    /// Stopped on request (or registered and never started).
    Stopped,
    /// Exited on its own and, by its restart policy, not restarted.
    Exited,
    /// Gave up: it exited too often within the start-limit window, or could not be spawned.
    Failed,
}

impl ProcessState {
    /// True while the supervisor intends the process to run (alive or about to be again).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Starting | Self::Running | Self::Backoff)
    }

    /// The stable lowercase name (as stored and shown).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Backoff => "backoff",
            Self::Stopped => "stopped",
            Self::Exited => "exited",
            Self::Failed => "failed",
        }
    }

    /// Parses [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "starting" => Self::Starting,
            "running" => Self::Running,
            "backoff" => Self::Backoff,
            "stopped" => Self::Stopped,
            "exited" => Self::Exited,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ProcessState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
