//! [`LogSettings`]: how much output of a process is kept on disk.

use serde::{Deserialize, Serialize};

/// Size-based rotation of a process's log file: when `<name>.log` grows past `max_bytes`
/// it becomes `<name>.log.1` (older files shift up), keeping `keep_files` rotated files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogSettings {
    /// Rotate when the current file is larger than this.
    pub max_bytes: u64,
    /// How many rotated files (`.1` … `.N`) are kept; 0 truncates instead.
    pub keep_files: u32,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            keep_files: 3,
        }
    }
}
