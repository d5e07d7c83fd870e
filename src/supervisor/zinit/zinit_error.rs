//! [`ZinitError`]: failures talking to a `zinit-server`.

use std::path::PathBuf;
use std::time::Duration;

/// A call to `zinit-server` failed.
#[derive(Debug, thiserror::Error)]
pub enum ZinitError {
    /// Nothing listens on the socket.
    #[error(
        "zinit-server is not running at {}: start it with \
         `zinit-server --config-dir DIR --socket {}`",
        socket.display(),
        socket.display()
    )]
    NotRunning {
        /// The socket that was tried.
        socket: PathBuf,
        /// Why the connection failed.
        #[source]
        source: std::io::Error,
    },
    /// The connection broke while a call was in flight.
    #[error("the connection to zinit-server at {} failed during {method}", socket.display())]
    Io {
        /// The socket.
        socket: PathBuf,
        /// The method being called.
        method: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No answer within the call timeout.
    #[error(
        "zinit-server at {} did not answer {method} within {timeout:?}; is it overloaded or hung?",
        socket.display()
    )]
    Timeout {
        /// The socket.
        socket: PathBuf,
        /// The method being called.
        method: String,
        /// The timeout.
        timeout: Duration,
    },
    /// The answer was not the JSON-RPC the client expects.
    #[error("zinit-server answered {method} with something unexpected: {detail}")]
    Protocol {
        /// The method.
        method: String,
        /// What was wrong.
        detail: String,
    },
    /// zinit-server refused the call.
    #[error("zinit-server refused {method} (code {code}): {message}")]
    Rpc {
        /// The method.
        method: String,
        /// The JSON-RPC error code.
        code: i64,
        /// zinit's message (with its error data, if any).
        message: String,
    },
}

impl ZinitError {
    /// zinit's code for "service not found".
    pub const SERVICE_NOT_FOUND: i64 = -32000;

    /// True when zinit said the service does not exist.
    pub fn is_not_found(&self) -> bool {
        // zinit answers an unknown service with its own code, or (for `service.delete`)
        // with an internal error whose message says so.
        matches!(self, Self::Rpc { code, message, .. }
            if *code == Self::SERVICE_NOT_FOUND || message.starts_with("service not found"))
    }
}
