//! [`PlanError`]: why a plan was refused before anything ran.

use super::TaskKey;

/// A plan that cannot run. Found by [`PlanBuilder::build`](super::PlanBuilder::build).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The edges form a cycle; `cycle` lists it with its first task repeated at the end.
    #[error("dependency cycle: {}", render_cycle(.cycle))]
    Cycle {
        /// The tasks of the cycle in edge order, first one repeated last.
        cycle: Vec<TaskKey>,
    },
    /// An edge names a task that was never added.
    #[error("`{before}` → `{after}` refers to `{missing}`, which is not in the plan")]
    MissingTask {
        /// The edge's first end.
        before: TaskKey,
        /// The edge's second end.
        after: TaskKey,
        /// The end that does not exist.
        missing: TaskKey,
    },
    /// A fallback is malformed: its tail is not in its branch, it overlaps the primary
    /// way, or one of its tasks feeds a task outside it.
    #[error(
        "the fallback `{fallback}` of `{primary}` is malformed: its branch must hold its tail, stay apart from the primary way, and feed nothing outside itself"
    )]
    InvalidFallback {
        /// The primary way's last task.
        primary: TaskKey,
        /// The fallback's last task.
        fallback: TaskKey,
    },
    /// Two different tasks were added under one key.
    #[error("two different tasks were added under the key `{key}`")]
    ConflictingTasks {
        /// The key.
        key: TaskKey,
    },
}

fn render_cycle(cycle: &[TaskKey]) -> String {
    cycle
        .iter()
        .map(TaskKey::as_str)
        .collect::<Vec<_>>()
        .join(" → ")
}
