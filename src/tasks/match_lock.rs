//! [`MatchLock`]: checks that a binary on its way to the bin dir has the bytes the lock file
//! pins, before it is checked and installed.
//!
//! Input: the [`Artifact`](super::Artifact) named `binary` (from a download or a build);
//! output: the same artifact, for the ELF check after it. When the sha256 differs:
//!
//! - `strict` (always for a release: a re-tagged release must not be installed; for a
//!   source build with `--strict`): the task fails permanently with both hashes, the
//!   download's staging file is removed, nothing is installed;
//! - otherwise (a source build whose bytes differ: a build that is not reproducible), a
//!   warning line and the build goes on.
//!
//! Fingerprint: the binary and the pinned sha256 (the executor adds the input artifact).

use super::verify_elf::{discard_staging, input_artifact};
use super::{Freshness, LogStream, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::graph::Fingerprint;

/// Checks the artifact `binary` against the sha256 of the lock file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchLock {
    /// The binary (picked by name from the inputs).
    pub binary: String,
    /// The sha256 the lock pins.
    pub sha256: String,
    /// Whether other bytes fail the task (else: a warning).
    pub strict: bool,
    /// What the lock pins, for people (`release v0.4.1 of lhumina_code/hero_router`).
    pub pin: String,
}

impl MatchLock {
    /// Checks `binary` against `sha256`, pinned as `pin`.
    pub fn new(
        binary: impl Into<String>,
        sha256: impl Into<String>,
        pin: impl Into<String>,
    ) -> Self {
        Self {
            binary: binary.into(),
            sha256: sha256.into(),
            strict: true,
            pin: pin.into(),
        }
    }

    /// Other bytes are only a warning (a source build that is not reproducible).
    pub fn warn_only(mut self, warn: bool) -> Self {
        self.strict = !warn;
        self
    }
}

impl TaskKind for MatchLock {
    const KIND: &'static str = "match_lock";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("match_lock:{}", self.binary))
    }

    fn label(&self) -> String {
        format!("match {} with the lock", self.binary)
    }

    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("binary", self.binary.as_bytes())
            .field("sha256", self.sha256.as_bytes())
            .field("strict", &[u8::from(self.strict)]);
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        match recorded {
            TaskOutput::Artifact(a) => Freshness::Fresh(format!(
                "sha256 {} already matched",
                super::short_hash(&a.sha256)
            )),
            _ => Freshness::Stale("no record of the match".to_string()),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let artifact = input_artifact(ctx, &self.binary)?;
        if artifact.sha256 == self.sha256 {
            ctx.log(
                LogStream::Info,
                format!(
                    "{} matches the lock ({}, sha256 {})",
                    self.binary,
                    self.pin,
                    super::short_hash(&self.sha256)
                ),
            );
            return Ok(TaskOutput::Artifact(artifact));
        }
        let problem = format!(
            "{} {} ({}) has sha256 {}, the lock file pins {} ({})",
            self.binary, artifact.version, artifact.origin, artifact.sha256, self.sha256, self.pin
        );
        if self.strict {
            let staged = artifact.clone();
            let _ = tokio::task::spawn_blocking(move || discard_staging(&staged)).await;
            return Err(TaskError::new(format!(
                "{problem}: other bytes than the locked ones; nothing was installed"
            ))
            .permanent());
        }
        ctx.log(
            LogStream::Stderr,
            format!(
                "warning: {problem}: the build is not reproducible (installed anyway; \
                 `--strict` refuses it)"
            ),
        );
        Ok(TaskOutput::Artifact(artifact))
    }
}
