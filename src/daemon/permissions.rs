//! The daemon's files are private: its state directory (`$HERO_ROOT/var/hero_svc`) and the
//! service logs in it are mode 0700, its files (state store, log, lock) 0600 — created so,
//! and repaired when an existing root has looser modes. Service environments are stored by
//! reference (secrets by name, resolved only when a process is spawned), so the store holds
//! no secret, but its records and the service logs are still nobody else's business.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::paths::HeroPaths;

/// The files of the state directory that must be 0600.
const PRIVATE_FILES: &[&str] = &[
    "state.db",
    "state.db-wal",
    "state.db-shm",
    "daemon.log",
    "daemon.lock",
];

/// Creates the state and log directories mode 0700 and makes them and the daemon's files
/// private. Failures (a filesystem that refuses `chmod`) are logged, not fatal.
pub fn make_private(paths: &HeroPaths) {
    for dir in [paths.state_dir(), paths.log_dir()] {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "could not create a directory");
            continue;
        }
        set_mode(&dir, 0o700);
    }
    for name in PRIVATE_FILES {
        let path = paths.state_dir().join(name);
        if path.exists() {
            set_mode(&path, 0o600);
        }
    }
}

fn set_mode(path: &Path, mode: u32) {
    let loose = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777 != mode)
        .unwrap_or(false);
    if loose && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
        tracing::warn!(path = %path.display(), error = %e, "could not make private");
    }
}
