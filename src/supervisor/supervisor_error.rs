//! [`SupervisorError`]: failures of supervisor operations.

use std::path::PathBuf;

use super::zinit::ZinitError;
use crate::state::StateError;

/// A supervisor operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    /// No process of that name is registered.
    #[error("no process named {name} is registered; register its spec first")]
    UnknownProcess {
        /// The name asked for.
        name: String,
    },
    /// The spec cannot be used.
    #[error("the spec of process {name:?} is invalid: {reason}")]
    InvalidSpec {
        /// The spec's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The program could not be started.
    #[error("could not start {name}: spawning {executable} failed")]
    SpawnFailed {
        /// The process.
        name: String,
        /// The program.
        executable: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Processes of the group were still alive after SIGKILL.
    #[error(
        "stopping {name} timed out: processes {survivors:?} of group {pgid} survived SIGKILL \
         (stuck in the kernel?); check them with ps"
    )]
    StopTimedOut {
        /// The process.
        name: String,
        /// Its process group.
        pgid: u32,
        /// The pids still alive.
        survivors: Vec<u32>,
    },
    /// Another program holds a unix socket of the service.
    #[error(
        "socket {path} of {name} is held by pid {pid} ({program}), which is not {name}'s \
         program; stop it or change the socket path"
    )]
    SocketHeld {
        /// The process being started.
        name: String,
        /// The socket.
        path: PathBuf,
        /// The holder.
        pid: u32,
        /// The holder's executable.
        program: PathBuf,
    },
    /// Another program listens on a TCP port of the service.
    #[error(
        "tcp port {port} of {name} is held by pid {pid} ({program}), which is not {name}'s \
         program; stop it or change the port"
    )]
    PortHeld {
        /// The process being started.
        name: String,
        /// The port.
        port: u16,
        /// The holder.
        pid: u32,
        /// The holder's executable.
        program: PathBuf,
    },
    /// A stray instance would not die.
    #[error("stray instance pid {pid} of {name} survived SIGKILL; check it with ps")]
    ReclaimFailed {
        /// The process being started.
        name: String,
        /// The stray.
        pid: u32,
    },
    /// A stale socket file could not be removed.
    #[error("could not remove the stale socket {path}")]
    StaleSocket {
        /// The socket file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A secret the process needs is set nowhere.
    #[error(
        "{name} needs the secret {secret}: set it in {} (or in the daemon's environment)",
        .file.as_ref().map_or_else(|| "the env file".to_string(), |f| f.display().to_string())
    )]
    MissingSecret {
        /// The process.
        name: String,
        /// The secret's name.
        secret: String,
        /// The env file it was looked for in.
        file: Option<PathBuf>,
    },
    /// The env file holding the secrets could not be read.
    #[error("could not read the secrets of {name}")]
    EnvFile {
        /// The process.
        name: String,
        /// Why.
        #[source]
        source: crate::paths::EnvFileError,
    },
    /// The log file or directory could not be used.
    #[error("could not use the log file {path}")]
    Log {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No backend of that name exists.
    #[error("unknown supervisor backend {name:?}: use `builtin` or `zinit`")]
    UnknownBackend {
        /// The name asked for.
        name: String,
    },
    /// The zinit backend could not get zinit-server to do it.
    #[error(transparent)]
    Zinit(ZinitError),
    /// The supervisor's state could not be persisted or read.
    #[error("supervisor state could not be persisted")]
    State(#[from] StateError),
}

impl SupervisorError {
    /// Whether the failure is for lack of a system resource (file descriptors, memory,
    /// processes, disk space) that may be back soon, so that trying again later can
    /// succeed where giving up would leave the service down for good.
    pub fn is_for_lack_of_resources(&self) -> bool {
        let io = match self {
            SupervisorError::SpawnFailed { source, .. } | SupervisorError::Log { source, .. } => {
                source
            }
            _ => return false,
        };
        matches!(
            io.raw_os_error(),
            Some(
                libc::EMFILE
                    | libc::ENFILE
                    | libc::ENOMEM
                    | libc::EAGAIN
                    | libc::ENOSPC
                    | libc::EDQUOT
            )
        )
    }
}
