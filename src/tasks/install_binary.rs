//! [`InstallBinary`]: installs a checked binary into the bin dir, atomically, and records it.
//!
//! Input: the [`Artifact`] named `binary` among the outputs of its dependencies (normally a
//! [`VerifyElf`](super::VerifyElf)). The bytes go to `<bin_dir>/<binary>` the safe way (see
//! [`InstallTarget`]): temp file in the bin dir — or the download's staging file itself —,
//! sha256 compared with the checked one, fsync, mode 0755, the old binary kept as
//! `.<binary>.previous`, atomic rename, fsync of the directory. Every install is recorded in
//! the state store ([`InstallRecord`]). Output: the artifact with `path` = the installed
//! path.
//!
//! Fingerprint: service, binary and bin dir (plus, from the executor, the input artifact).
//! Stale when the installed file no longer has the recorded sha256; fresh otherwise
//! (`installed sha256 matches`).

use std::path::PathBuf;

use chrono::Utc;

use super::verify_elf::{discard_staging, input_artifact};
use super::{Freshness, LogStream, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::graph::Fingerprint;
use crate::install::InstallTarget;
use crate::state::InstallRecord;

/// Installs the input artifact `binary` of `service` into `bin_dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallBinary {
    /// The service the binary belongs to (for the record).
    pub service: String,
    /// The binary (picked by name from the inputs; also its installed file name).
    pub binary: String,
    /// The Hero bin dir (`<hero_root>/bin`).
    pub bin_dir: PathBuf,
}

impl InstallBinary {
    /// Installs `binary` of `service` into `bin_dir`.
    pub fn new(
        service: impl Into<String>,
        binary: impl Into<String>,
        bin_dir: impl Into<PathBuf>,
    ) -> Self {
        Self {
            service: service.into(),
            binary: binary.into(),
            bin_dir: bin_dir.into(),
        }
    }

    fn target(&self) -> InstallTarget {
        InstallTarget::new(&self.bin_dir, &self.binary)
    }
}

impl TaskKind for InstallBinary {
    const KIND: &'static str = "install_binary";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("install:{}", self.target().path().display()))
    }

    fn label(&self) -> String {
        format!("install {}", self.binary)
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("service", self.service.as_bytes());
        fp.field("binary", self.binary.as_bytes());
        fp.field("bin_dir", self.bin_dir.as_os_str().as_encoded_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        let TaskOutput::Artifact(installed) = recorded else {
            return Freshness::Stale("no record of the install".to_string());
        };
        let digest = crate::tasks::FileDigest {
            path: installed.path.clone(),
            sha256: installed.sha256.clone(),
            bytes: installed.bytes,
        };
        // A staging file handed to us again (a download that re-ran) is not needed.
        let staging = ctx
            .input_artifact(&self.binary)
            .map(|a| a.path.clone())
            .filter(|p| *p != installed.path && p.parent() == Some(self.bin_dir.as_path()));
        let checked = tokio::task::spawn_blocking(move || {
            let result = digest.still_matches();
            if result.is_ok()
                && let Some(staging) = staging
            {
                let _ = std::fs::remove_file(staging);
            }
            result
        })
        .await;
        match checked {
            Ok(Ok(())) => Freshness::Fresh("installed sha256 matches".to_string()),
            Ok(Err(reason)) => Freshness::Stale(reason),
            Err(e) => Freshness::Stale(format!("freshness check failed: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let artifact = input_artifact(ctx, &self.binary)?;
        let target = self.target();
        let source = artifact.path.clone();
        let expected = artifact.sha256.clone();
        let outcome = tokio::task::spawn_blocking(move || {
            target.install_from(&source, Some(expected.as_str()))
        })
        .await
        .map_err(|e| TaskError::with_source("the install panicked", e))?
        .map_err(|e| {
            // Not retried: a download's staging file is of no further use.
            discard_staging(&artifact);
            let permanent = matches!(e, crate::install::InstallError::ChecksumMismatch { .. });
            let err = TaskError::with_source(format!("could not install {}", self.binary), e);
            if permanent { err.permanent() } else { err }
        })?;
        ctx.log(
            LogStream::Info,
            if outcome.replaced {
                format!("installed {} {}", self.binary, artifact.version)
            } else {
                format!("{} {} was already installed", self.binary, artifact.version)
            },
        );

        let record = InstallRecord {
            service: self.service.clone(),
            binary: self.binary.clone(),
            version: artifact.version.clone(),
            origin: artifact.origin.clone(),
            sha256: outcome.sha256.clone(),
            bytes: outcome.bytes,
            path: outcome.path.clone(),
            installed_at: Utc::now(),
            run_id: ctx.run_id().map(|id| id.to_string()),
        };
        ctx.store().record_install(&record).map_err(|e| {
            TaskError::with_source(
                format!("{} was installed but could not be recorded", self.binary),
                e,
            )
        })?;
        Ok(TaskOutput::Artifact(crate::tasks::Artifact {
            path: outcome.path,
            sha256: outcome.sha256,
            bytes: outcome.bytes,
            ..artifact
        }))
    }
}
