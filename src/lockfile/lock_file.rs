//! [`LockFile`]: the format of the lock file, its reading, writing and comparison.
//!
//! ```toml
//! # hero_svc lock file: every service pinned to exact bytes. Written by `hero_svc lock`.
//! version = 1
//! hero_svc = "0.1.0"
//! catalog = "hero"
//!
//! [services.hero_router]
//! kind = "release"
//! forge = "https://forge.ourworld.tf/"
//! repo = "lhumina_code/hero_router"
//! asked = "latest"
//! tag = "v0.4.1"
//!
//! [[services.hero_router.binaries]]
//! name = "hero_router"
//! asset = "hero_router-linux-amd64"
//! url = "https://forge.ourworld.tf/…/hero_router-linux-amd64"
//! size = 8123456
//! sha256 = "…"
//! sha256_source = "SHA256SUMS"
//! ```

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::LockError;

/// The version of the format this program writes and reads.
pub const LOCK_VERSION: u32 = 1;

const HEADER: &str = "# hero_svc lock file: every service pinned to exact bytes.\n\
# Written by `hero_svc lock`; `deploy --locked` installs exactly this. Commit it with the stack.\n";

/// A lock file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockFile {
    /// The format's version ([`LOCK_VERSION`]).
    pub version: u32,
    /// The version of the program that wrote it.
    pub hero_svc: String,
    /// The catalog its services are from.
    pub catalog: String,
    /// The services, by name.
    #[serde(default)]
    pub services: BTreeMap<String, LockedService>,
}

/// How one service is pinned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LockedService {
    /// Binaries downloaded from a release on a forge.
    Release(LockedRelease),
    /// Binaries built from a git repository.
    Source(LockedSource),
    /// The system's binaries (the package manager's; only checked, never installed).
    System(LockedSystem),
}

/// A release, as it was resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedRelease {
    /// The forge's base URL.
    pub forge: String,
    /// `owner/repo`.
    pub repo: String,
    /// What was asked for (`latest`, `latest-dev`, a tag).
    pub asked: String,
    /// The tag it resolved to.
    pub tag: String,
    /// The binaries, by name.
    pub binaries: Vec<ReleaseAssetLock>,
}

/// One asset of a locked release.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseAssetLock {
    /// The binary (its installed name).
    pub name: String,
    /// The asset's file name on the release.
    pub asset: String,
    /// Where it was downloaded from.
    pub url: String,
    /// Its size in bytes.
    pub size: u64,
    /// Lowercase hex sha256 of its bytes.
    pub sha256: String,
    /// Where the sha256 came from: the release's checksum (`SHA256SUMS`, `digest`, …), or
    /// `downloaded` when the release publishes none and the bytes were hashed.
    pub sha256_source: String,
}

/// A source build, as it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedSource {
    /// The repository.
    pub git_url: String,
    /// What was asked for (`branch main`, `tag v0.3.2`).
    pub asked: String,
    /// The commit it resolved to (full hex).
    pub commit: String,
    /// sha256 of the repository's `Cargo.lock` at that commit, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cargo_lock_sha256: Option<String>,
    /// The cargo profile.
    pub profile: String,
    /// `--features`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// `--no-default-features`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_default_features: bool,
    /// `rustc --version` of the toolchain that built it.
    pub rustc: String,
    /// The binaries, by name.
    pub binaries: Vec<LockedBinary>,
}

/// The system's binaries of a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedSystem {
    /// The binaries, by name.
    pub binaries: Vec<LockedBinary>,
}

/// One binary and its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedBinary {
    /// Its name.
    pub name: String,
    /// Lowercase hex sha256 of its bytes.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
    /// Where it is (system binaries only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl LockedService {
    /// Its binaries as (name, sha256), whatever the kind of pin.
    pub fn binaries(&self) -> Vec<(&str, &str)> {
        match self {
            LockedService::Release(r) => r
                .binaries
                .iter()
                .map(|b| (b.name.as_str(), b.sha256.as_str()))
                .collect(),
            LockedService::Source(LockedSource { binaries, .. })
            | LockedService::System(LockedSystem { binaries }) => binaries
                .iter()
                .map(|b| (b.name.as_str(), b.sha256.as_str()))
                .collect(),
        }
    }

    /// The sha256 the lock has for `binary`, if it names it.
    pub fn sha256_of(&self, binary: &str) -> Option<&str> {
        self.binaries()
            .into_iter()
            .find(|(name, _)| *name == binary)
            .map(|(_, sha)| sha)
    }

    /// What it pins, in a few words (`release v0.4.1`, `commit 3fa4c2e1b7d0`).
    pub fn pin(&self) -> String {
        match self {
            LockedService::Release(r) => format!("release {} of {}", r.tag, r.repo),
            LockedService::Source(s) => {
                format!("commit {}", s.commit.get(..12).unwrap_or(&s.commit))
            }
            LockedService::System(_) => "the system's binaries".to_string(),
        }
    }

    /// Its binaries in name order (what makes two locks of the same bytes equal).
    fn sort(&mut self) {
        match self {
            LockedService::Release(r) => r.binaries.sort_by(|a, b| a.name.cmp(&b.name)),
            LockedService::Source(s) => {
                s.binaries.sort_by(|a, b| a.name.cmp(&b.name));
                s.features.sort();
            }
            LockedService::System(s) => s.binaries.sort_by(|a, b| a.name.cmp(&b.name)),
        }
    }
}

