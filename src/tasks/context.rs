//! What a running hero_svc task can reach through its [`TaskContext`] besides the engine's
//! own (inputs, progress, log lines): the state store, the supervisor, and the typed
//! outputs of the pipelines (an artifact, a checkout) among its inputs.

use std::sync::Arc;

use super::{Artifact, Task, TaskContext, TaskEnv, TaskError, TaskKey, TaskOutput};
use crate::graph::Emitter;
use crate::state::StateStore;
use crate::supervisor::AnySupervisor;

impl crate::graph::TaskContext<Task> {
    /// A context outside any run, with no inputs and events going nowhere: for using a task
    /// kind on its own (tests, one-off checks).
    pub fn detached(key: TaskKey, store: StateStore) -> TaskContext {
        TaskContext::new(
            key,
            1,
            Arc::from(Vec::new()),
            Emitter::discard(),
            TaskEnv::new(store),
        )
    }

    /// The artifact of `binary` among the outputs of the direct dependencies (a download,
    /// a build of several binaries, an ELF check).
    pub fn input_artifact(&self, binary: &str) -> Option<&Artifact> {
        self.inputs().find_map(|(_, out)| out.artifact(binary))
    }

    /// The first checked-out working tree among the outputs of the direct dependencies:
    /// (url, path, commit, reference).
    pub fn input_checkout(&self) -> Option<(&str, &std::path::Path, &str, &str)> {
        self.inputs().find_map(|(_, out)| match out {
            TaskOutput::Checkout {
                url,
                path,
                commit,
                reference,
            } => Some((
                url.as_str(),
                path.as_path(),
                commit.as_str(),
                reference.as_str(),
            )),
            _ => None,
        })
    }

    /// The state store of the run (installed versions, records).
    pub fn store(&self) -> &StateStore {
        self.env().store()
    }

    /// The process supervisor (runs hosted by the daemon have one; others get an error
    /// that says so).
    pub fn supervisor(&self) -> Result<&AnySupervisor, TaskError> {
        self.env().supervisor()
    }
}
