//! Real HTTP/1.1 servers on a unix socket or a loopback TCP listener, answering from a
//! closure: stand-ins for a Hero service's `/health`, `/openrpc.json`, … endpoints.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};
use tokio_util::task::AbortOnDropHandle;

/// Answers a request path with a status and a body.
pub type Handler = Arc<dyn Fn(&str) -> (u16, String) + Send + Sync>;

/// A handler from a closure.
pub fn handler(f: impl Fn(&str) -> (u16, String) + Send + Sync + 'static) -> Handler {
    Arc::new(f)
}

/// A running server; stops (and drops its listener) when dropped.
pub struct TestServer {
    _accept: AbortOnDropHandle<()>,
}

/// Serves `handler` on `listener`.
pub fn serve_unix(listener: UnixListener, handler: Handler) -> TestServer {
    let accept = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_connection(stream, handler.clone()));
        }
    });
    TestServer {
        _accept: AbortOnDropHandle::new(accept),
    }
}

/// Serves `handler` on `listener`.
pub fn serve_tcp(listener: TcpListener, handler: Handler) -> TestServer {
    let accept = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_connection(stream, handler.clone()));
        }
    });
    TestServer {
        _accept: AbortOnDropHandle::new(accept),
    }
}

async fn serve_connection<S>(stream: S, handler: Handler)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
        let (status, body) = handler(req.uri().path());
        async move {
            Ok::<_, Infallible>(
                Response::builder()
                    .status(status)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .unwrap(),
            )
        }
    });
    let _ = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
