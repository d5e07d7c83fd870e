//! [`read_body`]: a request body read whole within a size limit and a time limit — how
//! every route of the daemon's servers that takes a body reads it, so that a client cannot
//! hold a connection with a body that never ends or never arrives.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// It is larger than the limit.
    #[error("the request body is larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// It did not arrive in time.
    #[error("the request body did not arrive within {}s", .within.as_secs_f64())]
    TimedOut {
        /// The time limit.
        within: Duration,
    },
    /// The connection failed while it was read.
    #[error("the request body could not be read")]
    Unreadable(#[source] axum::Error),
}

impl BodyError {
    /// The HTTP status that answers it: 413, 408 or 400.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TimedOut { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Unreadable(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// `body`, whole: at most `max` bytes, arrived within `within`.
pub async fn read_body(body: Body, max: usize, within: Duration) -> Result<Bytes, BodyError> {
    match tokio::time::timeout(within, axum::body::to_bytes(body, max)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Err(BodyError::TooLarge { max })
            } else {
                Err(BodyError::Unreadable(e))
            }
        }
        Err(_) => Err(BodyError::TimedOut { within }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bodies_are_read_within_their_limits() {
        let within = Duration::from_secs(1);
        let ok = read_body(Body::from("abc"), 3, within).await.unwrap();
        assert_eq!(&ok[..], b"abc");
        let big = read_body(Body::from("abcd"), 3, within).await.unwrap_err();
        assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(big.to_string(), "the request body is larger than 3 bytes");
        let never = Body::from_stream(futures::stream::pending::<Result<Bytes, std::io::Error>>());
        let late = read_body(never, 3, Duration::from_millis(20))
            .await
            .unwrap_err();
        assert_eq!(late.status(), StatusCode::REQUEST_TIMEOUT);
    }
}
