//! [`ReleaseSource`] and [`ReleaseVersion`]: what to look up on a forge.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which release of a repository.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseVersion {
    /// The newest release that is neither a draft nor a prerelease (the forge's
    /// `/releases/latest`).
    Latest,
    /// The release with this tag, prereleases included (`v0.3.2`, or Hero CI's literal
    /// `latest-dev`).
    Tag(String),
}

impl ReleaseVersion {
    /// `latest` means [`ReleaseVersion::Latest`]; anything else is a tag.
    pub fn parse(s: &str) -> Self {
        if s == "latest" {
            ReleaseVersion::Latest
        } else {
            ReleaseVersion::Tag(s.to_string())
        }
    }
}

impl fmt::Display for ReleaseVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseVersion::Latest => f.write_str("latest"),
            ReleaseVersion::Tag(t) => f.write_str(t),
        }
    }
}

/// Where the assets come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseSource {
    /// A release of `owner/repo`.
    Release {
        /// The repository owner (user or organisation).
        owner: String,
        /// The repository name.
        repo: String,
        /// Which release.
        version: ReleaseVersion,
    },
    /// A version of a package in Forgejo's generic package registry:
    /// `/api/packages/{owner}/generic/{package}/{version}/{file}`. The registry has no
    /// release object, so the listed `files` become the assets (size unknown, no checksum
    /// unless one of the files is a checksum file).
    GenericPackage {
        /// The package owner.
        owner: String,
        /// The package name.
        package: String,
        /// The package version.
        version: String,
        /// The file names to offer as assets.
        files: Vec<String>,
    },
}

impl ReleaseSource {
    /// A release of `owner/repo`.
    pub fn release(
        owner: impl Into<String>,
        repo: impl Into<String>,
        version: ReleaseVersion,
    ) -> Self {
        ReleaseSource::Release {
            owner: owner.into(),
            repo: repo.into(),
            version,
        }
    }

    /// `owner/repo` (or `owner/package`), for keys and messages.
    pub fn repo_path(&self) -> String {
        match self {
            ReleaseSource::Release { owner, repo, .. } => format!("{owner}/{repo}"),
            ReleaseSource::GenericPackage { owner, package, .. } => format!("{owner}/{package}"),
        }
    }

    /// The version as written (`latest`, `latest-dev`, `v0.3.2`).
    pub fn version_str(&self) -> String {
        match self {
            ReleaseSource::Release { version, .. } => version.to_string(),
            ReleaseSource::GenericPackage { version, .. } => version.clone(),
        }
    }
}

impl fmt::Display for ReleaseSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseSource::Release { .. } => {
                write!(f, "{}@{}", self.repo_path(), self.version_str())
            }
            ReleaseSource::GenericPackage { .. } => {
                write!(f, "package {}@{}", self.repo_path(), self.version_str())
            }
        }
    }
}
