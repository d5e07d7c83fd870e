//! [`BuiltinSupervisor`]: the embedded implementation of [`Supervisor`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::entry::{Entry, Runtime};
use super::exit_waiter::ExitWaiter;
use super::monitor::{fail, render, supervise};
use super::{BuiltinConfig, group_kill, log_file, proc_fs, reclaim, spawn};
use crate::state::{StateStore, SupervisedRecord};
use crate::supervisor::{
    LogLines, ProcessSpec, ProcessState, ProcessStatus, Supervisor, SupervisorError,
};

/// How long an operation waits for a monitor task to wind down after its process is gone.
const MONITOR_GRACE: Duration = Duration::from_secs(5);

/// The supervisor that lives in the daemon. Processes outlive it: dropping it (or
/// [`detach`](Self::detach)) stops the supervision, not the processes, and the next
/// [`open`](Self::open) on the same state store adopts them.
pub struct BuiltinSupervisor {
    shared: Arc<Shared>,
    housekeeping: JoinHandle<()>,
}

/// What the supervisor and its monitor tasks share.
pub(crate) struct Shared {
    pub config: BuiltinConfig,
    store: StateStore,
    entries: Mutex<BTreeMap<String, Arc<Entry>>>,
}

impl Shared {
    fn entries(&self) -> MutexGuard<'_, BTreeMap<String, Arc<Entry>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn entry(&self, name: &str) -> Result<Arc<Entry>, SupervisorError> {
        self.entries()
            .get(name)
            .cloned()
            .ok_or_else(|| SupervisorError::UnknownProcess {
                name: name.to_string(),
            })
    }

    /// The log file of process `name`.
    pub fn log_path(&self, name: &str) -> PathBuf {
        log_file::path(&self.config.log_dir, name)
    }

    /// Writes the state of a process to the store. A failed write is logged, not fatal:
    /// supervision goes on, and only adoption after a daemon restart could be affected.
    pub fn persist(&self, rt: &Runtime) {
        if let Err(error) = self.store.save_supervised(&rt.record()) {
            tracing::warn!(process = %rt.spec.name, %error, "could not persist supervisor state");
        }
    }
}

impl BuiltinSupervisor {
    /// Opens the supervisor on `store`: processes recorded as running are adopted when they
    /// still run (same pid *and* start time), and handled by their restart policy when
    /// they died meanwhile. Must be called inside a tokio runtime.
    pub async fn open(config: BuiltinConfig, store: StateStore) -> Result<Self, SupervisorError> {
        std::fs::create_dir_all(&config.log_dir).map_err(|source| SupervisorError::Log {
            path: config.log_dir.clone(),
            source,
        })?;
        let records = store.all_supervised()?;
        let shared = Arc::new(Shared {
            config,
            store,
            entries: Mutex::new(BTreeMap::new()),
        });
        for record in records {
            let name = record.spec.name.clone();
            let entry = adopt(&shared, record);
            shared.entries().insert(name, entry);
        }
        let housekeeping = tokio::spawn(housekeeping(Arc::downgrade(&shared)));
        Ok(Self {
            shared,
            housekeeping,
        })
    }

    /// Stops supervising without touching the processes, as if the daemon had been killed.
    pub fn detach(self) {}

    /// The configuration.
    pub fn config(&self) -> &BuiltinConfig {
        &self.shared.config
    }

    /// Where the log of process `name` is written.
    pub fn log_path(&self, name: &str) -> PathBuf {
        self.shared.log_path(name)
    }

    async fn start_locked(&self, entry: &Arc<Entry>) -> Result<ProcessStatus, SupervisorError> {
        {
            let rt = entry.rt();
            if rt.desired_run && rt.state.is_active() {
                return Ok(rt.status());
            }
        }
        finish_monitor(entry).await;
        let spec = entry.rt().spec.clone();
        if let Err(e) = reclaim::reclaim(&spec).await {
            fail(&self.shared, &mut entry.rt(), render(&e));
            return Err(e);
        }
        let log = self.shared.log_path(&spec.name);
        let _ = log_file::rotate_if_needed(&log, &spec.log);
        let (status, child) = {
            let mut rt = entry.rt();
            let spawned = match spawn::spawn(&rt.spec, &log) {
                Ok(s) => s,
                Err(e) => {
                    fail(&self.shared, &mut rt, render(&e));
                    return Err(e);
                }
            };
            let now = Instant::now();
            rt.state = ProcessState::Running;
            rt.desired_run = true;
            rt.pid = Some(spawned.pid);
            rt.start_time = spawned.start_time;
            rt.started = Some(now);
            rt.restart_count = 0;
            rt.starts = [now].into();
            rt.next_backoff = self.shared.config.backoff_initial;
            rt.backoff = None;
            rt.error = None;
            rt.last_log_lines.clear();
            self.shared.persist(&rt);
            (rt.status(), spawned.child)
        };
        let monitor = tokio::spawn(supervise(
            self.shared.clone(),
            entry.clone(),
            ExitWaiter::Child(child),
        ));
        *entry.monitor() = Some(monitor);
        Ok(status)
    }

    async fn stop_locked(&self, entry: &Arc<Entry>) -> Result<ProcessStatus, SupervisorError> {
        let (name, pgid, start_time, signal, timeout) = {
            let mut rt = entry.rt();
            rt.desired_run = false;
            (
                rt.spec.name.clone(),
                rt.pid,
                rt.start_time,
                rt.spec.stop_signal,
                rt.spec.stop_timeout,
            )
        };
        entry.wake.notify_one();
        if let Some(pgid) = pgid.filter(|&p| proc_fs::group_is_ours(p, start_time)) {
            group_kill::stop_group(pgid, signal, timeout)
                .await
                .map_err(|survivors| SupervisorError::StopTimedOut {
                    name,
                    pgid,
                    survivors,
                })?;
        }
        finish_monitor(entry).await;
        let mut rt = entry.rt();
        rt.state = ProcessState::Stopped;
        rt.pid = None;
        rt.start_time = None;
        rt.started = None;
        rt.backoff = None;
        self.shared.persist(&rt);
        Ok(rt.status())
    }
}

