//! [`SupervisorBackend`]: which supervisor the daemon runs its processes under, chosen by
//! configuration (`--supervisor builtin|zinit`, `--zinit-socket PATH`, or the environment
//! variables `HERO_SVC_SUPERVISOR` and `ZINIT_SOCKET`), and opening it.

use std::path::{Path, PathBuf};

use super::{
    AnySupervisor, BuiltinConfig, BuiltinSupervisor, SupervisorError, ZinitConfig, ZinitSupervisor,
};
use crate::state::StateStore;

/// The environment variable naming the backend when no flag does.
pub const SUPERVISOR_ENV: &str = "HERO_SVC_SUPERVISOR";
/// The environment variable giving zinit's socket when no flag does.
pub const ZINIT_SOCKET_ENV: &str = "ZINIT_SOCKET";

/// The configured supervisor backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SupervisorBackend {
    /// Supervision inside the daemon (the default).
    Builtin,
    /// A running `zinit-server` listening on `socket`.
    Zinit {
        /// zinit's unix socket.
        socket: PathBuf,
    },
}

impl SupervisorBackend {
    /// Resolves the choice from the command line, falling back to the process environment
    /// and then to the builtin backend; `default_zinit_socket` is used for zinit when
    /// neither `--zinit-socket` nor `ZINIT_SOCKET` gives one (zinit-server's own default is
    /// `~/hero/zinit/zinit.sock`).
    pub fn resolve(
        flag: Option<&str>,
        zinit_socket_flag: Option<&Path>,
        default_zinit_socket: &Path,
    ) -> Result<Self, SupervisorError> {
        Self::resolve_with(flag, zinit_socket_flag, default_zinit_socket, |name| {
            std::env::var(name).ok().filter(|v| !v.is_empty())
        })
    }

    /// [`resolve`](Self::resolve) with the environment given as a lookup function.
    pub fn resolve_with(
        flag: Option<&str>,
        zinit_socket_flag: Option<&Path>,
        default_zinit_socket: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SupervisorError> {
        let name = flag
            .map(str::to_string)
            .or_else(|| env(SUPERVISOR_ENV))
            .unwrap_or_else(|| "builtin".to_string());
        match name.trim().to_ascii_lowercase().as_str() {
            "builtin" => Ok(Self::Builtin),
            "zinit" => Ok(Self::Zinit {
                socket: zinit_socket_flag
                    .map(Path::to_path_buf)
                    .or_else(|| env(ZINIT_SOCKET_ENV).map(PathBuf::from))
                    .unwrap_or_else(|| default_zinit_socket.to_path_buf()),
            }),
            _ => Err(SupervisorError::UnknownBackend { name }),
        }
    }

    /// The backend's name (`builtin`, `zinit`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::Zinit { .. } => "zinit",
        }
    }

    /// Opens the chosen backend: the builtin supervisor on `store` with `builtin`, or a
    /// client of zinit (with [`ZinitConfig::new`] defaults and `builtin`'s secret source)
    /// that checks zinit answers.
    pub async fn open(
        &self,
        builtin: BuiltinConfig,
        store: StateStore,
    ) -> Result<AnySupervisor, SupervisorError> {
        Ok(match self {
            Self::Builtin => BuiltinSupervisor::open(builtin, store).await?.into(),
            Self::Zinit { socket } => {
                let mut config = ZinitConfig::new(socket);
                config.secrets = builtin.secrets.clone();
                ZinitSupervisor::open(config).await?.into()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |n| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flags_win_over_the_environment_and_builtin_is_the_default() {
        let default = Path::new("/root/hero/var/zinit.sock");
        let none = env(&[]);
        assert_eq!(
            SupervisorBackend::resolve_with(None, None, default, &none).unwrap(),
            SupervisorBackend::Builtin
        );
        let vars = env(&[(SUPERVISOR_ENV, "zinit"), (ZINIT_SOCKET_ENV, "/env.sock")]);
        assert_eq!(
            SupervisorBackend::resolve_with(None, None, default, &vars).unwrap(),
            SupervisorBackend::Zinit {
                socket: "/env.sock".into()
            }
        );
        assert_eq!(
            SupervisorBackend::resolve_with(None, Some(Path::new("/flag.sock")), default, &vars)
                .unwrap(),
            SupervisorBackend::Zinit {
                socket: "/flag.sock".into()
            }
        );
        assert_eq!(
            SupervisorBackend::resolve_with(Some("builtin"), None, default, &vars).unwrap(),
            SupervisorBackend::Builtin
        );
        assert_eq!(
            SupervisorBackend::resolve_with(Some("zinit"), None, default, &none).unwrap(),
            SupervisorBackend::Zinit {
                socket: default.into()
            }
        );
        let err = SupervisorBackend::resolve_with(Some("systemd"), None, default, &none);
        assert!(err.unwrap_err().to_string().contains("systemd"));
    }
}
