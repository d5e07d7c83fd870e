//! [`VerifyElf`]: checks that a binary (from a download or a build) is an executable this
//! host can run, before it is installed.
//!
//! Input: the [`Artifact`] named `binary` among the outputs of its dependencies. Output: the
//! same artifact with [`elf`](Artifact::elf) set (static or dynamic, interpreter, libc).
//! Only headers are read (see [`inspect_elf`]). Failures are permanent: the same bytes fail
//! the same way.
//!
//! Fingerprint: the binary's name (the executor adds the input artifact, whose sha256 names
//! the bytes), so checking the same bytes again is *up to date*.

use super::{Artifact, Freshness, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::forge::is_staging_file;
use crate::graph::Fingerprint;
use crate::install::{host_machine, inspect_elf};

/// Checks the ELF headers of the artifact `binary`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyElf {
    /// The binary to check (picked by name from the inputs).
    pub binary: String,
    /// Which way the binary came, when one plan holds two (`source` for the build that
    /// stands in for a failed download); part of the key.
    pub via: String,
}

impl VerifyElf {
    /// Checks the input artifact named `binary`.
    pub fn new(binary: impl Into<String>) -> Self {
        Self {
            binary: binary.into(),
            via: String::new(),
        }
    }

    /// Checks the artifact that came another way (`source`), under its own key.
    pub fn via(mut self, way: &str) -> Self {
        self.via = way.to_string();
        self
    }
}

/// The artifact `binary` among the task's inputs, or the error that says which edge is
/// missing.
pub(crate) fn input_artifact(ctx: &TaskContext, binary: &str) -> Result<Artifact, TaskError> {
    ctx.input_artifact(binary).cloned().ok_or_else(|| {
        TaskError::new(format!(
            "no artifact named `{binary}` among the inputs; the plan needs an edge from the \
             download or build of `{binary}`"
        ))
        .permanent()
    })
}

/// Removes `artifact`'s file when it is a download's staging file: once a task refused its
/// bytes (or failed to install them) nothing will, and the bin dir must hold no leftovers.
/// Blocking (one unlink).
pub(crate) fn discard_staging(artifact: &Artifact) {
    if is_staging_file(&artifact.path, &artifact.binary) {
        let _ = std::fs::remove_file(&artifact.path);
    }
}

impl TaskKind for VerifyElf {
    const KIND: &'static str = "verify_elf";

    fn key(&self) -> TaskKey {
        if self.via.is_empty() {
            TaskKey::new(format!("verify_elf:{}", self.binary))
        } else {
            TaskKey::new(format!("verify_elf:{}@{}", self.binary, self.via))
        }
    }

    fn label(&self) -> String {
        format!("check ELF of {}", self.binary)
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("binary", self.binary.as_bytes());
        fp.field("host", host_machine().1.as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        match recorded {
            TaskOutput::Artifact(a) if a.elf.is_some() => Freshness::Fresh(format!(
                "sha256 {} already checked",
                super::short_hash(&a.sha256)
            )),
            _ => Freshness::Stale("no record of the check".to_string()),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let mut artifact = input_artifact(ctx, &self.binary)?;
        let path = artifact.path.clone();
        let info = tokio::task::spawn_blocking(move || inspect_elf(&path))
            .await
            .map_err(|e| TaskError::with_source("the ELF check panicked", e))?
            .map_err(|e| {
                discard_staging(&artifact);
                TaskError::with_source(
                    format!(
                        "{} {} ({}) is not installable; nothing was installed",
                        self.binary, artifact.version, artifact.origin
                    ),
                    e,
                )
                .permanent()
            })?;
        ctx.log(
            super::LogStream::Info,
            match &info.interpreter {
                Some(i) => format!("{} dynamic executable ({}, {i})", info.machine, info.libc),
                None => format!("{} static executable", info.machine),
            },
        );
        artifact.elf = Some(info);
        Ok(TaskOutput::Artifact(artifact))
    }
}
