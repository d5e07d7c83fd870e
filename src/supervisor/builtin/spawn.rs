//! Spawning one instance of a process: exact environment, own process group, stdin from
//! `/dev/null`, stdout and stderr appended to its log file.
//!
//! The process group is set by the spawn itself (`setpgid` in `posix_spawn`), with no code
//! run in the child before `exec`: the standard library then spawns with `posix_spawn`
//! (a `vfork`-style clone) instead of `fork`, so a start does not copy the daemon's page
//! tables and several starts at once (a fan of dependents) follow each other within a
//! fraction of a millisecond. The daemon runs in a process group of its own too, and a
//! terminal's signals (Ctrl-C, hang-up) reach only its foreground group.

use std::process::Stdio;

use tokio::process::Child;

use super::{log_file, proc_fs};
use crate::supervisor::{ProcessSpec, SupervisorError};

/// A freshly spawned instance.
pub(crate) struct Spawned {
    /// To wait for it.
    pub child: Child,
    /// Its pid, which is also its process group id.
    pub pid: u32,
    /// Its start time (clock ticks after boot), its identity for adoption.
    pub start_time: Option<u64>,
}

/// Starts `spec`, with the values of its secrets in `secrets` (see
/// [`SecretSource`](crate::supervisor::SecretSource)), its output going to `log`.
pub(crate) fn spawn(
    spec: &ProcessSpec,
    secrets: &[(String, String)],
    log: &std::path::Path,
) -> Result<Spawned, SupervisorError> {
    let log_err = |source| SupervisorError::Log {
        path: log.to_path_buf(),
        source,
    };
    let out = log_file::open_append(log).map_err(log_err)?;
    let err = out.try_clone().map_err(log_err)?;
    let mut cmd = tokio::process::Command::new(&spec.executable);
    cmd.args(&spec.args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .envs(secrets.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(false);
    for name in &spec.pass_env {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    if let Some(dir) = &spec.working_dir {
        cmd.current_dir(dir);
    }
    cmd.process_group(0);
    let spawn_failed = |source| SupervisorError::SpawnFailed {
        name: spec.name.clone(),
        executable: spec.executable.clone(),
        source,
    };
    let child = cmd.spawn().map_err(spawn_failed)?;
    let pid = child
        .id()
        .ok_or_else(|| spawn_failed(std::io::Error::other("the process exited at once")))?;
    Ok(Spawned {
        child,
        pid,
        start_time: proc_fs::stat(pid).map(|s| s.start_time),
    })
}
