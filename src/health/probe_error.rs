//! [`ProbeError`]: a probe that can never pass because it is written wrong.

/// Why a [`Probe`](super::Probe) is invalid. Found before anything is sent, so a wait on
/// it fails at once instead of polling until its deadline.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// An HTTP path that does not start with `/`.
    #[error("http path `{path}` must start with `/`")]
    RelativePath {
        /// The path given.
        path: String,
    },
    /// A URL that does not parse.
    #[error("`{url}` is not a valid url")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What the parser said.
        #[source]
        source: hyper::http::uri::InvalidUri,
    },
    /// A URL that is not plain `http://`.
    #[error("`{url}` is not an http:// url: only plain http on loopback is probed")]
    UnsupportedScheme {
        /// The URL given.
        url: String,
    },
    /// A URL whose host is not a loopback address.
    #[error("`{url}` does not point at loopback: use 127.0.0.1, ::1 or localhost")]
    NotLoopback {
        /// The URL given.
        url: String,
    },
    /// An empty TCP address.
    #[error("the tcp address is empty: give host:port")]
    EmptyAddress,
    /// An exec probe without a program.
    #[error("the exec probe has no program: give its argv")]
    EmptyCommand,
}
