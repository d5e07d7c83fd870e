//! [`VerifyBinary`]: is an installed binary still what was installed, and is it current?
//!
//! Never cached: a verification always looks. Succeeds when the binary is up to date (or
//! present but installed by someone else); fails with the reason and what to do when it is
//! missing, modified on disk, or older than the release among its inputs (a
//! [`ResolveRelease`](super::ResolveRelease) dependency, when there is one). With a lock
//! (`verify --locked`) it compares the installed bytes with the sha256 the lock file pins.

use std::path::PathBuf;

use super::{
    FileDigest, ResourceClass, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput, short_hash,
};
use crate::install::{AvailableBinary, BinaryStatus, binary_status_at};

/// Verifies `binary` of `service` in `bin_dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyBinary {
    /// The service (for the advice in errors).
    pub service: String,
    /// The binary.
    pub binary: String,
    /// The bin dir.
    pub bin_dir: PathBuf,
    /// Suffix of its release asset name, to find it in a release input.
    pub asset_suffix: String,
    /// Where it is when not in the bin dir (a system binary).
    pub path: Option<PathBuf>,
    /// The sha256 the lock file pins and what it pins (`verify --locked`): other bytes
    /// fail the check.
    pub locked: Option<(String, String)>,
}

impl VerifyBinary {
    /// Verifies `binary` of `service` in `bin_dir`.
    pub fn new(service: &str, binary: &str, bin_dir: impl Into<PathBuf>) -> Self {
        Self {
            service: service.to_string(),
            binary: binary.to_string(),
            bin_dir: bin_dir.into(),
            asset_suffix: String::new(),
            path: None,
            locked: None,
        }
    }

    /// Checks the installed bytes against `sha256`, pinned by the lock file as `pin`.
    pub fn locked(mut self, sha256: impl Into<String>, pin: impl Into<String>) -> Self {
        self.locked = Some((sha256.into(), pin.into()));
        self
    }

    /// Verifies the binary at `path` (a system binary) instead of the bin dir's.
    pub fn at(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    fn file(&self) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| self.bin_dir.join(&self.binary))
    }

    /// Looks for assets named with `suffix` in the release input.
    pub fn asset_suffix(mut self, suffix: &str) -> Self {
        self.asset_suffix = suffix.to_string();
        self
    }

    /// What the release among the inputs offers for this binary.
    fn available(&self, ctx: &TaskContext) -> Option<AvailableBinary> {
        ctx.inputs().find_map(|(_, out)| match out {
            TaskOutput::Release(release) => Some(AvailableBinary::from_release(
                release,
                &self.binary,
                &self.asset_suffix,
            )),
            _ => None,
        })
    }
}

impl TaskKind for VerifyBinary {
    const KIND: &'static str = "verify_binary";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("verify:{}", self.file().display()))
    }

    fn label(&self) -> String {
        format!("verify {}", self.binary)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Light
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        if let Some((sha256, pin)) = &self.locked {
            let file = self.file();
            let digest = tokio::task::spawn_blocking(move || FileDigest::of_path(file))
                .await
                .map_err(|e| TaskError::with_source("the verification panicked", e))?;
            let advice = format!("run `hero_svc install {} --locked`", self.service);
            return match digest {
                Ok(d) if d.sha256 == *sha256 => Ok(TaskOutput::Verified {
                    binary: self.binary.clone(),
                    status: format!("matches the lock: {pin} (sha256 {})", short_hash(sha256)),
                }),
                Ok(d) => Err(TaskError::new(format!(
                    "{}: installed sha256 {}, the lock file pins {sha256} ({pin}); {advice}",
                    self.binary, d.sha256
                ))
                .permanent()),
                Err(e) => Err(TaskError::new(format!(
                    "{}: {} is not readable ({e}); the lock file pins {pin}; {advice}",
                    self.binary,
                    self.file().display()
                ))
                .permanent()),
            };
        }
        let available = self.available(ctx);
        let (store, file, binary) = (ctx.store().clone(), self.file(), self.binary.clone());
        let status = tokio::task::spawn_blocking(move || {
            binary_status_at(&store, &file, &binary, available.as_ref())
        })
        .await
        .map_err(|e| TaskError::with_source("the verification panicked", e))?
        .map_err(|e| TaskError::with_source(format!("could not verify {}", self.binary), e))?;
        let advice = match &status {
            BinaryStatus::UpToDate { .. } | BinaryStatus::Unrecorded { .. } => None,
            BinaryStatus::Outdated { .. } => {
                Some(format!("run `hero_svc upgrade {}`", self.service))
            }
            _ => Some(format!("run `hero_svc install {}`", self.service)),
        };
        match advice {
            None => Ok(TaskOutput::Verified {
                binary: self.binary.clone(),
                status: status.reason(),
            }),
            Some(advice) => {
                Err(
                    TaskError::new(format!("{}: {}; {advice}", self.binary, status.reason()))
                        .permanent(),
                )
            }
        }
    }
}
