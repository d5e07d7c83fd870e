//! [`DemoError`]: why `hero_demo` could not serve.

use std::io;
use std::path::PathBuf;

/// A failure that stops `hero_demo` (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The socket folder could not be created.
    #[error("cannot create socket folder {path}; check its parent exists and is writable")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A live process answers on the socket we would bind.
    #[error(
        "another process is already serving on {path}; stop it or choose another --name/--socket"
    )]
    SocketInUse { path: PathBuf },
    /// Something that is not a socket sits where the socket should go.
    #[error("{path} exists and is not a socket; remove it or choose another --socket")]
    NotASocket { path: PathBuf },
    /// A stale socket file could not be removed.
    #[error("cannot remove stale socket {path}")]
    RemoveStale {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Binding a unix socket failed.
    #[error("cannot bind unix socket {path}")]
    BindUnix {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Binding the loopback TCP port failed.
    #[error("cannot bind 127.0.0.1:{port}; choose another --tcp-port")]
    BindTcp {
        port: u16,
        #[source]
        source: io::Error,
    },
    /// A signal handler could not be installed.
    #[error("cannot install signal handlers")]
    Signals(#[source] io::Error),
    /// The grandchild process could not be spawned.
    #[error("cannot spawn `sleep 3600` for --spawn-grandchild; is `sleep` on PATH?")]
    SpawnGrandchild(#[source] io::Error),
    /// The async runtime could not start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] io::Error),
}
