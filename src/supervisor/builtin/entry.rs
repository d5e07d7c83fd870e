//! [`Entry`]: the builtin supervisor's live record of one process, shared between the
//! public operations and the process's monitor task.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::state::SupervisedRecord;
use crate::supervisor::{ExitReason, ProcessSpec, ProcessState, ProcessStatus};

/// One supervised process.
pub(crate) struct Entry {
    /// Everything that changes, behind a short-held lock (never held across an await).
    rt: Mutex<Runtime>,
    /// Wakes the monitor out of a backoff delay when `stop` is requested.
    pub wake: Notify,
    /// Serializes start / stop / restart / remove of this process.
    pub op: tokio::sync::Mutex<()>,
    /// The monitor task while there is one.
    pub monitor: Mutex<Option<JoinHandle<()>>>,
}

/// The mutable state of a process.
pub(crate) struct Runtime {
    pub spec: ProcessSpec,
    pub state: ProcessState,
    /// False once `stop` was requested or the monitor gave up: no more restarts.
    pub desired_run: bool,
    pub pid: Option<u32>,
    pub start_time: Option<u64>,
    pub started: Option<Instant>,
    pub restart_count: u32,
    pub last_exit: Option<ExitReason>,
    pub backoff: Option<Duration>,
    /// The delay of the next automatic restart.
    pub next_backoff: Duration,
    /// When recent starts happened (for the start limit).
    pub starts: VecDeque<Instant>,
    pub error: Option<String>,
    pub last_log_lines: Vec<String>,
}

impl Entry {
    /// An entry for a process in `rt`'s state.
    pub fn new(rt: Runtime) -> Self {
        Self {
            rt: Mutex::new(rt),
            wake: Notify::new(),
            op: tokio::sync::Mutex::new(()),
            monitor: Mutex::new(None),
        }
    }

    /// Locks the mutable state.
    pub fn rt(&self) -> MutexGuard<'_, Runtime> {
        // Every update leaves the runtime consistent, so a poisoned lock is still usable.
        self.rt.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the monitor slot.
    pub fn monitor(&self) -> MutexGuard<'_, Option<JoinHandle<()>>> {
        self.monitor.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Runtime {
    /// A registered process that is not running.
    pub fn stopped(spec: ProcessSpec, next_backoff: Duration) -> Self {
        Self {
            spec,
            state: ProcessState::Stopped,
            desired_run: false,
            pid: None,
            start_time: None,
            started: None,
            restart_count: 0,
            last_exit: None,
            backoff: None,
            next_backoff,
            starts: VecDeque::new(),
            error: None,
            last_log_lines: Vec::new(),
        }
    }

    /// The public snapshot.
    pub fn status(&self) -> ProcessStatus {
        ProcessStatus {
            name: self.spec.name.clone(),
            state: self.state,
            pid: self.pid,
            uptime: self
                .started
                .filter(|_| self.state == ProcessState::Running)
                .map(|s| s.elapsed()),
            restart_count: self.restart_count,
            last_exit: self.last_exit,
            backoff: self.backoff,
            error: self.error.clone(),
            last_log_lines: self.last_log_lines.clone(),
            warnings: Vec::new(),
        }
    }

    /// What the state store keeps (the spec and the last exit as JSON).
    pub fn record(&self) -> SupervisedRecord {
        SupervisedRecord {
            name: self.spec.name.clone(),
            spec: serde_json::to_string(&self.spec).unwrap_or_default(),
            state: self.state.as_str().to_string(),
            pid: self.pid,
            pgid: self.pid,
            start_time: self.start_time,
            restart_count: self.restart_count,
            last_exit: self.last_exit.and_then(|e| serde_json::to_string(&e).ok()),
        }
    }
}
