//! [`ForgeError`]: everything that can go wrong talking to a forge, said so a person knows
//! what to do next. No message ever holds the token or a URL's query string (presigned
//! storage URLs carry signatures there).

use std::time::Duration;

use reqwest::{StatusCode, Url};

use super::checksums::ChecksumProblem;
use super::redaction::Redactor;
use super::transfer_limits::{
    LimitParseError, MIN_RATE_ENV, MinRate, TIMEOUT_ENV, format_bytes, format_duration,
};

/// A failure to resolve or download a release asset.
#[derive(Debug, thiserror::Error)]
pub enum ForgeError {
    /// The configured forge URL does not parse.
    #[error(
        "forge url `{url}` is not a valid URL; set FORGE_URL to e.g. https://forge.ourworld.tf"
    )]
    InvalidUrl {
        /// What was given.
        url: String,
        /// Why it does not parse.
        #[source]
        source: url::ParseError,
    },
    /// The forge URL is not http(s).
    #[error("forge url `{url}` must be an http:// or https:// URL with a host")]
    UnsupportedUrl {
        /// What was given.
        url: String,
    },
    /// The repository, release or file does not exist, or is private and the token is
    /// missing or cannot see it.
    #[error("{what} not found on {host}{hint}")]
    NotFound {
        /// What was looked for (`release v1.2 of owner/repo`).
        what: String,
        /// The forge host.
        host: String,
        /// What to do about it.
        hint: String,
    },
    /// `latest` was asked for but the repository only has prereleases (or drafts).
    #[error(
        "{repo} has no stable release, only prereleases ({tags}); use `--tag latest-dev` or one of these tags"
    )]
    OnlyPrereleases {
        /// `owner/repo`.
        repo: String,
        /// The prerelease tags, comma-separated.
        tags: String,
    },
    /// The repository exists but has no release at all.
    #[error("{repo} has no releases; publish one or build from source")]
    NoReleases {
        /// `owner/repo`.
        repo: String,
    },
    /// The release lacks the asset for this binary and platform.
    #[error("release {tag} of {repo} has no asset `{asset}`; it has: {available}")]
    AssetMissing {
        /// `owner/repo`.
        repo: String,
        /// The release tag.
        tag: String,
        /// The asset looked for.
        asset: String,
        /// The assets it does have, comma-separated (or `no assets`).
        available: String,
    },
    /// An asset name that could escape the target directory.
    #[error("refusing asset name `{name}`: it contains `/`, `\\`, `..` or NUL")]
    UnsafeAssetName {
        /// The name (with control characters escaped).
        name: String,
    },
    /// The forge rejected the token.
    #[error("{host} rejected the token ({status}): {message}; check FORGE_TOKEN")]
    Unauthorized {
        /// The forge host.
        host: String,
        /// 401 or 403.
        status: StatusCode,
        /// The forge's own message.
        message: String,
    },
    /// Any other error status.
    #[error("{url} answered {status}: {message}")]
    Status {
        /// Where (no query string).
        url: String,
        /// The status.
        status: StatusCode,
        /// The forge's own message (from its JSON error body, else the body's first line).
        message: String,
        /// The `Retry-After` the server asked for, if any.
        retry_after: Option<Duration>,
    },
    /// Rate limited with a `Retry-After` too long to wait out.
    #[error("{url} is rate limiting requests and asks to retry after {}s; try again later", .retry_after.as_secs())]
    RateLimited {
        /// Where (no query string).
        url: String,
        /// What the server asked for.
        retry_after: Duration,
    },
    /// The connection could not be made or broke.
    #[error("could not reach {url}; check the network and FORGE_URL")]
    Connect {
        /// Where (no query string).
        url: String,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// Nothing arrived for the idle timeout.
    #[error("{url} sent nothing for {}s (idle timeout); the server stalled, try again later", .idle.as_secs_f64())]
    IdleTimeout {
        /// Where (no query string).
        url: String,
        /// The idle timeout.
        idle: Duration,
    },
    /// Bytes arrived, but slower than the minimum rate for a whole window: a trickle the
    /// idle timeout cannot see.
    #[error(
        "{url} sent only {} in {} ({}/s), below the minimum rate of {min_rate} ({MIN_RATE_ENV}); the transfer stalled, try again later",
        format_bytes(*.received), format_duration(*.span), format_bytes(average_rate(*.received, *.span))
    )]
    TooSlow {
        /// Where (no query string).
        url: String,
        /// Bytes received in `span`.
        received: u64,
        /// How long the rate was averaged over (at least the window).
        span: Duration,
        /// The limit.
        min_rate: MinRate,
    },
    /// The attempt ran out of its time, whatever the rate.
    #[error(
        "{url} did not finish within {} ({TIMEOUT_ENV}, per attempt); the server or the network is too slow, try again later",
        format_duration(*.limit)
    )]
    DeadlineExceeded {
        /// Where (no query string).
        url: String,
        /// The deadline of one attempt.
        limit: Duration,
    },
    /// The request was tried more than once and the last attempt failed with `source`.
    #[error("failed after {attempts} attempts in {}", format_duration(*.elapsed))]
    GaveUp {
        /// Attempts made, the first included.
        attempts: u32,
        /// From the first attempt's start to the last one's failure, waits included.
        elapsed: Duration,
        /// The last attempt's error.
        #[source]
        source: Box<ForgeError>,
    },
    /// A checksum file the release lists for the asset cannot vouch for it.
    #[error(
        "the release's checksum file {file} cannot verify {asset}, so it is not installed; fix the checksum file, or pick another version"
    )]
    UnusableChecksum {
        /// The checksum file.
        file: String,
        /// The asset.
        asset: String,
        /// What is wrong with the file.
        #[source]
        problem: ChecksumProblem,
    },
    /// A setting from the environment does not parse.
    #[error("{variable}=`{value}` is not a valid setting")]
    InvalidSetting {
        /// The variable.
        variable: &'static str,
        /// Its value (no secret: only limits are parsed this way).
        value: String,
        /// What was expected.
        #[source]
        source: LimitParseError,
    },
    /// The body ended before it was complete.
    #[error("the download from {url} ended early after {received} of {expected} bytes; try again")]
    Truncated {
        /// Where (no query string).
        url: String,
        /// Bytes received.
        received: u64,
        /// Bytes announced.
        expected: u64,
    },
    /// Reading the body failed.
    #[error("reading the response from {url} failed after {received} bytes; try again")]
    Body {
        /// Where (no query string).
        url: String,
        /// Bytes received.
        received: u64,
        /// The transport error.
        #[source]
        source: reqwest::Error,
    },
    /// Too many redirects, or one without a usable `Location`.
    #[error("{url} redirected badly ({reason})")]
    Redirect {
        /// Where (no query string).
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// An HTML page came back where a binary was expected.
    #[error(
        "the server returned an HTML page instead of a binary ({url}); the asset URL is wrong or needs a login (set FORGE_TOKEN for private repositories)"
    )]
    HtmlInsteadOfBinary {
        /// Where (no query string).
        url: String,
    },
    /// Text came back where a binary was expected.
    #[error("the server returned text ({content_type}) instead of a binary ({url})")]
    TextInsteadOfBinary {
        /// Where (no query string).
        url: String,
        /// The `Content-Type`.
        content_type: String,
    },
    /// The bytes do not have the sha256 the release publishes.
    #[error(
        "checksum mismatch for {asset}: {source_name} says sha256 {expected}, the download has {actual}; nothing was installed"
    )]
    ChecksumMismatch {
        /// The asset.
        asset: String,
        /// Where the expected value came from (`digest`, `SHA256SUMS`, `x.sha256`).
        source_name: String,
        /// Expected lowercase hex.
        expected: String,
        /// What the bytes hash to.
        actual: String,
    },
    /// The release's checksum sources disagree with each other.
    #[error(
        "the checksums published with release {tag} disagree for {asset} ({detail}); the release is inconsistent"
    )]
    ChecksumConflict {
        /// The release tag.
        tag: String,
        /// The asset.
        asset: String,
        /// Which sources say what.
        detail: String,
    },
    /// The release lists the asset but its download URL answers 404 or 410.
    #[error(
        "release {tag} lists {asset} but {url} answered {status}; the asset was removed or replaced since the release was read: run again, or pick another version"
    )]
    AssetGone {
        /// The asset.
        asset: String,
        /// The release tag.
        tag: String,
        /// Where (no query string).
        url: String,
        /// 404 or 410.
        status: StatusCode,
    },
    /// The size differs from the one the release lists.
    #[error("{asset} has {actual} bytes but the release lists {expected}; nothing was installed")]
    SizeMismatch {
        /// The asset.
        asset: String,
        /// Listed size.
        expected: u64,
        /// Downloaded size.
        actual: u64,
    },
    /// A small file (a checksum list) was larger than allowed.
    #[error("{url} is larger than {limit} bytes, too large for a checksum file")]
    TooLarge {
        /// Where (no query string).
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The forge's JSON could not be read.
    #[error("{url} answered with JSON that is not a release ({detail})")]
    InvalidJson {
        /// Where (no query string).
        url: String,
        /// What the parser said.
        detail: String,
    },
    /// A local file operation failed.
    #[error("could not {action} {path}")]
    Io {
        /// What was being done (`create a staging file in`).
        action: &'static str,
        /// On which path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The token cannot go into an HTTP header.
    #[error(
        "FORGE_TOKEN contains characters that cannot be sent in an HTTP header; check its value"
    )]
    InvalidToken,
    /// The HTTP client could not be built.
    #[error("could not set up the HTTP client")]
    Client(#[source] reqwest::Error),
}

