//! [`StartProcess`]: starts a registered process through the supervisor.
//!
//! Fingerprint: the process name and the restart flag; the executor mixes in the outputs of
//! the task's dependencies — normally the [`RegisterProcess`](super::RegisterProcess) of the
//! same process (the spec's digest) and the install of its binary (its sha256), plus the
//! health waits of the services it depends on (whose digest is only "healthy"). Fresh when
//! those are unchanged and the process is running: a deploy that changed nothing restarts
//! nothing. Stale when it is not running (stopped, exited, failed, in backoff).
//!
//! When it runs while the process is running, its inputs changed (or it never ran with this
//! state store): with `restart_if_running_on_changed_input` it restarts the process (a new
//! binary or spec takes effect), without it the running instance is left alone. A process in
//! backoff is restarted at once rather than after its delay.
//!
//! The starts of `start` and `restart` are [`ensure_running`](StartProcess::ensure_running):
//! never cached, never restarting a running instance, and leaving the deploy's record alone
//! (so a deploy after a restart is up to date).
//!
//! Output: [`TaskOutput::Process`]. Its digest covers only the name, so restarting a
//! process does not make the tasks after it dirty; dependents restart only when their own
//! inputs change.

use chrono::Utc;

use super::{Freshness, LogStream, ResourceClass, TaskContext, TaskError, TaskKey, TaskKind};
use super::{LOG_TAIL_LINES, TaskOutput};
use crate::graph::Fingerprint;
use crate::supervisor::{ProcessState, ProcessStatus, Supervisor, SupervisorError};

/// Starts process `name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartProcess {
    /// The registered process.
    pub name: String,
    /// Restart a running instance when the task's inputs changed (a new binary or spec).
    pub restart_if_running_on_changed_input: bool,
    /// Record the inputs it ran with, so that the next run with the same inputs is up to
    /// date. Off for the starts of `start` and `restart`: they (re)run what a deploy
    /// installed, with narrower inputs (no install), and recording those would make the
    /// next deploy see a change and restart the service once more.
    pub recorded: bool,
}

impl StartProcess {
    /// Starts `name`, restarting a running instance when its inputs changed.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            restart_if_running_on_changed_input: true,
            recorded: true,
        }
    }

    /// A start that only makes sure `name` runs: it always checks, leaves a running
    /// instance alone, and records nothing (see [`recorded`](Self::recorded)).
    pub fn ensure_running(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            restart_if_running_on_changed_input: false,
            recorded: false,
        }
    }

    /// The key of the start of process `name` (`start:hero_db_server`).
    pub fn key_for(name: &str) -> TaskKey {
        TaskKey::new(format!("start:{name}"))
    }

    fn failed(&self, what: &str, e: SupervisorError) -> TaskError {
        TaskError::with_source(format!("could not {what} {}", self.name), e).permanent()
    }
}

impl TaskKind for StartProcess {
    const KIND: &'static str = "start_process";

    fn key(&self) -> TaskKey {
        Self::key_for(&self.name)
    }

    fn label(&self) -> String {
        format!("start {}", self.name)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Process
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        if !self.recorded {
            return None;
        }
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("name", self.name.as_bytes());
        fp.field(
            "restart",
            &[u8::from(self.restart_if_running_on_changed_input)],
        );
        Some(fp.finish())
    }

    async fn check_fresh(&self, ctx: &TaskContext, _recorded: &TaskOutput) -> Freshness {
        let Ok(sup) = ctx.supervisor() else {
            return Freshness::Stale("no supervisor to ask".to_string());
        };
        match sup.status(&self.name).await {
            Ok(ProcessStatus {
                state: ProcessState::Running,
                pid: Some(pid),
                ..
            }) => Freshness::Fresh(format!(
                "{} is running (pid {pid}) and its binary and spec are unchanged",
                self.name
            )),
            Ok(status) => Freshness::Stale(format!("{} is {}", self.name, status.state)),
            Err(e) => Freshness::Stale(format!("the supervisor could not tell: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let sup = ctx.supervisor()?;
        let before = sup
            .status(&self.name)
            .await
            .map_err(|e| self.failed("start", e))?;
        let result = match before.state {
            ProcessState::Running if self.restart_if_running_on_changed_input => {
                ctx.log(
                    LogStream::Info,
                    format!(
                        "restarting {} (pid {}): its inputs changed",
                        self.name,
                        before.pid.unwrap_or_default()
                    ),
                );
                sup.restart(&self.name).await
            }
            ProcessState::Running => {
                ctx.log(
                    LogStream::Info,
                    format!("{} keeps running: restart on change is off", self.name),
                );
                Ok(before)
            }
            ProcessState::Backoff => sup.restart(&self.name).await,
            _ => sup.start(&self.name).await,
        };
        let status = match result {
            Ok(status) => status,
            Err(e) => {
                let tail = sup
                    .logs(&self.name, LOG_TAIL_LINES)
                    .await
                    .unwrap_or_default();
                return Err(self.failed("start", e).with_log_tail(tail));
            }
        };
        let Some(pid) = status.pid else {
            return Err(TaskError::new(format!(
                "{} is {} after its start{}; see its log",
                self.name,
                status.state,
                status
                    .error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ))
            .with_log_tail(status.last_log_lines)
            .permanent());
        };
        let uptime = status.uptime.unwrap_or_default();
        let started_at = Utc::now() - chrono::Duration::from_std(uptime).unwrap_or_default();
        Ok(TaskOutput::Process {
            name: self.name.clone(),
            pid,
            started_at,
        })
    }
}
