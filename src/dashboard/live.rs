//! What keeps the pages live: the stack's rows as JSON (the stack page polls them while it
//! is visible), and server-sent event streams of a run's events and of a service's new log
//! lines. The streams are built on the mechanisms the RPC server's NDJSON streams use (a
//! run's event log with its long poll; the supervisor's log follow) and end when the
//! daemon stops. Nothing runs while no page is open.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};
use serde_json::json;

use super::Dashboard;
use super::links::Links;
use super::pages::{error_page, rpc_error_page, stack_rows};
use crate::graph::RunId;
use crate::rpc::methods::service;
use crate::supervisor::Supervisor;

/// How long one long poll of a run's events waits before the stream checks again.
const POLL: Duration = Duration::from_secs(15);
/// How often a quiet stream says it is alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /stack.json`: the stack page's rows.
pub async fn stack_json(State(dashboard): State<Arc<Dashboard>>) -> Response {
    match stack_rows(dashboard.daemon()).await {
        Ok(rows) => axum::Json(json!({ "services": rows })).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "error": e.message })),
        )
            .into_response(),
    }
}

/// `stream` as server-sent events, until it ends or the daemon stops.
fn until_stopped(
    dashboard: &Dashboard,
    stream: impl Stream<Item = SseEvent> + Send + 'static,
) -> Response {
    let stopping = dashboard.daemon().stopping().clone();
    let stream = stream
        .take_until(stopping.cancelled_owned())
        .map(Ok::<_, Infallible>);
    Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

/// `?cursor=` of a run's event stream.
#[derive(serde::Deserialize)]
pub struct CursorQuery {
    #[serde(default)]
    cursor: usize,
}

/// `GET /executions/{id}/sse[?cursor=N]`: the run's events from `N` on (`message` events,
/// each one event as the NDJSON stream writes it), then an `end` event when the run is
/// over.
pub async fn run_events(
    State(dashboard): State<Arc<Dashboard>>,
    links: Links,
    Path(id): Path<String>,
    Query(q): Query<CursorQuery>,
) -> Response {
    let daemon = dashboard.daemon();
    let Some(run_id) = id.parse::<RunId>().ok() else {
        return error_page(
            daemon,
            &links,
            StatusCode::NOT_FOUND,
            "No such execution",
            format!("`{id}` is not an execution id"),
        );
    };
    let Some(execution) = daemon.executions().get(&run_id) else {
        // A past run: nothing more will happen.
        let end = futures::stream::once(async { SseEvent::default().event("end").data("{}") });
        return until_stopped(&dashboard, end);
    };
    let stream = futures::stream::unfold(
        (execution, q.cursor, false),
        |(exec, cursor, done)| async move {
            if done {
                return None;
            }
            let page = exec.wait_events(cursor, POLL).await;
            let mut events: Vec<SseEvent> = page
                .events
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    let data = serde_json::to_string(e).ok()?;
                    Some(SseEvent::default().id((cursor + i).to_string()).data(data))
                })
                .collect();
            let done = page.finished && page.next_cursor >= cursor + page.events.len();
            if done {
                let status = exec
                    .report()
                    .map(|r| r.status.as_str())
                    .unwrap_or("finished");
                events.push(
                    SseEvent::default()
                        .event("end")
                        .data(json!({ "status": status }).to_string()),
                );
            }
            Some((
                futures::stream::iter(events),
                (exec, page.next_cursor, done),
            ))
        },
    )
    .flatten();
    until_stopped(&dashboard, stream)
}

/// `GET /services/{name}/logs/sse`: new log lines of the service's processes, each a
/// `message` event `{"process", "line"}`, until the page leaves.
pub async fn log_events(
    State(dashboard): State<Arc<Dashboard>>,
    links: Links,
    Path(name): Path<String>,
) -> Response {
    let daemon = dashboard.daemon();
    let svc = match daemon.catalog(None).and_then(|c| c.get(&name)) {
        Ok(s) => s.clone(),
        Err(e) => return rpc_error_page(daemon, &links, &service::catalog_error(e)),
    };
    let mut streams = Vec::new();
    for process in daemon.service_shape(svc.as_ref()).process_names.clone() {
        if let Ok(lines) = daemon.supervisor().follow(&process).await {
            streams.push(
                lines
                    .map(move |line| {
                        SseEvent::default()
                            .data(json!({ "process": process, "line": line }).to_string())
                    })
                    .boxed(),
            );
        }
    }
    // Stay open (with keep-alives) even when no process has a log yet.
    streams.push(futures::stream::pending().boxed());
    until_stopped(&dashboard, futures::stream::select_all(streams))
}
