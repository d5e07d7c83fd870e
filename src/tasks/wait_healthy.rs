//! [`WaitHealthy`]: waits until a service passes a health probe.
//!
//! Never cached: whether a service is healthy is a fact about now, so the check always
//! runs. The wait is its own retry (it polls until its deadline), so a failure is permanent
//! and the executor does not try again. While waiting it reports what it sees
//! (`waiting for /health: 503 Service Unavailable: {"status":"starting"}`) at most every
//! [`PROGRESS_EVERY`].

use std::time::{Duration, Instant};

use super::{
    Freshness, LogStream, ResourceClass, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput,
};
use crate::graph::Fingerprint;
use crate::health::{Probe, wait_healthy};

/// How often a wait reports progress at most.
pub const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Headroom over the wait's own timeout given to the executor's per-attempt timeout, so the
/// wait always ends with its own, more telling, error.
const TIMEOUT_GRACE: Duration = Duration::from_secs(5);

/// Waits up to `timeout` for `service` to pass `probe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitHealthy {
    /// The service waited for (`hero_db`): names the task.
    pub service: String,
    /// What healthy means.
    pub probe: Probe,
    /// How long to wait.
    pub timeout: Duration,
}

impl WaitHealthy {
    /// Waits up to `timeout` for `service` to pass `probe`.
    pub fn new(service: impl Into<String>, probe: Probe, timeout: Duration) -> Self {
        Self {
            service: service.into(),
            probe,
            timeout,
        }
    }

    /// The key of the wait for `service` (`healthy:hero_db`): what a dependent service's
    /// start is ordered after.
    pub fn key_for(service: &str) -> TaskKey {
        TaskKey::new(format!("healthy:{service}"))
    }
}

impl TaskKind for WaitHealthy {
    const KIND: &'static str = "wait_healthy";

    fn key(&self) -> TaskKey {
        Self::key_for(&self.service)
    }

    fn label(&self) -> String {
        format!("wait for {} to be healthy", self.service)
    }

    /// A wait is cached like any task: when nothing before it changed and one probe passes
    /// now, there is nothing to wait for (a second deploy reports it up to date).
    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("service", self.service.as_bytes());
        fp.field("probe", self.probe.target().as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, _recorded: &TaskOutput) -> Freshness {
        let result = self.probe.check().await;
        if result.healthy {
            Freshness::Fresh(format!("{} is healthy ({})", self.service, result.detail))
        } else {
            Freshness::Stale(format!(
                "{} is not healthy yet: {}",
                self.service, result.detail
            ))
        }
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Probe
    }

    fn timeout(&self) -> Option<Duration> {
        Some(self.timeout.saturating_add(TIMEOUT_GRACE))
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let target = self.probe.target();
        let mut last_report: Option<Instant> = None;
        let waited = wait_healthy(&self.probe, self.timeout, |result, attempt| {
            if result.healthy || last_report.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
                return;
            }
            last_report = Some(Instant::now());
            ctx.progress(
                u64::from(attempt),
                None,
                Some(format!("waiting for {target}: {}", result.detail)),
            );
        })
        .await
        .map_err(|e| {
            TaskError::with_source(format!("{} did not become healthy", self.service), e)
                .permanent()
        })?;
        let waited_ms = millis(waited.elapsed);
        ctx.log(
            LogStream::Info,
            format!(
                "{} healthy after {waited_ms} ms ({} probes): {}",
                self.service, waited.attempts, waited.result.detail
            ),
        );
        Ok(TaskOutput::Health {
            healthy: true,
            latency_ms: millis(waited.result.latency),
            detail: waited.result.detail,
            snippet: waited.result.snippet,
            attempts: waited.attempts,
            waited_ms,
        })
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
