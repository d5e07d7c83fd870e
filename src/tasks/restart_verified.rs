//! [`RestartVerified`]: restarts a service on new binaries and rolls back if it does not
//! become healthy — the heart of an upgrade.
//!
//! Runs after the new binaries were installed. It restarts the service's processes and
//! waits for its health probe. If the service does not become healthy in time, it restores
//! the previous binaries (kept by the install), restarts on them, waits for health again,
//! and fails with *rolled back*, the failing health result and the last log lines — so the
//! service keeps serving on the old version and the report says why the new one was
//! refused.
//!
//! Fingerprint: the service and its processes; the executor mixes in the installs' outputs,
//! so an upgrade that installed nothing new does not restart anything (fresh while every
//! process runs).

use std::path::PathBuf;
use std::time::Duration;

use super::{
    Freshness, LogStream, ResourceClass, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput,
};
use crate::graph::Fingerprint;
use crate::health::{Probe, wait_healthy_while};
use crate::install::rollback_recorded;
use crate::supervisor::{ProcessState, Supervisor};

/// How many log lines a rolled-back upgrade reports.
const LOG_LINES: usize = 30;

/// Restarts `processes` of `service` and checks `probe`; rolls `binaries` back on failure.
#[derive(Clone, Debug, PartialEq)]
pub struct RestartVerified {
    /// The service.
    pub service: String,
    /// Its supervised processes (registered).
    pub processes: Vec<String>,
    /// Its installed binaries (rolled back on failure).
    pub binaries: Vec<String>,
    /// The bin dir.
    pub bin_dir: PathBuf,
    /// Its health probe (`None`: running is enough).
    pub probe: Option<Probe>,
    /// How long it may take to become healthy.
    pub timeout: Duration,
}

impl RestartVerified {
    /// The key of the verified restart of `service`.
    pub fn key_for(service: &str) -> TaskKey {
        TaskKey::new(format!("upgrade:{service}"))
    }

    async fn restart_and_check(&self, ctx: &TaskContext) -> Result<String, String> {
        let supervisor = ctx.supervisor().map_err(|e| e.to_string())?;
        for p in &self.processes {
            supervisor
                .restart(p)
                .await
                .map_err(|e| format!("could not restart {p}: {e}"))?;
        }
        match &self.probe {
            Some(probe) => wait_healthy_while(
                probe,
                self.timeout,
                |_, _| {},
                || async {
                    super::wait_healthy::not_coming(ctx, &self.processes)
                        .await
                        .map(|(r, _)| r)
                },
            )
            .await
            .map(|h| h.result.detail)
            .map_err(|e| e.to_string()),
            None => Ok("running".to_string()),
        }
    }

    async fn log_tail(&self, ctx: &TaskContext) -> Vec<String> {
        let Ok(supervisor) = ctx.supervisor() else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        for p in &self.processes {
            if let Ok(l) = supervisor.logs(p, LOG_LINES).await {
                lines.extend(l.into_iter().map(|l| format!("{p}: {l}")));
            }
        }
        lines
    }
}

impl TaskKind for RestartVerified {
    const KIND: &'static str = "restart_verified";

    fn key(&self) -> TaskKey {
        Self::key_for(&self.service)
    }

    fn label(&self) -> String {
        format!("restart {} on the new version", self.service)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Process
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("service", self.service.as_bytes());
        for p in &self.processes {
            fp.field("process", p.as_bytes());
        }
        Some(fp.finish())
    }

    async fn check_fresh(&self, ctx: &TaskContext, _recorded: &TaskOutput) -> Freshness {
        let Ok(supervisor) = ctx.supervisor() else {
            return Freshness::Stale("no supervisor".to_string());
        };
        for p in &self.processes {
            match supervisor.status(p).await {
                Ok(s) if s.state == ProcessState::Running => {}
                Ok(s) => return Freshness::Stale(format!("{p} is {:?}", s.state).to_lowercase()),
                Err(e) => return Freshness::Stale(e.to_string()),
            }
        }
        Freshness::Fresh(format!("{} runs the installed version", self.service))
    }

    fn timeout(&self) -> Option<Duration> {
        // Two restarts and two health waits at most.
        Some(self.timeout * 2 + Duration::from_secs(60))
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let failure = match self.restart_and_check(ctx).await {
            Ok(detail) => {
                return Ok(TaskOutput::Health {
                    healthy: true,
                    latency_ms: 0,
                    detail,
                    snippet: String::new(),
                    attempts: 1,
                    waited_ms: 0,
                });
            }
            Err(f) => f,
        };
        let tail = self.log_tail(ctx).await;
        ctx.log(
            LogStream::Info,
            format!(
                "the new version of {} is not healthy ({failure}); rolling back",
                self.service
            ),
        );
        let (store, bin_dir, service, binaries) = (
            ctx.store().clone(),
            self.bin_dir.clone(),
            self.service.clone(),
            self.binaries.clone(),
        );
        let restored = tokio::task::spawn_blocking(move || {
            binaries
                .iter()
                .map(|b| rollback_recorded(&store, &service, &bin_dir, b).map(|r| r.version))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| TaskError::with_source("the rollback panicked", e))?;
        let versions = match restored {
            Ok(v) => v,
            Err(e) => {
                return Err(TaskError::with_source(
                    format!(
                        "upgrade of {} failed ({failure}) and the previous binaries could not be restored",
                        self.service
                    ),
                    e,
                )
                .with_log_tail(tail)
                .permanent());
            }
        };
        let after = match self.restart_and_check(ctx).await {
            Ok(_) => "the previous version is running and healthy".to_string(),
            Err(e) => format!("the previous version is not healthy either: {e}"),
        };
        Err(TaskError::new(format!(
            "upgrade of {} rolled back to {}: the new version was not healthy ({failure}); {after}",
            self.service,
            versions.join(", ")
        ))
        .with_log_tail(tail)
        .permanent())
    }
}
