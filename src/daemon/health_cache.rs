//! [`HealthCache`]: each service's last probe result, so `status` can say *healthy*,
//! *unhealthy* or *starting* without probing every service on every call.
//!
//! A result is fresh for [`FRESH_FOR`]; a call that finds it stale probes again (under
//! [`STATUS_PROBE_TIMEOUT`], so one hung service cannot hold `status` for long). Probes of
//! one service never overlap: callers that find a probe in flight wait for its result
//! instead of starting their own, so a hundred clients asking at once cost one probe.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::health::{Probe, ProbeResult};

/// How long a probe result stands for `status`.
pub const FRESH_FOR: Duration = Duration::from_secs(5);
/// How long a probe made for `status` may take.
pub const STATUS_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// What `status` says of a service's health.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    /// The last probe passed.
    Healthy,
    /// The last probe failed.
    Unhealthy,
    /// It runs, has not passed a probe since it started, and is still within its time to
    /// become healthy.
    Starting,
    /// Not probed: it has no probe, or it does not run.
    Unknown,
}

/// A service's health as `status` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HealthView {
    /// Healthy, unhealthy, starting, or unknown.
    pub state: HealthState,
    /// What the probe saw (`200 OK`, `connection refused`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How long ago the probe ran, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_ms: Option<u64>,
}

impl HealthView {
    /// Not probed.
    pub fn unknown() -> Self {
        Self {
            state: HealthState::Unknown,
            detail: None,
            age_ms: None,
        }
    }
}

/// One service's slot: the last result, and a lock held while probing.
#[derive(Default)]
struct Slot {
    last: Mutex<Option<Seen>>,
    probing: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Seen {
    at: Instant,
    result: ProbeResult,
    /// When it was last healthy.
    healthy_at: Option<Instant>,
}

/// The last probe result of every service, by name.
#[derive(Default)]
pub struct HealthCache {
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

impl HealthCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn slot(&self, service: &str) -> Arc<Slot> {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(service.to_string())
            .or_default()
            .clone()
    }

    /// Records a result seen elsewhere (`health`, a deploy's wait).
    pub fn record(&self, service: &str, result: &ProbeResult) {
        let slot = self.slot(service);
        let mut last = slot.last.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let healthy_at = if result.healthy {
            Some(now)
        } else {
            last.as_ref().and_then(|s| s.healthy_at)
        };
        *last = Some(Seen {
            at: now,
            result: result.clone(),
            healthy_at,
        });
    }

    /// The health of `service`, running for `uptime` (`None`: not running), with `probe`
    /// and `grace` (its time to become healthy): the cached result when fresh, else a
    /// probe now.
    pub async fn view(
        &self,
        service: &str,
        probe: Option<&Probe>,
        uptime: Option<Duration>,
        grace: Duration,
    ) -> HealthView {
        let (Some(probe), Some(uptime)) = (probe, uptime) else {
            return HealthView::unknown();
        };
        let slot = self.slot(service);
        if let Some(seen) = fresh(&slot) {
            return judge(&seen, uptime, grace);
        }
        let _probing = slot.probing.lock().await;
        // Another caller may have probed while this one waited.
        if let Some(seen) = fresh(&slot) {
            return judge(&seen, uptime, grace);
        }
        let result = probe
            .check_within(STATUS_PROBE_TIMEOUT.min(probe_time(probe)))
            .await;
        self.record(service, &result);
        match fresh(&slot) {
            Some(seen) => judge(&seen, uptime, grace),
            None => HealthView::unknown(),
        }
    }
}

/// The time a probe gives itself (an exec probe may say), else the status budget.
fn probe_time(probe: &Probe) -> Duration {
    match probe {
        Probe::Exec {
            timeout_ms: Some(ms),
            ..
        } => Duration::from_millis(*ms),
        _ => STATUS_PROBE_TIMEOUT,
    }
}

fn fresh(slot: &Slot) -> Option<Seen> {
    slot.last
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .filter(|s| s.at.elapsed() < FRESH_FOR)
        .cloned()
}

/// Healthy, unhealthy, or starting (failing, but young and never healthy since it
/// started).
fn judge(seen: &Seen, uptime: Duration, grace: Duration) -> HealthView {
    let age = seen.at.elapsed();
    let started_at = Instant::now().checked_sub(uptime);
    let healthy_since_start = match (seen.healthy_at, started_at) {
        (Some(h), Some(s)) => h >= s,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let state = if seen.result.healthy {
        HealthState::Healthy
    } else if uptime < grace && !healthy_since_start {
        HealthState::Starting
    } else {
        HealthState::Unhealthy
    };
    HealthView {
        state,
        detail: Some(seen.result.detail.clone()),
        age_ms: Some(u64::try_from(age.as_millis()).unwrap_or(u64::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_service_without_a_probe_or_not_running_is_unknown() {
        let cache = HealthCache::new();
        let probe = Probe::exec(["true"]);
        let v = cache
            .view(
                "a",
                None,
                Some(Duration::from_secs(60)),
                Duration::from_secs(30),
            )
            .await;
        assert_eq!(v.state, HealthState::Unknown);
        let v = cache
            .view("a", Some(&probe), None, Duration::from_secs(30))
            .await;
        assert_eq!(v.state, HealthState::Unknown);
    }

    #[tokio::test]
    async fn healthy_unhealthy_and_starting() {
        let cache = HealthCache::new();
        let ok = Probe::exec(["true"]);
        let bad = Probe::exec(["false"]);
        let grace = Duration::from_secs(30);
        let v = cache
            .view("ok", Some(&ok), Some(Duration::from_secs(60)), grace)
            .await;
        assert_eq!(v.state, HealthState::Healthy);
        let v = cache
            .view("young", Some(&bad), Some(Duration::from_secs(2)), grace)
            .await;
        assert_eq!(v.state, HealthState::Starting);
        let v = cache
            .view("old", Some(&bad), Some(Duration::from_secs(60)), grace)
            .await;
        assert_eq!(v.state, HealthState::Unhealthy);
        assert!(v.detail.unwrap().contains("exited 1"));
    }

    #[tokio::test]
    async fn a_fresh_result_is_not_probed_again_and_concurrent_callers_share_a_probe() {
        let dir = tempfile::tempdir().unwrap();
        let count = dir.path().join("count");
        let script = format!("echo x >> {}; sleep 0.2", count.display());
        let probe = Probe::exec(["sh", "-c", script.as_str()]);
        let cache = Arc::new(HealthCache::new());
        let calls: Vec<_> = (0..20)
            .map(|_| {
                let (cache, probe) = (cache.clone(), probe.clone());
                tokio::spawn(async move {
                    cache
                        .view(
                            "s",
                            Some(&probe),
                            Some(Duration::from_secs(60)),
                            Duration::ZERO,
                        )
                        .await
                })
            })
            .collect();
        for c in calls {
            assert_eq!(c.await.unwrap().state, HealthState::Healthy);
        }
        let runs = std::fs::read_to_string(&count).unwrap().lines().count();
        assert_eq!(runs, 1, "one probe for twenty callers");
    }
}
