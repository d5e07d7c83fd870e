//! The JSON the forges answer with, as much of it as we read. Unknown fields are ignored;
//! everything outside the core both Forgejo and GitHub send is optional.

use serde::Deserialize;

/// A release (`/releases/latest`, `/releases/tags/{tag}`, items of `/releases`).
#[derive(Debug, Deserialize)]
pub(crate) struct ApiRelease {
    pub tag_name: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub prerelease: bool,
    #[serde(default)]
    pub published_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub assets: Vec<ApiAsset>,
}

/// A release asset (Forgejo "attachment").
#[derive(Debug, Deserialize)]
pub(crate) struct ApiAsset {
    pub name: String,
    #[serde(default)]
    pub size: u64,
    pub browser_download_url: String,
    /// GitHub only: `sha256:<hex>` on assets uploaded since mid-2025.
    #[serde(default)]
    pub digest: Option<String>,
    /// GitHub only.
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// An error body: Forgejo `{message, url, errors}`, GitHub `{message, documentation_url}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ApiErrorBody {
    #[serde(default)]
    pub message: Option<String>,
}
