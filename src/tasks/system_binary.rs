//! [`SystemBinary`]: a binary the system already has (`/usr/bin/redis-server`, put there by
//! the system's package manager) taken as a service's binary — checked and recorded, never
//! downloaded, built or copied.
//!
//! Runs: the file must exist and be an ELF executable for this host ([`inspect_elf`]); its
//! digest and path are recorded as the binary's install ([`InstallRecord`], version
//! `system`), so `inspect`, `verify` and the dependents see where the binary is and what it
//! is. Output: the [`Artifact`] of the file where it is.
//!
//! Fingerprint: service, binary and path. Fresh while the file has the recorded sha256 — the
//! reason says that an upgrade is the package manager's; a changed file (the system
//! upgraded it) makes the task run again, and its new digest restarts the service's
//! processes on the next deploy or upgrade.

use std::path::PathBuf;

use chrono::Utc;

use super::{Artifact, Freshness, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::graph::Fingerprint;
use crate::install::inspect_elf;
use crate::state::InstallRecord;
use crate::util::FileDigest;

/// Takes the system's `path` as binary `binary` of `service`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemBinary {
    /// The service the binary belongs to (for the record).
    pub service: String,
    /// The binary's name.
    pub binary: String,
    /// Where the system has it.
    pub path: PathBuf,
}

impl SystemBinary {
    /// The system's `path` as binary `binary` of `service`.
    pub fn new(
        service: impl Into<String>,
        binary: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Self {
        Self {
            service: service.into(),
            binary: binary.into(),
            path: path.into(),
        }
    }

    /// The key of the task that takes `path` as binary `binary` of `service`: one task per
    /// service and binary, so two services may run the same system program (two redis
    /// instances), each with its own install record.
    pub fn key_for(service: &str, binary: &str, path: &std::path::Path) -> TaskKey {
        TaskKey::new(format!("system:{service}/{binary}:{}", path.display()))
    }
}

impl TaskKind for SystemBinary {
    const KIND: &'static str = "system_binary";

    fn key(&self) -> TaskKey {
        Self::key_for(&self.service, &self.binary, &self.path)
    }

    fn label(&self) -> String {
        format!("use the system's {}", self.path.display())
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("service", self.service.as_bytes());
        fp.field("binary", self.binary.as_bytes());
        fp.field("path", self.path.as_os_str().as_encoded_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        let TaskOutput::Artifact(a) = recorded else {
            return Freshness::Stale("no record of the system binary".to_string());
        };
        let digest = FileDigest {
            path: a.path.clone(),
            sha256: a.sha256.clone(),
            bytes: a.bytes,
        };
        match tokio::task::spawn_blocking(move || digest.still_matches()).await {
            Ok(Ok(())) => Freshness::Fresh(format!(
                "{} is unchanged (a system binary: the system's package manager upgrades it)",
                self.path.display()
            )),
            Ok(Err(reason)) => Freshness::Stale(reason),
            Err(e) => Freshness::Stale(format!("freshness check failed: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let path = self.path.clone();
        let checked = tokio::task::spawn_blocking(move || {
            let digest = FileDigest::of_path(&path);
            (digest, inspect_elf(&path))
        })
        .await
        .map_err(|e| TaskError::with_source("checking the system binary panicked", e))?;
        let digest = checked.0.map_err(|e| {
            let advice = if e.kind() == std::io::ErrorKind::NotFound {
                ": install it with the system's package manager"
            } else {
                ""
            };
            TaskError::with_source(
                format!("{} needs {}{advice}", self.service, self.path.display()),
                e,
            )
            .permanent()
        })?;
        let elf = checked.1.map_err(|e| {
            TaskError::with_source(
                format!("{} is not a program this host can run", self.path.display()),
                e,
            )
            .permanent()
        })?;
        let origin = format!("system binary {}", self.path.display());
        let record = InstallRecord {
            service: self.service.clone(),
            binary: self.binary.clone(),
            version: "system".to_string(),
            origin: origin.clone(),
            sha256: digest.sha256.clone(),
            bytes: digest.bytes,
            path: digest.path.clone(),
            installed_at: Utc::now(),
            run_id: ctx.run_id().map(|id| id.to_string()),
        };
        ctx.store()
            .record_install(&record)
            .map_err(|e| TaskError::with_source("could not record the system binary", e))?;
        Ok(TaskOutput::Artifact(Artifact {
            binary: self.binary.clone(),
            path: digest.path,
            sha256: digest.sha256,
            bytes: digest.bytes,
            version: "system".to_string(),
            origin,
            elf: Some(elf),
        }))
    }
}
