//! [`TaskContext`]: what a running task can see and do besides its own fields.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Artifact, TaskKey, TaskOutput};
use super::{TaskEnv, TaskError};
use crate::graph::{Emitter, EventKind};
use crate::state::StateStore;
use crate::supervisor::AnySupervisor;

/// Where a logged line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    /// A child process's standard output.
    Stdout,
    /// A child process's standard error.
    Stderr,
    /// A note from the task itself.
    Info,
}

/// Handed to [`TaskKind::run`](super::TaskKind::run) and
/// [`TaskKind::check_fresh`](super::TaskKind::check_fresh): the outputs of the task's direct
/// dependencies, the way to report progress and log lines, and the shared run environment.
/// A task never prints; everything it wants shown goes through this context as events.
pub struct TaskContext {
    key: TaskKey,
    attempt: u32,
    inputs: Arc<[(TaskKey, Arc<TaskOutput>)]>,
    emitter: Emitter,
    env: TaskEnv,
}

impl TaskContext {
    /// A context for the executor to hand to one attempt of a task.
    pub(crate) fn new(
        key: TaskKey,
        attempt: u32,
        inputs: Arc<[(TaskKey, Arc<TaskOutput>)]>,
        emitter: Emitter,
        env: TaskEnv,
    ) -> Self {
        Self {
            key,
            attempt,
            inputs,
            emitter,
            env,
        }
    }

    /// A context outside any run, with no inputs and events going nowhere: for using a task
    /// kind on its own (tests, one-off checks).
    pub fn detached(key: TaskKey, store: StateStore) -> Self {
        Self::new(
            key,
            1,
            Arc::from(Vec::new()),
            Emitter::discard(),
            TaskEnv::new(store),
        )
    }

    /// The key of the task this context belongs to.
    pub fn key(&self) -> &TaskKey {
        &self.key
    }

    /// Which attempt this is (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The outputs of the task's direct dependencies, in the order the edges were added.
    pub fn inputs(&self) -> impl Iterator<Item = (&TaskKey, &TaskOutput)> {
        self.inputs.iter().map(|(k, o)| (k, o.as_ref()))
    }

    /// The output of the direct dependency `key`, if there is such a dependency.
    pub fn input(&self, key: &TaskKey) -> Option<&TaskOutput> {
        self.inputs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, o)| o.as_ref())
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
        self.env.store()
    }

    /// The process supervisor (runs hosted by the daemon have one; others get an error
    /// that says so).
    pub fn supervisor(&self) -> Result<&AnySupervisor, TaskError> {
        self.env.supervisor()
    }

    /// Reports progress: `done` of `total` units (bytes, steps), with an optional message.
    pub fn progress(&self, done: u64, total: Option<u64>, message: Option<String>) {
        self.emitter.emit(EventKind::TaskProgressed {
            task: self.key.clone(),
            done,
            total,
            message,
        });
    }

    /// Logs one line of output.
    pub fn log(&self, stream: LogStream, line: impl Into<String>) {
        self.emitter.emit(EventKind::TaskLogged {
            task: self.key.clone(),
            stream,
            line: line.into(),
        });
    }

    /// Tells watchers the task is waiting for something outside the plan (a lock, a slot).
    pub fn waiting(&self, reason: impl Into<String>) {
        self.emitter.emit(EventKind::TaskWaiting {
            task: self.key.clone(),
            reason: reason.into(),
        });
    }
}
