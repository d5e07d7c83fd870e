//! [`ExecutionReport`]: the versioned, serializable summary of one run.
//!
//! Separate from the events: events are the live stream, the report is what is stored in
//! the state store, returned by RPC and printed with `--json`. Its shape is part of the
//! public interface; a change that is not backwards compatible bumps [`REPORT_VERSION`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Plan, PlanTask, RunId, TaskKey, TaskOutcome};
use crate::state::{ReportRow, StateError, StateStore};

/// The version of the report's JSON shape.
pub const REPORT_VERSION: u32 = 1;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Every task succeeded or was up to date.
    Succeeded,
    /// At least one task failed.
    Failed,
    /// The run was cancelled.
    Cancelled,
    /// The daemon running it stopped before it ended (killed, crashed); recorded by the
    /// next daemon, never the outcome of an executor's run.
    Interrupted,
}

impl RunStatus {
    /// The stable lowercase name (`succeeded`, `failed`, `cancelled`, `interrupted`).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Interrupted => "interrupted",
        }
    }

    /// Parses [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        [
            RunStatus::Succeeded,
            RunStatus::Failed,
            RunStatus::Cancelled,
            RunStatus::Interrupted,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// How one task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// It ran and succeeded.
    Succeeded,
    /// It ran and failed (after all its attempts).
    Failed,
    /// It did not run: a dependency failed, or a fail-fast stop.
    Skipped,
    /// It did not need to run: its inputs and outputs were unchanged.
    UpToDate,
    /// It was cancelled, running or before it started.
    Cancelled,
}

impl TaskStatus {
    /// The status as written in reports and progress lines.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Succeeded => "succeeded",
            TaskStatus::Failed => "failed",
            TaskStatus::Skipped => "skipped",
            TaskStatus::UpToDate => "up-to-date",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

/// Tasks counted by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// All tasks of the plan.
    pub total: usize,
    /// Ran and succeeded.
    pub succeeded: usize,
    /// Ran and failed.
    pub failed: usize,
    /// Not run because of a failure.
    pub skipped: usize,
    /// Not run because nothing changed.
    pub up_to_date: usize,
    /// Cancelled.
    pub cancelled: usize,
}

impl Totals {
    fn count(&mut self, status: TaskStatus) {
        match status {
            TaskStatus::Succeeded => self.succeeded += 1,
            TaskStatus::Failed => self.failed += 1,
            TaskStatus::Skipped => self.skipped += 1,
            TaskStatus::UpToDate => self.up_to_date += 1,
            TaskStatus::Cancelled => self.cancelled += 1,
        }
    }
}

/// One task in the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskReport {
    /// Its key.
    pub key: TaskKey,
    /// Its kind.
    pub kind: String,
    /// Its label.
    pub label: String,
    /// How it ended.
    pub status: TaskStatus,
    /// Why it was skipped, up to date or cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The error and its causes, outermost first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error: Vec<String>,
    /// The log lines that explain a failure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_tail: Vec<String>,
    /// When it started, in ms since the run started (absent if it never started).
    pub start_offset_ms: Option<f64>,
    /// How long it took (absent if it never started).
    pub duration_ms: Option<f64>,
    /// How long it was ready but waited for a free slot of its resource class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_ms: Option<f64>,
    /// How many attempts it took.
    pub attempts: u32,
    /// A short summary of what it produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The keys of the tasks it waited for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<TaskKey>,
}

/// One step of the critical path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriticalStep {
    /// The task.
    pub key: TaskKey,
    /// Its label.
    pub label: String,
    /// When it started, in ms since the run started.
    pub start_offset_ms: f64,
    /// How long it took.
    pub duration_ms: f64,
    /// How long it waited for a slot of its resource class after it was ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_ms: Option<f64>,
}

/// The chain of tasks that set the wall time: the task that finished last, the dependency
/// that finished last before it, and so on back to a task with no dependencies. A step that
/// waited for a slot of its resource class (one build at a time) says how long.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CriticalPath {
    /// The sum of the steps' durations and queue waits.
    pub duration_ms: f64,
    /// The steps, first to last.
    pub steps: Vec<CriticalStep>,
}

