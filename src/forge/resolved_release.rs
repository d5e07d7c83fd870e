//! [`ResolvedRelease`]: a release as the download needs it, independent of the forge's JSON.

use serde::{Deserialize, Serialize};

use super::checksums::UnusableChecksum;
use super::redaction::Redactor;
use super::{ForgeError, ForgeKind};

/// How [`ResolvedRelease::describe`] begins: an artifact's origin that starts so came
/// from a release.
const RELEASE_ORIGIN: &str = "release ";

/// A release found on a forge: what [`ResolveRelease`](crate::tasks::ResolveRelease)
/// hands to its dependents. It holds nothing that changes between two look-ups of the same
/// release (no download counters), so an unchanged release leaves downloads up to date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedRelease {
    /// The forge's API flavour.
    pub forge: ForgeKind,
    /// `owner/repo` (or `owner/package` for the generic package registry).
    pub repo: String,
    /// The tag (`v0.3.2`, `latest-dev`); for a generic package, its version.
    pub tag: String,
    /// The release title (the tag when the forge has none).
    pub name: String,
    /// Whether it is a prerelease.
    pub prerelease: bool,
    /// When it was published (RFC 3339 as the forge wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    /// Its web page, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html_url: Option<String>,
    /// Its assets, sorted by name.
    pub assets: Vec<ReleaseAsset>,
    /// The checksum files of the release that were read (`SHA256SUMS`, `x.sha256`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checksum_files: Vec<String>,
}

/// One downloadable file of a release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseAsset {
    /// The file name (`hero_db_server-linux-amd64`).
    pub name: String,
    /// Size in bytes as the forge lists it (0 when unknown).
    pub size: u64,
    /// Where to download it (may redirect to storage on another host).
    pub url: String,
    /// The forge's own digest field (GitHub: `sha256:<hex>`), verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The sha256 the bytes must have (lowercase hex), when the release publishes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Where `sha256` came from (`digest`, `SHA256SUMS`, `<asset>.sha256`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256_source: Option<String>,
    /// When the asset last changed (GitHub `updated_at`, else its creation time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Checksum files of the release that apply to this asset but cannot vouch for it (an
    /// HTML page, no line for it, malformed). Downloading the asset is then refused: see
    /// [`expected_sha256`](Self::expected_sha256).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unusable_checksums: Vec<UnusableChecksum>,
}

impl ReleaseAsset {
    /// The sha256 the bytes must have and where it came from (`SHA256SUMS`), `None` when
    /// the release publishes none for this asset (only the size, the HTML check and the ELF
    /// check guard it then), or an error when a checksum file applies to it but cannot
    /// vouch for it: a release that promises verification is never installed unverified.
    pub fn expected_sha256(&self) -> Result<Option<(&str, &str)>, ForgeError> {
        if let Some(bad) = self.unusable_checksums.first() {
            return Err(ForgeError::UnusableChecksum {
                file: bad.file.clone(),
                asset: self.name.clone(),
                problem: bad.problem.clone(),
            });
        }
        Ok(self
            .sha256
            .as_deref()
            .map(|sha| (sha, self.sha256_source.as_deref().unwrap_or("the release"))))
    }
}

impl ResolvedRelease {
    /// The asset called `name`.
    pub fn asset(&self, name: &str) -> Option<&ReleaseAsset> {
        self.assets.iter().find(|a| a.name == name)
    }

    /// The asset names, comma-separated, for messages (`no assets` when there are none).
    pub fn asset_list(&self) -> String {
        if self.assets.is_empty() {
            "no assets".to_string()
        } else {
            self.assets
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    /// The release without the token in any text the forge sent, except the asset URLs the
    /// downloads need (messages never show them whole: see `display_url`).
    pub(crate) fn redact_with(mut self, r: &Redactor<'_>) -> Self {
        r.in_place(&mut self.repo);
        r.in_place(&mut self.tag);
        r.in_place(&mut self.name);
        for text in [&mut self.published_at, &mut self.html_url]
            .into_iter()
            .flatten()
        {
            r.in_place(text);
        }
        self.checksum_files.iter_mut().for_each(|f| r.in_place(f));
        for a in &mut self.assets {
            r.in_place(&mut a.name);
            for text in [
                &mut a.digest,
                &mut a.sha256,
                &mut a.sha256_source,
                &mut a.updated_at,
            ]
            .into_iter()
            .flatten()
            {
                r.in_place(text);
            }
            for u in &mut a.unusable_checksums {
                r.in_place(&mut u.file);
                if let super::checksums::ChecksumProblem::Malformed { detail } = &mut u.problem {
                    r.in_place(detail);
                }
            }
        }
        self
    }

    /// `release v0.3.2 of owner/repo`, for artifacts' origin and messages.
    pub fn describe(&self) -> String {
        let pre = if self.prerelease { " (prerelease)" } else { "" };
        format!("{RELEASE_ORIGIN}{}{pre} of {}", self.tag, self.repo)
    }

    /// Whether `origin` (an installed artifact's, as [`describe`](Self::describe) begins
    /// it) says the bytes came from a release, not from a build or the system.
    pub fn is_release_origin(origin: &str) -> bool {
        origin.starts_with(RELEASE_ORIGIN)
    }
}
