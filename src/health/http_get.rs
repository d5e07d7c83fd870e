//! One HTTP/1.1 `GET` over an already connected stream (a unix socket or loopback TCP).
//!
//! Deliberately minimal: no pooling, no redirects, no TLS. The connection is driven by a
//! task that is aborted when the request is done or dropped, so a hung server leaves
//! nothing behind.

use http_body_util::BodyExt;
use hyper::body::Bytes;
use hyper::header::{HOST, USER_AGENT};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::task::AbortOnDropHandle;

/// Why a `GET` got no complete answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpGetError {
    /// The request could not be built (an invalid path).
    #[error("invalid request")]
    Request(#[source] hyper::http::Error),
    /// The exchange failed (the server closed the connection, sent garbage, …).
    #[error("{0}")]
    Http(#[from] hyper::Error),
}

/// What a server answered.
pub(crate) struct HttpAnswer {
    /// The status.
    pub status: StatusCode,
    /// The body, at most the limit asked for.
    pub body: Vec<u8>,
    /// The body was longer than the limit.
    pub truncated: bool,
}

/// Sends `GET path` with `Host: host` over `stream` and reads at most `limit` bytes of the
/// body.
pub(crate) async fn http_get<S>(
    stream: S,
    host: &str,
    path: &str,
    limit: usize,
) -> Result<HttpAnswer, HttpGetError>
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let _conn = AbortOnDropHandle::new(tokio::spawn(conn));
    let request = Request::get(path)
        .header(HOST, host)
        .header(USER_AGENT, concat!("hero_svc/", env!("CARGO_PKG_VERSION")))
        .body(http_body_util::Empty::<Bytes>::new())
        .map_err(HttpGetError::Request)?;
    let response = sender.send_request(request).await?;
    let status = response.status();
    let mut body = response.into_body();
    let mut bytes = Vec::new();
    let mut truncated = false;
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        if let Some(data) = frame.data_ref() {
            let room = limit.saturating_sub(bytes.len());
            if data.len() > room {
                bytes.extend_from_slice(&data[..room]);
                truncated = true;
                break;
            }
            bytes.extend_from_slice(data);
        }
    }
    Ok(HttpAnswer {
        status,
        body: bytes,
        truncated,
    })
}
