//! [`DaemonError`]: why the daemon could not start or serve.

use std::path::PathBuf;

/// The daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// Another daemon holds the lock of this root.
    #[error(
        "another hero_svc daemon{} already serves this root (lock {lock}); stop it first or use another HERO_ROOT",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    AlreadyRunning {
        /// Its pid, if readable.
        pid: Option<u32>,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file could not be used.
    #[error("could not take the daemon lock {path}")]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The socket could not be prepared or bound.
    #[error("could not listen on {path}")]
    Socket {
        /// The socket path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The state store failed.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// The supervisor could not be opened.
    #[error("could not open the process supervisor")]
    Supervisor(#[source] crate::supervisor::SupervisorError),
    /// The forge configuration is invalid.
    #[error("invalid forge configuration")]
    Forge(#[source] crate::forge::ForgeError),
    /// A catalog is invalid.
    #[error("invalid catalog")]
    Catalog(#[source] crate::services::CatalogError),
    /// The user's env file could not be read.
    #[error("could not read the env file")]
    EnvFile(#[source] crate::services::EnvFileError),
}
