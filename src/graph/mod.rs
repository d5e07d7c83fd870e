//! The engine: plans and the executor that runs them, generic over the tasks they hold.
//!
//! The engine knows no concrete task. [`PlanTask`] is the whole interface a task type
//! provides (key, label, kind, resource class, fingerprint, freshness check, retry policy,
//! timeout, and an async run given a [`TaskContext`]); hero_svc's task kinds are the
//! closed [`Task`](crate::tasks::Task) enum built on it, and the engine's own tests run a
//! toy task type of their own. The flow, in the order the types are met:
//!
//! 1. [`PlanBuilder`] collects tasks (deduped by [`TaskKey`]) and edges.
//! 2. [`PlanBuilder::build`] checks everything before anything runs (missing tasks,
//!    conflicting tasks under one key, cycles named as `a → b → c → a`) and yields a
//!    [`Plan`], which renders as a tree, Graphviz DOT, JSON or an SVG picture
//!    ([`Plan::to_svg`]: layout-rs for plans people read, a layered layout of its own for
//!    big ones).
//! 3. [`Executor::run`] runs a plan: ready-set scheduling under global and per-class
//!    limits ([`ResourceClass`]), fingerprint caching through the [state store](crate::state)
//!    ([`Freshness`] says why a task runs or is up to date), per-task timeouts and retries
//!    ([`RetryPolicy`]), failure propagation ([`TaskError`]), cancellation.
//! 4. Everything the executor does is an [`Event`] handed to an [`EventSink`]; reporters
//!    (terminal, JSON, RPC) are only consumers of events.
//! 5. The run ends with an [`ExecutionReport`]: versioned, serializable, with the critical
//!    path, stored in the state store; [`ExecutionReport::to_svg`] draws it as a Gantt
//!    chart.
//!
//! Floor: above the mechanisms and [`install`](crate::install); it uses only
//! [`state`](crate::state) and [`util`](crate::util). [`tasks`](crate::tasks) is built on it.

mod events;
mod executor;
mod executor_config;
mod fingerprint;
mod freshness;
mod plan;
mod plan_builder;
mod plan_error;
mod plan_layout;
mod plan_svg;
mod plan_task;
mod report;
mod report_svg;
mod resource_class;
mod retry_policy;
mod svg;
mod task_context;
mod task_error;
mod task_key;
#[cfg(test)]
pub(crate) mod toy_task;

pub use events::{Emitter, Event, EventKind, EventSink, ProgressUnit, RunId};
pub use executor::{Executor, RunRequest, panic_message};
pub use executor_config::ExecutorConfig;
pub use fingerprint::{Fingerprint, FingerprintBuilder};
pub use freshness::Freshness;
pub use plan::{FallbackBranch, Plan, PlanFormat, PlanGroup, PlanNode};
pub use plan_builder::{Fallback, PlanBuilder};
pub use plan_error::PlanError;
pub use plan_task::{PlanTask, TaskOutcome};
pub use report::{
    CriticalPath, CriticalStep, ExecutionReport, REPORT_VERSION, RunStatus, TaskRecord, TaskReport,
    TaskStatus, Totals,
};
pub use resource_class::ResourceClass;
pub use retry_policy::RetryPolicy;
pub use task_context::{LogStream, TaskContext};
pub use task_error::{BoxError, TaskError};
pub use task_key::TaskKey;
