//! [`TaskContext`]: what a running task can see and do besides its own fields.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Emitter, EventKind, PlanTask, ProgressUnit, TaskKey};

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

/// Handed to [`PlanTask::run`] and [`PlanTask::check_fresh`]: the outputs of the task's
/// direct dependencies, the way to report progress and log lines, and the environment the
/// task kinds share (`T::Env`: a state store, a supervisor — whatever the kinds need). A
/// task never prints; everything it wants shown goes through this context as events.
pub struct TaskContext<T: PlanTask> {
    key: TaskKey,
    attempt: u32,
    inputs: Arc<[(TaskKey, Arc<T::Output>)]>,
    emitter: Emitter,
    env: T::Env,
}

impl<T: PlanTask> TaskContext<T> {
    /// A context for one attempt of task `key` (the executor makes these; so can a test or
    /// a one-off use of a task kind, with [`Emitter::discard`]).
    pub fn new(
        key: TaskKey,
        attempt: u32,
        inputs: Arc<[(TaskKey, Arc<T::Output>)]>,
        emitter: Emitter,
        env: T::Env,
    ) -> Self {
        Self {
            key,
            attempt,
            inputs,
            emitter,
            env,
        }
    }

    /// The key of the task this context belongs to.
    pub fn key(&self) -> &TaskKey {
        &self.key
    }

    /// The run the task is part of (`None` for a task run on its own).
    pub fn run_id(&self) -> Option<super::RunId> {
        let id = self.emitter.run_id();
        (!id.is_nil()).then_some(id)
    }

    /// Which attempt this is (1 for the first).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The outputs of the task's direct dependencies, in the order the edges were added.
    pub fn inputs(&self) -> impl Iterator<Item = (&TaskKey, &T::Output)> {
        self.inputs.iter().map(|(k, o)| (k, o.as_ref()))
    }

    /// The output of the direct dependency `key`, if there is such a dependency.
    pub fn input(&self, key: &TaskKey) -> Option<&T::Output> {
        self.inputs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, o)| o.as_ref())
    }

    /// The environment the task kinds share.
    pub fn env(&self) -> &T::Env {
        &self.env
    }

    /// Reports progress: `done` of `total` bytes, with an optional message.
    pub fn progress(&self, done: u64, total: Option<u64>, message: Option<String>) {
        self.progress_in(ProgressUnit::Bytes, done, total, message);
    }

    /// Reports progress counted in `unit` (steps of a build, milliseconds of a wait).
    pub fn progress_in(
        &self,
        unit: ProgressUnit,
        done: u64,
        total: Option<u64>,
        message: Option<String>,
    ) {
        self.emitter.emit(EventKind::TaskProgressed {
            task: self.key.clone(),
            done,
            total,
            message,
            unit,
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
