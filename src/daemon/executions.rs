//! [`Executions`]: the runs the daemon started, their live event logs and their reports.
//!
//! Each run gets an [`Execution`]: it records every event (for `execution.events`
//! long-polls and the NDJSON stream), holds the cancellation token, and keeps the report
//! once the run is over. Finished runs stay in memory for a while; older ones are read back
//! from the state store.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use super::ServiceLocks;
use crate::graph::{
    Event, EventKind, EventSink, ExecutionReport, Executor, Plan, RunId, RunRequest, RunStatus,
};
use crate::state::OpRecord;

/// Events kept per execution before log lines and progress updates are dropped (other
/// events are always kept).
const MAX_EVENTS: usize = 50_000;
/// Finished executions kept in memory.
const KEEP_FINISHED: usize = 64;

/// One run started by the daemon.
pub struct Execution {
    id: RunId,
    operation: String,
    started_at: DateTime<Utc>,
    cancel: CancellationToken,
    log: Mutex<EventLog>,
    changed: watch::Sender<u64>,
    report: OnceLock<ExecutionReport>,
}

#[derive(Default)]
struct EventLog {
    events: Vec<Event>,
    dropped: u64,
}

/// A page of events from a cursor.
#[derive(Clone, Debug, Serialize)]
pub struct EventsPage {
    /// The events at and after the cursor.
    pub events: Vec<Event>,
    /// The cursor to ask from next time.
    pub next_cursor: usize,
    /// Whether the run is over (no event will follow).
    pub finished: bool,
    /// Log lines and progress updates not kept because the log was full.
    pub dropped: u64,
}

/// One line of `execution.list`.
#[derive(Clone, Debug, Serialize)]
pub struct ExecutionSummary {
    /// The run.
    pub id: RunId,
    /// Its operation.
    pub operation: String,
    /// `running`, or how it ended.
    pub status: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Its wall time, once over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
}

impl Execution {
    /// The run id.
    pub fn id(&self) -> RunId {
        self.id
    }

    /// The operation.
    pub fn operation(&self) -> &str {
        &self.operation
    }

    /// Cancels the run (running tasks are dropped and clean up; the rest is cancelled).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The report, once the run is over.
    pub fn report(&self) -> Option<&ExecutionReport> {
        self.report.get()
    }

    /// Whether the run is over.
    pub fn is_finished(&self) -> bool {
        self.report.get().is_some()
    }

    fn log(&self) -> MutexGuard<'_, EventLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, event: &Event) {
        {
            let mut log = self.log();
            let bulky = matches!(
                event.kind,
                EventKind::TaskLogged { .. } | EventKind::TaskProgressed { .. }
            );
            if bulky && log.events.len() >= MAX_EVENTS {
                log.dropped += 1;
                return;
            }
            log.events.push(event.clone());
        }
        self.changed.send_modify(|v| *v += 1);
    }

    fn finish(&self, report: ExecutionReport) {
        let _ = self.report.set(report);
        self.changed.send_modify(|v| *v += 1);
    }

    /// The events from `cursor` on, without waiting.
    pub fn events_since(&self, cursor: usize) -> EventsPage {
        // Read `finished` before the events: a run that is over has all its events logged.
        let finished = self.is_finished();
        let log = self.log();
        let events = log
            .events
            .get(cursor..)
            .map(<[Event]>::to_vec)
            .unwrap_or_default();
        EventsPage {
            next_cursor: cursor.max(log.events.len()),
            events,
            finished,
            dropped: log.dropped,
        }
    }

    /// The events from `cursor` on; when there are none yet, waits up to `timeout` for the
    /// next one (a long poll).
    pub async fn wait_events(&self, cursor: usize, timeout: Duration) -> EventsPage {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let page = self.events_since(cursor);
            if !page.events.is_empty() || page.finished {
                return page;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => return self.events_since(cursor),
            }
        }
    }

    /// Waits for the run to end and returns its report.
    pub async fn wait(&self) -> ExecutionReport {
        let mut rx = self.changed.subscribe();
        loop {
            if let Some(r) = self.report.get() {
                return r.clone();
            }
            if rx.changed().await.is_err() {
                // The sender lives in `self`; this cannot happen while we hold `self`.
                tokio::task::yield_now().await;
            }
        }
    }

    /// The summary line of this run.
    pub fn summary(&self) -> ExecutionSummary {
        let report = self.report.get();
        ExecutionSummary {
            id: self.id,
            operation: self.operation.clone(),
            status: report.map_or("running".to_string(), |r| status_name(r.status)),
            started_at: self.started_at,
            duration_ms: report.map(|r| r.duration_ms),
        }
    }
}

