//! [`FreshRoot`]: a Hero root with no daemon, and a program's CLI pointed at it (the CLI
//! starts its own daemon, as on a user's machine). hero_svc's by default; another stack's
//! program (an example binary) with [`FreshRoot::for_program`]. Dropping it stops the daemon.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use super::procs;

/// A temp Hero root and the CLI of one program.
pub struct FreshRoot {
    dir: tempfile::TempDir,
    exe: PathBuf,
    program: String,
    env: Vec<(String, String)>,
}

impl FreshRoot {
    /// hero_svc's CLI on a new root.
    pub fn new() -> Self {
        Self::for_program(env!("CARGO_BIN_EXE_hero_svc"), "hero_svc")
    }

    /// The CLI `exe` of program `program` on a new root.
    pub fn for_program(exe: impl Into<PathBuf>, program: &str) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            exe: exe.into(),
            program: program.to_string(),
            env: Vec::new(),
        }
    }

    /// Sets `name` in the environment of every command (and so of the daemon they start).
    pub fn env(mut self, name: &str, value: impl Into<String>) -> Self {
        self.env.push((name.to_string(), value.into()));
        self
    }

    /// The root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A command of the CLI, with the root's environment and nothing of the caller's
    /// hero_svc settings.
    pub fn cli(&self) -> Command {
        let r = self.path();
        let mut cmd = Command::new(&self.exe);
        cmd.env("HERO_ROOT", r)
            .env("PATH_SOCKET", r.join("var/sockets"))
            .env("CODEROOT", r.join("code"))
            .env_remove("HERO_SVC_CATALOG")
            .env_remove("HERO_SVC_SOCKET")
            .env_remove("HERO_SOCKET_DIR")
            .env_remove("FORGE_URL")
            .env_remove("FORGE_TOKEN")
            .env_remove("FORGEJO_TOKEN")
            .stdin(Stdio::null());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `args` to the end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cli().args(args).output().unwrap()
    }

    /// The pid of the program's daemon, if one holds the root's lock.
    pub fn daemon_pid(&self) -> Option<u32> {
        let lock = self
            .path()
            .join("var")
            .join(&self.program)
            .join("daemon.lock");
        std::fs::read_to_string(lock).ok()?.trim().parse().ok()
    }
}

impl Drop for FreshRoot {
    fn drop(&mut self) {
        if let Some(pid) = self.daemon_pid() {
            procs::signal(pid, libc::SIGTERM);
            procs::poll_until(Duration::from_secs(10), || !procs::is_alive(pid));
        }
    }
}
