//! [`ProcessSpec`]: everything a supervisor needs to run one process.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{LogSettings, RestartPolicy, SupervisorError};

/// How to run one supervised process. The process gets exactly `env`, its `secrets`, and
/// the variables named in `pass_env` (copied from the supervisor's own environment), and
/// nothing else, so what a service sees does not depend on the shell the daemon was started
/// from.
///
/// A spec is stored (the supervisor's records, zinit's config), so it holds no secret
/// value: a secret is a [`SecretEnv`], a name, and its value is read when the process is
/// spawned (see [`SecretSource`](super::SecretSource)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessSpec {
    /// Unique name; also the log file's name, so it is restricted to `[A-Za-z0-9._-]`.
    pub name: String,
    /// The program (an absolute path is best: it is also how stray instances are recognised).
    pub executable: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Its environment (secrets aside).
    pub env: Vec<(String, String)>,
    /// Variables whose values are secrets, by name: resolved at spawn time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretEnv>,
    /// Variables copied from the supervisor's environment when set there.
    pub pass_env: Vec<String>,
    /// Its working directory (the supervisor's when `None`).
    pub working_dir: Option<PathBuf>,
    /// What happens when it exits on its own.
    pub restart: RestartPolicy,
    /// The signal `stop` sends to its process group first.
    pub stop_signal: i32,
    /// How long `stop` waits after the stop signal before it sends SIGKILL.
    pub stop_timeout: Duration,
    /// Rotation of its log file.
    pub log: LogSettings,
    /// Unix sockets it listens on: stale files are removed before a start, and a socket
    /// still held by a stray instance of the same program is reclaimed.
    pub sockets: Vec<PathBuf>,
    /// TCP ports it listens on, reclaimed like `sockets`.
    pub tcp_ports: Vec<u16>,
}

/// A variable whose value is a secret, stored by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecretEnv {
    /// The variable the process sees (`JWT_SECRET`).
    pub var: String,
    /// The secret's name in the user's env file (`ONLYOFFICE_JWT_SECRET`).
    pub secret: String,
}

crate::util::invocation_builders!(ProcessSpec);

impl ProcessSpec {
    /// A spec for `name` running `executable`, with no arguments, an empty environment,
    /// [`RestartPolicy::Always`], SIGTERM with a 10 s stop timeout and default log rotation.
    pub fn new(name: impl Into<String>, executable: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            executable: executable.into(),
            args: Vec::new(),
            env: Vec::new(),
            secrets: Vec::new(),
            pass_env: Vec::new(),
            working_dir: None,
            restart: RestartPolicy::Always,
            stop_signal: libc::SIGTERM,
            stop_timeout: Duration::from_secs(10),
            log: LogSettings::default(),
            sockets: Vec::new(),
            tcp_ports: Vec::new(),
        }
    }

    /// Sets variable `var` to the value of secret `secret` (a variable of the user's env
    /// file, or of the supervisor's environment), read when the process is spawned.
    pub fn secret(mut self, var: impl Into<String>, secret: impl Into<String>) -> Self {
        self.secrets.push(SecretEnv {
            var: var.into(),
            secret: secret.into(),
        });
        self
    }

    /// Passes variable `name` through from the supervisor's environment.
    pub fn pass_env(mut self, name: impl Into<String>) -> Self {
        self.pass_env.push(name.into());
        self
    }

    /// Sets the working directory.
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Sets the restart policy.
    pub fn restart(mut self, policy: RestartPolicy) -> Self {
        self.restart = policy;
        self
    }

    /// Sets the stop signal and the time allowed after it.
    pub fn stop_with(mut self, signal: i32, timeout: Duration) -> Self {
        self.stop_signal = signal;
        self.stop_timeout = timeout;
        self
    }

    /// Sets log rotation.
    pub fn log(mut self, log: LogSettings) -> Self {
        self.log = log;
        self
    }

    /// Declares a unix socket the process listens on.
    pub fn socket(mut self, path: impl Into<PathBuf>) -> Self {
        self.sockets.push(path.into());
        self
    }

    /// Declares a TCP port the process listens on.
    pub fn tcp_port(mut self, port: u16) -> Self {
        self.tcp_ports.push(port);
        self
    }

    /// Lowercase hex sha256 of the spec (of its JSON form): equal specs have equal digests,
    /// and any change (an argument, a variable, the stop timeout) changes it.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(Sha256::digest(&json))
    }

    /// Checks what the supervisor relies on: a usable name and a program.
    pub fn validate(&self) -> Result<(), SupervisorError> {
        let invalid = |reason: &str| SupervisorError::InvalidSpec {
            name: self.name.clone(),
            reason: reason.to_string(),
        };
        if self.name.is_empty() || self.name.starts_with('.') {
            return Err(invalid("the name must not be empty or start with a dot"));
        }
        if !self
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(invalid(
                "the name may only contain letters, digits, '.', '_' and '-'",
            ));
        }
        if self.executable.as_os_str().is_empty() {
            return Err(invalid("the executable is empty"));
        }
        Ok(())
    }
}
