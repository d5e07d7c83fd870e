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
//! Connections are served within [`ConnectionLimits`] (header and body timeouts, a cap that
//! keeps file descriptors for supervision, peers of another uid refused): see
//! [`connections`](super::connections). Request bodies are limited to [`MAX_BODY`]. Streams
//! end cleanly when the daemon stops. Identical `service.status` calls that arrive together
//! share one computation ([`Coalescer`]): never an answer older than the question.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::net::UnixListener;

use super::connections::{ConnectionLimits, ConnectionStats, serve_unix};
use super::jsonrpc::{RpcError, codes, failure, handle_body};
use super::methods;
use super::request_body::{BodyError, read_body};
use crate::daemon::Daemon;
use crate::util::Coalescer;

/// The largest request body accepted (1 MiB).
pub const MAX_BODY: usize = 1024 * 1024;
/// The OpenRPC document.
pub const OPENRPC: &str = include_str!("../../openrpc/hero_svc.openrpc.json");

/// Serves the API on `listener` within `limits` until `shutdown` resolves: then the
/// daemon's stopping token is cancelled (streams end), and open connections get
/// `limits.drain` to finish.
pub async fn serve(
    listener: UnixListener,
    daemon: Arc<Daemon>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let stopping = daemon.stopping().clone();
    let trigger = stopping.clone();
    tokio::spawn(async move {
        shutdown.await;
        trigger.cancel();
    });
    let stats = ConnectionStats::default();
    let body_timeout = limits.body_timeout;
    let app = router(daemon)
        .layer(Extension(stats.clone()))
        .layer(Extension(BodyTimeout(body_timeout)));
    serve_unix(listener, app, limits, stats, stopping).await
}

/// How long a request body may take to arrive.
#[derive(Clone, Copy)]
struct BodyTimeout(Duration);

/// The routes, on shared daemon state. (The server adds the connection statistics and the
/// body timeout as extensions; without them the defaults apply.)
pub fn router(daemon: Arc<Daemon>) -> Router {
    let reads: Arc<Reads> = Arc::new(Coalescer::new());
    Router::new()
        .route("/rpc", post(rpc))
        .layer(Extension(reads))
        .route("/openrpc.json", get(openrpc))
        .route("/health", get(health))
        .route("/.well-known/heroservice.json", get(heroservice))
        .route("/executions/{id}/events", get(event_stream))
        .route("/services/{name}/logs/follow", get(follow_logs))
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

/// Concurrent identical `service.status` calls answered together (see [`Coalescer`]): a
/// burst of clients polling the stack costs about one status per turn, and no answer is
/// older than its question.
type Reads = Coalescer<Result<Box<serde_json::value::RawValue>, RpcError>>;

/// The methods whose identical concurrent calls share an answer: reads with no effect.
const COALESCED: &[&str] = &["service.status"];

async fn rpc(
    State(daemon): State<Arc<Daemon>>,
    Extension(reads): Extension<Arc<Reads>>,
    timeout: Option<Extension<BodyTimeout>>,
    request: Request<Body>,
) -> Response {
    let limit = timeout.map_or(ConnectionLimits::default().body_timeout, |t| (t.0).0);
    let body = match read_body(request.into_body(), MAX_BODY, limit).await {
        Ok(b) => b,
        Err(e) => {
            let message = match &e {
                BodyError::Unreadable(cause) => format!("{e}: {cause}"),
                _ => e.to_string(),
            };
            let error = RpcError::new(codes::INVALID_REQUEST, message);
            return json_response(e.status(), &failure(Value::Null, error));
        }
    };
    let dispatch = |req: super::jsonrpc::Request| {
        let (daemon, reads) = (daemon.clone(), reads.clone());
        async move {
            if COALESCED.contains(&req.method.as_str()) {
                let key = format!("{}{}", req.method, req.params);
                reads.run(&key, || methods::dispatch(daemon, req)).await
            } else {
                methods::dispatch(daemon, req).await
            }
        }
    };
    match handle_body(&body, dispatch).await {
        Some(answer) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            answer,
        )
            .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

async fn openrpc() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENRPC).into_response()
}

async fn health(
    State(daemon): State<Arc<Daemon>>,
    stats: Option<Extension<ConnectionStats>>,
) -> Response {
    let mut value = methods::rpc::health_value(&daemon).await;
    if let Some(Extension(stats)) = stats {
        value["connections"] = json!({
            "open": stats.open(),
            "busy": stats.busy(),
            "refused": stats.refused(),
            "evicted": stats.evicted(),
        });
    }
    json_response(StatusCode::OK, &value)
}

async fn heroservice(State(daemon): State<Arc<Daemon>>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "protocol": "openrpc",
            "name": daemon.paths().program,
            "title": "Hero Service Manager",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Builds, installs, starts, stops, checks and upgrades the services of the Hero stack",
            "socket": "rpc",
        }),
    )
}

/// How often a stream with nothing to say sends an empty line, so that a client can tell
/// a quiet stream from a dead connection.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long a run's event stream goes on after the daemon began to stop (its runs are
/// cancelled then, so their last events follow at once).
const STOP_GRACE: Duration = Duration::from_millis(750);

/// `stream` until it ends or the daemon stops, then `last` (if any).
fn until_stopped(
    daemon: &Daemon,
    grace: Duration,
    stream: impl futures::Stream<Item = Bytes> + Send + 'static,
    last: Option<Value>,
) -> Body {
    let stopping = daemon.stopping().clone();
    let stopped = async move {
        stopping.cancelled().await;
        tokio::time::sleep(grace).await;
    };
    let tail = futures::stream::iter(last.map(|v| Bytes::from(format!("{v}\n"))));
    let stream = stream.take_until(stopped).chain(tail);
    Body::from_stream(stream.map(Ok::<_, std::convert::Infallible>))
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
            let page = exec.wait_events(cursor, HEARTBEAT).await;
            let mut chunk = String::new();
            for e in &page.events {
                if let Ok(line) = serde_json::to_string(e) {
                    chunk.push_str(&line);
                    chunk.push('\n');
                }
            }
            if chunk.is_empty() {
                chunk.push('\n');
            }
            let done = page.finished && page.next_cursor >= cursor + page.events.len();
            Some((Bytes::from(chunk), (exec, page.next_cursor, done)))
        },
    );
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        until_stopped(&daemon, STOP_GRACE, stream, None),
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
    for process in daemon.service_shape(svc.as_ref()).process_names.clone() {
        if let Ok(lines) = daemon.supervisor().follow(&process).await {
            streams.push(
                lines
                    .map(move |line| {
                        let mut s = json!({ "process": process, "line": line }).to_string();
                        s.push('\n');
                        Bytes::from(s)
                    })
                    .boxed(),
            );
        }
    }
    let heartbeat = futures::stream::unfold((), |()| async {
        tokio::time::sleep(HEARTBEAT).await;
        Some((Bytes::from_static(b"\n"), ()))
    });
    streams.push(heartbeat.boxed());
    let end = json!({ "end": "the daemon is shutting down" });
    (
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        until_stopped(
            &daemon,
            Duration::ZERO,
            futures::stream::select_all(streams),
            Some(end),
        ),
    )
        .into_response()
}
