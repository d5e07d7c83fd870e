//! [`ResolveRelease`]: looks a release up on a forge and hands it on as
//! [`TaskOutput::Release`].
//!
//! Cached, with a freshness check that asks the forge again (`latest` and `latest-dev`
//! move): an unchanged release is *up to date*. Its output holds only what identifies the release's contents (tag, asset URLs, sizes,
//! times, expected sha256s), so when nothing changed on the forge the output digest is the
//! same and the downloads that depend on it stay up to date (early cut-off).
//!
//! Transient failures (connection errors, stalls, 5xx, 429) are retried by the client —
//! each retry shown as a log line and a progress message while it waits — and then by the
//! executor; "not found", "only prereleases" and token problems are permanent.

use std::time::Duration;

use super::{
    Freshness, LogStream, ResourceClass, RetryPolicy, TaskContext, TaskError, TaskKey, TaskKind,
    TaskOutput,
};
use crate::forge::{
    ForgeClient, ForgeConfig, ForgeError, ForgeEvent, ReleaseSource, ReleaseVersion,
};
use crate::graph::Fingerprint;

/// Resolves `source` on the forge `forge`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveRelease {
    /// The forge (URL, kind, token, timeouts).
    pub forge: ForgeConfig,
    /// What to resolve.
    pub source: ReleaseSource,
}

impl ResolveRelease {
    /// The release `version` of `owner/repo`.
    pub fn new(
        forge: ForgeConfig,
        owner: impl Into<String>,
        repo: impl Into<String>,
        version: ReleaseVersion,
    ) -> Self {
        Self {
            forge,
            source: ReleaseSource::release(owner, repo, version),
        }
    }

    /// `files` of version `version` of the generic package `owner/package`.
    pub fn generic_package(
        forge: ForgeConfig,
        owner: impl Into<String>,
        package: impl Into<String>,
        version: impl Into<String>,
        files: Vec<String>,
    ) -> Self {
        Self {
            forge,
            source: ReleaseSource::GenericPackage {
                owner: owner.into(),
                package: package.into(),
                version: version.into(),
                files,
            },
        }
    }
}

/// A task error from a forge error: permanent unless retrying can help.
pub(crate) fn forge_task_error(message: String, err: ForgeError) -> TaskError {
    let permanent = !err.is_transient();
    let e = TaskError::with_source(message, err);
    if permanent { e.permanent() } else { e }
}

/// Shows what a forge operation reports as the running task's events: bytes as progress,
/// each retry (attempt n of N, the reason, the wait) as an `info` log line and as the
/// progress message, so the terminal, the NDJSON output and the RPC stream all see it.
pub(crate) fn show_forge_events(ctx: &TaskContext) -> impl FnMut(ForgeEvent) + Send + '_ {
    move |event| match event {
        ForgeEvent::Progressed { done, total } => ctx.progress(done, total, None),
        ForgeEvent::Retrying(notice) => {
            let line = notice.to_string();
            ctx.log(LogStream::Info, line.clone());
            ctx.progress(0, None, Some(line));
        }
    }
}

impl TaskKind for ResolveRelease {
    const KIND: &'static str = "resolve_release";

    fn key(&self) -> TaskKey {
        match &self.source {
            ReleaseSource::Release { .. } => TaskKey::new(format!("release:{}", self.source)),
            ReleaseSource::GenericPackage { .. } => TaskKey::new(format!(
                "release:{}@{}",
                self.source.repo_path(),
                self.source.version_str()
            )),
        }
    }

    fn label(&self) -> String {
        format!("resolve {}", self.source)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Network
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy::attempts(2, Duration::from_secs(2))
    }

    /// Cached so that an unchanged release makes everything after it up to date; the
    /// freshness check asks the forge again (the only way to see a new release).
    fn fingerprint(&self, _ctx: &TaskContext) -> Option<Fingerprint> {
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("forge", self.forge.base_url.as_str().as_bytes());
        fp.field("source", self.source.to_string().as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        let TaskOutput::Release(before) = recorded else {
            return Freshness::Stale("no record of the release".to_string());
        };
        let Ok(client) = ForgeClient::new(self.forge.clone()) else {
            return Freshness::Stale("no forge client".to_string());
        };
        // Nothing is shown: a freshness check runs before the task has started.
        match client.resolve_release(&self.source, &mut |_| {}).await {
            Ok(now) if now == *before => {
                Freshness::Fresh(format!("release {} of {} is unchanged", now.tag, now.repo))
            }
            Ok(now) => Freshness::Stale(format!("{} changed (now {})", self.source, now.tag)),
            Err(e) => Freshness::Stale(format!("could not ask the forge: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let what = format!("could not resolve {}", self.source);
        let client =
            ForgeClient::new(self.forge.clone()).map_err(|e| forge_task_error(what.clone(), e))?;
        let release = client
            .resolve_release(&self.source, &mut show_forge_events(ctx))
            .await
            .map_err(|e| forge_task_error(what, e))?;
        Ok(TaskOutput::Release(release))
    }
}
