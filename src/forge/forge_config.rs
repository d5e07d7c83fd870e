//! [`ForgeConfig`]: which forge to talk to, with which token, and how patiently.

use std::time::Duration;

use reqwest::Url;

use super::transfer_limits::{
    self, DEFAULT_ATTEMPT_TIMEOUT, MIN_RATE_ENV, MinRate, RATE_WINDOW_ENV, TIMEOUT_ENV,
};
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
    /// The least rate a response body must keep, averaged over a window (default 1 KiB/s
    /// over 30 s); slower is a stall, retried like other transient failures. `None`: no
    /// limit.
    pub min_rate: Option<MinRate>,
    /// How long one attempt of a request may take in all, redirects, headers and body
    /// included (default 15 min); `None`: no limit.
    pub attempt_timeout: Option<Duration>,
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
            min_rate: Some(MinRate::DEFAULT),
            attempt_timeout: Some(DEFAULT_ATTEMPT_TIMEOUT),
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
    /// [`DEFAULT_FORGE_URL`]), `FORGE_TOKEN` (legacy `FORGEJO_TOKEN`) and the transfer
    /// limits (see [`with_limits_from`](Self::with_limits_from)).
    pub fn from_env() -> Result<Self, ForgeError> {
        let url = std::env::var("FORGE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_FORGE_URL.to_string());
        let mut cfg = Self::forgejo(&url)?;
        cfg.token = ForgeToken::from_env();
        cfg.with_limits_from(|name| std::env::var(name).ok())
    }

    /// Applies the transfer limits set in an environment (`lookup` gives a variable's
    /// value): `HERO_SVC_DOWNLOAD_MIN_RATE` (bytes per second: `1KiB`, `512`, `off`),
    /// `HERO_SVC_DOWNLOAD_RATE_WINDOW` (`30s`) and `HERO_SVC_DOWNLOAD_TIMEOUT` (per
    /// attempt: `15m`, `off`). Unset or blank variables keep the current values; a value
    /// that does not parse is an error naming the variable.
    pub fn with_limits_from(
        mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ForgeError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let invalid = |variable: &'static str, value: &str| {
            let value = value.to_string();
            move |source| ForgeError::InvalidSetting {
                variable,
                value,
                source,
            }
        };
        let window = match get(RATE_WINDOW_ENV) {
            Some(v) => {
                transfer_limits::parse_duration(&v, false).map_err(invalid(RATE_WINDOW_ENV, &v))?
            }
            None => None,
        };
        let rate = match get(MIN_RATE_ENV) {
            Some(v) => Some(transfer_limits::parse_rate(&v).map_err(invalid(MIN_RATE_ENV, &v))?),
            None => None,
        };
        let current = self.min_rate.unwrap_or(MinRate::DEFAULT);
        self.min_rate = match rate {
            Some(None) => None,
            Some(Some(bytes_per_sec)) => Some(MinRate {
                bytes_per_sec,
                window: window.unwrap_or(current.window),
            }),
            None => self.min_rate.map(|r| MinRate {
                window: window.unwrap_or(r.window),
                ..r
            }),
        };
        if let Some(v) = get(TIMEOUT_ENV) {
            self.attempt_timeout =
                transfer_limits::parse_duration(&v, true).map_err(invalid(TIMEOUT_ENV, &v))?;
        }
        Ok(self)
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

    /// Sets the minimum rate (`None`: none).
    pub fn min_rate(mut self, min_rate: Option<MinRate>) -> Self {
        self.min_rate = min_rate;
        self
    }

    /// Sets the deadline of one attempt (`None`: none).
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
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
    fn limits_come_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let base = ForgeConfig::forgejo("http://127.0.0.1:1").unwrap();
        assert_eq!(base.min_rate, Some(MinRate::DEFAULT));
        assert_eq!(base.attempt_timeout, Some(Duration::from_secs(900)));

        let same = base.clone().with_limits_from(env(&[])).unwrap();
        assert_eq!(same, base);
        let cfg = base
            .clone()
            .with_limits_from(env(&[
                (MIN_RATE_ENV, "4KiB"),
                (RATE_WINDOW_ENV, "10s"),
                (TIMEOUT_ENV, "1h"),
            ]))
            .unwrap();
        assert_eq!(
            cfg.min_rate,
            Some(MinRate {
                bytes_per_sec: 4096,
                window: Duration::from_secs(10)
            })
        );
        assert_eq!(cfg.attempt_timeout, Some(Duration::from_secs(3600)));
        let window_only = base
            .clone()
            .with_limits_from(env(&[(RATE_WINDOW_ENV, "1m"), (TIMEOUT_ENV, " ")]))
            .unwrap();
        assert_eq!(
            window_only.min_rate.map(|r| (r.bytes_per_sec, r.window)),
            Some((1024, Duration::from_secs(60)))
        );
        assert_eq!(window_only.attempt_timeout, base.attempt_timeout);
        let off = base
            .clone()
            .with_limits_from(env(&[(MIN_RATE_ENV, "off"), (TIMEOUT_ENV, "off")]))
            .unwrap();
        assert_eq!((off.min_rate, off.attempt_timeout), (None, None));

        let err = base
            .clone()
            .with_limits_from(env(&[(TIMEOUT_ENV, "ten minutes")]))
            .unwrap_err();
        let chain = crate::util::error_chain(&err).join(": ");
        assert_eq!(
            chain,
            "HERO_SVC_DOWNLOAD_TIMEOUT=`ten minutes` is not a valid setting: expected a duration such as `30s`, `15m`, `1m30s` or `500ms`, or `off`"
        );
        let err = base
            .clone()
            .with_limits_from(env(&[(MIN_RATE_ENV, "fast")]))
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("HERO_SVC_DOWNLOAD_MIN_RATE=`fast`")
        );
        let err = base
            .with_limits_from(env(&[(RATE_WINDOW_ENV, "0s")]))
            .unwrap_err();
        assert_eq!(
            crate::util::error_chain(&err).join(": "),
            "HERO_SVC_DOWNLOAD_RATE_WINDOW=`0s` is not a valid setting: it must be more than zero"
        );
    }

    #[test]
    fn github_points_at_its_api() {
        let cfg = ForgeConfig::github();
        assert_eq!(cfg.kind, ForgeKind::GitHub);
        assert_eq!(cfg.base_url.as_str(), "https://api.github.com/");
    }
}
