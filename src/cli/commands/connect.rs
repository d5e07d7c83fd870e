//! Finding the daemon, and starting one in the background when none runs.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::cli::ExitCode;
use crate::paths::HeroPaths;
use crate::rpc::{ClientError, RpcClient};

/// How long a freshly started daemon may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A client of the daemon at `socket` (or the root's default socket), starting the daemon
/// in the background if nothing answers there.
pub async fn connect(
    socket: Option<PathBuf>,
    catalog: Option<&str>,
) -> Result<RpcClient, ExitCode> {
    let paths = match HeroPaths::from_env() {
        Ok(p) => p,
        Err(e) => {
            super::report_error(&e);
            return Err(ExitCode::Local);
        }
    };
    let explicit = socket.is_some();
    let socket = socket.unwrap_or_else(|| paths.daemon_socket());
    let client = RpcClient::new(&socket);
    match client.get("/health").await {
        Ok((200, _)) => return Ok(client),
        Ok((status, body)) => {
            eprintln!(
                "error: the daemon at {} answered HTTP {status}: {}",
                socket.display(),
                String::from_utf8_lossy(&body)
            );
            return Err(ExitCode::DaemonUnreachable);
        }
        Err(ClientError::Unreachable { .. }) if !explicit => {}
        Err(e) => {
            super::report_error(&e);
            eprintln!(
                "hint: start it with `hero_svc serve` (or omit --socket to let hero_svc start one)"
            );
            return Err(ExitCode::DaemonUnreachable);
        }
    }
    start_daemon(&paths, catalog).await?;
    let deadline = Instant::now() + START_TIMEOUT;
    let mut delay = Duration::from_millis(5);
    while Instant::now() < deadline {
        if let Ok((200, _)) = client.get("/health").await {
            return Ok(client);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(200));
    }
    let log = paths.state_dir().join("daemon.log");
    eprintln!(
        "error: the daemon did not answer within {}s; its log: {}",
        START_TIMEOUT.as_secs(),
        log.display()
    );
    print_tail(&log);
    Err(ExitCode::DaemonUnreachable)
}

/// Starts `hero_svc serve` detached, logging to `$HERO_ROOT/var/hero_svc/daemon.log`.
async fn start_daemon(paths: &HeroPaths, catalog: Option<&str>) -> Result<(), ExitCode> {
    let fail = |what: &str, e: &dyn std::error::Error| {
        eprintln!("error: could not start the hero_svc daemon: {what}: {e}");
        ExitCode::DaemonUnreachable
    };
    let exe = std::env::current_exe().map_err(|e| fail("cannot find this program", &e))?;
    let dir = paths.state_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| fail(&format!("cannot create {}", dir.display()), &e))?;
    let log_path = dir.join("daemon.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| fail(&format!("cannot open {}", log_path.display()), &e))?;
    let err_log = log
        .try_clone()
        .map_err(|e| fail(&format!("cannot open {}", log_path.display()), &e))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("serve")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err_log)
        .process_group(0);
    if let Some(c) = catalog {
        cmd.env("HERO_SVC_CATALOG", c);
    }
    let child = cmd.spawn().map_err(|e| fail("spawn failed", &e))?;
    eprintln!(
        "started the hero_svc daemon in the background (pid {}, log {})",
        child.id(),
        log_path.display()
    );
    Ok(())
}

fn print_tail(path: &std::path::Path) {
    if let Ok(text) = std::fs::read_to_string(path) {
        let lines: Vec<&str> = text.lines().collect();
        for l in &lines[lines.len().saturating_sub(10)..] {
            eprintln!("  {l}");
        }
    }
}
