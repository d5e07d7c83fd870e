//! [`WriteLock`]: assembles the lock file from what the tasks before it resolved, fetched
//! and built, and writes it — or, with `check`, only says whether it would change.
//!
//! Inputs (every task it names is a direct dependency): per service, the resolved release
//! and the downloaded artifacts (a release), the checkout and the built artifacts (a source
//! build), or the system's binaries. The sha256 of a release asset is the one its bytes
//! have (downloaded and checked against the release's checksum when it publishes one); the
//! lock says where it came from (`SHA256SUMS`, or `downloaded` when the release publishes
//! none). A source pin has the commit, the digest of the checkout's `Cargo.lock` and the
//! `rustc --version` of the toolchain.
//!
//! Written atomically; with `merge`, the services of the existing file that the plan did
//! not lock are kept. The downloads made only for hashing are removed afterwards. Never
//! cached: it runs each time (cheap; the tasks before it are cached).

use std::path::PathBuf;

use super::{Artifact, LogStream, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput};
use crate::forge::ResolvedRelease;
use crate::lockfile::{
    LockError, LockFile, LockedBinary, LockedRelease, LockedService, LockedSource, LockedSystem,
    ReleaseAssetLock,
};
use crate::util::FileDigest;

/// What one service puts into the lock, and which tasks of the plan hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockSource {
    /// A release: the resolve task, and per binary its asset name and its download task.
    Release {
        /// The forge's base URL.
        forge: String,
        /// What was asked for (`latest`).
        asked: String,
        /// The resolve task.
        resolve: TaskKey,
        /// (binary, asset name, the task whose output is its artifact).
        binaries: Vec<(String, String, TaskKey)>,
    },
    /// A source build: the checkout, the build's options, and per binary the task whose
    /// output is its artifact.
    Source {
        /// What was asked for (`branch main`).
        asked: String,
        /// The checkout task.
        checkout: TaskKey,
        /// The cargo profile.
        profile: String,
        /// `--features`.
        features: Vec<String>,
        /// `--no-default-features`.
        no_default_features: bool,
        /// (binary, the task whose output is its artifact).
        binaries: Vec<(String, TaskKey)>,
    },
    /// The system's binaries: per binary the task whose output is its artifact.
    System {
        /// (binary, the task whose output is its artifact).
        binaries: Vec<(String, TaskKey)>,
    },
}

impl LockSource {
    /// The tasks it reads.
    pub fn tasks(&self) -> Vec<TaskKey> {
        match self {
            LockSource::Release {
                resolve, binaries, ..
            } => std::iter::once(resolve.clone())
                .chain(binaries.iter().map(|(_, _, k)| k.clone()))
                .collect(),
            LockSource::Source {
                checkout, binaries, ..
            } => std::iter::once(checkout.clone())
                .chain(binaries.iter().map(|(_, k)| k.clone()))
                .collect(),
            LockSource::System { binaries } => binaries.iter().map(|(_, k)| k.clone()).collect(),
        }
    }
}

/// Writes (or checks) the lock file at `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteLock {
    /// The lock file.
    pub path: PathBuf,
    /// The catalog the services are from.
    pub catalog: String,
    /// Per service, where its pin comes from.
    pub services: Vec<(String, LockSource)>,
    /// Keep the services of the existing file that are not locked here.
    pub merge: bool,
    /// Only compare with the existing file: fail, naming the changes, when it would change.
    pub check: bool,
    /// Where downloads made only to hash them are staged (removed afterwards).
    pub staging: Option<PathBuf>,
}

fn artifact<'c>(
    ctx: &'c TaskContext,
    key: &TaskKey,
    binary: &str,
) -> Result<&'c Artifact, TaskError> {
    ctx.input(key)
        .and_then(|o| o.artifact(binary))
        .ok_or_else(|| TaskError::new(format!("no artifact of {binary} from `{key}`")).permanent())
}

/// The pins of `binaries` (name, the task holding its artifact), with their paths when
/// `with_path` (the system's binaries).
fn locked_binaries(
    ctx: &TaskContext,
    binaries: &[(String, TaskKey)],
    with_path: bool,
) -> Result<Vec<LockedBinary>, TaskError> {
    binaries
        .iter()
        .map(|(binary, key)| {
            let a = artifact(ctx, key, binary)?;
            Ok(LockedBinary {
                name: binary.clone(),
                sha256: a.sha256.clone(),
                size: a.bytes,
                path: with_path.then(|| a.path.display().to_string()),
            })
        })
        .collect()
}

/// `rustc --version` of the toolchain cargo uses (`RUSTC`, else `rustc`).
async fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    match tokio::process::Command::new(rustc)
        .arg("--version")
        .kill_on_drop(true)
        .output()
        .await
    {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => "unknown".to_string(),
    }
}

