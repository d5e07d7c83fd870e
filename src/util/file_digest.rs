//! [`FileDigest`]: what a file holds, by sha256 — read once, then known by its stamp (see
//! [`digest_memo`](super::digest_memo)).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A file and what it contained when it was digested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Where the file is.
    pub path: PathBuf,
    /// Lowercase hex sha256 of its contents.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
}

impl FileDigest {
    /// Reads the file at `path` and digests it — or, when this process already hashed it
    /// and it is unchanged since (see [`digest_memo`](super::digest_memo)), only stats it.
    /// Blocking: call it from blocking context.
    pub fn of_path(path: impl Into<PathBuf>) -> std::io::Result<Self> {
        use sha2::{Digest, Sha256};
        use std::io::Read;

        let path = path.into();
        let mut file = std::fs::File::open(&path)?;
        let before = file.metadata()?;
        if let Some((sha256, bytes)) = super::digest_memo::recall(&path, &before) {
            return Ok(Self {
                path,
                sha256,
                bytes,
            });
        }
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut bytes = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            bytes += n as u64;
        }
        let sha256 = hex::encode(hasher.finalize());
        if let Ok(after) = std::fs::metadata(&path) {
            super::digest_memo::remember(&path, &before, &after, &sha256, bytes);
        }
        Ok(Self {
            path,
            sha256,
            bytes,
        })
    }

    /// The digest of `path` if this process already hashed it and it is unchanged since:
    /// one `stat`, never a read. `Ok(None)`: it would have to be read
    /// ([`of_path`](Self::of_path) does). A missing file is an `Err` of kind `NotFound`.
    pub fn recalled(path: impl Into<PathBuf>) -> std::io::Result<Option<Self>> {
        let path = path.into();
        let meta = std::fs::metadata(&path)?;
        Ok(
            super::digest_memo::recall(&path, &meta).map(|(sha256, bytes)| Self {
                path,
                sha256,
                bytes,
            }),
        )
    }

    /// Tells the memo that the file this process wrote, hashed (`sha256`, `bytes`), synced
    /// and then renamed to `to` — `staged` is its metadata before the rename — has these
    /// contents, so the next question about `to` costs a `stat` (an install's binary).
    pub fn note_renamed(
        to: &std::path::Path,
        staged: &std::fs::Metadata,
        sha256: &str,
        bytes: u64,
    ) {
        super::digest_memo::remember_renamed(to, staged, sha256, bytes);
    }

    /// Whether the file is still there with the same contents; `Err` holds the reason it
    /// is not (missing, modified, unreadable).
    pub fn still_matches(&self) -> Result<(), String> {
        match Self::of_path(&self.path) {
            Ok(now) if now.sha256 == self.sha256 => Ok(()),
            Ok(_) => Err(format!("{} was modified", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(format!("{} is missing", self.path.display()))
            }
            Err(e) => Err(format!("{} is unreadable: {e}", self.path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_recalled_once_hashed_and_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin");
        std::fs::write(&path, b"one").unwrap();
        assert_eq!(FileDigest::recalled(&path).unwrap(), None, "never read");
        let read = FileDigest::of_path(&path).unwrap();
        assert_eq!(FileDigest::recalled(&path).unwrap(), Some(read));
        // Replaced (a new inode), as an install or a user's `mv` does.
        let other = dir.path().join("bin.new");
        std::fs::write(&other, b"two").unwrap();
        std::fs::rename(&other, &path).unwrap();
        assert_eq!(FileDigest::recalled(&path).unwrap(), None);
        std::fs::remove_file(&path).unwrap();
        let gone = FileDigest::recalled(&path).unwrap_err();
        assert_eq!(gone.kind(), std::io::ErrorKind::NotFound);
    }
}