/// The summary of one run. See the [module docs](self).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecutionReport {
    /// [`REPORT_VERSION`].
    pub version: u32,
    /// The run.
    pub run_id: RunId,
    /// The operation the plan was compiled from.
    pub operation: String,
    /// How the run ended.
    pub status: RunStatus,
    /// Wall-clock start.
    pub started_at: DateTime<Utc>,
    /// Wall-clock end.
    pub finished_at: DateTime<Utc>,
    /// Wall time.
    pub duration_ms: f64,
    /// Tasks by status.
    pub totals: Totals,
    /// Every task, in plan order.
    pub tasks: Vec<TaskReport>,
    /// What set the wall time.
    pub critical_path: CriticalPath,
    /// What the run was given besides its plan, by name (the lock file a `--locked`
    /// operation obeyed and its sha256); empty for most runs.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub inputs: std::collections::BTreeMap<String, String>,
}

/// What the executor knows of one task when the run ends: the raw material of a
/// [`TaskReport`]. Times are offsets from the run's start.
#[derive(Clone, Debug)]
pub struct TaskRecord<O> {
    /// How it ended (`None` while pending).
    pub status: Option<TaskStatus>,
    /// Why it was skipped, up to date or cancelled.
    pub reason: Option<String>,
    /// The error chain.
    pub error: Vec<String>,
    /// The log lines that explain a failure.
    pub log_tail: Vec<String>,
    /// When its last dependency was done (it could have started, had a slot been free).
    pub ready: Option<Duration>,
    /// When it started.
    pub start: Option<Duration>,
    /// When it ended.
    pub end: Option<Duration>,
    /// Attempts made.
    pub attempts: u32,
    /// What it produced.
    pub output: Option<Arc<O>>,
    /// Its failure (or skip) does not fail the run: a fallback recovered it, or it is a
    /// fallback that was not needed.
    pub excused: bool,
}

impl<O> Default for TaskRecord<O> {
    fn default() -> Self {
        Self {
            status: None,
            reason: None,
            error: Vec::new(),
            log_tail: Vec::new(),
            ready: None,
            start: None,
            end: None,
            attempts: 0,
            output: None,
            excused: false,
        }
    }
}

