//! The daemon (`hero_svc serve`): one per Hero root. [`Daemon`] owns the state store, the
//! supervisor, the executor, the catalogs and the runs; [`Daemon::start_operation`] is the
//! one path from a request to a run. It knows nothing of the servers that expose it: the
//! RPC server (`rpc`) uses it, and the composition root (`cli::run_daemon`) wires the two
//! together — take the lock, open the daemon, bind the socket, serve until SIGTERM or
//! SIGINT (or until the root is deleted), then cancel running executions cleanly.
//!
//! Floor: above the services it plans with; below the RPC server.

mod binary_digests;
mod daemon_log;
mod error;
mod executions;
mod freshness;
mod health_cache;
mod interrupted;
mod lock;
mod memory;
mod operations;
mod permissions;
mod release_checks;
mod root_watch;
mod service_locks;
mod service_shapes;
mod state;

pub use binary_digests::{BinaryDigest, BinaryDigests};
pub use daemon_log::{DaemonLogWriter, LogFault, init_daemon_log, log_fault};
pub use error::DaemonError;
pub use executions::{
    EventsPage, Execution, ExecutionSummary, Executions, JOURNAL_EVERY, RunScope, status_name,
};
pub use freshness::{Freshness, FreshnessState};
pub use health_cache::{HealthCache, HealthState, HealthView};
pub use interrupted::Interruptions;
pub use lock::DaemonLock;
pub use memory::{limit_arenas, trim_periodically};
pub use operations::StartedOperation;
pub use permissions::make_private;
pub use release_checks::{ReleaseAnswer, ReleaseChecks};
pub use root_watch::watch_root;
pub use service_locks::{ServiceLocks, ServiceLocksGuard};
pub use service_shapes::{ServiceShape, ServiceShapes};
pub use state::{Daemon, DaemonOptions, Fault};