impl LockFile {
    /// An empty lock of `catalog`, written by this program.
    pub fn new(catalog: impl Into<String>) -> Self {
        Self {
            version: LOCK_VERSION,
            hero_svc: env!("CARGO_PKG_VERSION").to_string(),
            catalog: catalog.into(),
            services: BTreeMap::new(),
        }
    }

    /// Parses a lock file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, LockError> {
        let invalid = |problem: String| LockError::Invalid {
            path: path.to_path_buf(),
            problem,
        };
        let mut lock: LockFile =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim().to_string()))?;
        if lock.version != LOCK_VERSION {
            return Err(invalid(format!(
                "format version {} (this hero_svc reads version {LOCK_VERSION})",
                lock.version
            )));
        }
        for (name, svc) in &mut lock.services {
            svc.sort();
            let hashes: Vec<&str> = svc.binaries().into_iter().map(|(_, h)| h).collect();
            if let Some(bad) = hashes.iter().find(|h| !is_sha256(h)) {
                return Err(invalid(format!(
                    "service {name}: `{bad}` is not a sha256 (64 lowercase hex digits)"
                )));
            }
            if let LockedService::Source(s) = &*svc
                && !(s.commit.len() >= 7 && s.commit.chars().all(|c| c.is_ascii_hexdigit()))
            {
                return Err(invalid(format!(
                    "service {name}: `{}` is not a commit",
                    s.commit
                )));
            }
        }
        Ok(lock)
    }

    /// Sets the pin of `service` (its lists put in order).
    pub fn insert(&mut self, service: impl Into<String>, mut pin: LockedService) {
        pin.sort();
        self.services.insert(service.into(), pin);
    }

    /// Reads the lock file at `path`.
    pub fn read(path: &Path) -> Result<Self, LockError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(LockError::Missing {
                path: path.to_path_buf(),
            }),
            Err(source) => Err(LockError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// The file's text: a header comment, then the TOML, in a stable order.
    pub fn to_toml(&self) -> String {
        let mut lock = self.clone();
        for svc in lock.services.values_mut() {
            svc.sort();
        }
        // Serializing plain strings, numbers and tables cannot fail.
        let body = toml::to_string(&lock).unwrap_or_default();
        format!("{HEADER}{body}")
    }

    /// sha256 of [`to_toml`](Self::to_toml): what an execution report names as the lock it
    /// used.
    pub fn digest(&self) -> String {
        hex::encode(Sha256::digest(self.to_toml().as_bytes()))
    }

    /// Writes the file atomically: a temp file beside it, synced, renamed over it, the
    /// directory synced. On any failure the old file (if any) is left as it was.
    pub fn write(&self, path: &Path) -> Result<(), LockError> {
        let err = |source: std::io::Error| LockError::Write {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".hero_svc.lock.")
            .tempfile_in(dir)
            .map_err(err)?;
        tmp.write_all(self.to_toml().as_bytes()).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(path).map_err(|e| err(e.error))?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// What differs from `before`, one line per service (`hero_db: release v0.3.2 → v0.3.3`,
    /// `hero_books: added`, `x: removed`); empty when the two pin the same bytes.
    pub fn changes_from(&self, before: &LockFile) -> Vec<String> {
        let mut out = Vec::new();
        for (name, now) in &self.services {
            match before.services.get(name) {
                None => out.push(format!("{name}: added ({})", now.pin())),
                Some(was) if !same(was, now) => {
                    let (a, b) = (was.pin(), now.pin());
                    if a == b {
                        out.push(format!("{name}: {b}, {}", what_differs(was, now)));
                    } else {
                        out.push(format!("{name}: {a} → {b}"));
                    }
                }
                Some(_) => {}
            }
        }
        for name in before.services.keys() {
            if !self.services.contains_key(name) {
                out.push(format!("{name}: removed"));
            }
        }
        out
    }
}

/// What differs between two pins of the same tag or commit (`sha256 of demo_db`,
/// `rustc`), for people.
fn what_differs(was: &LockedService, now: &LockedService) -> String {
    let (a, b) = (
        serde_json::to_value(was).unwrap_or_default(),
        serde_json::to_value(now).unwrap_or_default(),
    );
    let mut fields: Vec<String> = Vec::new();
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (k, v) in b {
            if k == "binaries" {
                continue;
            }
            if a.get(k) != Some(v) {
                fields.push(k.replace('_', " "));
            }
        }
    }
    let before = was.binaries();
    for (name, sha) in now.binaries() {
        match before.iter().find(|(n, _)| *n == name) {
            Some((_, old)) if *old == sha => {}
            Some(_) => fields.push(format!("the bytes of {name}")),
            None => fields.push(format!("a new binary {name}")),
        }
    }
    if fields.is_empty() {
        "other binaries".to_string()
    } else {
        format!("other {}", fields.join(", "))
    }
}

