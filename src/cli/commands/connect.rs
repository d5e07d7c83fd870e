//! Finding the daemon, and starting one in the background when none runs.
//!
//! Nothing here waits without bound: the health check has its own timeout, a daemon that
//! is busy at its connection cap is asked again a few times, and a daemon this command
//! started is watched while it comes up — if it exits (a bad configuration, another daemon
//! won the lock), the command says so at once, with the daemon's last log lines.

use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cli::{Cli, ExitCode};
use crate::paths::HeroPaths;
use crate::rpc::{ClientError, RpcClient, codes};

/// How long a freshly started daemon may take to answer.
const START_TIMEOUT: Duration = Duration::from_secs(15);
/// How long one health check may take.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a daemon at its connection cap is asked again before giving up.
const OVERLOAD_PATIENCE: Duration = Duration::from_secs(10);

/// A client of the daemon at `socket` (or the root's default socket), starting the daemon
/// in the background if nothing answers there.
pub async fn connect(cli: &Cli) -> Result<RpcClient, ExitCode> {
    let program = cli.program.name.as_str();
    let paths = match cli.program.paths() {
        Ok(p) => p,
        Err(e) => {
            super::report_error(&e);
            return Err(ExitCode::Local);
        }
    };
    let explicit = cli.socket.is_some();
    let socket = cli.socket.clone().unwrap_or_else(|| paths.daemon_socket());
    match check(&socket).await {
        Ok(health) => {
            print_notices(&health);
            return Ok(RpcClient::new(&socket));
        }
        Err(Check::Absent(_)) if !explicit => {}
        Err(Check::Absent(e)) => {
            super::report_error(&e);
            eprintln!(
                "hint: start it with `{program} serve` (or omit --socket to let {program} start one)"
            );
            return Err(ExitCode::DaemonUnreachable);
        }
        Err(Check::Denied(e)) => {
            match foreign_owner(&socket, &paths).or_else(|| owner_of_the_way(&socket)) {
                Some(owner) => eprintln!(
                    "error: the {program} daemon socket {} belongs to {owner}, not to you; this \
                     Hero root is another user's: set HERO_ROOT (and PATH_SOCKET) to a root of \
                     your own",
                    socket.display()
                ),
                None => super::report_error(&e),
            }
            return Err(ExitCode::DaemonUnreachable);
        }
        Err(Check::Failed(code)) => return Err(code),
    }
    if let Some(owner) = foreign_owner(&socket, &paths) {
        eprintln!(
            "error: the {program} daemon socket {} belongs to {owner}, not to you; this Hero root \
             is another user's: set HERO_ROOT (and PATH_SOCKET) to a root of your own",
            socket.display()
        );
        return Err(ExitCode::DaemonUnreachable);
    }
    let mut child = start_daemon(program, &paths)?;
    let log = paths.state_dir().join("daemon.log");
    let deadline = Instant::now() + START_TIMEOUT;
    let mut delay = Duration::from_millis(5);
    loop {
        if let Ok(health) = check(&socket).await {
            // Several commands may start a daemon at once; only the one whose daemon took
            // the lock says it started one.
            let ours = health["pid"].as_u64() == Some(u64::from(child.id()));
            if ours && matches!(child.try_wait(), Ok(None)) {
                eprintln!(
                    "started the {program} daemon in the background (pid {}, log {})",
                    child.id(),
                    log.display()
                );
            }
            print_notices(&health);
            return Ok(RpcClient::new(&socket));
        }
        if let Ok(Some(status)) = child.try_wait()
            && !another_daemon_starting(&paths, child.id())
        {
            // It ended, and no other daemon (started by a command beside this one) holds
            // the root and is about to answer.
            if let Ok(health) = check(&socket).await {
                print_notices(&health);
                return Ok(RpcClient::new(&socket));
            }
            eprintln!("error: the {program} daemon exited at once ({status}); its log:");
            print_tail(&log);
            return Err(ExitCode::DaemonUnreachable);
        }
        if Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(200));
    }
    eprintln!(
        "error: the daemon did not answer within {}s; its log: {}",
        START_TIMEOUT.as_secs(),
        log.display()
    );
    print_tail(&log);
    Err(ExitCode::DaemonUnreachable)
}

/// Whether another daemon than `ours` holds the root's lock (alive): several commands
/// started one each, and that one won.
fn another_daemon_starting(paths: &HeroPaths, ours: u32) -> bool {
    std::fs::read_to_string(paths.state_dir().join("daemon.lock"))
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .is_some_and(|pid| pid != ours && Path::new(&format!("/proc/{pid}")).exists())
}

/// Why a health check did not give an answer.
enum Check {
    /// Nothing listens there (no socket, or a socket nobody serves).
    Absent(ClientError),
    /// The socket (or its directory) may not be opened by this user.
    Denied(ClientError),
    /// Something answered wrongly or not in time; already reported.
    Failed(ExitCode),
}

