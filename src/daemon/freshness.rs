//! [`Freshness`]: whether a service's installed binaries are still the bytes hero_svc
//! installed, and the newest its forge offers — *up to date*, *modified binary*, *newer
//! release v1.2.0*, *not installed*, *release check failed: …* — for `status`, `inspect`
//! and the dashboard.
//!
//! The answer joins three things the daemon already keeps: the install records (what
//! should be on disk), the binaries' digests ([`BinaryDigests`](super::BinaryDigests): a
//! `stat` for a file unchanged since it was hashed) and the last release check
//! ([`ReleaseChecks`](super::ReleaseChecks)); the verdict per binary is
//! [`install::status_of`](crate::install::status_of), the one `service.verify` uses.
//! [`Daemon::freshness`] never reads an unchanged binary and never asks the forge: what is
//! not known yet is [`FreshnessState::Checking`] and is found out in the background.
//! [`Daemon::settled_freshness`] waits for it (bounded), for one service's `inspect`.
//!
//! Which release: what an upgrade would install ([`Service::release_feed`]), only for a
//! service whose binaries came from releases (a source build has a commit, not a tag, to
//! compare). An installed `latest-dev` (Hero CI's moving prerelease tag) is compared with
//! the release under that tag.

use std::time::Duration;

use serde::Serialize;

use super::binary_digests::BinaryDigest;
use super::release_checks::ReleaseAnswer;
use super::service_shapes::MOVING_PRERELEASE_TAG;
use super::state::Daemon;
use crate::forge::ResolvedRelease;
use crate::install::{AvailableBinary, BinaryStatus, InstallTarget, status_of};
use crate::services::Service;
use crate::state::InstallRecord;
use crate::util::short_hash;

/// How fresh a service's installed binaries are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreshnessState {
    /// The bytes hero_svc installed, and no newer release is known.
    UpToDate,
    /// The bytes hero_svc installed, and the forge offers a newer release.
    NewerRelease,
    /// A binary's bytes are not the ones hero_svc installed.
    ModifiedBinary,
    /// A binary is gone (or was never installed while the others were).
    MissingBinary,
    /// A binary cannot be read.
    UnreadableBinary,
    /// A binary is there, but hero_svc did not install it.
    UnrecordedBinary,
    /// None of its binaries is installed.
    NotInstalled,
    /// The forge could not be asked for the newest release.
    ReleaseCheckFailed,
    /// Not known yet: a binary is being hashed, or the forge is being asked.
    Checking,
    /// It ships no binary hero_svc installs (it runs a container, say).
    NothingInstalled,
}

impl FreshnessState {
    /// Its name as JSON writes it (`modified_binary`), also a CSS class.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpToDate => "up_to_date",
            Self::NewerRelease => "newer_release",
            Self::ModifiedBinary => "modified_binary",
            Self::MissingBinary => "missing_binary",
            Self::UnreadableBinary => "unreadable_binary",
            Self::UnrecordedBinary => "unrecorded_binary",
            Self::NotInstalled => "not_installed",
            Self::ReleaseCheckFailed => "release_check_failed",
            Self::Checking => "checking",
            Self::NothingInstalled => "nothing_installed",
        }
    }
}

/// A service's freshness, for people and programs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Freshness {
    /// The verdict.
    pub state: FreshnessState,
    /// In a few words: `up to date`, `modified binary`, `newer release v1.2.0`,
    /// `release check failed: …`.
    pub summary: String,
    /// Why, binary by binary.
    pub detail: String,
    /// The newer release's tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newer_release: Option<String>,
    /// How long ago the forge was asked, when the answer depends on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_checked_ms_ago: Option<u64>,
}

impl Freshness {
    fn new(state: FreshnessState, summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            state,
            summary: summary.into(),
            detail: detail.into(),
            newer_release: None,
            release_checked_ms_ago: None,
        }
    }
}

