//! [`WriteFile`]: writes a file atomically, and only when it is not already right.
//!
//! Fingerprint: path, contents and mode. Stale when the file is missing or its contents
//! differ from what was written. The write goes to a temp file in the same directory, is
//! fsynced and renamed over the target, so a reader never sees half a file.
//!
//! A *seed* ([`WriteFile::if_missing`]) is written only when the file does not exist: a
//! default config the user may edit, or keys generated once. Its fingerprint leaves the
//! contents out (they only matter the first time) and it is fresh as long as the file
//! exists, so an edited or regenerated-elsewhere file is never overwritten.
//!
//! The mode: without one, a new file gets `0666` less the process's umask (what `touch`
//! would give it, readable by a service that runs as another user); with one, the file has
//! it — also a seed that was kept, whose contents are left alone but whose mode is
//! applied. A file whose mode differs from the one asked for is stale.

use std::io::Write;
use std::path::PathBuf;

use super::{Freshness, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::graph::Fingerprint;
use crate::util::FileDigest;

/// Writes `contents` to `path` (creating parent directories) with an optional Unix mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteFile {
    /// Where to write.
    pub path: PathBuf,
    /// What to write.
    pub contents: Vec<u8>,
    /// Unix permission bits (e.g. `0o600`); the umask default when `None`.
    pub mode: Option<u32>,
    /// Write only when the file does not exist; never overwrite it.
    pub if_missing: bool,
}

impl WriteFile {
    /// Writes `contents` to `path`.
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<Vec<u8>>) -> Self {
        Self {
            path: path.into(),
            contents: contents.into(),
            mode: None,
            if_missing: false,
        }
    }

    /// Makes it a seed: written only when the file does not exist, so what the user
    /// changed in it stays.
    pub fn if_missing(mut self) -> Self {
        self.if_missing = true;
        self
    }

    /// Sets the permission bits.
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Whether the file's mode is the one asked for (always, when none is).
    fn mode_matches(&self) -> bool {
        use std::os::unix::fs::PermissionsExt;
        self.mode.is_none_or(|mode| {
            std::fs::metadata(&self.path)
                .is_ok_and(|m| m.permissions().mode() & 0o7777 == mode & 0o7777)
        })
    }

    fn write_atomically(&self) -> std::io::Result<FileDigest> {
        use std::os::unix::fs::PermissionsExt;

        if self.if_missing && self.path.exists() {
            if let Some(mode) = self.mode {
                std::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(mode))?;
            }
            return FileDigest::of_path(&self.path);
        }

        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".hero_svc.")
            .tempfile_in(&dir)?;
        tmp.write_all(&self.contents)?;
        // A temp file is created 0600; the file gets the mode asked for, or what a new
        // file gets under the umask.
        let mode = self.mode.unwrap_or(0o666 & !umask());
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        std::fs::File::open(&dir)?.sync_all()?;
        FileDigest::of_path(&self.path)
    }
}

/// The process's umask (from `/proc/self/status`; `022` where it cannot be read). Read, not
/// set: setting it to find it out would race with other threads creating files.
fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

impl TaskKind for WriteFile {
    const KIND: &'static str = "write_file";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("write:{}", self.path.display()))
    }

    fn label(&self) -> String {
        if self.if_missing {
            format!("seed {}", self.path.display())
        } else {
            format!("write {}", self.path.display())
        }
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("path", self.path.as_os_str().as_encoded_bytes());
        if self.if_missing {
            fp.field("if_missing", b"1");
        } else {
            fp.field("contents", &self.contents);
        }
        fp.field("mode", format!("{:?}", self.mode).as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        if self.path.exists() && !self.mode_matches() {
            return Freshness::Stale(format!(
                "{} does not have mode {:o}",
                self.path.display(),
                self.mode.unwrap_or_default()
            ));
        }
        if self.if_missing {
            return if self.path.exists() {
                Freshness::Fresh(format!("{} exists; kept as it is", self.path.display()))
            } else {
                Freshness::Stale(format!("{} is missing", self.path.display()))
            };
        }
        let TaskOutput::File(digest) = recorded else {
            return Freshness::Stale("no record of the written file".to_string());
        };
        let digest = digest.clone();
        match tokio::task::spawn_blocking(move || digest.still_matches()).await {
            Ok(Ok(())) => Freshness::Fresh(format!("{} is unchanged", self.path.display())),
            Ok(Err(reason)) => Freshness::Stale(reason),
            Err(e) => Freshness::Stale(format!("freshness check failed: {e}")),
        }
    }

    async fn run(&self, _ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let this = self.clone();
        let digest = tokio::task::spawn_blocking(move || this.write_atomically())
            .await
            .map_err(|e| TaskError::with_source("write task panicked", e))?
            .map_err(|e| {
                TaskError::with_source(format!("could not write {}", self.path.display()), e)
            })?;
        Ok(TaskOutput::File(digest))
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode_of(p: &std::path::Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn without_a_mode_a_file_gets_the_umask_default_and_a_kept_seed_gets_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("index.html");
        WriteFile::new(&page, "hi").write_atomically().unwrap();
        assert_eq!(mode_of(&page), 0o666 & !umask());

        let seed = dir.path().join("seed.conf");
        std::fs::write(&seed, "edited by the user").unwrap();
        std::fs::set_permissions(&seed, std::fs::Permissions::from_mode(0o644)).unwrap();
        let task = WriteFile::new(&seed, "default").if_missing().mode(0o600);
        assert!(!task.mode_matches());
        task.write_atomically().unwrap();
        assert_eq!(mode_of(&seed), 0o600);
        assert_eq!(
            std::fs::read_to_string(&seed).unwrap(),
            "edited by the user"
        );
        assert!(task.mode_matches());
    }
}
