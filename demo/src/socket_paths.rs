//! Where the sockets live: the Hero convention (`$PATH_SOCKET/<name>/rpc.sock`, the
//! admin socket beside it) or an explicit `--socket`.

use std::path::{Path, PathBuf};

/// The socket files of one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketPaths {
    /// The RPC socket.
    pub rpc: PathBuf,
    /// The admin socket, in the same folder as the RPC socket.
    pub admin: PathBuf,
}

impl SocketPaths {
    /// The sockets of service `name`: beside `explicit` if given, else in the Hero socket
    /// folder found through `env` (`PATH_SOCKET`, legacy `HERO_SOCKET_DIR`, else
    /// `$HERO_ROOT/var/sockets`, `HERO_ROOT` defaulting to `$HOME/hero`).
    pub fn resolve(
        name: &str,
        explicit: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let rpc = match explicit {
            Some(path) => path.to_path_buf(),
            None => socket_root(env).join(name).join("rpc.sock"),
        };
        let admin = rpc
            .parent()
            .map(|dir| dir.join("admin.sock"))
            .unwrap_or_else(|| PathBuf::from("admin.sock"));
        Self { rpc, admin }
    }
}

/// The folder holding one folder per service.
fn socket_root(env: impl Fn(&str) -> Option<String>) -> PathBuf {
    let var = |key: &str| env(key).filter(|value| !value.is_empty());
    if let Some(dir) = var("PATH_SOCKET").or_else(|| var("HERO_SOCKET_DIR")) {
        return PathBuf::from(dir);
    }
    let root = var("HERO_ROOT").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(var("HOME").unwrap_or_else(|| "/root".to_owned())).join("hero")
    });
    root.join("var").join("sockets")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn path_socket_wins_over_legacy_and_root() {
        let paths = SocketPaths::resolve(
            "hero_x",
            None,
            env(&[
                ("PATH_SOCKET", "/s"),
                ("HERO_SOCKET_DIR", "/legacy"),
                ("HERO_ROOT", "/r"),
            ]),
        );
        assert_eq!(paths.rpc, PathBuf::from("/s/hero_x/rpc.sock"));
        assert_eq!(paths.admin, PathBuf::from("/s/hero_x/admin.sock"));
    }

    #[test]
    fn legacy_then_root_then_home() {
        let legacy = SocketPaths::resolve(
            "a",
            None,
            env(&[("PATH_SOCKET", ""), ("HERO_SOCKET_DIR", "/legacy")]),
        );
        assert_eq!(legacy.rpc, PathBuf::from("/legacy/a/rpc.sock"));
        let root = SocketPaths::resolve("a", None, env(&[("HERO_ROOT", "/r"), ("HOME", "/h")]));
        assert_eq!(root.rpc, PathBuf::from("/r/var/sockets/a/rpc.sock"));
        let home = SocketPaths::resolve("a", None, env(&[("HOME", "/h")]));
        assert_eq!(home.rpc, PathBuf::from("/h/hero/var/sockets/a/rpc.sock"));
    }

    #[test]
    fn explicit_socket_puts_admin_beside_it() {
        let paths = SocketPaths::resolve(
            "a",
            Some(Path::new("/t/x.sock")),
            env(&[("PATH_SOCKET", "/s")]),
        );
        assert_eq!(paths.rpc, PathBuf::from("/t/x.sock"));
        assert_eq!(paths.admin, PathBuf::from("/t/admin.sock"));
    }
}
