//! Staging files nobody will finish: a download's `.<binary>.download-…` file lives in the
//! bin dir until its install renames it into place or a failure removes it — unless the
//! daemon is killed in between, and then nothing ever would (twenty killed 512 MiB
//! downloads left gigabytes behind).
//!
//! This process knows which staging files are its own and in use ([`Live`], held by a
//! download and, once kept, until the file is gone). [`sweep`] removes the others: a
//! daemon sweeps its bin dir at start (no download of its own runs yet), and every
//! download first sweeps the earlier staging files of its own binary.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

static LIVE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn with_live<T>(f: impl FnOnce(&mut HashSet<PathBuf>) -> T) -> T {
    let mut guard = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    f(guard.get_or_insert_with(HashSet::new))
}

/// A staging file in use by this process, from its creation on. Dropping the guard of a
/// file that was not kept forgets it; a kept one stays known until it is gone from disk.
pub(crate) struct Live {
    path: PathBuf,
    kept: bool,
}

impl Live {
    /// Marks `path` as in use.
    pub(crate) fn new(path: &Path) -> Self {
        with_live(|live| live.insert(path.to_path_buf()));
        Self {
            path: path.to_path_buf(),
            kept: false,
        }
    }

    /// The file outlives the download (the install will consume it).
    pub(crate) fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if !self.kept {
            with_live(|live| live.remove(&self.path));
        }
    }
}

/// Whether `name` is the name of a download's staging file (of `binary`, when given).
fn is_staging_name(name: &str, binary: Option<&str>) -> bool {
    match binary {
        Some(b) => name.starts_with(&format!(".{b}.download-")),
        None => name.starts_with('.') && name.contains(".download-"),
    }
}

/// Removes the staging files in `dir` (of `binary` only, when given) that no download of
/// this process uses. Returns how many it removed; errors reading `dir` are none removed.
pub fn sweep(dir: &Path, binary: Option<&str>) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    with_live(|live| live.retain(|p| p.exists()));
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !is_staging_name(name, binary) {
            continue;
        }
        let path = entry.path();
        if with_live(|live| live.contains(&path)) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_file()) && std::fs::remove_file(&path).is_ok() {
            tracing::info!(path = %path.display(), "removed a staging file left by an unfinished download");
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_nobody_uses_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".tool.download-abc");
        let used = dir.path().join(".tool.download-def");
        let other = dir.path().join(".other.download-123");
        let installed = dir.path().join("tool");
        for p in [&stale, &used, &other, &installed] {
            std::fs::write(p, b"x").unwrap();
        }
        let guard = Live::new(&used);
        assert_eq!(sweep(dir.path(), Some("tool")), 1);
        assert!(!stale.exists() && used.exists() && other.exists() && installed.exists());
        drop(guard);
        assert_eq!(sweep(dir.path(), None), 2);
        assert!(installed.exists());
    }
}