impl Drop for BuiltinSupervisor {
    fn drop(&mut self) {
        self.housekeeping.abort();
        for entry in self.shared.entries().values() {
            if let Some(monitor) = entry.monitor().take() {
                monitor.abort();
            }
        }
    }
}

impl std::fmt::Debug for BuiltinSupervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuiltinSupervisor")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Supervisor for BuiltinSupervisor {
    async fn register(&self, spec: ProcessSpec) -> Result<ProcessStatus, SupervisorError> {
        spec.validate()?;
        let mut entries = self.shared.entries();
        if let Some(entry) = entries.get(&spec.name) {
            let mut rt = entry.rt();
            rt.spec = spec;
            self.shared.persist(&rt);
            return Ok(rt.status());
        }
        let rt = Runtime::stopped(spec, self.shared.config.backoff_initial);
        self.shared.persist(&rt);
        let status = rt.status();
        entries.insert(status.name.clone(), Arc::new(Entry::new(rt)));
        Ok(status)
    }

    async fn start(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        let entry = self.shared.entry(name)?;
        let _op = entry.op.lock().await;
        self.start_locked(&entry).await
    }

    async fn stop(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        let entry = self.shared.entry(name)?;
        let _op = entry.op.lock().await;
        self.stop_locked(&entry).await
    }

    async fn restart(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        let entry = self.shared.entry(name)?;
        let _op = entry.op.lock().await;
        self.stop_locked(&entry).await?;
        self.start_locked(&entry).await
    }

    async fn status(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        Ok(self.shared.entry(name)?.rt().status())
    }

    async fn list(&self) -> Result<Vec<ProcessStatus>, SupervisorError> {
        Ok(self
            .shared
            .entries()
            .values()
            .map(|e| e.rt().status())
            .collect())
    }

    async fn logs(&self, name: &str, lines: usize) -> Result<Vec<String>, SupervisorError> {
        self.shared.entry(name)?;
        let path = self.shared.log_path(name);
        log_file::tail(&path, lines).map_err(|source| SupervisorError::Log { path, source })
    }

    async fn follow(&self, name: &str) -> Result<LogLines, SupervisorError> {
        self.shared.entry(name)?;
        let path = self.shared.log_path(name);
        log_file::follow(&path).map_err(|source| SupervisorError::Log { path, source })
    }

    async fn remove(&self, name: &str) -> Result<(), SupervisorError> {
        let entry = self.shared.entry(name)?;
        let _op = entry.op.lock().await;
        self.stop_locked(&entry).await?;
        self.shared.entries().remove(name);
        self.shared.store.remove_supervised(name)?;
        Ok(())
    }

    async fn spec(&self, name: &str) -> Result<Option<ProcessSpec>, SupervisorError> {
        Ok(self.shared.entries().get(name).map(|e| e.rt().spec.clone()))
    }
}

/// Rebuilds the entry of a recorded process, adopting its running instance or handing its
/// death to a monitor.
fn adopt(shared: &Arc<Shared>, record: SupervisedRecord) -> Arc<Entry> {
    let mut rt = Runtime::stopped(record.spec, shared.config.backoff_initial);
    rt.state = record.state;
    rt.restart_count = record.restart_count;
    if !record.state.is_active() {
        return Arc::new(Entry::new(rt));
    }
    rt.desired_run = true;
    let waiter = match (record.pid, record.start_time) {
        (Some(pid), Some(start_time)) if proc_fs::is_instance(pid, start_time) => {
            rt.state = ProcessState::Running;
            rt.pid = Some(pid);
            rt.start_time = Some(start_time);
            rt.started = proc_fs::age(start_time)
                .and_then(|age| Instant::now().checked_sub(age))
                .or_else(|| Some(Instant::now()));
            ExitWaiter::adopted(pid, start_time, shared.config.housekeeping_interval)
        }
        _ => {
            // Died while nobody watched: the monitor applies the restart policy (and
            // cleans up what is left of the recorded group).
            rt.pid = record.pid;
            rt.start_time = record.start_time;
            ExitWaiter::Gone
        }
    };
    shared.persist(&rt);
    let entry = Arc::new(Entry::new(rt));
    let monitor = tokio::spawn(supervise(shared.clone(), entry.clone(), waiter));
    *entry.monitor() = Some(monitor);
    entry
}

/// Waits for the monitor of `entry` to return (it does once its process is gone and no
/// restart is wanted); one that does not within a grace period is aborted.
async fn finish_monitor(entry: &Entry) {
    let monitor = entry.monitor().take();
    if let Some(mut monitor) = monitor {
        if tokio::time::timeout(MONITOR_GRACE, &mut monitor)
            .await
            .is_err()
        {
            monitor.abort();
        }
    }
}

/// Rotates oversized log files periodically, while processes write to them.
async fn housekeeping(shared: Weak<Shared>) {
    loop {
        let Some(interval) = shared.upgrade().map(|s| s.config.housekeeping_interval) else {
            return;
        };
        tokio::time::sleep(interval).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let logs: Vec<_> = shared
            .entries()
            .iter()
            .map(|(name, e)| (shared.log_path(name), e.rt().spec.log))
            .collect();
        for (path, settings) in logs {
            if let Err(error) = log_file::rotate_if_needed(&path, &settings) {
                tracing::warn!(path = %path.display(), %error, "could not rotate log");
            }
        }
    }
}
