//! [`StopProcess`]: stops a supervised process and its whole process group.
//!
//! Returns once no process of its group is left (the supervisor's `stop` guarantees it).
//! Fingerprint: the name. Fresh when the process is not running (stopped, exited, failed)
//! or not registered at all; a stop of an unregistered process succeeds with nothing to do.

use super::TaskOutput;
use super::{Freshness, LogStream, ResourceClass, TaskContext, TaskError, TaskKey, TaskKind};
use crate::graph::Fingerprint;
use crate::supervisor::{Supervisor, SupervisorError};

/// Stops process `name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StopProcess {
    /// The process.
    pub name: String,
}

impl StopProcess {
    /// Stops `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }

    /// The key of the stop of process `name` (`stop:hero_db_server`).
    pub fn key_for(name: &str) -> TaskKey {
        TaskKey::new(format!("stop:{name}"))
    }
}

impl TaskKind for StopProcess {
    const KIND: &'static str = "stop_process";

    fn key(&self) -> TaskKey {
        Self::key_for(&self.name)
    }

    fn label(&self) -> String {
        format!("stop {}", self.name)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Process
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("name", self.name.as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, ctx: &TaskContext, _recorded: &TaskOutput) -> Freshness {
        let Ok(sup) = ctx.supervisor() else {
            return Freshness::Stale("no supervisor to ask".to_string());
        };
        match sup.status(&self.name).await {
            Ok(s) if !s.state.is_active() => {
                Freshness::Fresh(format!("{} is already {}", self.name, s.state))
            }
            Ok(s) => Freshness::Stale(format!("{} is {}", self.name, s.state)),
            Err(SupervisorError::UnknownProcess { .. }) => {
                Freshness::Fresh(format!("{} is not registered", self.name))
            }
            Err(e) => Freshness::Stale(format!("the supervisor could not tell: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let sup = ctx.supervisor()?;
        match sup.stop(&self.name).await {
            Ok(_) => Ok(TaskOutput::None),
            Err(SupervisorError::UnknownProcess { .. }) => {
                ctx.log(
                    LogStream::Info,
                    format!("{} is not registered: nothing to stop", self.name),
                );
                Ok(TaskOutput::None)
            }
            Err(e) => {
                Err(TaskError::with_source(format!("could not stop {}", self.name), e).permanent())
            }
        }
    }
}
