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
use crate::health::{Probe, wait_healthy_while};
use crate::supervisor::{ProcessState, Supervisor};

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
    /// The supervised processes that must answer: when one of them fails or exits, the
    /// wait ends at once with the supervisor's reason (empty: wait out the timeout).
    pub processes: Vec<String>,
}

impl WaitHealthy {
    /// Waits up to `timeout` for `service` to pass `probe`.
    pub fn new(service: impl Into<String>, probe: Probe, timeout: Duration) -> Self {
        Self {
            service: service.into(),
            probe,
            timeout,
            processes: Vec::new(),
        }
    }

    /// Ends the wait early when one of `processes` fails or exits.
    pub fn watching<I, S>(mut self, processes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.processes = processes.into_iter().map(Into::into).collect();
        self
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
        let started = Instant::now();
        let timeout_ms = millis(self.timeout);
        let tail = std::sync::Mutex::new(Vec::new());
        let (tail_ref, processes) = (&tail, &self.processes);
        let waited = wait_healthy_while(
            &self.probe,
            self.timeout,
            |result, _attempt| {
                if result.healthy || last_report.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
                    return;
                }
                last_report = Some(Instant::now());
                ctx.progress_in(
                    crate::graph::ProgressUnit::Millis,
                    millis(started.elapsed()).min(timeout_ms),
                    Some(timeout_ms),
                    Some(format!("waiting for {target}: {}", result.detail)),
                );
            },
            || async move {
                let (reason, lines) = not_coming(ctx, processes).await?;
                *tail_ref.lock().unwrap_or_else(|e| e.into_inner()) = lines;
                Some(reason)
            },
        )
        .await
        .map_err(|e| {
            TaskError::with_source(format!("{} did not become healthy", self.service), e)
                .with_log_tail(std::mem::take(
                    &mut *tail.lock().unwrap_or_else(|e| e.into_inner()),
                ))
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

/// Why waiting for `processes` to answer cannot help any more — one of them failed, exited
/// or was stopped — with its last log lines; `None` while they run or may run again.
pub(crate) async fn not_coming(
    ctx: &TaskContext,
    processes: &[String],
) -> Option<(String, Vec<String>)> {
    let supervisor = ctx.supervisor().ok()?;
    for name in processes {
        let Ok(status) = supervisor.status(name).await else {
            continue;
        };
        if matches!(
            status.state,
            ProcessState::Failed | ProcessState::Exited | ProcessState::Stopped
        ) {
            let why = status
                .error
                .clone()
                .or_else(|| status.last_exit.map(|e| e.to_string()))
                .unwrap_or_else(|| "no reason given".to_string());
            let lines = if status.last_log_lines.is_empty() {
                supervisor.logs(name, 20).await.unwrap_or_default()
            } else {
                status.last_log_lines.clone()
            };
            return Some((
                format!("its process {name} is {}: {why}", status.state),
                lines,
            ));
        }
    }
    None
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
