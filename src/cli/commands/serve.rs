//! `hero_svc serve`: the daemon.

use crate::cli::ExitCode;
use crate::cli::args::ServeArgs;
use crate::daemon::{DaemonError, DaemonOptions};
use crate::paths::HeroPaths;
use crate::supervisor::SupervisorBackend;

use super::report_error;

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn serve(catalog: Option<String>, args: &ServeArgs) -> ExitCode {
    init_logging();
    let paths = match HeroPaths::from_env() {
        Ok(p) => p,
        Err(e) => {
            report_error(&e);
            return ExitCode::Local;
        }
    };
    let default_zinit = paths.root.join("var").join("zinit.sock");
    let backend = match SupervisorBackend::resolve(
        Some(&args.supervisor),
        args.zinit_socket.as_deref(),
        &default_zinit,
    ) {
        Ok(b) => b,
        Err(e) => {
            report_error(&e);
            return ExitCode::Usage;
        }
    };
    let mut options = DaemonOptions::new(paths);
    options.backend = backend;
    if let Some(c) = catalog {
        options.default_catalog = c;
    }
    let result = crate::daemon::run(options, |socket| {
        eprintln!("hero_svc daemon listening on {}", socket.display());
    })
    .await;
    match result {
        Ok(()) => ExitCode::Success,
        Err(e @ DaemonError::AlreadyRunning { .. }) => {
            report_error(&e);
            ExitCode::Usage
        }
        Err(e) => {
            report_error(&e);
            ExitCode::Local
        }
    }
}

/// Daemon logs go to stderr (`RUST_LOG` filters them; default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
