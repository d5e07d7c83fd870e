//! Process supervision: the [`Supervisor`] seam and its backends.
//!
//! Services are started "through a process manager": a plan's start task registers a
//! [`ProcessSpec`] and asks the supervisor to start it; stop, restart, status and logs go
//! through the same trait. Two backends implement it:
//!
//! - [`builtin`]: the default, embedded in the daemon (process groups, log files with
//!   rotation, restart with backoff and a start limit, adoption of running processes after a
//!   daemon restart, reclaiming sockets and ports from stray instances).
//! - [`zinit`]: a client of an external `zinit-server`, speaking its JSON-RPC.
//!
//! [`SupervisorBackend`] is the configuration choice between them; it opens an
//! [`AnySupervisor`].
//!
//! The trait is deliberately plain (owned arguments and results, no borrowed state between
//! calls) so that a backend can be a thin client of another process.
//!
//! Floor: a mechanism, on [`state`](crate::state) (it persists its own rows there),
//! [`health`](crate::health), [`paths`](crate::paths) and [`util`](crate::util); it builds no
//! plans (the process lifecycle's plan fragments are in [`recipes`](crate::recipes)).

mod any_supervisor;
pub mod builtin;
mod exit_reason;
mod log_settings;
mod process_spec;
mod process_state;
mod process_status;
mod restart_policy;
mod secret_source;
#[allow(clippy::module_inception)]
mod supervisor;
mod supervisor_backend;
mod supervisor_error;
pub mod zinit;

pub use any_supervisor::AnySupervisor;
pub use builtin::{BuiltinConfig, BuiltinSupervisor, SupervisorFault};
pub use exit_reason::ExitReason;
pub use log_settings::LogSettings;
pub use process_spec::{ProcessSpec, SecretEnv};
pub use process_state::ProcessState;
pub use process_status::ProcessStatus;
pub use restart_policy::RestartPolicy;
pub use secret_source::SecretSource;
pub use supervisor::{LogLines, Supervisor};
pub use supervisor_backend::{SUPERVISOR_ENV, SupervisorBackend, ZINIT_SOCKET_ENV};
pub use supervisor_error::SupervisorError;
pub use zinit::{ZinitConfig, ZinitSupervisor};
