//! The builtin supervisor: supervision embedded in the daemon process.
//!
//! 1. [`BuiltinSupervisor::open`] loads the recorded processes from the state store and
//!    *adopts* the ones still running (identity = pid + start time from `/proc`), or applies
//!    the restart policy to the ones that died while the daemon was down.
//! 2. Each process runs in its own process group, with stdout and stderr opened
//!    directly on `<log_dir>/<name>.log` (append mode), so an adopted process keeps logging
//!    after the daemon that spawned it is gone. Logs rotate by size (copy-truncate).
//! 3. One monitor task per process waits for its exit (the child's wait for our own
//!    children, a pidfd for adopted ones), kills what is left of its group, and restarts it
//!    by its policy with exponential backoff, up to a start limit.
//! 4. `stop` signals the whole group, waits the stop timeout, SIGKILLs the group, and
//!    returns only when no process of the group is left.
//! 5. Before a start, stale socket files are removed and sockets or TCP ports held by a
//!    stray instance of the same program are reclaimed; any other holder fails the start.
//!
//! Dropping a [`BuiltinSupervisor`] stops supervising without touching the processes (what
//! happens when the daemon dies); the next instance adopts them.

mod builtin_config;
mod builtin_supervisor;
mod entry;
mod exit_waiter;
pub(crate) mod group_kill;
mod log_file;
mod monitor;
pub(crate) mod proc_fs;
mod reclaim;
mod spawn;

pub use builtin_config::BuiltinConfig;
pub use builtin_supervisor::{BuiltinSupervisor, SupervisorFault};
