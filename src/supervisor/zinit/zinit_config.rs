//! [`ZinitConfig`]: where the zinit backend finds `zinit-server` and how it paces restarts.

use std::path::PathBuf;
use std::time::Duration;

/// The zinit backend's settings. zinit keeps the restart policy per service, so the
/// backoff and restart budget below are written into every service config it is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZinitConfig {
    /// The unix socket of `zinit-server` (its `--socket`).
    pub socket: PathBuf,
    /// How long one JSON-RPC call may take.
    pub call_timeout: Duration,
    /// The first restart delay after a crash (`restart_delay_ms`); zinit doubles it.
    pub restart_delay: Duration,
    /// The ceiling of the restart delay (`restart_delay_max_ms`).
    pub restart_delay_max: Duration,
    /// How many automatic restarts before zinit gives up (`max_restarts`; 0 = never).
    pub max_restarts: u32,
    /// A process up this long restarts with the initial delay again
    /// (`stability_period_ms`).
    pub stability_period: Duration,
    /// How many lines of output zinit keeps in memory per service (`buffer_lines`).
    pub log_buffer_lines: usize,
    /// How often `stop` polls for the end of a process and `follow` for new lines.
    pub poll_interval: Duration,
}

impl ZinitConfig {
    /// Defaults close to the builtin backend's: 5 s calls, restart after 100 ms doubling
    /// to 30 s, 4 restarts (5 starts), stable after 10 s, 1000 log lines, 50 ms polling.
    pub fn new(socket: impl Into<PathBuf>) -> Self {
        Self {
            socket: socket.into(),
            call_timeout: Duration::from_secs(5),
            restart_delay: Duration::from_millis(100),
            restart_delay_max: Duration::from_secs(30),
            max_restarts: 4,
            stability_period: Duration::from_secs(10),
            log_buffer_lines: 1000,
            poll_interval: Duration::from_millis(50),
        }
    }
}