impl WriteLock {
    /// The pin of one service, from the outputs of its tasks.
    async fn pin(
        &self,
        ctx: &TaskContext,
        service: &str,
        source: &LockSource,
        rustc: &str,
    ) -> Result<LockedService, TaskError> {
        match source {
            LockSource::Release {
                forge,
                asked,
                resolve,
                binaries,
            } => {
                let release: &ResolvedRelease = match ctx.input(resolve) {
                    Some(TaskOutput::Release(r)) => r,
                    _ => {
                        return Err(TaskError::new(format!(
                            "no resolved release from `{resolve}`"
                        ))
                        .permanent());
                    }
                };
                let mut locked = Vec::new();
                for (binary, asset_name, key) in binaries {
                    let a = artifact(ctx, key, binary)?;
                    let asset = release.asset(asset_name);
                    let sha256_source = match asset.and_then(|a| a.sha256_source.clone()) {
                        Some(s) => s,
                        None => {
                            ctx.log(
                                LogStream::Info,
                                format!(
                                    "{service}: release {} publishes no sha256 for {asset_name}; \
                                     the lock has the sha256 of the downloaded bytes",
                                    release.tag
                                ),
                            );
                            "downloaded".to_string()
                        }
                    };
                    locked.push(ReleaseAssetLock {
                        name: binary.clone(),
                        asset: asset_name.clone(),
                        url: asset.map(|a| a.url.clone()).unwrap_or_default(),
                        size: a.bytes,
                        sha256: a.sha256.clone(),
                        sha256_source,
                    });
                }
                Ok(LockedService::Release(LockedRelease {
                    forge: forge.clone(),
                    repo: release.repo.clone(),
                    asked: asked.clone(),
                    tag: release.tag.clone(),
                    binaries: locked,
                }))
            }
            LockSource::Source {
                asked,
                checkout,
                profile,
                features,
                no_default_features,
                binaries,
            } => {
                let Some(TaskOutput::Checkout {
                    url, path, commit, ..
                }) = ctx.input(checkout)
                else {
                    return Err(
                        TaskError::new(format!("no checkout from `{checkout}`")).permanent()
                    );
                };
                let cargo_lock = path.join("Cargo.lock");
                let cargo_lock_sha256 =
                    tokio::task::spawn_blocking(move || FileDigest::of_path(cargo_lock))
                        .await
                        .ok()
                        .and_then(Result::ok)
                        .map(|d| d.sha256);
                let locked = locked_binaries(ctx, binaries, false)?;
                Ok(LockedService::Source(LockedSource {
                    git_url: url.clone(),
                    asked: asked.clone(),
                    commit: commit.clone(),
                    cargo_lock_sha256,
                    profile: profile.clone(),
                    features: features.clone(),
                    no_default_features: *no_default_features,
                    rustc: rustc.to_string(),
                    binaries: locked,
                }))
            }
            LockSource::System { binaries } => Ok(LockedService::System(LockedSystem {
                binaries: locked_binaries(ctx, binaries, true)?,
            })),
        }
    }
}

impl TaskKind for WriteLock {
    const KIND: &'static str = "write_lock";

    fn key(&self) -> TaskKey {
        TaskKey::new(format!("lock:{}", self.path.display()))
    }

    fn label(&self) -> String {
        if self.check {
            format!("check {}", self.path.display())
        } else {
            format!("write {}", self.path.display())
        }
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        let built = async {
            // One toolchain builds every source of the run: asked once.
            let any_source = self
                .services
                .iter()
                .any(|(_, s)| matches!(s, LockSource::Source { .. }));
            let rustc = if any_source {
                rustc_version().await
            } else {
                String::new()
            };
            let mut pins = Vec::new();
            for (service, source) in &self.services {
                pins.push((
                    service.clone(),
                    self.pin(ctx, service, source, &rustc).await?,
                ));
            }
            Ok::<_, TaskError>(pins)
        }
        .await;
        if let Some(staging) = &self.staging {
            let staging = staging.clone();
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_dir_all(staging)).await;
        }
        let pins = built?;
        let path = self.path.clone();
        let existing = tokio::task::spawn_blocking(move || LockFile::read(&path))
            .await
            .map_err(|e| TaskError::with_source("reading the lock file panicked", e))?;
        let existing = match existing {
            Ok(lock) => Some(lock),
            Err(LockError::Missing { .. }) if !self.check => None,
            Err(e) => {
                return Err(TaskError::with_source("the lock file is unusable", e).permanent());
            }
        };
        let mut lock = match (&existing, self.merge) {
            (Some(old), true) if old.catalog == self.catalog => {
                let mut l = old.clone();
                l.hero_svc = env!("CARGO_PKG_VERSION").to_string();
                l
            }
            _ => LockFile::new(self.catalog.clone()),
        };
        for (service, pin) in pins {
            lock.insert(service, pin);
        }
        if self.check {
            let Some(old) = existing else {
                return Err(
                    TaskError::new(format!("no lock file at {}", self.path.display())).permanent(),
                );
            };
            let changes = lock.changes_from(&old);
            if !changes.is_empty() {
                return Err(TaskError::new(format!(
                    "{} is out of date; `hero_svc lock` would change: {}",
                    self.path.display(),
                    changes.join("; ")
                ))
                .permanent());
            }
            return Ok(TaskOutput::Passed {
                check: format!("{} is up to date", self.path.display()),
            });
        }
        let path = self.path.clone();
        let written = lock.clone();
        tokio::task::spawn_blocking(move || written.write(&path))
            .await
            .map_err(|e| TaskError::with_source("writing the lock file panicked", e))?
            .map_err(|e| TaskError::with_source("the lock file was not written", e))?;
        if let Some(old) = &existing {
            for change in lock.changes_from(old) {
                ctx.log(LogStream::Info, change);
            }
        }
        let path = self.path.clone();
        let digest = tokio::task::spawn_blocking(move || FileDigest::of_path(path))
            .await
            .map_err(|e| TaskError::with_source("digesting the lock file panicked", e))?
            .map_err(|e| TaskError::with_source("the written lock file is unreadable", e))?;
        Ok(TaskOutput::File(digest))
    }
}
