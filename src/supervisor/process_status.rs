//! [`ProcessStatus`]: what a supervisor reports about one process.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{ExitReason, ProcessState};

/// A snapshot of one supervised process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessStatus {
    /// The process's name (its spec's name).
    pub name: String,
    /// Its state.
    pub state: ProcessState,
    /// The pid while it runs (also the id of its process group).
    pub pid: Option<u32>,
    /// How long the current instance has been running.
    pub uptime: Option<Duration>,
    /// How many times it was restarted automatically since it was last started on request.
    pub restart_count: u32,
    /// How its previous instance ended.
    pub last_exit: Option<ExitReason>,
    /// The delay before the pending (or the latest) automatic restart; it grows while the
    /// process keeps crashing and resets once it stays up.
    pub backoff: Option<Duration>,
    /// Why it failed, when the supervisor itself knows (a spawn error, the start limit).
    pub error: Option<String>,
    /// The last lines of its log, kept when it [`Failed`](ProcessState::Failed).
    pub last_log_lines: Vec<String>,
    /// What is wrong around it although it runs (its log's filesystem is full).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
