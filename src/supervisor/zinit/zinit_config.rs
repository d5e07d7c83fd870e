//! [`ZinitConfig`]: where the zinit backend finds `zinit-server` and how it paces restarts.

use std::path::PathBuf;
use std::time::Duration;

use crate::supervisor::SecretSource;

/// The zinit backend's settings. zinit keeps the restart policy per service, so the
/// backoff and restart budget below are written into every service config it is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZinitConfig {
    /// The unix socket of `zinit-server` (its `--socket`).
    pub socket: PathBuf,
    /// How long one JSON-RPC call may take. More than 5 s: zinit 0.3.9 holds every call
    /// that needs its event loop while it removes a service it counts as running (see
    /// `removal_timeout`), which the backend avoids but cannot rule out.
    pub call_timeout: Duration,
    /// How long a `service.delete` may take. zinit 0.3.9 stops a service it still counts as
    /// running *inside* the delete, holding its event loop for a fixed 5 s grace before it
    /// kills it, so such a delete (and every call queued behind it) takes over 5 s.
    pub removal_timeout: Duration,
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
    /// Where secret values come from. zinit is given them in the service config it runs a
    /// process with (zinit keeps that config in its memory and config directory).
    pub secrets: SecretSource,
}

impl ZinitConfig {
    /// Defaults close to the builtin backend's: 15 s calls (30 s for a delete), restart
    /// after 100 ms doubling to 30 s, 4 restarts (5 starts), stable after 10 s, 1000 log
    /// lines, 50 ms polling.
    pub fn new(socket: impl Into<PathBuf>) -> Self {
        Self {
            socket: socket.into(),
            call_timeout: Duration::from_secs(15),
            removal_timeout: Duration::from_secs(30),
            restart_delay: Duration::from_millis(100),
            restart_delay_max: Duration::from_secs(30),
            max_restarts: 4,
            stability_period: Duration::from_secs(10),
            log_buffer_lines: 1000,
            poll_interval: Duration::from_millis(50),
            secrets: SecretSource::default(),
        }
    }
}
