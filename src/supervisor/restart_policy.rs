//! [`RestartPolicy`]: when a supervisor starts a process again after it exited.

use serde::{Deserialize, Serialize};

/// What happens when a supervised process exits on its own (not through `stop`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartPolicy {
    /// Restart whatever the exit: a service is meant to run forever.
    #[default]
    Always,
    /// Restart only after a failure (non-zero code, killed by a signal, or unknown).
    OnFailure,
    /// Never restart: the process runs once.
    Never,
}

impl RestartPolicy {
    /// True when an exit that `succeeded` (or not) calls for a restart.
    pub fn should_restart(self, succeeded: bool) -> bool {
        match self {
            Self::Always => true,
            Self::OnFailure => !succeeded,
            Self::Never => false,
        }
    }
}
