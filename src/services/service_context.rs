//! [`ServiceContext`]: what a service needs to know to add its tasks to a plan.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{EnvFile, InstallMode};
use crate::forge::ForgeConfig;
use crate::lockfile::LockFile;
use crate::paths::HeroPaths;

/// The environment an operation is planned in: directories, the forge, the user's env
/// file, and the operation's options that services read (mode, version).
#[derive(Clone, Debug)]
pub struct ServiceContext {
    /// The Hero directories.
    pub paths: HeroPaths,
    /// The configured forge (`FORGE_URL`, `FORGE_TOKEN`).
    pub forge: ForgeConfig,
    /// Why the configured forge is unusable (an invalid `FORGE_URL`), when it is: `forge`
    /// then holds the default, and only services that need the forge fail, at once.
    pub forge_problem: Option<String>,
    /// `$HERO_ROOT/cfg/env/env.sh`, as a shell reads it.
    pub env_file: EnvFile,
    /// The install mode asked for (`--mode`); `None` lets each service's policy decide.
    pub mode: Option<InstallMode>,
    /// The version asked for (`--tag`): a release tag, or a git ref for source builds;
    /// `None` means `latest` / the service's default branch.
    pub version: Option<String>,
    /// The shared `CARGO_TARGET_DIR` of source builds.
    pub target_dir: PathBuf,
    /// The cargo profile of source builds.
    pub build_profile: String,
    /// How long a started service may take to become healthy.
    pub health_timeout: Duration,
    /// Whether the operation installs what it starts (a deploy): its starts then record
    /// their inputs and restart a running service whose binary or spec changed. Without
    /// (start, restart), a start only makes sure the process runs
    /// ([`StartProcess::ensure_running`](crate::tasks::StartProcess::ensure_running)).
    pub starts_after_install: bool,
    /// The lock file a `--locked` operation obeys, and where it was read from: installs
    /// take exactly what it pins, verifies compare with it.
    pub lock: Option<(Arc<LockFile>, PathBuf)>,
    /// Whether a source build whose bytes differ from the lock fails (`--strict`) rather
    /// than warns.
    pub strict: bool,
}

impl ServiceContext {
    /// Defaults for `paths`: the forge from the environment, no env file, release builds
    /// into `$HERO_ROOT/var/hero_svc/target`.
    pub fn new(paths: HeroPaths, forge: ForgeConfig) -> Self {
        Self {
            target_dir: paths.state_dir().join("target"),
            paths,
            forge,
            forge_problem: None,
            env_file: EnvFile::empty(),
            mode: None,
            version: None,
            build_profile: "release".to_string(),
            health_timeout: Duration::from_secs(30),
            starts_after_install: true,
            lock: None,
            strict: false,
        }
    }

    /// The release version to install: `--tag`, else `latest`.
    pub fn release_version(&self) -> &str {
        self.version.as_deref().unwrap_or("latest")
    }
}
