//! `execution.*`: the runs the daemon started — list, report, events, cancel.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::daemon::{Daemon, EventsPage, ExecutionSummary};
use crate::graph::{ExecutionReport, RunId};
use crate::rpc::jsonrpc::{RpcError, codes};

/// The longest long poll.
const MAX_WAIT_MS: u64 = 60_000;

fn unknown(id: &RunId) -> RpcError {
    RpcError::new(
        codes::UNKNOWN_EXECUTION,
        format!("no execution `{id}` (it never ran here, or its record is gone)"),
    )
}

fn store_error(e: crate::state::StateError) -> RpcError {
    RpcError::internal(format!("the state store failed: {e}"))
}

/// Params of `execution.list`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// At most this many (newest first; default 50).
    #[serde(default = "default_limit")]
    pub limit: usize,
}

fn default_limit() -> usize {
    50
}

/// The summary of a run recorded in the store (a past run, or one the previous daemon
/// did not finish).
fn recorded_summary(r: crate::state::RunRecord) -> Option<ExecutionSummary> {
    let duration_ms = r
        .ended_at
        .filter(|_| r.status != "interrupted")
        .map(|end| (end - r.started_at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
    Some(ExecutionSummary {
        id: r.run_id.parse().ok()?,
        operation: r.operation,
        services: r.services,
        last_finished: r.last_finished.filter(|_| r.status == "interrupted"),
        status: r.status,
        started_at: r.started_at,
        duration_ms,
    })
}

/// Whether the store knows run `id` (its report, or its record).
fn is_past_run(daemon: &Daemon, id: &RunId) -> Result<bool, RpcError> {
    Ok(ExecutionReport::load(daemon.store(), id)
        .map_err(store_error)?
        .is_some()
        || daemon
            .store()
            .run(&id.to_string())
            .map_err(store_error)?
            .is_some())
}

/// `execution.list`: running and past runs, newest first.
pub async fn list(daemon: Arc<Daemon>, p: ListParams) -> Result<Vec<ExecutionSummary>, RpcError> {
    let mut out = daemon.executions().list();
    let mut seen: HashSet<RunId> = out.iter().map(|e| e.id).collect();
    for r in daemon.store().runs(p.limit).map_err(store_error)? {
        if let Some(summary) = recorded_summary(r)
            && seen.insert(summary.id)
        {
            out.push(summary);
        }
    }
    for r in daemon.store().reports(p.limit).map_err(store_error)? {
        if !seen.insert(r.run_id) {
            continue;
        }
        out.push(ExecutionSummary {
            id: r.run_id,
            operation: r.operation,
            services: Vec::new(),
            last_finished: None,
            status: r.status,
            started_at: chrono::DateTime::parse_from_rfc3339(&r.started_at)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_default(),
            duration_ms: Some(r.duration_ms),
        });
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.id));
    out.truncate(p.limit);
    Ok(out)
}

/// Params naming one run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdParams {
    /// The run id.
    pub id: RunId,
}

/// Result of `execution.get`.
#[derive(Debug, Serialize)]
pub struct GetResult {
    /// The run.
    pub execution: ExecutionSummary,
    /// Its report, once it is over.
    pub report: Option<ExecutionReport>,
}

/// `execution.get`: a run's state and, once over, its report.
pub async fn get(daemon: Arc<Daemon>, p: IdParams) -> Result<GetResult, RpcError> {
    if let Some(e) = daemon.executions().get(&p.id) {
        return Ok(GetResult {
            execution: e.summary(),
            report: e.report().cloned(),
        });
    }
    let recorded = daemon
        .store()
        .run(&p.id.to_string())
        .map_err(store_error)?
        .and_then(recorded_summary);
    let Some(report) = ExecutionReport::load(daemon.store(), &p.id).map_err(store_error)? else {
        // A run with no report: the previous daemon never finished it.
        return recorded
            .map(|execution| GetResult {
                execution,
                report: None,
            })
            .ok_or_else(|| unknown(&p.id));
    };
    if let Some(execution) = recorded {
        return Ok(GetResult {
            execution,
            report: Some(report),
        });
    }
    Ok(GetResult {
        execution: ExecutionSummary {
            id: report.run_id,
            operation: report.operation.clone(),
            services: Vec::new(),
            last_finished: None,
            status: crate::daemon::status_name(report.status),
            started_at: report.started_at,
            duration_ms: Some(report.duration_ms),
        },
        report: Some(report),
    })
}

/// Params of `execution.events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsParams {
    /// The run id.
    pub id: RunId,
    /// The first event to return (0 = from the start; pass back `next_cursor`).
    #[serde(default)]
    pub cursor: usize,
    /// When there is no event yet, wait up to this long for one (max 60 000).
    #[serde(default)]
    pub wait_ms: u64,
}

/// `execution.events`: events since a cursor, optionally as a long poll.
pub async fn events(daemon: Arc<Daemon>, p: EventsParams) -> Result<EventsPage, RpcError> {
    let Some(e) = daemon.executions().get(&p.id) else {
        // A past run: its events are gone, its report is not.
        if is_past_run(&daemon, &p.id)? {
            return Ok(EventsPage {
                events: Vec::new(),
                next_cursor: p.cursor,
                finished: true,
                dropped: 0,
            });
        }
        return Err(unknown(&p.id));
    };
    let wait = Duration::from_millis(p.wait_ms.min(MAX_WAIT_MS));
    Ok(e.wait_events(p.cursor, wait).await)
}

/// Result of `execution.cancel`.
#[derive(Debug, Serialize)]
pub struct CancelResult {
    /// The run.
    pub id: RunId,
    /// False when the run was already over.
    pub cancelled: bool,
}

/// `execution.cancel`: cancels a running run.
pub async fn cancel(daemon: Arc<Daemon>, p: IdParams) -> Result<CancelResult, RpcError> {
    if let Some(e) = daemon.executions().get(&p.id) {
        let running = !e.is_finished();
        e.cancel();
        return Ok(CancelResult {
            id: p.id,
            cancelled: running,
        });
    }
    if is_past_run(&daemon, &p.id)? {
        return Ok(CancelResult {
            id: p.id,
            cancelled: false,
        });
    }
    Err(unknown(&p.id))
}
