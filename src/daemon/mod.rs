//! The daemon (`hero_svc serve`): one per Hero root. It owns the state store, the executor
//! and the runs, and serves the JSON-RPC API on `$PATH_SOCKET/hero_svc/rpc.sock`.
//!
//! [`run`] is the whole daemon: take the lock, prepare the socket (directory 0700, socket
//! 0600), serve until SIGTERM or SIGINT, then cancel running executions cleanly and remove
//! the socket.

mod error;
mod executions;
mod lock;
mod memory;
mod run;
mod service_locks;
mod state;

pub use error::DaemonError;
pub use executions::{EventsPage, Execution, ExecutionSummary, Executions, status_name};
pub use lock::DaemonLock;
pub use run::{bind_socket, run};
pub use service_locks::{ServiceLocks, ServiceLocksGuard};
pub use state::{Daemon, DaemonOptions};
