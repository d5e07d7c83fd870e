//! [`Source`]: where a service's binaries come from — a release on a forge, or a git
//! repository built with cargo — and the [`InstallPolicy`] that chooses between them.

use serde::{Deserialize, Serialize};

use crate::forge::ForgeKind;
use crate::tasks::{CargoOptions, GitRef};

/// How a service's binaries are installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallPolicy {
    /// Only from a release.
    Download,
    /// Only from source.
    Source,
    /// From a release, with a build from source as the fallback when the release cannot
    /// be had; `--mode` picks one way only.
    DownloadOrSource,
    /// Already on the system (every binary has a [`path`](super::Binary::path)): checked
    /// and recorded, never downloaded or built; `--mode` does not apply.
    System,
}

/// How one operation installs binaries (`--mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallMode {
    /// Download a release asset.
    Download,
    /// Check out and build with cargo.
    Source,
    /// Take the system's binaries (the [`System`](InstallPolicy::System) policy).
    System,
}

impl InstallMode {
    /// Its name (`download`), as `--mode` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Download => "download",
            Self::Source => "source",
            Self::System => "system",
        }
    }
}

impl std::str::FromStr for InstallMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "download" => Ok(Self::Download),
            "source" => Ok(Self::Source),
            "system" => Ok(Self::System),
            other => Err(format!(
                "unknown install mode `{other}` (download, source, system)"
            )),
        }
    }
}

impl InstallPolicy {
    /// The mode an operation uses: the requested one if the policy allows it.
    pub fn mode(self, requested: Option<InstallMode>) -> Result<InstallMode, String> {
        match (self, requested) {
            (InstallPolicy::System, None | Some(InstallMode::System)) => Ok(InstallMode::System),
            (InstallPolicy::System, Some(_)) => Err(
                "uses the system's binaries: the system's package manager installs them"
                    .to_string(),
            ),
            (_, Some(InstallMode::System)) => {
                Err("is not installed from the system's binaries".to_string())
            }
            (InstallPolicy::Download, Some(InstallMode::Source)) => {
                Err("is only installed from releases (no source build)".to_string())
            }
            (InstallPolicy::Source, Some(InstallMode::Download)) => {
                Err("is only built from source (no release assets)".to_string())
            }
            (InstallPolicy::Source, _) => Ok(InstallMode::Source),
            (_, Some(mode)) => Ok(mode),
            (_, None) => Ok(InstallMode::Download),
        }
    }
}

/// Where a service's code and releases live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The forge's base URL when the service does not live on the configured forge
    /// (`FORGE_URL`); `None` means the configured one.
    pub forge_url: Option<String>,
    /// The forge's kind (Forgejo unless said otherwise).
    pub forge_kind: ForgeKind,
    /// The owner (organisation) on the forge.
    pub owner: String,
    /// The repository.
    pub repo: String,
    /// The git URL for source builds; `None` means `<forge>/<owner>/<repo>.git`.
    pub git_url: Option<String>,
    /// What to build from source.
    pub git_ref: GitRef,
    /// Appended to release asset names after the platform (`-musl`).
    pub asset_suffix: String,
    /// How cargo builds it from source: packages, features, `--locked`.
    pub cargo: CargoOptions,
}

impl Source {
    /// `owner/repo` on the configured Forgejo, built from branch `development`.
    pub fn forge(owner: &str, repo: &str) -> Self {
        Self {
            forge_url: None,
            forge_kind: ForgeKind::Forgejo,
            owner: owner.to_string(),
            repo: repo.to_string(),
            git_url: None,
            git_ref: GitRef::Branch("development".to_string()),
            asset_suffix: String::new(),
            cargo: CargoOptions::default(),
        }
    }

    /// `owner/repo` on GitHub.
    pub fn github(owner: &str, repo: &str) -> Self {
        Self {
            forge_url: Some("https://api.github.com".to_string()),
            forge_kind: ForgeKind::GitHub,
            git_url: Some(format!("https://github.com/{owner}/{repo}.git")),
            git_ref: GitRef::Branch("main".to_string()),
            ..Self::forge(owner, repo)
        }
    }

    /// No source: a service whose binaries the system has, or that runs something it does
    /// not install (a container).
    pub fn none() -> Self {
        Self {
            git_url: None,
            ..Self::forge("", "")
        }
    }

    /// Whether it is [`none`](Self::none): nowhere to download or build from.
    pub fn is_none(&self) -> bool {
        self.git_url.is_none() && self.owner.is_empty() && self.repo.is_empty()
    }

    /// A git repository at `url` (a local path works), built from `git_ref`.
    pub fn git(url: &str, git_ref: GitRef) -> Self {
        let repo = url
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .rsplit('/')
            .next()
            .unwrap_or(url)
            .to_string();
        Self {
            git_url: Some(url.to_string()),
            git_ref,
            ..Self::forge("local", &repo)
        }
    }

    /// Builds from `git_ref` instead.
    pub fn git_ref(mut self, git_ref: GitRef) -> Self {
        self.git_ref = git_ref;
        self
    }

    /// Builds only `package` of the workspace (`cargo build -p`; may be given several
    /// times).
    pub fn package(mut self, package: &str) -> Self {
        self.cargo.packages.push(package.to_string());
        self
    }

    /// Builds with cargo features `features`.
    pub fn features<I, S>(mut self, features: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cargo
            .features
            .extend(features.into_iter().map(Into::into));
        self
    }

    /// Builds without the default features.
    pub fn no_default_features(mut self) -> Self {
        self.cargo.no_default_features = true;
        self
    }

    /// Builds with `Cargo.lock` as it is (`--locked`).
    pub fn locked(mut self) -> Self {
        self.cargo.locked = true;
        self
    }

    /// Uses release assets named `{bin}-{os}-{arch}{suffix}`.
    pub fn asset_suffix(mut self, suffix: &str) -> Self {
        self.asset_suffix = suffix.to_string();
        self
    }

    /// The git URL, given the configured forge's base URL.
    pub fn git_url_on(&self, forge_base: &str) -> String {
        match &self.git_url {
            Some(u) => u.clone(),
            None => format!(
                "{}/{}/{}.git",
                self.forge_url
                    .as_deref()
                    .unwrap_or(forge_base)
                    .trim_end_matches('/'),
                self.owner,
                self.repo
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_and_mode() {
        assert_eq!(
            InstallPolicy::DownloadOrSource.mode(None),
            Ok(InstallMode::Download)
        );
        assert_eq!(
            InstallPolicy::DownloadOrSource.mode(Some(InstallMode::Source)),
            Ok(InstallMode::Source)
        );
        assert_eq!(InstallPolicy::Source.mode(None), Ok(InstallMode::Source));
        assert!(
            InstallPolicy::Download
                .mode(Some(InstallMode::Source))
                .is_err()
        );
    }

    #[test]
    fn git_urls() {
        let s = Source::forge("lhumina_code", "hero_db");
        assert_eq!(
            s.git_url_on("https://forge.ourworld.tf/"),
            "https://forge.ourworld.tf/lhumina_code/hero_db.git"
        );
        assert_eq!(
            Source::git("/src/hero_svc", GitRef::Branch("main".into())).repo,
            "hero_svc"
        );
    }
}
