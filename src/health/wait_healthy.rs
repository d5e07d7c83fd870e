//! [`wait_healthy`]: repeat a probe until it passes or a deadline expires.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Backoff, PROBE_TIMEOUT, Probe, ProbeResult, SocketWatch, WaitError};

/// A wait that succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Healthy {
    /// The passing probe's result.
    pub result: ProbeResult,
    /// Probes made, the passing one included.
    pub attempts: u32,
    /// How long the wait took.
    pub elapsed: Duration,
}

/// How often a wait asks whether waiting is still worth it, at most.
const ABANDON_CHECK_EVERY: Duration = Duration::from_millis(50);

/// Waits in progress in this process.
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// This wait's place among the waits in progress, for as long as it lasts.
///
/// How often to probe during the fast phase depends on how many waits probe at once: a
/// probe costs some tens of microseconds of CPU on each side, so one or two waits (a
/// chain of dependencies, each waiting on the one before) poll every millisecond and see a
/// service ready half a millisecond late on average, up to eight (a fan of dependents
/// starting together) every 2 ms, and more keep to the schedule's 3 ms and leave the CPU
/// to the services starting.
struct Crowd;

impl Crowd {
    fn join() -> Self {
        WAITING.fetch_add(1, Ordering::Relaxed);
        Crowd
    }

    /// The longest delay of the fast phase now.
    fn fast_cap(&self) -> Duration {
        fast_cap_for(WAITING.load(Ordering::Relaxed))
    }
}

impl Drop for Crowd {
    fn drop(&mut self) {
        WAITING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The fast phase's longest delay with `waits` waits in progress.
fn fast_cap_for(waits: usize) -> Duration {
    match waits {
        0..=2 => Duration::from_millis(1),
        3..=8 => Duration::from_millis(2),
        _ => Backoff::FAST_MAX,
    }
}

/// Probes until `probe` passes or `timeout` has passed, calling `observe` with every result
/// and the attempt number (1-based). See [`wait_healthy_while`].
pub async fn wait_healthy(
    probe: &Probe,
    timeout: Duration,
    observe: impl FnMut(&ProbeResult, u32),
) -> Result<Healthy, WaitError> {
    wait_healthy_while(probe, timeout, observe, || async { None }).await
}

/// Like [`wait_healthy`], but gives up early — with [`WaitError::GaveUp`] — as soon as
/// `pointless` says why waiting cannot help any more (the process that should answer failed
/// or exited). `pointless` is asked after a failed probe, at most every 50 ms.
///
/// Probes until `probe` passes or `timeout` has passed, calling `observe` with every result
/// and the attempt number (1-based).
///
/// Polling starts fast and backs off ([`Backoff`]); while only a few waits run at once, the
/// fast phase polls every millisecond (see [`Crowd`]). For probes on a unix socket, an inotify
/// [`SocketWatch`] on the socket's directory also ends a delay early the moment the socket
/// file appears (and polling restarts fast); while the directory does not exist yet the wait
/// polls and starts watching once it does. A single probe never outlives the deadline.
pub async fn wait_healthy_while<F, Fut>(
    probe: &Probe,
    timeout: Duration,
    mut observe: impl FnMut(&ProbeResult, u32),
    mut pointless: F,
) -> Result<Healthy, WaitError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    probe.validate().map_err(|source| WaitError::InvalidProbe {
        probe: probe.to_string(),
        source,
    })?;
    let start = Instant::now();
    let deadline = start + timeout;
    let socket = probe.socket_path();
    let mut watch = SocketWatcher::new(socket);
    let mut socket_seen = false;
    let mut backoff = Backoff::new();
    let crowd = Crowd::join();
    let mut attempts = 0u32;
    let mut previous: Option<ProbeResult> = None;
    let mut last_check: Option<Instant> = None;
    loop {
        watch.try_start();
        attempts += 1;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let limit = PROBE_TIMEOUT.min(remaining.max(Duration::from_millis(1)));
        let result = probe.check_within(limit).await;
        observe(&result, attempts);
        if result.healthy {
            return Ok(Healthy {
                result,
                attempts,
                elapsed: start.elapsed(),
            });
        }
        socket_seen = socket_seen || socket.is_some_and(exists);
        if last_check.is_none_or(|t| t.elapsed() >= ABANDON_CHECK_EVERY) {
            last_check = Some(Instant::now());
            if let Some(reason) = pointless().await {
                return Err(WaitError::GaveUp {
                    reason,
                    attempts,
                    last: result,
                });
            }
        }

        let now = Instant::now();
        if now >= deadline {
            // A last probe cut short by the deadline says less than the answer before it
            // (a 503 beats "no answer within 1ms").
            let result = match previous {
                Some(p) if limit < PROBE_TIMEOUT && result.status.is_none() => p,
                _ => result,
            };
            return Err(match socket {
                Some(s) if !socket_seen => WaitError::SocketNeverAppeared {
                    socket: s.to_path_buf(),
                    after: timeout,
                    attempts,
                },
                _ => WaitError::NotHealthy {
                    probe: probe.to_string(),
                    after: timeout,
                    attempts,
                    last: result,
                },
            });
        }
        previous = Some(result);
        let delay = backoff
            .next_delay_capped(crowd.fast_cap())
            .min(deadline - now);
        if watch.sleep_or_appear(delay).await {
            socket_seen = true;
            backoff.reset();
        }
    }
}

/// Whether anything is at `path` (a socket, or something in its way).
fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// The optional socket watch of a wait: started as soon as the socket's directory exists,
/// given up (plain polling) if inotify fails.
struct SocketWatcher<'a> {
    socket: Option<&'a Path>,
    watch: Option<SocketWatch>,
}

impl<'a> SocketWatcher<'a> {
    fn new(socket: Option<&'a Path>) -> Self {
        Self {
            socket,
            watch: None,
        }
    }

    /// Starts the watch if it is not running and the directory now exists.
    fn try_start(&mut self) {
        let Some(socket) = self.socket else { return };
        if self.watch.is_some() {
            return;
        }
        let dir_exists = socket
            .parent()
            .is_none_or(|d| d.as_os_str().is_empty() || d.is_dir());
        if !dir_exists {
            return;
        }
        match SocketWatch::new(socket) {
            Ok(w) => self.watch = Some(w),
            // Out of inotify watches, or the directory vanished: poll from now on.
            Err(_) => self.socket = None,
        }
    }

    /// Sleeps `delay`, or less if the socket appears. True when it appeared.
    async fn sleep_or_appear(&mut self, delay: Duration) -> bool {
        match &mut self.watch {
            Some(w) => w.appeared_within(delay).await,
            None => {
                tokio::time::sleep(delay).await;
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_waits_poll_fast_many_keep_to_the_schedule() {
        assert_eq!(fast_cap_for(1), Duration::from_millis(1));
        assert_eq!(fast_cap_for(2), Duration::from_millis(1));
        assert_eq!(fast_cap_for(4), Duration::from_millis(2));
        assert_eq!(fast_cap_for(8), Duration::from_millis(2));
        assert_eq!(fast_cap_for(9), Backoff::FAST_MAX);
        let before = WAITING.load(Ordering::Relaxed);
        {
            let _a = Crowd::join();
            assert_eq!(WAITING.load(Ordering::Relaxed), before + 1);
        }
        assert_eq!(WAITING.load(Ordering::Relaxed), before);
    }
}
