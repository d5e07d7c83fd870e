//! [`DownloadAsset`]: downloads one asset of a resolved release into a staging file in the
//! bin dir and hands it on as [`TaskOutput::Artifact`].
//!
//! Input: the [`TaskOutput::Release`] of its [`ResolveRelease`](super::ResolveRelease)
//! dependency (found by key, else the first release among the inputs).
//!
//! Output: an [`Artifact`] whose `path` is the staging file
//! `<bin_dir>/.<binary>.download-<random>`; the install task renames it over
//! `<bin_dir>/<binary>`. The staging file exists only after a complete, verified download
//! (size, the release's sha256 when it publishes one, not an HTML page); a failed or
//! cancelled download leaves nothing in the bin dir. A release whose checksum file applies
//! to the asset but cannot vouch for it (an HTML page, no line for it, malformed) fails
//! the task permanently before a byte is downloaded.
//!
//! Retries of the download are shown while they wait (a log line and the progress
//! message: attempt n of N, the reason, the wait); a download that gives up says how many
//! attempts it made and how long they took.
//!
//! Fingerprint: bin dir, binary, asset name, and the asset's URL, size, update/publish time
//! and expected sha256.
//!
//! Freshness: *up to date* when the file installed at `<bin_dir>/<binary>` has the sha256 of
//! the recorded artifact (`installed binary matches the release asset`). The recorded
//! artifact is then handed on unchanged — its `path` names the staging file of the run that
//! downloaded it, which the install has since renamed away. Tasks after the download must
//! therefore decide freshness from `sha256` and the installed path, never from `path`: the
//! install task's own freshness check (installed file has the artifact's sha256) makes it
//! up to date in the same runs, so it never needs the old staging file.

use std::path::PathBuf;

use reqwest::StatusCode;

use super::resolve_release::{forge_task_error, show_forge_events};
use super::{
    Artifact, FileDigest, Freshness, LogStream, ResolveRelease, ResourceClass, TaskContext,
    TaskError, TaskKey, TaskKind, TaskOutput,
};
use crate::forge::{
    DownloadRequest, ForgeClient, ForgeConfig, ForgeError, ReleaseAsset, ResolvedRelease,
    asset_name,
};
use crate::graph::Fingerprint;

/// Downloads asset `asset` of the release resolved by task `release`, to be installed as
/// `bin_dir/binary`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadAsset {
    /// The forge (token, timeouts, retries); the token is sent only to its origin.
    pub forge: ForgeConfig,
    /// The key of the [`ResolveRelease`] task this one depends on.
    pub release: TaskKey,
    /// The name the binary is installed as (`hero_db_server`).
    pub binary: String,
    /// The asset's name on the release (`hero_db_server-linux-amd64`).
    pub asset: String,
    /// The directory the binary is installed in; the staging file is created there.
    pub bin_dir: PathBuf,
}

impl DownloadAsset {
    /// Downloads `binary`'s asset for this host (`{binary}-{os}-{arch}`) from the release
    /// `resolve` finds, for installation in `bin_dir`. Add it after `resolve` in the plan.
    pub fn new(
        resolve: &ResolveRelease,
        binary: impl Into<String>,
        bin_dir: impl Into<PathBuf>,
    ) -> Self {
        let binary = binary.into();
        Self {
            forge: resolve.forge.clone(),
            release: resolve.key(),
            asset: asset_name::for_host(&binary, ""),
            binary,
            bin_dir: bin_dir.into(),
        }
    }

    /// Uses the host asset name with a suffix (`-musl`: `{binary}-linux-amd64-musl`).
    pub fn suffix(mut self, suffix: &str) -> Self {
        self.asset = asset_name::for_host(&self.binary, suffix);
        self
    }

    /// Uses an explicit asset name.
    pub fn asset(mut self, name: impl Into<String>) -> Self {
        self.asset = name.into();
        self
    }

    /// Where the binary ends up once installed.
    pub fn installed_path(&self) -> PathBuf {
        self.bin_dir.join(&self.binary)
    }

    /// The release among the task's inputs.
    fn release_input<'c>(&self, ctx: &'c TaskContext) -> Option<&'c ResolvedRelease> {
        let by_key = match ctx.input(&self.release) {
            Some(TaskOutput::Release(r)) => Some(r),
            _ => None,
        };
        by_key.or_else(|| {
            ctx.inputs().find_map(|(_, o)| match o {
                TaskOutput::Release(r) => Some(r),
                _ => None,
            })
        })
    }

    fn find_asset<'r>(&self, release: &'r ResolvedRelease) -> Result<&'r ReleaseAsset, ForgeError> {
        release
            .asset(&self.asset)
            .ok_or_else(|| ForgeError::AssetMissing {
                repo: release.repo.clone(),
                tag: release.tag.clone(),
                asset: self.asset.clone(),
                available: release.asset_list(),
            })
    }
}