/// Milliseconds with microsecond precision.
pub(crate) fn ms(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

impl ExecutionReport {
    /// Stores the report in `store` (replacing one with the same run id).
    pub fn save(&self, store: &StateStore) -> Result<(), StateError> {
        let json = serde_json::to_string(self).map_err(|source| StateError::Decode {
            what: "report",
            source,
        })?;
        store.save_report(&ReportRow {
            run_id: self.run_id,
            operation: self.operation.clone(),
            status: self.status.as_str().to_string(),
            started_at: self.started_at,
            duration_ms: self.duration_ms,
            json,
        })
    }

    /// The report of run `run_id` stored in `store`.
    pub fn load(store: &StateStore, run_id: &RunId) -> Result<Option<Self>, StateError> {
        store
            .report(run_id)?
            .map(|json| {
                serde_json::from_str(&json).map_err(|source| StateError::Decode {
                    what: "report",
                    source,
                })
            })
            .transpose()
    }

    /// The report of a run of `plan` that crashed before it could report (a bug): every
    /// task *cancelled* with `why`, the run *failed*.
    pub fn crashed<T: PlanTask>(
        run_id: RunId,
        operation: &str,
        started_at: DateTime<Utc>,
        wall: Duration,
        plan: &Plan<T>,
        why: &str,
    ) -> Self {
        let records: Vec<TaskRecord<T::Output>> = (0..plan.len())
            .map(|_| TaskRecord {
                status: Some(TaskStatus::Cancelled),
                reason: Some(format!("the run crashed: {why}")),
                ..TaskRecord::default()
            })
            .collect();
        let mut report =
            Self::from_records(run_id, operation, started_at, wall, false, plan, &records);
        report.status = RunStatus::Failed;
        report
    }

    /// Assembles the report of a run of `plan` from one record per task.
    pub fn from_records<T: PlanTask>(
        run_id: RunId,
        operation: &str,
        started_at: DateTime<Utc>,
        wall: Duration,
        cancelled: bool,
        plan: &Plan<T>,
        records: &[TaskRecord<T::Output>],
    ) -> Self {
        let mut totals = Totals {
            total: plan.len(),
            ..Totals::default()
        };
        let mut tasks = Vec::with_capacity(plan.len());
        for (i, (node, rec)) in plan.nodes().iter().zip(records).enumerate() {
            let status = rec.status.unwrap_or(TaskStatus::Cancelled);
            totals.count(status);
            tasks.push(TaskReport {
                key: node.key.clone(),
                kind: node.kind.to_string(),
                label: node.label.to_string(),
                status,
                reason: rec.reason.clone(),
                error: rec.error.clone(),
                log_tail: rec.log_tail.clone(),
                start_offset_ms: rec.start.map(ms),
                duration_ms: rec.start.zip(rec.end).map(|(s, e)| ms(e.saturating_sub(s))),
                queued_ms: queued(rec).map(ms),
                attempts: rec.attempts,
                output: rec.output.as_ref().and_then(|o| o.summary()),
                after: plan
                    .dependencies(i)
                    .iter()
                    .map(|&d| plan.node(d as usize).key.clone())
                    .collect(),
            });
        }
        let unrecovered = records.iter().any(|r| {
            !r.excused
                && matches!(
                    r.status,
                    None | Some(TaskStatus::Failed | TaskStatus::Skipped | TaskStatus::Cancelled)
                )
        });
        let status = if cancelled {
            RunStatus::Cancelled
        } else if unrecovered {
            RunStatus::Failed
        } else {
            RunStatus::Succeeded
        };
        let finished_at = started_at
            + chrono::Duration::from_std(wall).unwrap_or_else(|_| chrono::Duration::zero());
        Self {
            version: REPORT_VERSION,
            run_id,
            operation: operation.to_string(),
            status,
            started_at,
            finished_at,
            duration_ms: ms(wall),
            totals,
            tasks,
            critical_path: critical_path(plan, records),
            inputs: Default::default(),
        }
    }

    /// The tasks that failed.
    pub fn failed(&self) -> impl Iterator<Item = &TaskReport> {
        self.tasks.iter().filter(|t| t.status == TaskStatus::Failed)
    }

    /// The report of task `key`.
    pub fn task(&self, key: &str) -> Option<&TaskReport> {
        self.tasks.iter().find(|t| t.key.as_str() == key)
    }
}

/// How long a task waited for a slot after it was ready (`None` when it did not wait
/// measurably, under 1 ms).
fn queued<O>(rec: &TaskRecord<O>) -> Option<Duration> {
    let wait = rec.start?.checked_sub(rec.ready?)?;
    (wait >= Duration::from_millis(1)).then_some(wait)
}

/// Walks back from the task that ended last, each time to the dependency that ended last.
fn critical_path<T: PlanTask>(plan: &Plan<T>, records: &[TaskRecord<T::Output>]) -> CriticalPath {
    let ended = |i: usize| records[i].start.zip(records[i].end);
    let mut cur = (0..records.len())
        .filter_map(|i| ended(i).map(|(_, e)| (e, i)))
        .max()
        .map(|(_, i)| i);
    let mut steps = Vec::new();
    let mut total = Duration::ZERO;
    while let Some(i) = cur {
        let Some((start, end)) = ended(i) else { break };
        total += end.saturating_sub(start);
        let node = plan.node(i);
        let waited = queued(&records[i]);
        total += waited.unwrap_or_default();
        steps.push(CriticalStep {
            key: node.key.clone(),
            label: node.label.to_string(),
            start_offset_ms: ms(start),
            duration_ms: ms(end.saturating_sub(start)),
            queued_ms: waited.map(ms),
        });
        cur = plan
            .dependencies(i)
            .iter()
            .filter_map(|&d| ended(d as usize).map(|(_, e)| (e, d as usize)))
            .max()
            .map(|(_, d)| d);
    }
    steps.reverse();
    CriticalPath {
        duration_ms: ms(total),
        steps,
    }
}
