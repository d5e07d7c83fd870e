//! [`RegisterProcess`]: registers (or updates) a process spec with the supervisor.
//!
//! Fingerprint: the spec's digest. Fresh when the supervisor still knows the process with
//! an equal spec (`Supervisor::spec`); stale when it forgot it (a removed process, another
//! state store) or holds another spec. Output: [`TaskOutput::Registered`] with the spec's
//! digest, so the start task after it becomes dirty exactly when the spec changed.
//!
//! Registering does not touch a running instance: the new spec applies from its next start
//! (the start task restarts it because its input changed).

use super::{Freshness, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::graph::Fingerprint;
use crate::supervisor::{ProcessSpec, Supervisor};

/// Registers `spec` with the run's supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterProcess {
    /// The spec to register.
    pub spec: ProcessSpec,
}

impl RegisterProcess {
    /// Registers `spec`.
    pub fn new(spec: ProcessSpec) -> Self {
        Self { spec }
    }

    /// The key of the registration of process `name` (`register:hero_db_server`).
    pub fn key_for(name: &str) -> TaskKey {
        TaskKey::new(format!("register:{name}"))
    }
}

impl TaskKind for RegisterProcess {
    const KIND: &'static str = "register_process";

    fn key(&self) -> TaskKey {
        Self::key_for(&self.spec.name)
    }

    fn label(&self) -> String {
        format!("register {}", self.spec.name)
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("spec", self.spec.digest().as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, ctx: &TaskContext, _recorded: &TaskOutput) -> Freshness {
        let Ok(sup) = ctx.supervisor() else {
            return Freshness::Stale("no supervisor to ask".to_string());
        };
        match sup.spec(&self.spec.name).await {
            Ok(Some(spec)) if spec == self.spec => {
                Freshness::Fresh(format!("{} is registered with this spec", self.spec.name))
            }
            Ok(Some(_)) => {
                Freshness::Stale(format!("the registered spec of {} differs", self.spec.name))
            }
            Ok(None) => Freshness::Stale(format!("{} is not registered", self.spec.name)),
            Err(e) => Freshness::Stale(format!("the supervisor could not tell: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let sup = ctx.supervisor()?;
        sup.register(self.spec.clone()).await.map_err(|e| {
            TaskError::with_source(format!("could not register {}", self.spec.name), e).permanent()
        })?;
        Ok(TaskOutput::Registered {
            name: self.spec.name.clone(),
            spec_sha256: self.spec.digest(),
        })
    }
}
