//! The daemon (`hero_svc serve`): one per Hero root. It owns the state store, the executor
//! and the runs, and serves the JSON-RPC API on `$PATH_SOCKET/hero_svc/rpc.sock`.
//!
//! [`run`] is the whole daemon: take the lock, prepare the socket (directory 0700, socket
//! 0600), serve until SIGTERM or SIGINT, then cancel running executions cleanly and remove
//! the socket.

mod daemon_log;
mod error;
mod executions;
mod interrupted;
mod lock;
mod memory;
mod operations;
mod permissions;
mod run;
mod service_locks;
mod state;

pub use daemon_log::{DaemonLogWriter, LogFault, init_daemon_log, log_fault};
pub use error::DaemonError;
pub use executions::{
    EventsPage, Execution, ExecutionSummary, Executions, JOURNAL_EVERY, RunScope, status_name,
};
pub use interrupted::Interruptions;
pub use lock::DaemonLock;
pub use operations::StartedOperation;
pub use permissions::make_private;
pub use run::{bind_socket, run};
pub use service_locks::{ServiceLocks, ServiceLocksGuard};
pub use state::{Daemon, DaemonOptions, Fault};
