//! [`TaskKind`]: the interface every task struct implements.

use std::future::Future;
use std::time::Duration;

use super::{Freshness, ResourceClass, RetryPolicy, TaskContext, TaskError, TaskKey, TaskOutput};
use crate::graph::Fingerprint;

/// What a task kind tells the planner and the executor. Implemented by each struct in
/// `src/tasks/`; the [`Task`](super::Task) enum dispatches to it and so provides the
/// engine's [`PlanTask`](crate::graph::PlanTask).
pub trait TaskKind {
    /// The kind's stable name, as it appears in reports (`command`, `write_file`, …).
    const KIND: &'static str;

    /// The stable identity of this task (see [`TaskKey`]).
    fn key(&self) -> TaskKey;

    /// What a person reads in progress lines and reports.
    fn label(&self) -> String;

    /// The concurrency limit the task counts against.
    fn resource(&self) -> ResourceClass {
        ResourceClass::Light
    }

    /// A digest of the inputs that matter, or `None` for a task that always runs. The
    /// executor combines it with the digests of the dependencies' outputs.
    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        None
    }

    /// Whether `recorded`, the output of the last successful run with the same fingerprint,
    /// is still there and valid. Only asked when the fingerprints match.
    fn check_fresh(
        &self,
        _ctx: &TaskContext,
        _recorded: &TaskOutput,
    ) -> impl Future<Output = Freshness> + Send {
        async { Freshness::Fresh("inputs unchanged".to_string()) }
    }

    /// How failures are retried (default: they are not).
    fn retry(&self) -> RetryPolicy {
        RetryPolicy::never()
    }

    /// How long one attempt may take (default: the executor's default timeout).
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// Does the work. Dropping the future cancels it: a task must clean up after itself on
    /// drop (kill its processes, remove its temp files).
    fn run(&self, ctx: &TaskContext) -> impl Future<Output = Result<TaskOutput, TaskError>> + Send;
}
