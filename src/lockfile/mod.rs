//! The lock file: every service of a stack pinned to exact bytes.
//!
//! [`LockFile`] is what `hero_svc lock` writes and `--locked` operations obey: per
//! service, the release (forge, repository, the tag it resolved to, each asset's URL,
//! size and sha256) or the source build (repository, commit, the digest of its
//! `Cargo.lock`, profile, features, `rustc`, each binary's sha256) or the system binary
//! (its path and sha256) it was locked to. TOML, in a stable order (services by name,
//! binaries by name), so that two locks of the same stack are the same file and a change
//! reads as a small diff.
//!
//! Floor: beside the [state store](crate::state); it knows nothing of forges, tasks or
//! services — they fill it and read it.

mod lock_error;
mod lock_file;

pub use lock_error::LockError;

/// Where the lock file of a Hero root is: `$HERO_ROOT/cfg/hero_svc.lock` (named after the
/// program: another stack's program has its own).
pub fn default_path(paths: &crate::paths::HeroPaths) -> std::path::PathBuf {
    paths.cfg.join(format!("{}.lock", paths.program))
}
pub use lock_file::{
    LOCK_VERSION, LockFile, LockedBinary, LockedRelease, LockedService, LockedSource, LockedSystem,
    ReleaseAssetLock,
};
