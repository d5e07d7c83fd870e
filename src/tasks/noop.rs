//! [`Noop`]: a task that does nothing, optionally for a while.
//!
//! Used as a barrier that groups other tasks ("all of hero_db is installed"), and by tests
//! and benchmarks as work of a known duration. Never cached: it always "runs".

use std::time::Duration;

use super::{TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};

/// Does nothing for `duration` (zero by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Noop {
    /// The task's key.
    pub key: TaskKey,
    /// What it stands for; the key when empty.
    pub label: String,
    /// How long it takes.
    pub duration: Duration,
}

impl Noop {
    /// An instant no-op named `key`.
    pub fn new(key: impl Into<TaskKey>) -> Self {
        Self {
            key: key.into(),
            label: String::new(),
            duration: Duration::ZERO,
        }
    }

    /// Sets the label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Makes it take `duration`.
    pub fn lasting(mut self, duration: Duration) -> Self {
        self.duration = duration;
        self
    }
}

impl TaskKind for Noop {
    const KIND: &'static str = "noop";

    fn key(&self) -> TaskKey {
        self.key.clone()
    }

    fn label(&self) -> String {
        if self.label.is_empty() {
            self.key.to_string()
        } else {
            self.label.clone()
        }
    }

    async fn run(&self, _ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        if !self.duration.is_zero() {
            tokio::time::sleep(self.duration).await;
        }
        Ok(TaskOutput::None)
    }
}
