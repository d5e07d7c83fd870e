//! Plans and the engine that runs them.
//!
//! Every operation compiles into a [`Plan`]: a DAG of typed [`Task`](crate::tasks::Task)s
//! with "A before B" edges. The flow, in the order the types are met:
//!
//! 1. [`PlanBuilder`] collects tasks (deduped by key) and edges.
//! 2. [`PlanBuilder::build`] checks everything before anything runs (missing tasks,
//!    conflicting tasks under one key, cycles named as `a → b → c → a`) and yields a
//!    [`Plan`], which renders as a tree, Graphviz DOT or JSON.
//! 3. [`Executor::run`] runs a plan: ready-set scheduling under global and per-class
//!    limits, fingerprint caching through the [state store](crate::state), per-task
//!    timeouts and retries, failure propagation, cancellation.
//! 4. Everything the executor does is an [`Event`] handed to an [`EventSink`]; reporters
//!    (terminal, JSON, RPC) are only consumers of events.
//! 5. The run ends with an [`ExecutionReport`]: versioned, serializable, with the critical
//!    path.

mod events;
mod executor;
mod executor_config;
mod fingerprint;
mod plan;
mod plan_builder;
mod plan_error;
mod report;

pub use events::{Emitter, Event, EventKind, EventSink, RunId};
pub use executor::{Executor, RunRequest, panic_message};
pub use executor_config::ExecutorConfig;
pub use fingerprint::{Fingerprint, FingerprintBuilder};
pub use plan::{FallbackBranch, Plan, PlanFormat, PlanNode};
pub use plan_builder::{Fallback, PlanBuilder};
pub use plan_error::PlanError;
pub use report::{
    CriticalPath, CriticalStep, ExecutionReport, REPORT_VERSION, RunStatus, TaskRecord, TaskReport,
    TaskStatus, Totals,
};
