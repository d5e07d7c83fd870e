//! [`Executions`]: the runs the daemon started, their live event logs and their reports.
//!
//! Each run gets an [`Execution`]: it records every event (for `execution.events`
//! long-polls and the NDJSON stream), holds the cancellation token, and keeps the report
//! once the run is over. Finished runs stay in memory for a while; older ones are read back
//! from the state store.
//!
//! A run on services is recorded in the store when it starts (with its catalog and
//! services), its last finished task is noted as it goes (at most every
//! [`JOURNAL_EVERY`]), and its end is recorded when it ends — so a run killed with the
//! daemon leaves a trace the next daemon marks `interrupted`. An upgrade also records what
//! it promised ([`PendingUpgrade`]) until it ends. A run whose executor panics (a bug)
//! still ends: failed, with the panic's message.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde::Serialize;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use super::ServiceLocks;
use crate::graph::{
    Event, EventKind, EventSink, ExecutionReport, RunId, RunRequest, RunStatus, TaskStatus,
    panic_message,
};
use crate::state::{OpRecord, PendingUpgrade, RunRecord};
use crate::tasks::{Executor, Plan};

/// Events kept per execution before log lines and progress updates are dropped (other
/// events are always kept).
const MAX_EVENTS: usize = 50_000;
/// Finished executions kept in memory.
const KEEP_FINISHED: usize = 64;
/// A run's last finished task is written to the store at most this often.
pub const JOURNAL_EVERY: Duration = Duration::from_millis(20);

/// What a run is about: the services it acts on (in their catalog), whether it takes their
/// locks, and the upgrades it promises to verify.
#[derive(Clone, Debug, Default)]
pub struct RunScope {
    /// The catalog of the services.
    pub catalog: String,
    /// The services, in dependency order.
    pub services: Vec<String>,
    /// Take the services' locks before running (operations that change them).
    pub locks: Option<ServiceLocks>,
    /// Upgrades in flight, recorded at the start and cleared at the end.
    pub pending_upgrades: Vec<PendingUpgrade>,
    /// What the run is given besides its plan (the lock file), for its report.
    pub inputs: std::collections::BTreeMap<String, String>,
}

/// One run started by the daemon.
pub struct Execution {
    id: RunId,
    operation: String,
    services: Vec<String>,
    started_at: DateTime<Utc>,
    /// The last task that finished (its label), and whether it changed since it was
    /// written to the store.
    last_finished: Mutex<(Option<String>, bool)>,
    /// Wakes the run's journal when `last_finished` changed.
    progressed: tokio::sync::Notify,
    cancel: CancellationToken,
    log: Mutex<EventLog>,
    changed: watch::Sender<u64>,
    report: OnceLock<ExecutionReport>,
    plan: Arc<Plan>,
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
    /// The services it is about (empty when not recorded).
    #[serde(default)]
    pub services: Vec<String>,
    /// `running`, or how it ended (`succeeded`, `failed`, `cancelled`, `interrupted`).
    pub status: String,
    /// The last task that finished, for a run that was interrupted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_finished: Option<String>,
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

    /// The plan it runs (what a picture of the run draws before its report exists).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The services it acts on, in dependency order (empty for a run without a scope).
    pub fn services(&self) -> &[String] {
        &self.services
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
        if let EventKind::TaskFinished { task, status, .. } = &event.kind {
            let mut last = self.last_finished.lock().unwrap_or_else(|e| e.into_inner());
            *last = (
                Some(format!("{task} ({})", task_status_name(*status))),
                true,
            );
            self.progressed.notify_one();
        }
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
            services: self.services.clone(),
            status: report.map_or("running".to_string(), |r| status_name(r.status)),
            last_finished: None,
            started_at: self.started_at,
            duration_ms: report.map(|r| r.duration_ms),
        }
    }

    /// The last finished task, if it changed since the last call.
    fn take_progress(&self) -> Option<String> {
        let mut last = self.last_finished.lock().unwrap_or_else(|e| e.into_inner());
        if !last.1 {
            return None;
        }
        last.1 = false;
        last.0.clone()
    }
}

fn task_status_name(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Succeeded => "succeeded",
        TaskStatus::Failed => "failed",
        TaskStatus::Cancelled => "cancelled",
        TaskStatus::Skipped => "skipped",
        TaskStatus::UpToDate => "up to date",
    }
}

/// `succeeded`, `failed`, `cancelled`, `interrupted`.
pub fn status_name(status: RunStatus) -> String {
    status.as_str().to_string()
}

