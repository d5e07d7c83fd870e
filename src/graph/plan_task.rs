//! [`PlanTask`]: what the engine needs of a task — the whole interface between the engine
//! and the tasks it runs. The engine runs any type that provides it and knows no concrete
//! task; hero_svc's own kinds are the closed [`Task`](crate::tasks::Task) enum.

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Fingerprint, Freshness, ResourceClass, RetryPolicy, TaskContext, TaskError, TaskKey};

/// A task a plan can hold and the executor can run.
///
/// Equality matters: a [`PlanBuilder`](super::PlanBuilder) adding a task under a key it
/// already has keeps one task when the two are equal and refuses the plan when they differ.
pub trait PlanTask: Clone + Debug + PartialEq + Send + Sync + 'static {
    /// What running it produces: recorded with the fingerprint (so an up-to-date task still
    /// hands its output on) and given to every direct dependent.
    type Output: TaskOutcome;
    /// What every task of a run can reach besides its inputs (a store, a supervisor).
    type Env: Clone + Send + Sync + 'static;

    /// The kind's stable name, as reports show it (`command`, `write_file`, …).
    fn kind(&self) -> &'static str;

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
    fn fingerprint(&self, ctx: &TaskContext<Self>) -> Option<Fingerprint>;

    /// Whether `recorded`, the output of the last successful run with the same fingerprint,
    /// is still there and valid. Only asked when the fingerprints match.
    fn check_fresh(
        &self,
        ctx: &TaskContext<Self>,
        recorded: &Self::Output,
    ) -> impl Future<Output = Freshness> + Send;

    /// How failures are retried.
    fn retry(&self) -> RetryPolicy {
        RetryPolicy::never()
    }

    /// How long one attempt may take (`None`: the executor's default).
    fn timeout(&self) -> Option<Duration> {
        None
    }

    /// Does the work. Dropping the future cancels it: a task must clean up after itself on
    /// drop (kill its processes, remove its temp files).
    fn run(
        &self,
        ctx: &TaskContext<Self>,
    ) -> impl Future<Output = Result<Self::Output, TaskError>> + Send;
}

/// What a task produces, as the engine sees it.
pub trait TaskOutcome:
    Clone + Debug + Default + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// A digest mixed into the fingerprints of the task's dependents: a dependent runs
    /// again when this changes, and only then (early cut-off).
    fn digest(&self) -> Fingerprint;

    /// A short line for reports and events, if there is something to say.
    fn summary(&self) -> Option<String>;
}
