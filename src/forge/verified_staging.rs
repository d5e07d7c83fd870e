//! Staging files this process downloaded and hashed, so the install that consumes one
//! need not read it all again.
//!
//! A download hashes its bytes as they arrive; the install step must still make sure the
//! file it renames into place has the sha256 that was checked. Reading 256 MiB again to
//! prove it costs as much as the hashing itself. Instead the download remembers the file's
//! identity and change stamps — device, inode, size, mtime and ctime (which no user can set
//! and every write or `chmod` moves) — with its sha256, and [`verified_sha256`] answers
//! only while all of them are unchanged. Anything else (another process's file, a file
//! touched since, a daemon restart in between) gets `None` and is hashed as before.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What identifies a file's contents without reading them.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }
}

struct Entry {
    path: PathBuf,
    stamp: Stamp,
    sha256: String,
}

/// At most this many remembered files; the oldest are forgotten first.
const CAPACITY: usize = 256;

static VERIFIED: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// Remembers that the file at `path`, as it is now, has `sha256`.
pub(crate) fn remember(path: &Path, sha256: &str) {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return;
    };
    let Ok(mut list) = VERIFIED.lock() else {
        return;
    };
    list.retain(|e| e.path != path && e.path.exists());
    if list.len() >= CAPACITY {
        list.remove(0);
    }
    list.push(Entry {
        path: path.to_path_buf(),
        stamp: Stamp::of(&meta),
        sha256: sha256.to_string(),
    });
}

/// The sha256 and size of the staging file at `path` when this process downloaded it and
/// it has not changed since; `None` otherwise (hash it). Blocking (one `stat`).
pub fn verified_sha256(path: &Path) -> Option<(String, u64)> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    let stamp = Stamp::of(&meta);
    let list = VERIFIED.lock().ok()?;
    list.iter()
        .find(|e| e.path == path && e.stamp == stamp)
        .map(|e| (e.sha256.clone(), stamp.size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_file_is_trusted_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".x.download-1");
        std::fs::write(&path, b"bytes").unwrap();
        assert_eq!(verified_sha256(&path), None);
        remember(&path, "abc");
        assert_eq!(verified_sha256(&path), Some(("abc".to_string(), 5)));
        // A rewrite with the same size still moves the change stamps (or the inode).
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"other").unwrap();
        assert_eq!(verified_sha256(&path), None);
        remember(&path, "def");
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        use std::io::Write;
        (&f).write_all(b"!").unwrap();
        assert_eq!(verified_sha256(&path), None);
    }
}
