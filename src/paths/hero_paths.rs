//! [`HeroPaths`]: the Hero directories and the environment variables that move them.
//!
//! | what | variable | default |
//! |---|---|---|
//! | root | `HERO_ROOT` | `~/hero` |
//! | binaries | — | `$HERO_ROOT/bin` |
//! | state, logs | — | `$HERO_ROOT/var` |
//! | config | — | `$HERO_ROOT/cfg` |
//! | sockets | `PATH_SOCKET` (legacy `HERO_SOCKET_DIR`) | `$HERO_ROOT/var/sockets` |
//! | source checkouts | `CODEROOT` | `~/code` |
//!
//! The program's own state and socket are named after the program (`hero_svc`, or the name
//! another stack gives its program, see [`HeroPaths::for_program`]): two programs built on
//! hero_svc share a root without sharing a daemon.
//!
//! Every test builds its own [`HeroPaths`] on a temp dir with [`HeroPaths::with_root`].

use std::path::{Path, PathBuf};

/// The directories hero_svc reads and writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeroPaths {
    /// `HERO_ROOT`.
    pub root: PathBuf,
    /// Where binaries are installed.
    pub bin: PathBuf,
    /// State, logs, data.
    pub var: PathBuf,
    /// Configuration (`cfg/env/env.sh`, …).
    pub cfg: PathBuf,
    /// The root of all service sockets (`PATH_SOCKET`).
    pub sockets: PathBuf,
    /// Where sources are checked out (`CODEROOT`), laid out `<host>/<owner>/<repo>`.
    pub code: PathBuf,
    /// The program whose state and daemon socket these are (`hero_svc`).
    pub program: String,
}

/// The name of hero_svc's own program, its state directory and its daemon's socket folder.
pub const DEFAULT_PROGRAM: &str = "hero_svc";

/// The home directory could not be found to derive a default.
#[derive(Debug, thiserror::Error)]
#[error("cannot find the home directory: set HERO_ROOT (and CODEROOT) explicitly")]
pub struct NoHomeError;

impl HeroPaths {
    /// Everything under `root`, sockets in `root/var/sockets`, sources in `root/code`.
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        Self {
            bin: root.join("bin"),
            var: root.join("var"),
            cfg: root.join("cfg"),
            sockets: root.join("var").join("sockets"),
            code: root.join("code"),
            root,
            program: DEFAULT_PROGRAM.to_string(),
        }
    }

    /// The same directories for program `name`: its state in `$HERO_ROOT/var/<name>`, its
    /// daemon on `$PATH_SOCKET/<name>/rpc.sock`.
    pub fn for_program(mut self, name: &str) -> Self {
        self.program = name.to_string();
        self
    }

    /// From the environment (see the module docs).
    pub fn from_env() -> Result<Self, NoHomeError> {
        Self::from_lookup(|k| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
    }

    /// From any variable lookup (the environment, or a test's map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<PathBuf>) -> Result<Self, NoHomeError> {
        let home = get("HOME");
        let root = match get("HERO_ROOT") {
            Some(r) => r,
            None => home.as_ref().ok_or(NoHomeError)?.join("hero"),
        };
        let mut paths = Self::with_root(root);
        if let Some(s) = get("PATH_SOCKET").or_else(|| get("HERO_SOCKET_DIR")) {
            paths.sockets = s;
        }
        paths.code = match get("CODEROOT") {
            Some(c) => c,
            None => home.ok_or(NoHomeError)?.join("code"),
        };
        Ok(paths)
    }

    /// The program's own state directory (`$HERO_ROOT/var/hero_svc`).
    pub fn state_dir(&self) -> PathBuf {
        self.var.join(&self.program)
    }

    /// The state database.
    pub fn state_db(&self) -> PathBuf {
        self.state_dir().join("state.db")
    }

    /// Where supervised services' logs go.
    pub fn log_dir(&self) -> PathBuf {
        self.state_dir().join("logs")
    }

    /// The socket directory of service `name` (`$PATH_SOCKET/<name>`).
    pub fn service_socket_dir(&self, name: &str) -> PathBuf {
        self.sockets.join(name)
    }

    /// The user's environment file (`$HERO_ROOT/cfg/env/env.sh`), where secrets live.
    pub fn env_file(&self) -> PathBuf {
        self.cfg.join("env").join("env.sh")
    }

    /// The daemon's own socket (`$PATH_SOCKET/hero_svc/rpc.sock`).
    pub fn daemon_socket(&self) -> PathBuf {
        self.service_socket_dir(&self.program).join("rpc.sock")
    }

    /// The installed path of binary `name`.
    pub fn binary(&self, name: &str) -> PathBuf {
        self.bin.join(name)
    }

    /// The root itself.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<PathBuf> {
        let map: HashMap<String, PathBuf> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), PathBuf::from(v)))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_follow_home() {
        let p = HeroPaths::from_lookup(lookup(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(p.root, PathBuf::from("/home/u/hero"));
        assert_eq!(p.sockets, PathBuf::from("/home/u/hero/var/sockets"));
        assert_eq!(p.code, PathBuf::from("/home/u/code"));
        assert_eq!(
            p.daemon_socket(),
            PathBuf::from("/home/u/hero/var/sockets/hero_svc/rpc.sock")
        );
    }

    #[test]
    fn path_socket_wins_over_the_legacy_name() {
        let p = HeroPaths::from_lookup(lookup(&[
            ("HERO_ROOT", "/r"),
            ("CODEROOT", "/c"),
            ("HERO_SOCKET_DIR", "/legacy"),
        ]))
        .unwrap();
        assert_eq!(p.sockets, PathBuf::from("/legacy"));
        let p = HeroPaths::from_lookup(lookup(&[
            ("HERO_ROOT", "/r"),
            ("CODEROOT", "/c"),
            ("HERO_SOCKET_DIR", "/legacy"),
            ("PATH_SOCKET", "/new"),
        ]))
        .unwrap();
        assert_eq!(p.sockets, PathBuf::from("/new"));
    }

    #[test]
    fn no_home_no_root_is_an_error() {
        assert!(HeroPaths::from_lookup(lookup(&[])).is_err());
    }
}
