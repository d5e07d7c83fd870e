//! [`LocalBinary`]: a binary already on disk (a local build, a file a person points at)
//! entering an install pipeline.
//!
//! Output: an [`Artifact`] of the file as it is now (sha256, size), for
//! [`VerifyElf`](super::VerifyElf) and [`InstallBinary`](super::InstallBinary) downstream.
//! Fingerprint: binary, path, version and origin; stale when the file changed since.

use std::path::PathBuf;

use super::{Artifact, Freshness, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::graph::Fingerprint;
use crate::util::FileDigest;

/// Hands the file at `path` on as the artifact `binary`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalBinary {
    /// The binary's name.
    pub binary: String,
    /// The file.
    pub path: PathBuf,
    /// Its version, as the install record will show it.
    pub version: String,
    /// Where it came from, for people.
    pub origin: String,
}

impl LocalBinary {
    /// The file at `path` as binary `binary`, version `local`.
    pub fn new(binary: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Self {
            binary: binary.into(),
            origin: format!("local file {}", path.display()),
            path,
            version: "local".to_string(),
        }
    }

    /// Sets the version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }
}

impl TaskKind for LocalBinary {
    const KIND: &'static str = "local_binary";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("local:{}@{}", self.binary, self.path.display()))
    }

    fn label(&self) -> String {
        format!("use {} as {}", self.path.display(), self.binary)
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("binary", self.binary.as_bytes());
        fp.field("path", self.path.as_os_str().as_encoded_bytes());
        fp.field("version", self.version.as_bytes());
        fp.field("origin", self.origin.as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        let TaskOutput::Artifact(a) = recorded else {
            return Freshness::Stale("no record of the file".to_string());
        };
        let digest = FileDigest {
            path: a.path.clone(),
            sha256: a.sha256.clone(),
            bytes: a.bytes,
        };
        match tokio::task::spawn_blocking(move || digest.still_matches()).await {
            Ok(Ok(())) => Freshness::Fresh(format!("{} is unchanged", self.path.display())),
            Ok(Err(reason)) => Freshness::Stale(reason),
            Err(e) => Freshness::Stale(format!("freshness check failed: {e}")),
        }
    }

    async fn run(&self, _ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let path = self.path.clone();
        let digest = tokio::task::spawn_blocking(move || FileDigest::of_path(path))
            .await
            .map_err(|e| TaskError::with_source("hashing panicked", e))?
            .map_err(|e| {
                TaskError::with_source(format!("could not read {}", self.path.display()), e)
                    .permanent()
            })?;
        Ok(TaskOutput::Artifact(Artifact {
            binary: self.binary.clone(),
            path: digest.path,
            sha256: digest.sha256,
            bytes: digest.bytes,
            version: self.version.clone(),
            origin: self.origin.clone(),
            elf: None,
        }))
    }
}