impl ForgeError {
    /// True when trying again may help: connection errors, stalls, truncated bodies, 5xx and
    /// 429 (with a short enough `Retry-After`).
    pub fn is_transient(&self) -> bool {
        match self {
            ForgeError::Connect { .. }
            | ForgeError::IdleTimeout { .. }
            | ForgeError::TooSlow { .. }
            | ForgeError::DeadlineExceeded { .. }
            | ForgeError::Truncated { .. }
            | ForgeError::Body { .. } => true,
            ForgeError::GaveUp { source, .. } => source.is_transient(),
            ForgeError::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            _ => false,
        }
    }
}

impl ForgeError {
    /// The error of the last attempt: the cause of [`GaveUp`](ForgeError::GaveUp), else
    /// the error itself.
    pub fn last_attempt(&self) -> &ForgeError {
        match self {
            ForgeError::GaveUp { source, .. } => source.last_attempt(),
            other => other,
        }
    }

    /// Replaces the last attempt's error with `f(it)`, keeping the count of attempts.
    pub fn map_last_attempt(self, f: impl FnOnce(ForgeError) -> ForgeError) -> ForgeError {
        match self {
            ForgeError::GaveUp {
                attempts,
                elapsed,
                source,
            } => ForgeError::GaveUp {
                attempts,
                elapsed,
                source: Box::new(source.map_last_attempt(f)),
            },
            other => f(other),
        }
    }

