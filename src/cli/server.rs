//! The composition root: [`run_daemon`] wires a [`Daemon`] to the servers that expose it
//! (the RPC socket) and lives from the lock to a clean shutdown. It sits at the top of the
//! house, above the daemon and the RPC server it joins.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::signal::unix::{SignalKind, signal};

use crate::daemon::{Daemon, DaemonError, DaemonLock, DaemonOptions};

/// Runs the daemon until SIGTERM or SIGINT (or until its Hero root is deleted). `ready` is called once the socket accepts
/// connections.
pub async fn run_daemon(
    options: DaemonOptions,
    ready: impl FnOnce(&Path),
) -> Result<(), DaemonError> {
    crate::daemon::limit_arenas();
    crate::rpc::connections::raise_open_files_limit();
    crate::daemon::make_private(&options.paths);
    let lock = DaemonLock::acquire(&options.paths.state_dir().join("daemon.lock"))?;
    let socket = options.paths.daemon_socket();
    let daemon = Daemon::open(options).await?;
    let listener = crate::rpc::connections::bind_private_socket(&socket).map_err(|source| {
        DaemonError::Socket {
            path: socket.clone(),
            source,
        }
    })?;
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
            () = crate::daemon::watch_root(&lock_path) => {
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
    crate::daemon::trim_periodically();
    daemon.finish_interrupted_upgrades().await;
    ready(&socket);
    tracing::info!(
        socket = %socket.display(),
        program = %daemon.paths().program,
        catalogs = ?daemon.catalog_names(),
        "daemon listening"
    );
    let limits = crate::rpc::ConnectionLimits::from_env();
    let served = crate::rpc::serve(listener, daemon.clone(), limits, shutdown).await;
    daemon.executions().shutdown().await;
    if root_gone.load(Ordering::SeqCst) {
        daemon.stop_everything().await;
    }
    let _ = std::fs::remove_file(&socket);
    drop(lock);
    served.map_err(|source| DaemonError::Socket {
        path: socket,
        source,
    })
}
