//! [`ProbeResult`]: what one run of a probe saw.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How many bytes of a response body a result keeps.
pub const SNIPPET_BYTES: usize = 200;

/// The answer to one probe: enough to decide (healthy or not) and to explain the decision to
/// a person (`503 Service Unavailable: {"status":"starting"}`, `connection refused`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeResult {
    /// The probe passed.
    pub healthy: bool,
    /// How long the probe took, connect included.
    pub latency: Duration,
    /// The HTTP status, for HTTP probes that got an answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The first bytes of the response body (lossy UTF-8; `…` marks a cut).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub snippet: String,
    /// One line for people: what was seen.
    pub detail: String,
}

impl ProbeResult {
    /// A passing result.
    pub(crate) fn healthy(detail: impl Into<String>) -> Self {
        Self {
            healthy: true,
            latency: Duration::ZERO,
            status: None,
            snippet: String::new(),
            detail: detail.into(),
        }
    }

    /// A failing result.
    pub(crate) fn unhealthy(detail: impl Into<String>) -> Self {
        Self {
            healthy: false,
            ..Self::healthy(detail)
        }
    }

    /// The result of an HTTP answer: healthy on 2xx; the detail names the status and, when
    /// it is not a success, what the body said.
    pub(crate) fn of_http(status: hyper::StatusCode, body: &[u8]) -> Self {
        let snippet = snippet_of(body);
        let mut detail = status_line(status);
        if !status.is_success() && !snippet.is_empty() {
            detail.push_str(": ");
            detail.push_str(&snippet);
        }
        Self {
            healthy: status.is_success(),
            latency: Duration::ZERO,
            status: Some(status.as_u16()),
            snippet,
            detail,
        }
    }
}

/// `503 Service Unavailable`.
pub(crate) fn status_line(status: hyper::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The first [`SNIPPET_BYTES`] of `body` as trimmed, lossy UTF-8, with `…` when cut.
pub(crate) fn snippet_of(body: &[u8]) -> String {
    let cut = body.len() > SNIPPET_BYTES;
    let head = &body[..body.len().min(SNIPPET_BYTES)];
    let mut s = String::from_utf8_lossy(head).trim().to_string();
    if cut {
        s.push('…');
    }
    s
}

/// `250ms`, `5s`, `1.5s`: durations as people write them.
pub(crate) fn humanize(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{}s", d.as_millis() as f64 / 1000.0)
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_detail_names_status_and_body_of_failures_only() {
        let bad = ProbeResult::of_http(
            hyper::StatusCode::SERVICE_UNAVAILABLE,
            br#"{"status":"starting"}"#,
        );
        assert!(!bad.healthy);
        assert_eq!(bad.status, Some(503));
        assert_eq!(
            bad.detail,
            r#"503 Service Unavailable: {"status":"starting"}"#
        );
        let good = ProbeResult::of_http(hyper::StatusCode::OK, b"ok\n");
        assert!(good.healthy);
        assert_eq!(good.detail, "200 OK");
        assert_eq!(good.snippet, "ok");
    }

    #[test]
    fn snippet_is_cut_lossily() {
        let body = vec![b'x'; 500];
        let s = snippet_of(&body);
        assert_eq!(s.chars().filter(|c| *c == 'x').count(), SNIPPET_BYTES);
        assert!(s.ends_with('…'));
        assert_eq!(snippet_of(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(humanize(Duration::from_millis(250)), "250ms");
        assert_eq!(humanize(Duration::from_secs(5)), "5s");
        assert_eq!(humanize(Duration::from_millis(1500)), "1.5s");
    }
}