impl TaskKind for DownloadAsset {
    const KIND: &'static str = "download_asset";

    fn key(&self) -> TaskKey {
        let release = self.release.as_str();
        let release = release.strip_prefix("release:").unwrap_or(release);
        TaskKey::new(format!("download:{release}/{}", self.asset))
    }

    fn label(&self) -> String {
        format!("download {}", self.asset)
    }

    fn resource(&self) -> ResourceClass {
        ResourceClass::Network
    }

    fn fingerprint(&self, ctx: &TaskContext) -> Option<Fingerprint> {
        let release = self.release_input(ctx)?;
        let asset = release.asset(&self.asset)?;
        let mut fp = Fingerprint::builder(Self::KIND);
        fp.field("bin_dir", self.bin_dir.as_os_str().as_encoded_bytes())
            .field("binary", self.binary.as_bytes())
            .field("asset", asset.name.as_bytes())
            .field("url", asset.url.as_bytes())
            .field("size", &asset.size.to_le_bytes())
            .field(
                "updated",
                asset
                    .updated_at
                    .as_deref()
                    .or(release.published_at.as_deref())
                    .unwrap_or("")
                    .as_bytes(),
            )
            .field("sha256", asset.sha256.as_deref().unwrap_or("").as_bytes());
        Some(fp.finish())
    }

    async fn check_fresh(&self, _ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        let TaskOutput::Artifact(artifact) = recorded else {
            return Freshness::Stale("no record of the downloaded artifact".to_string());
        };
        let installed = self.installed_path();
        let path = installed.clone();
        match tokio::task::spawn_blocking(move || FileDigest::of_path(path)).await {
            Ok(Ok(d)) if d.sha256 == artifact.sha256 => {
                Freshness::Fresh("installed binary matches the release asset".to_string())
            }
            Ok(Ok(_)) => Freshness::Stale(format!(
                "{} differs from the release asset",
                installed.display()
            )),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                Freshness::Stale(format!("{} is not installed", installed.display()))
            }
            Ok(Err(e)) => Freshness::Stale(format!("{} is unreadable: {e}", installed.display())),
            Err(e) => Freshness::Stale(format!("freshness check failed: {e}")),
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let what = format!("could not download {}", self.asset);
        let fail = |e: ForgeError| forge_task_error(what.clone(), e);
        asset_name::validate(&self.asset).map_err(fail)?;
        asset_name::validate(&self.binary).map_err(fail)?;
        let release = self.release_input(ctx).ok_or_else(|| {
            TaskError::new(format!(
                "{what}: no resolved release among the task's inputs; add `{}` as a dependency",
                self.release
            ))
            .permanent()
        })?;
        let asset = self.find_asset(release).map_err(fail)?;
        let client = ForgeClient::new(self.forge.clone()).map_err(fail)?;
        // A checksum file that applies to the asset but cannot vouch for it stops here.
        let expected = asset.expected_sha256().map_err(fail)?;
        match expected {
            Some((_, source)) => ctx.log(
                LogStream::Info,
                format!(
                    "{} will be checked against the sha256 from {source}",
                    asset.name
                ),
            ),
            None => ctx.log(
                LogStream::Info,
                format!(
                    "{} of {} publishes no sha256 for {}; only the ELF check guards it",
                    release.tag, release.repo, asset.name
                ),
            ),
        }
        let request = DownloadRequest {
            url: &asset.url,
            asset: &asset.name,
            dest_dir: &self.bin_dir,
            file_name: &self.binary,
            expected_sha256: expected.map(|(sha, _)| sha),
            sha256_source: expected.map(|(_, source)| source),
            expected_size: Some(asset.size),
            expect_binary: true,
        };
        let downloaded = client
            .download(&request, &mut show_forge_events(ctx))
            .await
            .map_err(|e| {
                e.map_last_attempt(|e| match e {
                    ForgeError::Status { url, status, .. }
                        if status == StatusCode::NOT_FOUND || status == StatusCode::GONE =>
                    {
                        ForgeError::AssetGone {
                            asset: asset.name.clone(),
                            tag: release.tag.clone(),
                            url,
                            status,
                        }
                    }
                    e => e,
                })
            })
            .map_err(fail)?;
        Ok(TaskOutput::Artifact(Artifact {
            binary: self.binary.clone(),
            path: downloaded.path,
            sha256: downloaded.sha256,
            bytes: downloaded.bytes,
            version: release.tag.clone(),
            origin: format!("{} ({})", release.describe(), asset.name),
            elf: None,
        }))
    }
}