/// Whether two pins are the same, whatever the order of their lists.
fn same(a: &LockedService, b: &LockedService) -> bool {
    let (mut a, mut b) = (a.clone(), b.clone());
    a.sort();
    b.sort();
    a == b
}

/// Whether `s` is a lowercase hex sha256.
fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LockFile {
        let mut lock = LockFile::new("hero");
        lock.services.insert(
            "hero_router".to_string(),
            LockedService::Release(LockedRelease {
                forge: "https://forge.example/".to_string(),
                repo: "lhumina_code/hero_router".to_string(),
                asked: "latest".to_string(),
                tag: "v0.4.1".to_string(),
                binaries: vec![ReleaseAssetLock {
                    name: "hero_router".to_string(),
                    asset: "hero_router-linux-amd64".to_string(),
                    url: "https://forge.example/a".to_string(),
                    size: 3,
                    sha256: "a".repeat(64),
                    sha256_source: "SHA256SUMS".to_string(),
                }],
            }),
        );
        lock.services.insert(
            "demo_db".to_string(),
            LockedService::Source(LockedSource {
                git_url: "/src/demo".to_string(),
                asked: "branch main".to_string(),
                commit: "3fa4c2e1b7d03fa4c2e1b7d03fa4c2e1b7d03fa4".to_string(),
                cargo_lock_sha256: Some("b".repeat(64)),
                profile: "release".to_string(),
                features: vec!["z".to_string(), "a".to_string()],
                no_default_features: false,
                rustc: "rustc 1.95.0".to_string(),
                binaries: vec![
                    LockedBinary {
                        name: "z_bin".to_string(),
                        sha256: "c".repeat(64),
                        size: 1,
                        path: None,
                    },
                    LockedBinary {
                        name: "a_bin".to_string(),
                        sha256: "d".repeat(64),
                        size: 2,
                        path: None,
                    },
                ],
            }),
        );
        lock
    }

    #[test]
    fn a_lock_round_trips_in_a_stable_order() {
        let lock = sample();
        let text = lock.to_toml();
        assert!(text.starts_with("# hero_svc lock file"));
        // Services by name, binaries by name, features sorted.
        let demo = text.find("[services.demo_db]").unwrap();
        let router = text.find("[services.hero_router]").unwrap();
        assert!(demo < router, "{text}");
        assert!(
            text.find("a_bin").unwrap() < text.find("z_bin").unwrap(),
            "{text}"
        );
        assert!(text.contains("features = [\"a\", \"z\"]"), "{text}");
        let back = LockFile::parse(&text, Path::new("x.lock")).unwrap();
        assert_eq!(back.to_toml(), text);
        assert_eq!(back.digest(), lock.digest());
        assert!(back.changes_from(&lock).is_empty());
    }

    #[test]
    fn changes_name_each_service() {
        let before = sample();
        let mut after = sample();
        if let Some(LockedService::Release(r)) = after.services.get_mut("hero_router") {
            r.tag = "v0.4.2".to_string();
        }
        after.services.remove("demo_db");
        assert_eq!(
            after.changes_from(&before),
            [
                "hero_router: release v0.4.1 of lhumina_code/hero_router → release v0.4.2 of lhumina_code/hero_router",
                "demo_db: removed"
            ]
        );
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        let path = Path::new("/x/hero_svc.lock");
        let cases = [
            (
                "version = 2\nhero_svc = \"x\"\ncatalog = \"c\"\n",
                "format version 2",
            ),
            ("this is not toml", "not a valid lock file"),
            (
                "version = 1\nhero_svc = \"x\"\ncatalog = \"c\"\nextra = 1\n",
                "unknown field",
            ),
        ];
        for (text, want) in cases {
            let e = LockFile::parse(text, path).unwrap_err().to_string();
            assert!(e.contains(want) && e.contains("/x/hero_svc.lock"), "{e}");
        }
        let bad_sha = sample().to_toml().replace(&"a".repeat(64), "nothex");
        let e = LockFile::parse(&bad_sha, path).unwrap_err().to_string();
        assert!(
            e.contains("hero_router") && e.contains("not a sha256"),
            "{e}"
        );
    }

    #[test]
    fn writing_is_atomic_and_reading_a_missing_file_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/hero_svc.lock");
        let e = LockFile::read(&path).unwrap_err().to_string();
        assert!(e.contains("hero_svc lock"), "{e}");
        sample().write(&path).unwrap();
        assert_eq!(LockFile::read(&path).unwrap(), {
            let mut s = sample();
            for v in s.services.values_mut() {
                v.sort();
            }
            s
        });
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, [std::ffi::OsString::from("hero_svc.lock")]);
    }
}
