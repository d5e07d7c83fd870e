//! [`serve`]: the HTTP server on the daemon's unix socket.
//!
//! Routes (the Hero standard endpoints, plus the event stream):
//!
//! | route | what |
//! |---|---|
//! | `POST /rpc` | JSON-RPC 2.0: single requests, batches, notifications |
//! | `GET /openrpc.json` | the OpenRPC document |
//! | `GET /health` | `{"status":"ok",…}` |
//! | `GET /.well-known/heroservice.json` | the Hero discovery manifest |
//! | `GET /executions/{id}/events` | a run's events as NDJSON, live until it ends |
//! | `GET /services/{name}/logs/follow[?catalog=C]` | new log lines of a service's processes as NDJSON |
//!
//! Every connection's peer is checked (`SO_PEERCRED`): only the daemon's own uid and root
//! are served; anyone else gets a 403 and the connection is closed. Request bodies are
//! limited to [`MAX_BODY`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

use super::jsonrpc::{RpcError, codes, failure, handle_body};
use super::methods;
use crate::daemon::Daemon;

/// The largest request body accepted (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;
/// How long in-flight requests (long polls, streams) get to finish after shutdown.
const DRAIN: Duration = Duration::from_secs(5);

/// The OpenRPC document.
pub const OPENRPC: &str = include_str!("../../openrpc/hero_svc.openrpc.json");

/// Serves the API on `listener` until `shutdown` resolves; in-flight requests then get a
/// few seconds to finish.
pub async fn serve(
    listener: UnixListener,
    daemon: Arc<Daemon>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(daemon);
    let stop = CancellationToken::new();
    let trigger = stop.clone();
    let listener = PeerCheckedListener::new(listener);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        trigger.cancel();
    });
    let drained = async {
        stop.cancelled().await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::select! {
        r = server.into_future() => r,
        () = drained => Ok(()),
    }
}

/// The routes, on shared daemon state.
pub fn router(daemon: Arc<Daemon>) -> Router {
    Router::new()
        .route("/rpc", post(rpc))
        .route("/openrpc.json", get(openrpc))
        .route("/health", get(health))
        .route("/.well-known/heroservice.json", get(heroservice))
        .route("/executions/{id}/events", get(event_stream))
        .route("/services/{name}/logs/follow", get(follow_logs))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(daemon)
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

async fn rpc(State(daemon): State<Arc<Daemon>>, body: Result<Bytes, BytesRejection>) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let error = RpcError::new(
                codes::INVALID_REQUEST,
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    format!("the request body is larger than {MAX_BODY} bytes")
                } else {
                    format!("the request body could not be read: {rejection}")
                },
            );
            return json_response(status, &failure(Value::Null, error));
        }
    };
    let dispatch = |req| methods::dispatch(daemon.clone(), req);
    match handle_body(&body, dispatch).await {
        Some(answer) => json_response(StatusCode::OK, &answer),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn openrpc() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENRPC).into_response()
}

async fn health(State(daemon): State<Arc<Daemon>>) -> Response {
    json_response(StatusCode::OK, &methods::rpc::health_value(&daemon))
}

async fn heroservice() -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "protocol": "openrpc",
            "name": "hero_svc",
            "title": "Hero Service Manager",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Builds, installs, starts, stops, checks and upgrades the services of the Hero stack",
            "socket": "rpc",
        }),
    )
}

async fn event_stream(State(daemon): State<Arc<Daemon>>, Path(id): Path<String>) -> Response {
    let Some(execution) = id.parse().ok().and_then(|id| daemon.executions().get(&id)) else {
        let error = RpcError::new(codes::UNKNOWN_EXECUTION, format!("no execution `{id}`"));
        return json_response(StatusCode::NOT_FOUND, &json!({ "error": error }));
    };
    let stream = futures::stream::unfold(
        (execution, 0usize, false),
        |(exec, cursor, done)| async move {
            if done {
                return None;
            }
            let page = exec.wait_events(cursor, Duration::from_secs(15)).await;
            let mut chunk = String::new();
            for e in &page.events {
                if let Ok(line) = serde_json::to_string(e) {
                    chunk.push_str(&line);
                    chunk.push('\n');
                }
            }
            let done = page.finished && page.next_cursor >= cursor + page.events.len();
            Some((
                Ok::<_, std::convert::Infallible>(Bytes::from(chunk)),
                (exec, page.next_cursor, done),
            ))
        },
    );
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response()
}

/// `?catalog=` of the log stream (the daemon's default catalog when absent).
#[derive(serde::Deserialize)]
struct CatalogQuery {
    catalog: Option<String>,
}

async fn follow_logs(
    State(daemon): State<Arc<Daemon>>,
    Path(name): Path<String>,
    Query(query): Query<CatalogQuery>,
) -> Response {
    use crate::supervisor::Supervisor;
    use futures::StreamExt;

    let svc = match daemon
        .catalog(query.catalog.as_deref())
        .and_then(|c| c.get(&name))
    {
        Ok(s) => s.clone(),
        Err(e) => {
            let error = methods::service::catalog_error(e);
            return json_response(StatusCode::NOT_FOUND, &json!({ "error": error }));
        }
    };
    let mut streams = Vec::new();
    for bin in svc.binaries().into_iter().filter(|b| b.runs()) {
        if let Ok(lines) = daemon.supervisor().follow(&bin.name).await {
            let process = bin.name.clone();
            streams.push(lines.map(move |line| {
                let mut s = json!({ "process": process, "line": line }).to_string();
                s.push('\n');
                Ok::<_, std::convert::Infallible>(Bytes::from(s))
            }));
        }
    }
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(futures::stream::select_all(streams)),
    )
        .into_response()
}

/// Accepts only peers with the daemon's uid (or root), checked with `SO_PEERCRED`.
struct PeerCheckedListener {
    inner: UnixListener,
    uid: u32,
}

impl PeerCheckedListener {
    fn new(inner: UnixListener) -> Self {
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        Self { inner, uid }
    }
}

impl axum::serve::Listener for PeerCheckedListener {
    type Io = UnixStream;
    type Addr = tokio::net::unix::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match stream.peer_cred() {
                Ok(cred) if cred.uid() == self.uid || cred.uid() == 0 => return (stream, addr),
                Ok(cred) => {
                    tracing::warn!(uid = cred.uid(), "refused a connection from another user");
                    tokio::spawn(refuse(stream, cred.uid(), self.uid));
                }
                Err(e) => tracing::warn!(error = %e, "could not read peer credentials"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// Answers a refused peer with a 403 and closes.
async fn refuse(mut stream: UnixStream, peer: u32, owner: u32) {
    let body = failure(
        Value::Null,
        RpcError::new(
            codes::PERMISSION_DENIED,
            format!(
                "connection refused: uid {peer} is not the daemon's owner (uid {owner}) or root"
            ),
        ),
    )
    .to_string();
    let response = format!(
        "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
