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
