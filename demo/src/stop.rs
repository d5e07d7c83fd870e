//! Why the instance stops: a signal, the exit timer or the crash timer; and waiting for the
//! first of them.

use std::time::Instant;

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::time::sleep_until;

use crate::console;
use crate::error::DemoError;
use crate::options::Options;

/// The reason the instance stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGTERM or SIGINT: exit 0, removing the sockets.
    Signal(&'static str),
    /// `--exit-after-ms` elapsed: exit 0, removing the sockets.
    ExitTimer,
    /// `--crash-after-ms` elapsed: exit with this code, leaving the sockets behind.
    Crash(u8),
}

/// The installed SIGTERM and SIGINT handlers.
pub struct Signals {
    term: Signal,
    int: Signal,
}

impl Signals {
    /// Replaces the default actions of SIGTERM and SIGINT; do this first, so no signal
    /// kills the process before its sockets are cleaned up.
    pub fn install() -> Result<Self, DemoError> {
        Ok(Self {
            term: signal(SignalKind::terminate()).map_err(DemoError::Signals)?,
            int: signal(SignalKind::interrupt()).map_err(DemoError::Signals)?,
        })
    }
}

/// Waits for the first reason to stop; timers count from `started`.
pub async fn wait_for_stop(signals: &mut Signals, options: &Options, started: Instant) -> Stop {
    let at = |after: Option<std::time::Duration>| {
        after.map(|d| tokio::time::Instant::from_std(started + d))
    };
    let exit_at = at(options.exit_after);
    let crash_at = at(options.crash_after);
    loop {
        tokio::select! {
            _ = signals.term.recv() => {
                if !options.ignore_sigterm {
                    return Stop::Signal("SIGTERM");
                }
                console::err(&format!(
                    "hero_demo {} received SIGTERM; ignoring it (--ignore-sigterm)",
                    options.name
                ));
            }
            _ = signals.int.recv() => return Stop::Signal("SIGINT"),
            _ = sleep_until(exit_at.unwrap_or_else(far_future)), if exit_at.is_some() => return Stop::ExitTimer,
            _ = sleep_until(crash_at.unwrap_or_else(far_future)), if crash_at.is_some() => {
                return Stop::Crash(options.crash_code);
            }
        }
    }
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + std::time::Duration::from_secs(86_400 * 365)
}
