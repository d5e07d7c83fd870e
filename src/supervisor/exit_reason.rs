//! [`ExitReason`]: how a supervised process ended.

use serde::{Deserialize, Serialize};

/// How a process ended, as far as the supervisor could tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitReason {
    /// It exited with this code.
    Code(i32),
    /// It was killed by this signal.
    Signal(i32),
    /// It ended while the supervisor could not collect its status (an adopted process, or
    /// one that died while the daemon was down).
    Unknown,
    /// It was stopped on request, and its status could not be collected (an adopted
    /// process: not a child of this daemon).
    Stopped,
}

impl ExitReason {
    /// True only for exit code 0; an unknown end counts as a failure.
    pub fn is_success(self) -> bool {
        self == Self::Code(0)
    }

    /// Converts a collected wait status.
    pub fn from_status(status: std::process::ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => Self::Code(code),
            (None, Some(sig)) => Self::Signal(sig),
            (None, None) => Self::Unknown,
        }
    }
}

impl std::fmt::Display for ExitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Code(c) => write!(f, "exit code {c}"),
            Self::Signal(s) => write!(f, "signal {s}"),
            Self::Unknown => {
                f.write_str("ended (exit status not known: not a child of this daemon)")
            }
            Self::Stopped => f.write_str("stopped on request"),
        }
    }
}
