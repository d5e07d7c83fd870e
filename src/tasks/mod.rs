//! The closed set of task kinds hero_svc's plans are made of, built on the engine's
//! interface ([`PlanTask`](crate::graph::PlanTask)) and on the mechanisms (forge, health,
//! supervisor, install).
//!
//! A task is a typed struct (one file per kind) that implements [`TaskKind`]; the [`Task`]
//! enum closes the set and implements the engine's `PlanTask` by dispatch, so the executor
//! runs any of them without boxing. Every kind knows:
//!
//! - its **key**: the stable identity used to dedupe tasks in a plan and to find its cached
//!   fingerprint (two services that need the same download add one task);
//! - its **label** (what a person reads) and its **resource class** (which concurrency
//!   limit it counts against);
//! - its **fingerprint**: a digest of the inputs that matter (`None` = never cached); the
//!   executor mixes in the outputs of the task's dependencies, so a changed upstream output
//!   makes it dirty while an unchanged one does not (early cut-off);
//! - its **freshness check**: given the output recorded last time, is it still there?
//! - how to **run**: an async function that gets a [`TaskContext`] (inputs from its
//!   dependencies, progress and log events, the store and the supervisor) and returns a
//!   typed [`TaskOutput`] or a [`TaskError`].
//!
//! [`Plan`], [`PlanBuilder`], [`Executor`] and [`TaskContext`] here are the engine's, for
//! this set of kinds.
//!
//! Floor: above the engine; the plan fragments (`recipes`) and services are built on it.
//!
//! # Adding a task kind
//!
//! 1. Create `src/tasks/<kind>.rs` with a struct and an `impl TaskKind` for it; document
//!    what it does, what its fingerprint covers and what makes it stale.
//! 2. If it produces something new, add a variant to [`TaskOutput`] (and to
//!    [`TaskOutput::summary`]).
//! 3. Add the kind to the `task_kinds!` list in `task.rs` (that makes the [`Task`] variant,
//!    its dispatch and its `From` impl).
//! 4. Declare and re-export the module below, and test it beside the code.

mod cargo_build;
mod command;
mod context;
mod download_asset;
mod git_checkout;
mod install_binary;
mod kind;
mod local_binary;
mod match_lock;
mod noop;
mod output;
mod process;
mod register_process;
mod remove_binary;
mod remove_process;
mod resolve_release;
mod restart_verified;
mod start_process;
mod stop_process;
mod system_binary;
mod task;
mod task_env;
mod verify_binary;
mod verify_elf;
mod wait_healthy;
mod write_file;
mod write_lock;

pub use cargo_build::{CargoBuild, CargoOptions};
pub use command::Command;
pub use download_asset::DownloadAsset;
pub use git_checkout::{GitCheckout, GitRef};
pub use install_binary::InstallBinary;
pub use kind::TaskKind;
pub use local_binary::LocalBinary;
pub use match_lock::MatchLock;
pub use noop::Noop;
pub use output::{Artifact, TaskOutput};
pub use process::{LOG_TAIL_LINES, end_leftover_groups};
pub use register_process::RegisterProcess;
pub use remove_binary::RemoveBinary;
pub use remove_process::RemoveProcess;
pub use resolve_release::ResolveRelease;
pub use restart_verified::RestartVerified;
pub use start_process::StartProcess;
pub use stop_process::StopProcess;
pub use system_binary::SystemBinary;
pub use task::Task;
pub use task_env::TaskEnv;
pub use verify_binary::VerifyBinary;
pub use verify_elf::VerifyElf;
pub use wait_healthy::WaitHealthy;
pub use write_file::WriteFile;
pub use write_lock::{LockSource, WriteLock};

// The engine's vocabulary, as the task kinds use it.
pub use crate::graph::{
    BoxError, Freshness, LogStream, ResourceClass, RetryPolicy, TaskError, TaskKey,
};
pub use crate::install::ElfInfo;
pub use crate::util::{FileDigest, short_hash};

/// A context of a hero_svc task (see [`crate::graph::TaskContext`] and `context.rs`).
pub type TaskContext = crate::graph::TaskContext<Task>;
/// A plan of hero_svc tasks.
pub type Plan = crate::graph::Plan<Task>;
/// A node of a plan of hero_svc tasks.
pub type PlanNode = crate::graph::PlanNode<Task>;
/// Builds a plan of hero_svc tasks.
pub type PlanBuilder = crate::graph::PlanBuilder<Task>;
/// Runs plans of hero_svc tasks.
pub type Executor = crate::graph::Executor<Task>;
/// What one task of a run was, as the executor kept it.
pub type TaskRecord = crate::graph::TaskRecord<TaskOutput>;
