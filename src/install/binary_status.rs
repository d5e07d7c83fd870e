//! [`BinaryStatus`]: is an installed binary still what we installed, and is it current?
//!
//! The answer of `service.verify` for one binary, from the file on disk, the newest
//! [`InstallRecord`] and, optionally, what a newer release offers.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::InstallTarget;
use crate::forge::{ResolvedRelease, asset_name};
use crate::state::{InstallRecord, StateStore};
use crate::util::{FileDigest, short_hash};

/// What a release (or a build) offers for a binary, to tell whether the installed one is
/// outdated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailableBinary {
    /// Its version (a tag or a commit).
    pub version: String,
    /// sha256 of its bytes, when known (a release digest); compared before the version,
    /// because a moving tag like `latest` keeps its name across releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl AvailableBinary {
    /// What `release` offers for `binary`: its tag, and the sha256 of the binary's asset
    /// for this host (named with `asset_suffix`) when the release publishes one.
    pub fn from_release(release: &ResolvedRelease, binary: &str, asset_suffix: &str) -> Self {
        let name = asset_name::for_host(binary, asset_suffix);
        Self {
            version: release.tag.clone(),
            sha256: release.asset(&name).and_then(|a| a.sha256.clone()),
        }
    }
}

/// The state of one installed binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum BinaryStatus {
    /// Not in the bin dir.
    Missing {
        /// The version the record says was installed, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recorded: Option<String>,
    },
    /// There, but not the bytes we installed.
    Modified {
        /// The version we installed.
        recorded: String,
        /// sha256 we installed.
        recorded_sha256: String,
        /// sha256 of the file now.
        sha256: String,
    },
    /// There, never installed by hero_svc (no record).
    Unrecorded {
        /// sha256 of the file.
        sha256: String,
    },
    /// The bytes we installed, and nothing newer is known.
    UpToDate {
        /// The installed version.
        version: String,
        /// Its sha256.
        sha256: String,
    },
    /// The bytes we installed, but a release offers another version.
    Outdated {
        /// The installed version.
        installed: String,
        /// The version on offer.
        available: String,
    },
}

impl BinaryStatus {
    /// Why, in words (`modified: sha256 3fa4… differs from installed v0.3.2 (9c1e…)`).
    pub fn reason(&self) -> String {
        match self {
            BinaryStatus::Missing { recorded: Some(v) } => {
                format!("missing: {v} was installed but the file is gone")
            }
            BinaryStatus::Missing { recorded: None } => "missing: not installed".to_string(),
            BinaryStatus::Modified {
                recorded,
                recorded_sha256,
                sha256,
            } => format!(
                "modified: sha256 {} differs from installed {recorded} ({})",
                short_hash(sha256),
                short_hash(recorded_sha256)
            ),
            BinaryStatus::Unrecorded { sha256 } => format!(
                "unrecorded: present (sha256 {}) but not installed by hero_svc",
                short_hash(sha256)
            ),
            BinaryStatus::UpToDate { version, .. } if version == "system" => {
                "up to date: the system's binary, unchanged since it was recorded".to_string()
            }
            BinaryStatus::UpToDate { version, .. } => {
                format!("up to date: installed sha256 matches {version}")
            }
            BinaryStatus::Outdated {
                installed,
                available,
            } => format!("outdated: {installed} installed, {available} available"),
        }
    }

    /// True for [`BinaryStatus::UpToDate`].
    pub fn is_up_to_date(&self) -> bool {
        matches!(self, BinaryStatus::UpToDate { .. })
    }
}

/// The status of `binary` in `bin_dir` against the record in `store` and, if given, what
/// is `available`. Blocking (hashes the file): call it from blocking context.
pub fn binary_status(
    store: &StateStore,
    bin_dir: &Path,
    binary: &str,
    available: Option<&AvailableBinary>,
) -> Result<BinaryStatus, super::InstallError> {
    let path = InstallTarget::new(bin_dir, binary).path();
    binary_status_at(store, &path, binary, available)
}

/// [`binary_status`] of the binary at `path` (a system binary, outside the bin dir).
pub fn binary_status_at(
    store: &StateStore,
    path: &Path,
    binary: &str,
    available: Option<&AvailableBinary>,
) -> Result<BinaryStatus, super::InstallError> {
    let record_err = |source| super::InstallError::Record {
        binary: binary.to_string(),
        source,
    };
    let record = store.installed(binary).map_err(record_err)?;
    let path = path.to_path_buf();
    let digest = match FileDigest::of_path(&path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(BinaryStatus::Missing {
                recorded: record.map(|r| r.version),
            });
        }
        Err(e) => return Err(super::InstallError::io("read", &path)(e)),
    };
    Ok(status_of(&digest, record.as_ref(), available))
}

/// The status of a file with `digest` given its `record` and what is `available`.
pub fn status_of(
    digest: &FileDigest,
    record: Option<&InstallRecord>,
    available: Option<&AvailableBinary>,
) -> BinaryStatus {
    let Some(record) = record else {
        return BinaryStatus::Unrecorded {
            sha256: digest.sha256.clone(),
        };
    };
    if record.sha256 != digest.sha256 {
        return BinaryStatus::Modified {
            recorded: record.version.clone(),
            recorded_sha256: record.sha256.clone(),
            sha256: digest.sha256.clone(),
        };
    }
    let outdated = available.is_some_and(|a| match &a.sha256 {
        Some(sha) => !sha.eq_ignore_ascii_case(&record.sha256),
        None => a.version != record.version,
    });
    match available {
        Some(a) if outdated => BinaryStatus::Outdated {
            installed: record.version.clone(),
            available: a.version.clone(),
        },
        _ => BinaryStatus::UpToDate {
            version: record.version.clone(),
            sha256: record.sha256.clone(),
        },
    }
}
