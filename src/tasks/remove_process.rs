//! [`RemoveProcess`]: stops a process and makes the supervisor forget it (its logs stay).

use super::{ResourceClass, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::supervisor::{Supervisor, SupervisorError};

/// Forgets process `name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoveProcess {
    /// The process.
    pub name: String,
}

impl RemoveProcess {
    /// Forgets `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
        }
    }
}

impl TaskKind for RemoveProcess {
    const KIND: &'static str = "remove_process";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("remove:{}", self.name))
    }

    fn label(&self) -> String {
        format!("forget {}", self.name)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Process
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        match ctx.supervisor()?.remove(&self.name).await {
            Ok(()) | Err(SupervisorError::UnknownProcess { .. }) => Ok(TaskOutput::None),
            Err(e) => Err(TaskError::with_source(
                format!("could not remove {}", self.name),
                e,
            )),
        }
    }
}
