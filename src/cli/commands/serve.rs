//! `hero_svc serve`: the daemon of the program, serving its catalogs.

use crate::cli::ExitCode;
use crate::cli::Program;
use crate::cli::args::ServeArgs;
use crate::daemon::DaemonError;
use crate::paths::HeroPaths;
use crate::supervisor::SupervisorBackend;

use super::report_error;

/// Runs the daemon until SIGTERM or SIGINT.
pub async fn serve(program: &Program, catalog: Option<String>, args: &ServeArgs) -> ExitCode {
    crate::daemon::init_daemon_log();
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
    let http = match args
        .http
        .as_deref()
        .map(crate::dashboard::parse_addr)
        .transpose()
    {
        Ok(Some(addr)) if !addr.ip().is_loopback() => {
            report_error(&crate::dashboard::DashboardError::NotLoopback { addr });
            return ExitCode::Usage;
        }
        Ok(addr) => addr,
        Err(e) => {
            report_error(&e);
            return ExitCode::Usage;
        }
    };
    let mut options = program.daemon_options(paths);
    options.backend = backend;
    if let Some(c) = catalog {
        options.default_catalog = c;
    }
    let servers = crate::cli::Servers { http };
    let result = crate::cli::run_daemon_with(options, servers, |_| {}).await;
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
