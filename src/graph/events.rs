//! [`Event`]: the one interface between the executor and everything that shows progress.
//!
//! The executor and the tasks emit events through an [`Emitter`] into an [`EventSink`] (a
//! callback). Terminal progress, NDJSON output, the stored report and the RPC event
//! stream are all consumers; none of them is known to the executor. Events serialize as
//! flat JSON objects tagged by `event` (`{"event":"task_started","run_id":…,…}`).
//!
//! Order guarantees, per run: `run_waiting` (only when the run waits for services another
//! run holds), then `run_started`, and `run_finished` last; for each task,
//! either one `task_skipped`, or `task_started` followed by any number of
//! `task_progressed` / `task_logged` / `task_waiting` / `task_retrying` and then one
//! `task_finished`.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{LogStream, PlanGroup, ResourceClass, RunStatus, TaskKey, TaskStatus, Totals};

/// What a task's progress counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressUnit {
    /// Bytes (a download).
    #[default]
    Bytes,
    /// Steps of work (the units a build compiles).
    Steps,
    /// Milliseconds of a time budget (a health wait's elapsed time of its timeout).
    Millis,
}

impl ProgressUnit {
    /// Whether it is [`Bytes`](Self::Bytes) (the default, left out of the JSON).
    pub fn is_bytes(&self) -> bool {
        *self == ProgressUnit::Bytes
    }
}

/// Identifies one run of a plan (a time-ordered UUID v7).
pub type RunId = Uuid;

/// Receives every event of a run, in order. Called on the executor's task: keep it quick
/// (hand work to a channel if it is not).
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// One thing that happened during a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// The run it belongs to.
    pub run_id: RunId,
    /// Microseconds since the run started.
    pub elapsed_us: u64,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. Task events name the task by key; `task_started` and `task_skipped` also
/// carry its label so a consumer never needs the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// The run waits before it starts: another run holds one of its services.
    RunWaiting {
        /// The service it waits for.
        service: String,
        /// The run holding it.
        holder: String,
    },
    /// The run began.
    RunStarted {
        /// The operation the plan was compiled from (`deploy`, `install`, …).
        operation: String,
        /// How many tasks the plan holds.
        tasks: usize,
        /// Wall-clock start.
        started_at: DateTime<Utc>,
        /// The groups of the plan's tasks (its services), with their sizes; empty when the
        /// plan has none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        groups: Vec<PlanGroup>,
    },
    /// A task began to run (after its cache check said it must).
    TaskStarted {
        /// The task.
        task: TaskKey,
        /// Its kind (`command`, `write_file`, …).
        kind: Cow<'static, str>,
        /// Its label.
        label: Arc<str>,
        /// Its resource class.
        resource: ResourceClass,
        /// Why it runs (`never ran`, `inputs changed`, `/x is missing`, `always runs`).
        reason: String,
        /// Its group (the service it is for), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<Arc<str>>,
    },
    /// A task made progress.
    TaskProgressed {
        /// The task.
        task: TaskKey,
        /// Units done.
        done: u64,
        /// Units in all, when known.
        total: Option<u64>,
        /// What it is doing now.
        message: Option<String>,
        /// What `done` and `total` count (bytes unless said otherwise).
        #[serde(default, skip_serializing_if = "ProgressUnit::is_bytes")]
        unit: ProgressUnit,
    },
    /// A task logged a line.
    TaskLogged {
        /// The task.
        task: TaskKey,
        /// Where the line came from.
        stream: LogStream,
        /// The line, without its newline.
        line: String,
    },
    /// A task waits for something outside the plan (a lock held by another operation).
    TaskWaiting {
        /// The task.
        task: TaskKey,
        /// What it waits for.
        reason: String,
    },
    /// An attempt failed and the task will be tried again after `delay_ms`.
    TaskRetrying {
        /// The task.
        task: TaskKey,
        /// The attempt that failed (1-based).
        attempt: u32,
        /// The backoff before the next attempt.
        delay_ms: u64,
        /// Why the attempt failed.
        error: String,
    },
    /// A task that started has ended.
    TaskFinished {
        /// The task.
        task: TaskKey,
        /// `succeeded`, `failed` or `cancelled`.
        status: TaskStatus,
        /// From start to end, backoffs included.
        duration_ms: f64,
        /// How many attempts it took.
        attempts: u32,
        /// The error and its causes, outermost first (failures only).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        error: Vec<String>,
        /// The log lines that explain a failure.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        log_tail: Vec<String>,
        /// A short summary of what it produced.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
    },
    /// A task did not run: up to date, skipped because a dependency failed or a
    /// fail-fast stop, or cancelled before it started.
    TaskSkipped {
        /// The task.
        task: TaskKey,
        /// Its label.
        label: Arc<str>,
        /// `up_to_date`, `skipped` or `cancelled`.
        status: TaskStatus,
        /// Why (`up to date: outputs unchanged`, `dependency `x` failed`).
        reason: String,
        /// Its group (the service it is for), if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<Arc<str>>,
    },
    /// The run ended; the report is stored and returned to the caller.
    RunFinished {
        /// How the run ended.
        status: RunStatus,
        /// Tasks by status.
        totals: Totals,
        /// Wall time of the run.
        duration_ms: f64,
    },
}

impl EventKind {
    /// The task the event is about, if any.
    pub fn task(&self) -> Option<&TaskKey> {
        match self {
            EventKind::RunWaiting { .. }
            | EventKind::RunStarted { .. }
            | EventKind::RunFinished { .. } => None,
            EventKind::TaskStarted { task, .. }
            | EventKind::TaskProgressed { task, .. }
            | EventKind::TaskLogged { task, .. }
            | EventKind::TaskWaiting { task, .. }
            | EventKind::TaskRetrying { task, .. }
            | EventKind::TaskFinished { task, .. }
            | EventKind::TaskSkipped { task, .. } => Some(task),
        }
    }
}

/// Stamps events with the run id and elapsed time and hands them to the sink. Cheap to
/// clone; every task context holds one.
#[derive(Clone)]
pub struct Emitter {
    inner: Arc<EmitterInner>,
}

struct EmitterInner {
    run_id: RunId,
    started: Instant,
    sink: Option<EventSink>,
}

impl Emitter {
    /// An emitter for run `run_id`, starting its clock now.
    pub fn new(run_id: RunId, sink: EventSink) -> Self {
        Self {
            inner: Arc::new(EmitterInner {
                run_id,
                started: Instant::now(),
                sink: Some(sink),
            }),
        }
    }

    /// An emitter whose events go nowhere.
    pub fn discard() -> Self {
        Self {
            inner: Arc::new(EmitterInner {
                run_id: Uuid::nil(),
                started: Instant::now(),
                sink: None,
            }),
        }
    }

    /// The run id.
    pub fn run_id(&self) -> RunId {
        self.inner.run_id
    }

    /// When the run's clock started.
    pub fn started(&self) -> Instant {
        self.inner.started
    }

    /// Emits one event.
    pub fn emit(&self, kind: EventKind) {
        if let Some(sink) = &self.inner.sink {
            let elapsed_us =
                u64::try_from(self.inner.started.elapsed().as_micros()).unwrap_or(u64::MAX);
            sink(&Event {
                run_id: self.inner.run_id,
                elapsed_us,
                kind,
            });
        }
    }
}