    /// The error without the token in any of its texts. Every variant is listed, so a new
    /// one cannot be forgotten; causes from other crates (transport and I/O errors) carry
    /// no text from the server.
    pub(crate) fn redact_with(self, r: &Redactor<'_>) -> Self {
        use ForgeError as E;
        let t = |s: String| r.text(s);
        match self {
            E::InvalidUrl { url, source } => E::InvalidUrl {
                url: t(url),
                source,
            },
            E::UnsupportedUrl { url } => E::UnsupportedUrl { url: t(url) },
            E::NotFound { what, host, hint } => E::NotFound {
                what: t(what),
                host: t(host),
                hint: t(hint),
            },
            E::OnlyPrereleases { repo, tags } => E::OnlyPrereleases {
                repo: t(repo),
                tags: t(tags),
            },
            E::NoReleases { repo } => E::NoReleases { repo: t(repo) },
            E::AssetMissing {
                repo,
                tag,
                asset,
                available,
            } => E::AssetMissing {
                repo: t(repo),
                tag: t(tag),
                asset: t(asset),
                available: t(available),
            },
            E::UnsafeAssetName { name } => E::UnsafeAssetName { name: t(name) },
            E::Unauthorized {
                host,
                status,
                message,
            } => E::Unauthorized {
                host: t(host),
                status,
                message: t(message),
            },
            E::Status {
                url,
                status,
                message,
                retry_after,
            } => E::Status {
                url: t(url),
                status,
                message: t(message),
                retry_after,
            },
            E::RateLimited { url, retry_after } => E::RateLimited {
                url: t(url),
                retry_after,
            },
            E::Connect { url, source } => E::Connect {
                url: t(url),
                source,
            },
            E::IdleTimeout { url, idle } => E::IdleTimeout { url: t(url), idle },
            E::TooSlow {
                url,
                received,
                span,
                min_rate,
            } => E::TooSlow {
                url: t(url),
                received,
                span,
                min_rate,
            },
            E::DeadlineExceeded { url, limit } => E::DeadlineExceeded { url: t(url), limit },
            E::GaveUp {
                attempts,
                elapsed,
                source,
            } => E::GaveUp {
                attempts,
                elapsed,
                source: Box::new(source.redact_with(r)),
            },
            E::UnusableChecksum {
                file,
                asset,
                problem,
            } => E::UnusableChecksum {
                file: t(file),
                asset: t(asset),
                problem: match problem {
                    ChecksumProblem::Malformed { detail } => {
                        ChecksumProblem::Malformed { detail: t(detail) }
                    }
                    other => other,
                },
            },
            E::InvalidSetting {
                variable,
                value,
                source,
            } => E::InvalidSetting {
                variable,
                value: t(value),
                source,
            },
            E::Truncated {
                url,
                received,
                expected,
            } => E::Truncated {
                url: t(url),
                received,
                expected,
            },
            E::Body {
                url,
                received,
                source,
            } => E::Body {
                url: t(url),
                received,
                source,
            },
            E::Redirect { url, reason } => E::Redirect {
                url: t(url),
                reason: t(reason),
            },
            E::HtmlInsteadOfBinary { url } => E::HtmlInsteadOfBinary { url: t(url) },
            E::TextInsteadOfBinary { url, content_type } => E::TextInsteadOfBinary {
                url: t(url),
                content_type: t(content_type),
            },
            E::ChecksumMismatch {
                asset,
                source_name,
                expected,
                actual,
            } => E::ChecksumMismatch {
                asset: t(asset),
                source_name: t(source_name),
                expected: t(expected),
                actual,
            },
            E::ChecksumConflict { tag, asset, detail } => E::ChecksumConflict {
                tag: t(tag),
                asset: t(asset),
                detail: t(detail),
            },
            E::AssetGone {
                asset,
                tag,
                url,
                status,
            } => E::AssetGone {
                asset: t(asset),
                tag: t(tag),
                url: t(url),
                status,
            },
            E::SizeMismatch {
                asset,
                expected,
                actual,
            } => E::SizeMismatch {
                asset: t(asset),
                expected,
                actual,
            },
            E::TooLarge { url, limit } => E::TooLarge { url: t(url), limit },
            E::InvalidJson { url, detail } => E::InvalidJson {
                url: t(url),
                detail: t(detail),
            },
            E::Io {
                action,
                path,
                source,
            } => E::Io {
                action,
                path: t(path),
                source,
            },
            E::InvalidToken => E::InvalidToken,
            E::Client(source) => E::Client(source),
        }
    }
}

/// Bytes per second, for messages.
fn average_rate(bytes: u64, span: Duration) -> u64 {
    let secs = span.as_secs_f64();
    if secs > 0.0 {
        // A float-to-int cast saturates.
        (bytes as f64 / secs) as u64
    } else {
        bytes
    }
}

/// A URL as it may appear in messages: no user info, no query, no fragment.
pub(crate) fn display_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// The host (and port) of a URL, for messages.
pub(crate) fn display_host(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.to_string(),
    }
}
