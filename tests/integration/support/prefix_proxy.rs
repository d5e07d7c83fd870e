//! A reverse proxy on loopback that serves a unix socket under a path prefix, as the Hero
//! router mounts a service's `admin.sock`: a request for `/hero_svc/admin/x?q` goes to the
//! socket as `/x?q` (with `X-Forwarded-Prefix`), anything outside the prefix is `404`.
//! Bodies are streamed both ways (server-sent events pass), every header is kept. Every
//! request is recorded with the status it got, so a test can tell that a page asked for
//! nothing outside the prefix.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, UnixStream};
use tokio::task::JoinHandle;

type ProxyBody = BoxBody<Bytes, hyper::Error>;

/// A running proxy; it stops when dropped.
pub struct PrefixProxy {
    /// `http://127.0.0.1:PORT/<prefix>/`: the dashboard's address through the proxy.
    pub url: String,
    seen: Arc<Mutex<Vec<(String, u16)>>>,
    server: JoinHandle<()>,
}

impl Drop for PrefixProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn plain(status: StatusCode, text: &str) -> Response<ProxyBody> {
    let body = Full::new(Bytes::from(text.to_string()))
        .map_err(|never| match never {})
        .boxed();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}

/// Forwards `request` to `socket` with `prefix` taken off its path; records it.
async fn forward(
    socket: Arc<PathBuf>,
    prefix: Arc<String>,
    seen: Arc<Mutex<Vec<(String, u16)>>>,
    request: Request<Incoming>,
) -> Result<Response<ProxyBody>, std::convert::Infallible> {
    let asked = request.uri().to_string();
    let response = forward_one(socket, prefix, request).await;
    seen.lock()
        .unwrap()
        .push((asked, response.status().as_u16()));
    Ok(response)
}

async fn forward_one(
    socket: Arc<PathBuf>,
    prefix: Arc<String>,
    mut request: Request<Incoming>,
) -> Response<ProxyBody> {
    let Some(rest) = request.uri().path().strip_prefix(prefix.as_str()) else {
        return plain(StatusCode::NOT_FOUND, "outside the prefix\n");
    };
    let path = format!("/{rest}");
    let target = match request.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path,
    };
    let Ok(uri) = target.parse() else {
        return plain(StatusCode::BAD_REQUEST, "bad path\n");
    };
    *request.uri_mut() = uri;
    if let Ok(value) = prefix.trim_end_matches('/').parse() {
        request.headers_mut().insert("x-forwarded-prefix", value);
    }
    let upstream = async {
        let stream = UnixStream::connect(socket.as_path())
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())
    };
    match upstream.await {
        Ok(response) => response.map(BodyExt::boxed),
        Err(e) => plain(StatusCode::BAD_GATEWAY, &format!("upstream: {e}\n")),
    }
}

impl PrefixProxy {
    /// Serves `socket` under `prefix` (`/hero_svc/admin/`, with its slashes) on a free
    /// loopback port.
    pub async fn start(socket: PathBuf, prefix: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{prefix}", listener.local_addr().unwrap());
        let (socket, prefix) = (Arc::new(socket), Arc::new(prefix.to_string()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (socket, prefix, seen) = (socket.clone(), prefix.clone(), recorded.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        forward(socket.clone(), prefix.clone(), seen.clone(), request)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, seen, server }
    }

    /// Every request so far (path and query as asked) and the status it got; a streamed
    /// answer counts once its head came.
    pub fn requests(&self) -> Vec<(String, u16)> {
        self.seen.lock().unwrap().clone()
    }
}
