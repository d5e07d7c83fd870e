//! Clearing the way for a start: stale socket files of the service are removed, and a unix
//! socket or TCP port still held by a stray earlier instance of *the same program* (same
//! `/proc/<pid>/exe`) is reclaimed by stopping that instance. A holder that is any other
//! program is never touched: the start fails with an error naming it.

use std::path::{Path, PathBuf};

use super::{group_kill, proc_fs};
use crate::supervisor::{ProcessSpec, SupervisorError};

/// Makes the sockets and ports of `spec` free for a new instance.
pub(crate) async fn reclaim(spec: &ProcessSpec) -> Result<(), SupervisorError> {
    let program = resolve(spec);
    let mut strays = Vec::new();
    for path in &spec.sockets {
        if std::fs::symlink_metadata(path).is_err() {
            continue;
        }
        for pid in proc_fs::socket_holders(&proc_fs::unix_socket_inodes(path)) {
            match foreign_program(pid, program.as_deref()) {
                Some(holder) => {
                    return Err(SupervisorError::SocketHeld {
                        name: spec.name.clone(),
                        path: path.clone(),
                        pid,
                        program: holder,
                    });
                }
                None => strays.push(pid),
            }
        }
    }
    for &port in &spec.tcp_ports {
        for pid in proc_fs::socket_holders(&proc_fs::tcp_listen_inodes(port)) {
            match foreign_program(pid, program.as_deref()) {
                Some(holder) => {
                    return Err(SupervisorError::PortHeld {
                        name: spec.name.clone(),
                        port,
                        pid,
                        program: holder,
                    });
                }
                None => strays.push(pid),
            }
        }
    }
    strays.sort_unstable();
    strays.dedup();
    for pid in strays {
        if !group_kill::stop_pid(pid, spec.stop_signal, spec.stop_timeout).await {
            return Err(SupervisorError::ReclaimFailed {
                name: spec.name.clone(),
                pid,
            });
        }
    }
    for path in &spec.sockets {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(SupervisorError::StaleSocket {
                    path: path.clone(),
                    source: e,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// `None` when `pid` runs `program` (a stray of ours); otherwise what it runs instead.
/// Our own process is never a stray.
fn foreign_program(pid: u32, program: Option<&Path>) -> Option<PathBuf> {
    let exe = proc_fs::exe(pid);
    let canonical = exe
        .as_ref()
        .and_then(|e| e.canonicalize().ok())
        .or(exe.clone());
    let ours = pid != std::process::id() && program.is_some() && canonical.as_deref() == program;
    if ours {
        None
    } else {
        Some(exe.unwrap_or_else(|| PathBuf::from("unknown program")))
    }
}

/// The canonical path of the spec's program (looked up in the spec's `PATH`, or the
/// supervisor's, when it is a bare name).
fn resolve(spec: &ProcessSpec) -> Option<PathBuf> {
    let exe = &spec.executable;
    if exe.components().count() > 1 {
        let base = spec.working_dir.as_deref().unwrap_or(Path::new("."));
        return base.join(exe).canonicalize().ok();
    }
    let path = spec
        .env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.into())
        .or_else(|| std::env::var_os("PATH"))?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(exe))
        .find(|candidate| candidate.is_file())
        .and_then(|found| found.canonicalize().ok())
}
