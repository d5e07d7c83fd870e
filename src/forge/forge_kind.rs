//! [`ForgeKind`]: which flavour of releases API a forge speaks.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The API a forge speaks. Forgejo (and Gitea) serve `/api/v1/repos/{o}/{r}/releases/…` on
/// the forge's own host; GitHub serves `/repos/{o}/{r}/releases/…` on `api.github.com`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForgeKind {
    /// Forgejo or Gitea (the Hero forge).
    #[default]
    Forgejo,
    /// GitHub (`api.github.com`).
    GitHub,
}

impl ForgeKind {
    /// The path prefix of the releases API of repository `owner/repo`.
    pub(crate) fn repo_api_path(self, owner: &str, repo: &str) -> String {
        match self {
            ForgeKind::Forgejo => format!("api/v1/repos/{owner}/{repo}"),
            ForgeKind::GitHub => format!("repos/{owner}/{repo}"),
        }
    }

    /// The `Accept` header for API calls.
    pub(crate) fn accept(self) -> &'static str {
        match self {
            ForgeKind::Forgejo => "application/json",
            ForgeKind::GitHub => "application/vnd.github+json",
        }
    }
}

impl fmt::Display for ForgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ForgeKind::Forgejo => "forgejo",
            ForgeKind::GitHub => "github",
        })
    }
}
