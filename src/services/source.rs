//! [`Source`]: where a service's binaries come from — a release on a forge, or a git
//! repository built with cargo — and the [`InstallPolicy`] that chooses between them.

use serde::{Deserialize, Serialize};

use crate::forge::ForgeKind;
use crate::tasks::GitRef;

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
}

/// How one operation installs binaries (`--mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallMode {
    /// Download a release asset.
    Download,
    /// Check out and build with cargo.
    Source,
}

impl std::str::FromStr for InstallMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "download" => Ok(Self::Download),
            "source" => Ok(Self::Source),
            other => Err(format!("unknown install mode `{other}` (download, source)")),
        }
    }
}

impl InstallPolicy {
    /// The mode an operation uses: the requested one if the policy allows it.
    pub fn mode(self, requested: Option<InstallMode>) -> Result<InstallMode, String> {
        match (self, requested) {
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
