//! [`run`]: the daemon's life from lock to clean shutdown.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tokio::net::UnixListener;
use tokio::signal::unix::{SignalKind, signal};

use super::{Daemon, DaemonError, DaemonLock, DaemonOptions};

/// Binds the daemon's unix socket at `path`: the directory is created with mode 0700, a
/// stale socket file is removed (the caller holds the daemon lock, so no live daemon owns
/// it), and the socket gets mode 0600.
pub fn bind_socket(path: &Path) -> Result<UnixListener, DaemonError> {
    let err = |source| DaemonError::Socket {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let listener = UnixListener::bind(path).map_err(err)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    Ok(listener)
}

/// Runs the daemon until SIGTERM or SIGINT. `ready` is called once the socket accepts
/// connections.
pub async fn run(options: DaemonOptions, ready: impl FnOnce(&Path)) -> Result<(), DaemonError> {
    super::memory::limit_arenas();
    crate::rpc::connections::raise_open_files_limit();
    super::make_private(&options.paths);
    let lock = DaemonLock::acquire(&options.paths.state_dir().join("daemon.lock"))?;
    let socket = options.paths.daemon_socket();
    let daemon = Daemon::open(options).await?;
    let listener = bind_socket(&socket)?;
    let signal_err = |source| DaemonError::Socket {
        path: socket.clone(),
        source,
    };
    let mut term = signal(SignalKind::terminate()).map_err(signal_err)?;
    let mut int = signal(SignalKind::interrupt()).map_err(signal_err)?;
    let for_shutdown = daemon.clone();
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::info!("shutting down: cancelling running executions");
        for_shutdown.executions().cancel_all();
    };
    super::memory::trim_periodically();
    daemon.finish_interrupted_upgrades().await;
    ready(&socket);
    tracing::info!(socket = %socket.display(), "hero_svc daemon listening");
    let limits = crate::rpc::ConnectionLimits::from_env();
    let served = crate::rpc::serve(listener, daemon.clone(), limits, shutdown).await;
    daemon.executions().shutdown().await;
    let _ = std::fs::remove_file(&socket);
    drop(lock);
    served.map_err(|source| DaemonError::Socket {
        path: socket,
        source,
    })
}
