//! Binding a unix socket file safely: create its folder, reclaim a stale file left by a
//! dead process, refuse to steal the socket of a live one; and removing it on exit.

use std::fs;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

use tokio::net::UnixListener;

use crate::error::DemoError;

/// Binds `path`, creating its folder and removing a stale socket file first.
///
/// Fails with [`DemoError::SocketInUse`] if a process accepts connections on `path`.
pub fn bind(path: &Path) -> Result<UnixListener, DemoError> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|source| DemoError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(DemoError::BindUnix {
                path: path.to_path_buf(),
                source,
            });
        }
        Ok(meta) if !meta.file_type().is_socket() => {
            return Err(DemoError::NotASocket {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => {
            if std::os::unix::net::UnixStream::connect(path).is_ok() {
                return Err(DemoError::SocketInUse {
                    path: path.to_path_buf(),
                });
            }
            fs::remove_file(path).map_err(|source| DemoError::RemoveStale {
                path: path.to_path_buf(),
                source,
            })?;
        }
    }
    UnixListener::bind(path).map_err(|source| DemoError::BindUnix {
        path: path.to_path_buf(),
        source,
    })
}

/// Removes the socket file at `path` if one is there; a failure is reported, not fatal.
pub fn remove(path: &Path) {
    if let Err(e) = fs::remove_file(path)
        && e.kind() != io::ErrorKind::NotFound
    {
        eprintln!("hero_demo: cannot remove socket {}: {e}", path.display());
    }
}