/// `succeeded`, `failed`, `cancelled`.
pub fn status_name(status: RunStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The daemon's runs.
#[derive(Default)]
pub struct Executions {
    runs: Mutex<BTreeMap<RunId, Arc<Execution>>>,
    tracker: TaskTracker,
}

impl Executions {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn runs(&self) -> MutexGuard<'_, BTreeMap<RunId, Arc<Execution>>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts running `plan` in the background and returns its handle at once. Events go to
    /// the execution's log and, if given, to `also`.
    pub fn start(
        &self,
        executor: &Executor,
        plan: Plan,
        operation: &str,
        also: Option<EventSink>,
    ) -> Arc<Execution> {
        self.start_on(executor, plan, operation, None, also)
    }

    /// Like [`start`](Self::start), for an operation on `services`: the run first takes
    /// their locks (waiting, with a `run_waiting` event, while another run holds one), and
    /// when it is over appends one record per service to the operation log.
    pub fn start_on(
        &self,
        executor: &Executor,
        plan: Plan,
        operation: &str,
        services: Option<(Vec<String>, ServiceLocks)>,
        also: Option<EventSink>,
    ) -> Arc<Execution> {
        let (changed, _) = watch::channel(0);
        let execution = Arc::new(Execution {
            id: Uuid::now_v7(),
            operation: operation.to_string(),
            started_at: Utc::now(),
            cancel: CancellationToken::new(),
            log: Mutex::new(EventLog::default()),
            changed,
            report: OnceLock::new(),
        });
        {
            let mut runs = self.runs();
            runs.insert(execution.id, execution.clone());
            let finished: Vec<RunId> = runs
                .iter()
                .filter(|(_, e)| e.is_finished())
                .map(|(id, _)| *id)
                .collect();
            for id in finished
                .iter()
                .take(finished.len().saturating_sub(KEEP_FINISHED))
            {
                runs.remove(id);
            }
        }
        let exec = execution.clone();
        let sink: EventSink = Arc::new(move |e: &Event| {
            exec.record(e);
            if let Some(also) = &also {
                also(e);
            }
        });
        let request = RunRequest::new(operation)
            .sink(sink)
            .cancel(execution.cancel.clone())
            .run_id(execution.id);
        let executor = executor.clone();
        let exec = execution.clone();
        self.tracker.spawn(async move {
            let guard = match &services {
                Some((names, locks)) => {
                    let id = exec.id.to_string();
                    let waiting = exec.clone();
                    Some(
                        locks
                            .acquire(&id, names, |service, holder| {
                                waiting.record(&Event {
                                    run_id: waiting.id,
                                    elapsed_us: 0,
                                    kind: EventKind::RunWaiting {
                                        service: service.to_string(),
                                        holder: holder.to_string(),
                                    },
                                });
                            })
                            .await,
                    )
                }
                None => None,
            };
            let report = executor.run(&plan, request).await;
            drop(guard);
            if let Some((names, _)) = &services {
                for name in names {
                    if let Err(e) = executor.store().append_op(&OpRecord::from_report(name, &report)) {
                        tracing::warn!(error = %e, service = %name, "could not append to the operation log");
                    }
                }
            }
            exec.finish(report);
        });
        execution
    }

    /// The run `id`, if it is still in memory.
    pub fn get(&self, id: &RunId) -> Option<Arc<Execution>> {
        self.runs().get(id).cloned()
    }

    /// Every run in memory, newest first.
    pub fn list(&self) -> Vec<ExecutionSummary> {
        self.runs().values().rev().map(|e| e.summary()).collect()
    }

    /// Whether any run is still going.
    pub fn any_running(&self) -> bool {
        self.runs().values().any(|e| !e.is_finished())
    }

    /// Cancels every run.
    pub fn cancel_all(&self) {
        for e in self.runs().values() {
            e.cancel();
        }
    }

    /// Cancels every run and waits until they have all ended (reports stored).
    pub async fn shutdown(&self) {
        self.cancel_all();
        self.tracker.close();
        self.tracker.wait().await;
    }
}
