//! The digest memo: sha256 digests of files this process already read (or wrote, hashed
//! and renamed into place: an install), keyed by the file's stamp, so a freshness check of
//! an unchanged file costs one `stat` instead of reading (and hashing) tens of MiB.
//!
//! A stamp is what the kernel changes on any write or replacement: device, inode, size,
//! modification time and status-change time (`ctime`, which no user call can set back).
//! When the stamp of a path is the one seen when it was hashed, its contents are those that
//! were hashed — the rule `make`, cargo and git's index rely on, made stricter by `ctime`.
//! The memo lives as long as the process (the daemon): the first check after a start reads
//! the files once.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// What identifies one version of a file's contents without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Stamp {
    fn of(meta: &Metadata) -> Self {
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
        }
    }
}

/// The digest of a file as it was when hashed.
#[derive(Clone, Debug)]
struct Known {
    stamp: Stamp,
    sha256: String,
    bytes: u64,
}

fn memo() -> &'static Mutex<HashMap<PathBuf, Known>> {
    static MEMO: OnceLock<Mutex<HashMap<PathBuf, Known>>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The sha256 and size of `path`, if it was hashed while it had the stamp of `meta`.
pub(crate) fn recall(path: &Path, meta: &Metadata) -> Option<(String, u64)> {
    let stamp = Stamp::of(meta);
    let memo = memo().lock().ok()?;
    memo.get(path)
        .filter(|k| k.stamp == stamp)
        .map(|k| (k.sha256.clone(), k.bytes))
}

/// Remembers that `path`, with the stamp of both `before` and `after` (taken around the
/// read, so a write during the read is never remembered), has these contents.
pub(crate) fn remember(path: &Path, before: &Metadata, after: &Metadata, sha256: &str, bytes: u64) {
    let stamp = Stamp::of(before);
    if stamp != Stamp::of(after) || stamp.len != bytes {
        return;
    }
    if let Ok(mut memo) = memo().lock() {
        memo.insert(
            path.to_path_buf(),
            Known {
                stamp,
                sha256: sha256.to_string(),
                bytes,
            },
        );
    }
}

/// Remembers that `to`, renamed there from a file whose metadata was `staged` (written
/// and hashed by this process, synced, nobody else's to write), has these contents. A
/// rename changes the file's `ctime`, so the stamp kept is `to`'s now — provided it is the
/// same file, unwritten since (device, inode, size and modification time unchanged).
pub(crate) fn remember_renamed(to: &Path, staged: &Metadata, sha256: &str, bytes: u64) {
    let Ok(now) = std::fs::metadata(to) else {
        return;
    };
    let (before, after) = (Stamp::of(staged), Stamp::of(&now));
    let same_file = before.dev == after.dev
        && before.ino == after.ino
        && before.len == after.len
        && before.mtime_ns == after.mtime_ns;
    if !same_file || after.len != bytes {
        return;
    }
    if let Ok(mut memo) = memo().lock() {
        memo.insert(
            to.to_path_buf(),
            Known {
                stamp: after,
                sha256: sha256.to_string(),
                bytes,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_file_is_not_recalled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"one").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        remember(&path, &meta, &meta, "aa", 3);
        assert_eq!(recall(&path, &meta), Some(("aa".to_string(), 3)));
        std::fs::write(&path, b"two").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(recall(&path, &meta), None);
    }

    #[test]
    fn a_renamed_file_is_known_where_it_went_until_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let (staged, to) = (dir.path().join("staged"), dir.path().join("bin"));
        std::fs::write(&staged, b"one").unwrap();
        let meta = std::fs::metadata(&staged).unwrap();
        std::fs::rename(&staged, &to).unwrap();
        remember_renamed(&to, &meta, "aa", 3);
        let now = std::fs::metadata(&to).unwrap();
        assert_eq!(recall(&to, &now), Some(("aa".to_string(), 3)));
        // Another file renamed over it is not taken for it.
        let other = dir.path().join("other");
        std::fs::write(&other, b"two").unwrap();
        std::fs::rename(&other, &to).unwrap();
        remember_renamed(&to, &meta, "aa", 3);
        let now = std::fs::metadata(&to).unwrap();
        assert_eq!(recall(&to, &now), None);
    }
}