/// The operation-log record of `service` in the run that produced `report`: its start,
/// wall time, status, and the first failed task's error.
pub fn op_record(service: &str, report: &ExecutionReport) -> OpRecord {
    let error = report
        .tasks
        .iter()
        .find(|t| t.status == TaskStatus::Failed)
        .map(|t| format!("{}: {}", t.key, t.error.join(": ")));
    OpRecord {
        service: service.to_string(),
        operation: report.operation.clone(),
        started_at: report.started_at,
        duration_ms: report.duration_ms,
        result: report.status.as_str().to_string(),
        error,
        report_id: Some(report.run_id),
    }
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

    /// Like [`start`](Self::start), for an operation on the services of `scope`: the run is
    /// recorded in the store as it starts and as it ends; with locks, it first takes the
    /// services' locks (waiting, with a `run_waiting` event, while another run holds one),
    /// and when it is over it appends one record per service to the operation log.
    pub fn start_on(
        &self,
        executor: &Executor,
        plan: Plan,
        operation: &str,
        scope: Option<RunScope>,
        also: Option<EventSink>,
    ) -> Arc<Execution> {
        let (changed, _) = watch::channel(0);
        let plan = Arc::new(plan);
        let execution = Arc::new(Execution {
            id: Uuid::now_v7(),
            operation: operation.to_string(),
            services: scope
                .as_ref()
                .map(|s| s.services.clone())
                .unwrap_or_default(),
            started_at: Utc::now(),
            last_finished: Mutex::new((None, false)),
            progressed: tokio::sync::Notify::new(),
            cancel: CancellationToken::new(),
            log: Mutex::new(EventLog::default()),
            changed,
            report: OnceLock::new(),
            plan: plan.clone(),
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
        let store = executor.store().clone();
        let run_id = execution.id.to_string();
        if let Some(scope) = &scope {
            let record = RunRecord {
                run_id: run_id.clone(),
                operation: operation.to_string(),
                catalog: scope.catalog.clone(),
                services: scope.services.clone(),
                started_at: execution.started_at,
                status: "running".to_string(),
                last_finished: None,
                ended_at: None,
            };
            if let Err(e) = store.start_run(&record) {
                tracing::warn!(error = %e, run = %run_id, "could not record the run's start");
            }
            for pending in &scope.pending_upgrades {
                let pending = PendingUpgrade {
                    run_id: run_id.clone(),
                    ..pending.clone()
                };
                if let Err(e) = store.save_pending_upgrade(&pending) {
                    tracing::warn!(error = %e, service = %pending.service, "could not record the upgrade in flight");
                }
            }
        }
        let exec = execution.clone();
        let sink: EventSink = Arc::new(move |e: &Event| {
            exec.record(e);
            if let Some(also) = &also {
                also(e);
            }
        });
        let mut request = RunRequest::new(operation)
            .sink(sink)
            .cancel(execution.cancel.clone())
            .run_id(execution.id);
        if let Some(scope) = &scope {
            request.inputs = scope.inputs.clone();
        }
        let executor = executor.clone();
        let exec = execution.clone();
        self.tracker.spawn(async move {
            let guard = match scope.as_ref().and_then(|s| s.locks.clone().map(|l| (s, l))) {
                Some((scope, locks)) => {
                    let id = exec.id.to_string();
                    let waiting = exec.clone();
                    Some(
                        locks
                            .acquire(&id, &scope.services, |service, holder| {
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
            let started = std::time::Instant::now();
            // The journal writes the last finished task as it changes, beside the run (not
            // in the executor's loop, so a dependent's start never waits for a write).
            let journal = scope.is_some().then(|| {
                let (exec, store, run_id) = (exec.clone(), store.clone(), run_id.clone());
                tokio::spawn(async move {
                    loop {
                        exec.progressed.notified().await;
                        if let Some(last) = exec.take_progress() {
                            let _ = store.note_run_progress(&run_id, &last);
                        }
                        tokio::time::sleep(JOURNAL_EVERY).await;
                    }
                })
            });
            let outcome = std::panic::AssertUnwindSafe(executor.run(&plan, request))
                .catch_unwind()
                .await;
            if let Some(journal) = journal {
                journal.abort();
            }
            let report = match outcome {
                Ok(report) => report,
                Err(panic) => {
                    let why = panic_message(panic.as_ref());
                    tracing::error!(run = %run_id, %why, "the run crashed");
                    let report = ExecutionReport::crashed(
                        exec.id,
                        &exec.operation,
                        exec.started_at,
                        started.elapsed(),
                        &plan,
                        &why,
                    );
                    let _ = report.save(&store);
                    report
                }
            };
            drop(guard);
            if let Some(scope) = &scope {
                if let Some(last) = exec.take_progress() {
                    let _ = store.note_run_progress(&run_id, &last);
                }
                if let Err(e) = store.end_run(&run_id, report.status.as_str()) {
                    tracing::warn!(error = %e, run = %run_id, "could not record the run's end");
                }
                for pending in &scope.pending_upgrades {
                    let _ = store.clear_pending_upgrade(&pending.service, &run_id);
                }
                if scope.locks.is_some() {
                    for name in &scope.services {
                        if let Err(e) = store.append_op(&op_record(name, &report)) {
                            tracing::warn!(error = %e, service = %name, "could not append to the operation log");
                        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateStore;
    use crate::tasks::PlanBuilder;

    #[test]
    fn a_report_becomes_a_record() {
        let store = StateStore::in_memory().unwrap();
        let plan = PlanBuilder::new().build().unwrap();
        let report = ExecutionReport::from_records(
            uuid::Uuid::now_v7(),
            "deploy",
            Utc::now(),
            std::time::Duration::from_millis(30),
            false,
            &plan,
            &[],
        );
        let record = op_record("hero_db", &report);
        store.append_op(&record).unwrap();
        let back = &store.recent_ops("hero_db", 5).unwrap()[0];
        assert_eq!(back.operation, "deploy");
        assert_eq!(back.result, "succeeded");
        assert_eq!(back.report_id, Some(report.run_id));
        assert_eq!(back.error, None);
    }
}
