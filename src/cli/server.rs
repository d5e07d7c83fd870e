//! The composition root: [`run_daemon`] wires a [`Daemon`] to the servers that expose it
//! (the RPC socket, and the admin dashboard on `admin.sock` beside it and, when asked, on a
//! loopback TCP port) and lives from the lock to a clean shutdown. It sits at the top of
//! the house, above the daemon and the servers it joins.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::daemon::{Daemon, DaemonError, DaemonLock, DaemonOptions};
use crate::dashboard::{Dashboard, DashboardError};

/// What the daemon serves besides its RPC socket and the dashboard's admin socket.
#[derive(Clone, Debug, Default)]
pub struct Servers {
    /// The loopback address of the dashboard's TCP port, from the start (it can also be
    /// opened later: `hero_svc dashboard`).
    pub http: Option<SocketAddr>,
}

/// Runs the daemon until SIGTERM or SIGINT (or until its Hero root is deleted). `ready` is called once the socket accepts
/// connections.
pub async fn run_daemon(
    options: DaemonOptions,
    ready: impl FnOnce(&Path),
) -> Result<(), DaemonError> {
    run_daemon_with(options, Servers::default(), ready).await
}

/// A dashboard error as the daemon's (where it failed, and why).
fn dashboard_error(path: &Path, e: DashboardError) -> DaemonError {
    let source = match e {
        DashboardError::Bind { source, .. } => source,
        other => std::io::Error::other(crate::util::error_chain(&other).join(": ")),
    };
    DaemonError::Socket {
        path: path.to_path_buf(),
        source,
    }
}

/// [`run_daemon`], serving `servers` too.
pub async fn run_daemon_with(
    options: DaemonOptions,
    servers: Servers,
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
    // The admin dashboard, beside the RPC socket (the same directory, the same rules).
    let admin_socket = socket.with_file_name("admin.sock");
    let admin_listener =
        crate::rpc::connections::bind_private_socket(&admin_socket).map_err(|source| {
            DaemonError::Socket {
                path: admin_socket.clone(),
                source,
            }
        })?;
    let limits = crate::rpc::ConnectionLimits::from_env();
    let dashboard = Dashboard::with_limits(daemon.clone(), limits.clone())
        .map_err(|e| dashboard_error(&admin_socket, e))?;
    if let Some(addr) = servers.http {
        dashboard
            .listen_http(addr)
            .map_err(|e| dashboard_error(Path::new(&addr.to_string()), e))?;
    }
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
    let admin = tokio::spawn(crate::dashboard::serve_admin(
        admin_listener,
        dashboard.clone(),
        limits.clone(),
    ));
    let served = crate::rpc::serve(listener, daemon.clone(), limits, shutdown).await;
    if let Ok(Err(e)) = admin.await {
        tracing::warn!(error = %e, "the dashboard's admin socket failed");
    }
    dashboard.stopped(Duration::from_secs(2)).await;
    let _ = std::fs::remove_file(&admin_socket);
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