/// Asks the daemon at `socket` for its health (retrying while it is at its connection cap).
async fn check(socket: &Path) -> Result<Value, Check> {
    let client = RpcClient::new(socket);
    let client = match client.configured_timeout() {
        Some(t) if t < HEALTH_TIMEOUT => client,
        _ => client.timeout(Some(HEALTH_TIMEOUT)),
    };
    let patience = Instant::now() + OVERLOAD_PATIENCE;
    let mut delay = Duration::from_millis(50);
    loop {
        match client.get("/health").await {
            Ok((200, body)) => return Ok(serde_json::from_slice(&body).unwrap_or(Value::Null)),
            Ok((503, body)) if Instant::now() < patience && is_overloaded(&body) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }
            Ok((status, body)) => {
                eprintln!(
                    "error: the daemon at {} answered HTTP {status}: {}",
                    socket.display(),
                    String::from_utf8_lossy(&body)
                );
                return Err(Check::Failed(ExitCode::DaemonUnreachable));
            }
            Err(e @ ClientError::Unreachable { .. }) if is_absent(&e) => {
                return Err(Check::Absent(e));
            }
            Err(ClientError::Unreachable { socket, source })
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                return Err(Check::Denied(ClientError::Unreachable { socket, source }));
            }
            Err(e) => {
                super::report_error(&e);
                return Err(Check::Failed(ExitCode::DaemonUnreachable));
            }
        }
    }
}

fn is_overloaded(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["code"].as_i64())
        == Some(codes::OVERLOADED)
}

/// Whether the error means that no daemon listens (rather than one that cannot be used).
fn is_absent(e: &ClientError) -> bool {
    let ClientError::Unreachable { source, .. } = e else {
        return false;
    };
    matches!(
        source.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
    )
}

/// Prints what the daemon wants every command to tell its user: what fails now (a full
/// disk, …) and runs the previous daemon did not finish.
fn print_notices(health: &Value) {
    for fault in health["faults"].as_array().into_iter().flatten() {
        eprintln!(
            "warning: {} (since {}): {}",
            fault["what"].as_str().unwrap_or_default(),
            fault["since"].as_str().unwrap_or_default(),
            fault["error"].as_str().unwrap_or_default()
        );
    }
    for notice in health["notices"].as_array().into_iter().flatten() {
        if let Some(text) = notice.as_str() {
            eprintln!("note: {text}");
        }
    }
}

/// Who owns the socket (or its directory, or the state directory) when it is not us.
fn foreign_owner(socket: &Path, paths: &HeroPaths) -> Option<String> {
    let candidates = [
        Some(socket.to_path_buf()),
        socket.parent().map(Path::to_path_buf),
        Some(paths.state_dir()),
    ];
    let uids = candidates
        .into_iter()
        .flatten()
        .filter_map(|p| std::fs::metadata(&p).ok())
        .map(|m| m.uid());
    other_user(uids)
}

/// Who owns the nearest directory above `socket` that this user may look at, when that is
/// another user: the socket could not be opened, and that is why.
fn owner_of_the_way(socket: &Path) -> Option<String> {
    let uid = socket
        .ancestors()
        .skip(1)
        .find_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.uid());
    other_user(uid)
}

/// The first of `uids` that is not this user (never for root, who may use any root).
fn other_user(uids: impl IntoIterator<Item = u32>) -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    if me == 0 {
        return None;
    }
    uids.into_iter().find(|&uid| uid != me).map(describe_uid)
}

/// `uid 1001 (alice)`.
fn describe_uid(uid: u32) -> String {
    let name = std::fs::read_to_string("/etc/passwd")
        .ok()
        .and_then(|text| {
            text.lines().find_map(|l| {
                let mut f = l.split(':');
                let name = f.next()?;
                let id: u32 = f.nth(1)?.parse().ok()?;
                (id == uid).then(|| name.to_string())
            })
        });
    match name {
        Some(n) => format!("uid {uid} ({n})"),
        None => format!("uid {uid}"),
    }
}

/// Starts `hero_svc serve` detached, logging to `$HERO_ROOT/var/hero_svc/daemon.log`. The
/// daemon's settings never depend on this command's flags: it gets no catalog (each call
/// names its own), and the environment it inherits is only its default.
fn start_daemon(program: &str, paths: &HeroPaths) -> Result<std::process::Child, ExitCode> {
    let fail = |what: &str, e: &dyn std::error::Error| {
        eprintln!("error: could not start the {program} daemon: {what}: {e}");
        ExitCode::DaemonUnreachable
    };
    let exe = std::env::current_exe().map_err(|e| fail("cannot find this program", &e))?;
    let dir = paths.state_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|e| fail(&format!("cannot create {}", dir.display()), &e))?;
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    let log_path = dir.join("daemon.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&log_path)
        .map_err(|e| fail(&format!("cannot open {}", log_path.display()), &e))?;
    let err_log = log
        .try_clone()
        .map_err(|e| fail(&format!("cannot open {}", log_path.display()), &e))?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("serve")
        .env_remove("HERO_SVC_CATALOG")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err_log)
        .process_group(0);
    cmd.spawn().map_err(|e| fail("spawn failed", &e))
}

fn print_tail(path: &Path) {
    if let Ok(text) = std::fs::read_to_string(path) {
        let lines: Vec<&str> = text.lines().collect();
        for l in &lines[lines.len().saturating_sub(10)..] {
            eprintln!("  {l}");
        }
    }
}
