//! [`BinaryDigests`]: the sha256 of installed binaries for answers that must not wait on
//! reading them (`status`, the dashboard's stack page).
//!
//! A binary unchanged since this daemon hashed it is known by its stamp — one `stat`, see
//! [`FileDigest::recalled`] and the digest memo behind [`FileDigest::of_path`], the one
//! hashing path. A binary not hashed since it changed is hashed in the background (one
//! hash per path at a time, [`CONCURRENT_HASHES`] at once, on the blocking pool) and is
//! [`BinaryDigest::Hashing`] until then; the next question finds it in the memo. A binary
//! that could not be read says why ([`BinaryDigest::Unreadable`]) and is tried again at
//! every question.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Semaphore;

use crate::util::FileDigest;

/// Files hashed at once in the background.
pub const CONCURRENT_HASHES: usize = 2;

/// What is known of a binary's contents now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BinaryDigest {
    /// Its digest.
    Known(FileDigest),
    /// There is no file.
    Missing,
    /// It is being hashed.
    Hashing,
    /// It cannot be read (why).
    Unreadable(String),
}

impl BinaryDigest {
    fn of(path: &Path, read: std::io::Result<FileDigest>) -> Self {
        match read {
            Ok(d) => Self::Known(d),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::Missing,
            Err(e) => Self::Unreadable(format!("{} cannot be read: {e}", path.display())),
        }
    }
}

/// The binaries being hashed in the background (see the module docs).
pub struct BinaryDigests {
    hashing: Mutex<HashSet<PathBuf>>,
    /// Why the last background hash of a path failed.
    failed: Mutex<HashMap<PathBuf, String>>,
    permits: Arc<Semaphore>,
}

impl Default for BinaryDigests {
    fn default() -> Self {
        Self {
            hashing: Mutex::new(HashSet::new()),
            failed: Mutex::new(HashMap::new()),
            permits: Arc::new(Semaphore::new(CONCURRENT_HASHES)),
        }
    }
}

impl BinaryDigests {
    /// None being hashed.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn hashing(&self) -> std::sync::MutexGuard<'_, HashSet<PathBuf>> {
        self.hashing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn failed(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, String>> {
        self.failed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What is known of `path` now, without reading it: when it would have to be read,
    /// it is hashed in the background (within a Tokio runtime) and this says
    /// [`Hashing`](BinaryDigest::Hashing).
    pub fn now(self: &Arc<Self>, path: &Path) -> BinaryDigest {
        match FileDigest::recalled(path) {
            Ok(Some(d)) => BinaryDigest::Known(d),
            Ok(None) => {
                let failed = self.failed().get(path).cloned();
                self.hash_in_background(path);
                failed.map_or(BinaryDigest::Hashing, BinaryDigest::Unreadable)
            }
            Err(e) => BinaryDigest::of(path, Err(e)),
        }
    }

    /// What `path` holds, hashed now if it must be (on the blocking pool).
    pub async fn settled(&self, path: &Path) -> BinaryDigest {
        let owned = path.to_path_buf();
        match tokio::task::spawn_blocking(move || FileDigest::of_path(owned)).await {
            Ok(read) => BinaryDigest::of(path, read),
            Err(e) => {
                BinaryDigest::Unreadable(format!("hashing {} did not finish: {e}", path.display()))
            }
        }
    }

    fn hash_in_background(self: &Arc<Self>, path: &Path) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if !self.hashing().insert(path.to_path_buf()) {
            return;
        }
        let (this, path) = (self.clone(), path.to_path_buf());
        runtime.spawn(async move {
            if let Ok(_permit) = this.permits.clone().acquire_owned().await {
                let file = path.clone();
                // A digest goes to the memo; a failure is kept for the next question.
                let read = tokio::task::spawn_blocking(move || FileDigest::of_path(file)).await;
                match read {
                    Ok(Ok(_)) => {
                        this.failed().remove(&path);
                    }
                    Ok(Err(e)) => {
                        let why = format!("{} cannot be read: {e}", path.display());
                        this.failed().insert(path.clone(), why);
                    }
                    Err(e) => {
                        let why = format!("hashing {} did not finish: {e}", path.display());
                        this.failed().insert(path.clone(), why);
                    }
                }
            }
            this.hashing().remove(&path);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `digests` says of `path` once its background hashing is over (10 s at most).
    async fn hashed(digests: &Arc<BinaryDigests>, path: &Path) -> BinaryDigest {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match digests.now(path) {
                BinaryDigest::Hashing if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
                other => return other,
            }
        }
    }

    #[tokio::test]
    async fn a_new_file_is_hashed_in_the_background_then_known_by_a_stat() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin");
        std::fs::write(&path, b"contents").unwrap();
        let digests = BinaryDigests::new();
        assert_eq!(digests.now(&path), BinaryDigest::Hashing);
        let BinaryDigest::Known(known) = hashed(&digests, &path).await else {
            panic!("{path:?} was not hashed");
        };
        assert_eq!(known, FileDigest::of_path(&path).unwrap());
        assert_eq!(
            digests.now(&dir.path().join("nothing")),
            BinaryDigest::Missing
        );
        assert_eq!(
            digests.settled(&path).await,
            BinaryDigest::Known(known.clone())
        );
    }

    #[tokio::test]
    async fn a_binary_that_cannot_be_read_says_why() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // A directory where a binary should be: it stats, but it cannot be hashed.
        let path = dir.path().join("bin");
        std::fs::create_dir(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let digests = BinaryDigests::new();
        assert_eq!(digests.now(&path), BinaryDigest::Hashing);
        let BinaryDigest::Unreadable(why) = hashed(&digests, &path).await else {
            panic!("{path:?} did not say why it cannot be read");
        };
        assert!(why.contains("cannot be read"), "{why}");
    }
}
