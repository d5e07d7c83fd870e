//! [`BuiltinConfig`]: the tunables of the builtin supervisor.

use std::path::PathBuf;
use std::time::Duration;

use crate::supervisor::SecretSource;

/// Where logs go and how restarts are paced. The defaults suit a daemon; tests shorten the
/// delays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltinConfig {
    /// Directory of the `<name>.log` files.
    pub log_dir: PathBuf,
    /// The first restart delay after a crash; it doubles with every further crash.
    pub backoff_initial: Duration,
    /// The ceiling of the restart delay.
    pub backoff_max: Duration,
    /// A process that stayed up this long restarts with the initial delay again.
    pub stable_after: Duration,
    /// How many starts within `start_limit_window` are allowed before it is `Failed`.
    pub start_limit: u32,
    /// The window of the start limit.
    pub start_limit_window: Duration,
    /// How many log lines a `Failed` status carries.
    pub failure_log_lines: usize,
    /// How often log sizes are checked for rotation (and adopted processes are polled where
    /// pidfds are not available).
    pub housekeeping_interval: Duration,
    /// Where secret values come from when a process is spawned.
    pub secrets: SecretSource,
}

impl BuiltinConfig {
    /// Defaults: backoff 100 ms doubling to 30 s, stable after 10 s, 5 starts per 60 s,
    /// 20 log lines on failure, housekeeping every 5 s.
    pub fn new(log_dir: impl Into<PathBuf>) -> Self {
        Self {
            log_dir: log_dir.into(),
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_secs(30),
            stable_after: Duration::from_secs(10),
            start_limit: 5,
            start_limit_window: Duration::from_secs(60),
            failure_log_lines: 20,
            housekeeping_interval: Duration::from_secs(5),
            secrets: SecretSource::default(),
        }
    }
}
