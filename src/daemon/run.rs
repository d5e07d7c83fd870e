//! [`run`]: the daemon's life from lock to clean shutdown.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

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

/// How often the daemon checks that its Hero root still exists.
const ROOT_CHECK_EVERY: Duration = Duration::from_secs(2);

/// Resolves when the lock file at `lock` (in the Hero root's state directory) is gone or was
/// replaced: the root was deleted, and nothing this daemon does can be found any more.
async fn watch_root(lock: &Path) {
    let identity = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let Some(mine) = identity(lock) else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(ROOT_CHECK_EVERY).await;
        if identity(lock) != Some(mine) {
            return;
        }
    }
}

/// Stops every supervised process: what a daemon does when its root is gone (nobody could
/// find them to stop them later).
async fn stop_everything(daemon: &Daemon) {
    use crate::supervisor::Supervisor;
    let Ok(processes) = daemon.supervisor().list().await else {
        return;
    };
    for p in processes.iter().filter(|p| p.state.is_active()) {
        if let Err(e) = daemon.supervisor().stop(&p.name).await {
            tracing::warn!(process = %p.name, error = %e, "could not stop");
        }
    }
}

/// Runs the daemon until SIGTERM or SIGINT (or until its Hero root is deleted). `ready` is called once the socket accepts
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
    let root_gone = Arc::new(AtomicBool::new(false));
    let gone = root_gone.clone();
    let lock_path = lock.path().to_path_buf();
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
            () = watch_root(&lock_path) => {
                tracing::error!(
                    lock = %lock_path.display(),
                    "the Hero root was deleted: stopping its services and exiting"
                );
                gone.store(true, Ordering::SeqCst);
            }
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
    if root_gone.load(Ordering::SeqCst) {
        stop_everything(&daemon).await;
    }
    let _ = std::fs::remove_file(&socket);
    drop(lock);
    served.map_err(|source| DaemonError::Socket {
        path: socket,
        source,
    })
}
