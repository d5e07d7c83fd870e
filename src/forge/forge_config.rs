//! [`ForgeConfig`]: which forge to talk to, with which token, and how patiently.

use std::time::Duration;

use reqwest::Url;

use super::{ForgeError, ForgeKind, ForgeToken};

/// The Hero forge, used when `FORGE_URL` is not set.
pub const DEFAULT_FORGE_URL: &str = "https://forge.ourworld.tf";

/// GitHub's API root.
const GITHUB_API_URL: &str = "https://api.github.com";

/// Where a forge is and how to talk to it. Cheap to clone; part of the task structs, so it
/// compares by value (the token included) but never prints the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForgeConfig {
    /// The API flavour.
    pub kind: ForgeKind,
    /// The forge's root URL, always ending in `/` (`https://forge.ourworld.tf/`; for GitHub
    /// the API root `https://api.github.com/`).
    pub base_url: Url,
    /// Sent as `Authorization: token …`, and only to `base_url`'s origin.
    pub token: Option<ForgeToken>,
    /// How long establishing a connection may take.
    pub connect_timeout: Duration,
    /// How long a request may wait without receiving a byte (headers or body) before it
    /// counts as stalled.
    pub idle_timeout: Duration,
    /// Attempts per request (the first included) on connection errors, stalls, 5xx and 429.
    pub max_attempts: u32,
    /// The delay before the second attempt, doubled for every further one (capped at 30 s).
    pub initial_backoff: Duration,
    /// A `Retry-After` up to this long is waited out; a longer one fails at once.
    pub max_retry_after: Duration,
}

impl ForgeConfig {
    /// A Forgejo at `base_url` without a token and with the default timeouts.
    pub fn forgejo(base_url: &str) -> Result<Self, ForgeError> {
        Ok(Self {
            kind: ForgeKind::Forgejo,
            base_url: normalize_base(base_url)?,
            token: None,
            connect_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(30),
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
        })
    }

    /// GitHub's API (`https://api.github.com`).
    pub fn github() -> Self {
        // A constant that parses; no input can break it.
        let mut cfg = Self::forgejo(GITHUB_API_URL).expect("the GitHub API URL parses");
        cfg.kind = ForgeKind::GitHub;
        cfg
    }

    /// The Hero forge from the environment: `FORGE_URL` (default
    /// [`DEFAULT_FORGE_URL`]) and `FORGE_TOKEN` (legacy `FORGEJO_TOKEN`).
    pub fn from_env() -> Result<Self, ForgeError> {
        let url = std::env::var("FORGE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_FORGE_URL.to_string());
        let mut cfg = Self::forgejo(&url)?;
        cfg.token = ForgeToken::from_env();
        Ok(cfg)
    }

    /// Uses another API flavour (e.g. GitHub at a test server's URL).
    pub fn kind(mut self, kind: ForgeKind) -> Self {
        self.kind = kind;
        self
    }

    /// Uses another base URL (a per-call override of `FORGE_URL`).
    pub fn base_url(mut self, url: &str) -> Result<Self, ForgeError> {
        self.base_url = normalize_base(url)?;
        Ok(self)
    }

    /// Sends `token` to the forge.
    pub fn token(mut self, token: Option<ForgeToken>) -> Self {
        self.token = token;
        self
    }

    /// Sets the connect and idle timeouts.
    pub fn timeouts(mut self, connect: Duration, idle: Duration) -> Self {
        self.connect_timeout = connect;
        self.idle_timeout = idle;
        self
    }

    /// Sets the attempts per request and the first backoff.
    pub fn retries(mut self, max_attempts: u32, initial_backoff: Duration) -> Self {
        self.max_attempts = max_attempts.max(1);
        self.initial_backoff = initial_backoff;
        self
    }

    /// The backoff after failed attempt `attempt` (1-based).
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.initial_backoff
            .saturating_mul(factor)
            .min(Duration::from_secs(30))
    }
}

/// Parses a base URL and makes it end in exactly one `/` (a double slash in API paths makes
/// Forgejo answer 401).
fn normalize_base(url: &str) -> Result<Url, ForgeError> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = Url::parse(&format!("{trimmed}/")).map_err(|source| ForgeError::InvalidUrl {
        url: trimmed.to_string(),
        source,
    })?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(parsed),
        _ => Err(ForgeError::UnsupportedUrl {
            url: trimmed.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_one_trailing_slash() {
        let cfg = ForgeConfig::forgejo("https://forge.example.org//").unwrap();
        assert_eq!(cfg.base_url.as_str(), "https://forge.example.org/");
        let cfg = ForgeConfig::forgejo("http://127.0.0.1:3000/sub").unwrap();
        assert_eq!(cfg.base_url.as_str(), "http://127.0.0.1:3000/sub/");
        assert!(ForgeConfig::forgejo("ftp://x").is_err());
        assert!(ForgeConfig::forgejo("not a url").is_err());
    }

    #[test]
    fn github_points_at_its_api() {
        let cfg = ForgeConfig::github();
        assert_eq!(cfg.kind, ForgeKind::GitHub);
        assert_eq!(cfg.base_url.as_str(), "https://api.github.com/");
    }
}