/// One binary of a service: its record and what is on disk.
#[derive(Clone, Debug)]
struct BinaryFacts {
    name: String,
    /// The system's binary (outside the bin dir): there before anything is installed.
    system: bool,
    record: Option<InstallRecord>,
    digest: BinaryDigest,
}

/// `d` as a person reads an age: `12 s`, `4 min`, `2 h`.
fn ago(d: Duration) -> String {
    match d.as_secs() {
        s @ 0..60 => format!("{s} s"),
        s @ 60..3600 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The verdict from what is on disk alone; `None` when every binary is the bytes that were
/// installed (the release decides then). `reasons` gets each binary's reason.
fn local_verdict(binaries: &[BinaryFacts], reasons: &mut Vec<String>) -> Option<Freshness> {
    if binaries.is_empty() {
        return Some(Freshness::new(
            FreshnessState::NothingInstalled,
            "nothing installed",
            "it ships no binary for hero_svc to install",
        ));
    }
    // Nothing recorded: not installed (a system binary may be there all the same).
    if binaries
        .iter()
        .all(|b| b.record.is_none() && (b.system || b.digest == BinaryDigest::Missing))
    {
        let names: Vec<&str> = binaries.iter().map(|b| b.name.as_str()).collect();
        return Some(Freshness::new(
            FreshnessState::NotInstalled,
            "not installed",
            format!("{} not in the bin dir", names.join(", ")),
        ));
    }
    let mut worst: Option<(u8, FreshnessState, &'static str)> = None;
    let mut worse = |rank: u8, state: FreshnessState, summary: &'static str| {
        if worst.is_none_or(|(r, ..)| rank < r) {
            worst = Some((rank, state, summary));
        }
    };
    for b in binaries {
        let reason = match &b.digest {
            BinaryDigest::Known(digest) => {
                let status = status_of(digest, b.record.as_ref(), None);
                match status {
                    BinaryStatus::Modified { .. } => {
                        worse(0, FreshnessState::ModifiedBinary, "modified binary");
                    }
                    BinaryStatus::Unrecorded { .. } => {
                        worse(
                            3,
                            FreshnessState::UnrecordedBinary,
                            "not installed by hero_svc",
                        );
                    }
                    _ => {}
                }
                status.reason()
            }
            BinaryDigest::Missing => {
                worse(1, FreshnessState::MissingBinary, "missing binary");
                BinaryStatus::Missing {
                    recorded: b.record.as_ref().map(|r| r.version.clone()),
                }
                .reason()
            }
            BinaryDigest::Unreadable(why) => {
                worse(2, FreshnessState::UnreadableBinary, "unreadable binary");
                format!("unreadable: {why}")
            }
            BinaryDigest::Hashing => {
                worse(4, FreshnessState::Checking, "checking");
                "being hashed".to_string()
            }
        };
        reasons.push(format!("{}: {reason}", b.name));
    }
    worst.map(|(_, state, summary)| Freshness::new(state, summary, reasons.join("; ")))
}

/// The verdict of binaries that are the bytes installed from releases, given what the
/// forge last said of the release an upgrade would install.
fn release_verdict(
    binaries: &[BinaryFacts],
    asset_suffix: &str,
    repo: &str,
    answer: ReleaseAnswer,
) -> Freshness {
    match answer {
        ReleaseAnswer::Pending => Freshness::new(
            FreshnessState::Checking,
            "checking",
            format!("asking the forge for the newest release of {repo}"),
        ),
        ReleaseAnswer::Failed {
            reason,
            detail,
            age,
        } => {
            let mut f = Freshness::new(
                FreshnessState::ReleaseCheckFailed,
                format!("release check failed: {reason}"),
                format!(
                    "the binaries are the bytes installed, but the forge could not be asked for the newest release of {repo} ({} ago): {detail}",
                    ago(age)
                ),
            );
            f.release_checked_ms_ago = Some(ms(age));
            f
        }
        ReleaseAnswer::Known { release, age } => {
            let mut f = compare(binaries, asset_suffix, &release);
            f.detail = format!("{} (the forge asked {} ago)", f.detail, ago(age));
            f.release_checked_ms_ago = Some(ms(age));
            f
        }
    }
}

/// Each binary against `release`: the verify rule (the sha256 first, then the tag).
fn compare(binaries: &[BinaryFacts], asset_suffix: &str, release: &ResolvedRelease) -> Freshness {
    let mut newer = None;
    let mut reasons = Vec::new();
    for b in binaries {
        let BinaryDigest::Known(digest) = &b.digest else {
            continue;
        };
        let available = AvailableBinary::from_release(release, &b.name, asset_suffix);
        let status = status_of(digest, b.record.as_ref(), Some(&available));
        if let BinaryStatus::Outdated { available, .. } = &status {
            newer = Some(available.clone());
        }
        reasons.push(format!("{}: {}", b.name, status.reason()));
    }
    let detail = format!(
        "{}; newest release of {}: {}",
        reasons.join("; "),
        release.repo,
        release.tag
    );
    match newer {
        Some(tag) => {
            let mut f = Freshness::new(
                FreshnessState::NewerRelease,
                format!("newer release {tag}"),
                detail,
            );
            f.newer_release = Some(tag);
            f
        }
        None => Freshness::new(FreshnessState::UpToDate, "up to date", detail),
    }
}

/// Whether every binary's record says it came from a release.
fn from_releases(binaries: &[BinaryFacts]) -> bool {
    binaries.iter().all(|b| {
        b.record
            .as_ref()
            .is_some_and(|r| ResolvedRelease::is_release_origin(&r.origin))
    })
}

/// What a source build or a system binary says when it is the bytes installed.
fn installed_verdict(binaries: &[BinaryFacts], reasons: Vec<String>) -> Freshness {
    let built: Vec<String> = binaries
        .iter()
        .filter_map(|b| b.record.as_ref())
        .filter(|r| !ResolvedRelease::is_release_origin(&r.origin) && r.version != "system")
        .map(|r| {
            if r.version.len() == 40 && r.version.bytes().all(|c| c.is_ascii_hexdigit()) {
                short_hash(&r.version).to_string()
            } else {
                r.version.clone()
            }
        })
        .collect();
    let mut detail = reasons.join("; ");
    if let Some(commit) = built.first() {
        detail.push_str(&format!(
            " (built from source at {commit}: no release is compared)"
        ));
    }
    Freshness::new(FreshnessState::UpToDate, "up to date", detail)
}

impl Daemon {
    /// The facts of `svc`'s binaries; `settle`: hash what must be hashed now.
    async fn binary_facts(
        &self,
        svc: &dyn Service,
        settle: bool,
    ) -> Result<Vec<BinaryFacts>, Freshness> {
        let mut facts = Vec::new();
        for b in svc.binaries() {
            let record = self.store().installed(&b.name).map_err(|e| {
                Freshness::new(
                    FreshnessState::Checking,
                    "checking",
                    format!("the install record of {} cannot be read: {e}", b.name),
                )
            })?;
            let path = b
                .path
                .clone()
                .unwrap_or_else(|| InstallTarget::new(&self.paths().bin, &b.name).path());
            let digest = if settle {
                self.binary_digests().settled(&path).await
            } else {
                self.binary_digests().now(&path)
            };
            facts.push(BinaryFacts {
                system: b.path.is_some(),
                name: b.name,
                record,
                digest,
            });
        }
        Ok(facts)
    }

    /// `svc`'s freshness now (see the module docs): never reads an unchanged binary, never
    /// asks the forge; what is not known yet is being found out in the background.
    pub async fn freshness(&self, svc: &dyn Service) -> Freshness {
        self.freshness_within(svc, None).await
    }

    /// `svc`'s freshness, hashing its binaries now if they changed and waiting (at most
    /// `within`) for a release check never answered yet.
    pub async fn settled_freshness(&self, svc: &dyn Service, within: Duration) -> Freshness {
        self.freshness_within(svc, Some(within)).await
    }

    async fn freshness_within(&self, svc: &dyn Service, wait: Option<Duration>) -> Freshness {
        let binaries = match self.binary_facts(svc, wait.is_some()).await {
            Ok(b) => b,
            Err(f) => return f,
        };
        let mut reasons = Vec::new();
        if let Some(verdict) = local_verdict(&binaries, &mut reasons) {
            return verdict;
        }
        if !from_releases(&binaries) {
            return installed_verdict(&binaries, reasons);
        }
        let prerelease = binaries
            .iter()
            .filter_map(|b| b.record.as_ref())
            .any(|r| r.version == MOVING_PRERELEASE_TAG);
        let shape = self.service_shape(svc);
        let feed = match shape.feed_for(prerelease) {
            Ok(Some(feed)) => feed,
            Ok(None) => return installed_verdict(&binaries, reasons),
            Err(e) => {
                return Freshness::new(
                    FreshnessState::ReleaseCheckFailed,
                    "release check failed: the forge is not usable",
                    format!("the newest release cannot be asked for: {e}"),
                );
            }
        };
        let checks = self.release_checks();
        let answer = match wait {
            None => checks.answer(&feed.forge, &feed.source),
            Some(within) => checks.settled(&feed.forge, &feed.source, within).await,
        };
        release_verdict(
            &binaries,
            &feed.asset_suffix,
            &feed.source.repo_path(),
            answer,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::{ForgeKind, ReleaseAsset};
    use crate::util::FileDigest;

    fn known(path: &std::path::Path) -> BinaryDigest {
        BinaryDigest::Known(FileDigest::of_path(path).unwrap())
    }

    fn record(binary: &str, version: &str, origin: &str, sha256: &str) -> InstallRecord {
        InstallRecord {
            service: "svc".into(),
            binary: binary.into(),
            version: version.into(),
            origin: origin.into(),
            sha256: sha256.into(),
            bytes: 3,
            path: std::path::PathBuf::from("/bin").join(binary),
            installed_at: chrono::Utc::now(),
            run_id: None,
        }
    }

    fn release(tag: &str, binary: &str, sha256: &str) -> ResolvedRelease {
        ResolvedRelease {
            forge: ForgeKind::Forgejo,
            repo: "o/r".into(),
            tag: tag.into(),
            name: tag.into(),
            prerelease: false,
            published_at: None,
            html_url: None,
            assets: vec![ReleaseAsset {
                name: crate::forge::asset_name::for_host(binary, ""),
                size: 3,
                url: "http://x/a".into(),
                digest: None,
                sha256: Some(sha256.into()),
                sha256_source: Some("SHA256SUMS".into()),
                updated_at: None,
                unusable_checksums: Vec::new(),
            }],
            checksum_files: Vec::new(),
        }
    }

    #[test]
    fn local_verdicts_name_the_worst_binary() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"aaa").unwrap();
        let sha = FileDigest::of_path(&a).unwrap().sha256;
        let fine = BinaryFacts {
            name: "a".into(),
            system: false,
            record: Some(record("a", "v1", "release v1 of o/r (a)", &sha)),
            digest: known(&a),
        };
        let mut reasons = Vec::new();
        assert_eq!(
            local_verdict(std::slice::from_ref(&fine), &mut reasons),
            None
        );

        let modified = BinaryFacts {
            record: Some(record("b", "v1", "release v1 of o/r (b)", "0000")),
            name: "b".into(),
            ..fine.clone()
        };
        let gone = BinaryFacts {
            name: "c".into(),
            system: false,
            record: Some(record("c", "v1", "x", "1111")),
            digest: BinaryDigest::Missing,
        };
        let v = local_verdict(&[fine.clone(), gone.clone(), modified], &mut Vec::new()).unwrap();
        assert_eq!(v.state, FreshnessState::ModifiedBinary);
        assert_eq!(v.summary, "modified binary");
        assert!(v.detail.contains("b: modified: sha256"), "{}", v.detail);
        let v = local_verdict(&[fine.clone(), gone], &mut Vec::new()).unwrap();
        assert_eq!(v.state, FreshnessState::MissingBinary);

        let never = BinaryFacts {
            name: "d".into(),
            system: false,
            record: None,
            digest: BinaryDigest::Missing,
        };
        let v = local_verdict(std::slice::from_ref(&never), &mut Vec::new()).unwrap();
        assert_eq!(
            (v.state, v.summary.as_str()),
            (FreshnessState::NotInstalled, "not installed")
        );
        let v = local_verdict(&[], &mut Vec::new()).unwrap();
        assert_eq!(v.state, FreshnessState::NothingInstalled);
        let hashing = BinaryFacts {
            digest: BinaryDigest::Hashing,
            ..fine
        };
        let v = local_verdict(&[hashing], &mut Vec::new()).unwrap();
        assert_eq!(v.state, FreshnessState::Checking);
    }

    #[test]
    fn releases_say_newer_by_their_bytes_and_a_failed_check_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"aaa").unwrap();
        let sha = FileDigest::of_path(&a).unwrap().sha256;
        let facts = [BinaryFacts {
            name: "a".into(),
            system: false,
            record: Some(record("a", "v1", "release v1 of o/r (a)", &sha)),
            digest: known(&a),
        }];
        assert!(from_releases(&facts));
        let age = Duration::from_secs(125);
        let same = ReleaseAnswer::Known {
            release: release("v1", "a", &sha),
            age,
        };
        let v = release_verdict(&facts, "", "o/r", same);
        assert_eq!(v.state, FreshnessState::UpToDate, "{v:?}");
        assert!(v.detail.contains("2 min ago"), "{}", v.detail);
        assert_eq!(v.release_checked_ms_ago, Some(125_000));

        let newer = ReleaseAnswer::Known {
            release: release("v2", "a", "ffff"),
            age,
        };
        let v = release_verdict(&facts, "", "o/r", newer);
        assert_eq!(v.state, FreshnessState::NewerRelease);
        assert_eq!(v.summary, "newer release v2");
        assert_eq!(v.newer_release.as_deref(), Some("v2"));

        let failed = ReleaseAnswer::Failed {
            reason: "could not reach the forge".into(),
            detail: "failed after 2 attempts: could not reach the forge: connection refused".into(),
            age,
        };
        let v = release_verdict(&facts, "", "o/r", failed);
        assert_eq!(v.state, FreshnessState::ReleaseCheckFailed);
        assert_eq!(v.summary, "release check failed: could not reach the forge");
        assert!(v.detail.contains("connection refused"), "{}", v.detail);

        let v = release_verdict(&facts, "", "o/r", ReleaseAnswer::Pending);
        assert_eq!(v.state, FreshnessState::Checking);
    }

    #[test]
    fn a_source_build_is_up_to_date_without_a_release() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::fs::write(&a, b"aaa").unwrap();
        let sha = FileDigest::of_path(&a).unwrap().sha256;
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let facts = [BinaryFacts {
            name: "a".into(),
            system: false,
            record: Some(record(
                "a",
                commit,
                "build of x at 0123456789ab (main)",
                &sha,
            )),
            digest: known(&a),
        }];
        assert!(!from_releases(&facts));
        let mut reasons = Vec::new();
        assert_eq!(local_verdict(&facts, &mut reasons), None);
        let v = installed_verdict(&facts, reasons);
        assert_eq!(v.state, FreshnessState::UpToDate);
        assert!(
            v.detail.contains("built from source at 0123456789ab"),
            "{}",
            v.detail
        );
    }
}
