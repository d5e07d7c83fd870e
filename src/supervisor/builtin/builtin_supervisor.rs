//! [`BuiltinSupervisor`]: the embedded implementation of [`Supervisor`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
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
    /// Processes whose state could not be written to the store (saved again by the
    /// housekeeping until it works), and the first of those failures.
    unsaved: Mutex<Unsaved>,
    /// Since when the filesystem of the logs has been full, when it is.
    log_full: Mutex<Option<(chrono::DateTime<chrono::Utc>, String)>>,
}

#[derive(Default)]
struct Unsaved {
    names: BTreeSet<String>,
    since: Option<(chrono::DateTime<chrono::Utc>, String)>,
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

    /// Writes the state of a process to the store. A failed write (a full disk) is not
    /// fatal: supervision goes on, the process is remembered as unsaved, and the
    /// housekeeping writes it again until the store takes it — so the pid of an instance
    /// started meanwhile is there for the next daemon to adopt.
    pub fn persist(&self, rt: &Runtime) {
        let name = &rt.spec.name;
        let mut unsaved = self.unsaved.lock().unwrap_or_else(|e| e.into_inner());
        match self.store.save_supervised(&rt.record()) {
            Ok(()) => {
                unsaved.names.remove(name);
                if unsaved.names.is_empty() {
                    unsaved.since = None;
                }
            }
            Err(error) => {
                if unsaved.names.insert(name.clone()) && unsaved.since.is_none() {
                    tracing::warn!(process = %name, %error, "could not persist supervisor state; retrying");
                    unsaved.since = Some((chrono::Utc::now(), render_state_error(&error)));
                }
            }
        }
    }

    /// Writes the processes whose last write failed again.
    fn persist_unsaved(&self) {
        let names: Vec<String> = {
            let unsaved = self.unsaved.lock().unwrap_or_else(|e| e.into_inner());
            unsaved.names.iter().cloned().collect()
        };
        for name in names {
            let entry = self.entries().get(&name).cloned();
            match entry {
                Some(entry) => {
                    let rt = entry.rt();
                    self.persist(&rt);
                }
                None => {
                    let mut unsaved = self.unsaved.lock().unwrap_or_else(|e| e.into_inner());
                    unsaved.names.remove(&name);
                }
            }
        }
    }

    /// Checks whether the log directory's filesystem has room; remembers since when it has
    /// not.
    fn check_log_space(&self) {
        let full = filesystem_full(&self.config.log_dir);
        let mut log_full = self.log_full.lock().unwrap_or_else(|e| e.into_inner());
        match (full, log_full.is_some()) {
            (Some(detail), false) => {
                tracing::warn!(dir = %self.config.log_dir.display(), %detail, "the log filesystem is full");
                *log_full = Some((chrono::Utc::now(), detail));
            }
            (None, true) => *log_full = None,
            _ => {}
        }
    }

    /// What does not work now.
    fn faults(&self) -> Vec<SupervisorFault> {
        let mut out = Vec::new();
        {
            let unsaved = self.unsaved.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((since, error)) = &unsaved.since {
                out.push(SupervisorFault {
                    what: format!(
                        "the state of {} could not be saved (retried every {:.0}s)",
                        unsaved.names.iter().cloned().collect::<Vec<_>>().join(", "),
                        self.config.housekeeping_interval.as_secs_f64()
                    ),
                    error: error.clone(),
                    since: *since,
                });
            }
        }
        if let Some((since, detail)) = &*self.log_full.lock().unwrap_or_else(|e| e.into_inner()) {
            out.push(SupervisorFault {
                what: format!(
                    "the services' output is being lost: the filesystem of {} is full",
                    self.config.log_dir.display()
                ),
                error: detail.clone(),
                since: *since,
            });
        }
        out
    }

    /// What a status of one process should warn about.
    fn warnings(&self) -> Vec<String> {
        if self
            .log_full
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
        {
            vec!["its log's filesystem is full: output is being lost".to_string()]
        } else {
            Vec::new()
        }
    }

    /// The status of `entry`, with the warnings that apply.
    fn status_of(&self, entry: &Entry) -> ProcessStatus {
        let mut status = entry.rt().status();
        status.warnings = self.warnings();
        status
    }
}

/// Something the supervisor cannot do now; it clears once it works again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisorFault {
    /// What does not work.
    pub what: String,
    /// The error behind it.
    pub error: String,
    /// Since when.
    pub since: chrono::DateTime<chrono::Utc>,
}

/// Free space below this counts as a full filesystem.
const MIN_FREE_BYTES: u64 = 64 * 1024;

/// `Some(why)` when the filesystem of `dir` has (nearly) no space or no inodes left.
fn filesystem_full(dir: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the struct we own from a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut st) } != 0 {
        return None;
    }
    #[allow(clippy::useless_conversion)] // the field types differ between targets
    let free = u64::from(st.f_bavail).saturating_mul(u64::from(st.f_frsize));
    if free < MIN_FREE_BYTES {
        return Some(format!("{free} bytes free"));
    }
    if st.f_files > 0 && st.f_favail == 0 {
        return Some("no free inodes".to_string());
    }
    None
}

fn render_state_error(e: &crate::state::StateError) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
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
            unsaved: Mutex::new(Unsaved::default()),
            log_full: Mutex::new(None),
        });
        shared.check_log_space();
        for record in records {
            let Ok(spec) = serde_json::from_str::<ProcessSpec>(&record.spec) else {
                tracing::warn!(process = %record.name, "a stored spec is not readable; it is forgotten");
                continue;
            };
            let name = spec.name.clone();
            let entry = adopt(&shared, spec, record);
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

    /// What does not work now (state that cannot be saved, a full log filesystem); each
    /// clears by itself once it works again.
    pub fn faults(&self) -> Vec<SupervisorFault> {
        self.shared.faults()
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
        let secrets = match self.shared.config.secrets.resolve(&spec).await {
            Ok(s) => s,
            Err(e) => {
                fail(&self.shared, &mut entry.rt(), render(&e));
                return Err(e);
            }
        };
        let log = self.shared.log_path(&spec.name);
        let _ = log_file::rotate_if_needed(&log, &spec.log);
        // On the blocking pool: a spawn waits until the child has exec'd, which on a busy
        // machine (other services starting) can take a millisecond or two; several starts
        // at once (a fan of dependents) then overlap those waits instead of queueing behind
        // one another on the runtime's workers.
        let spawned = {
            let (to_spawn, log) = (spec.clone(), log.clone());
            tokio::task::spawn_blocking(move || spawn::spawn(&to_spawn, &secrets, &log))
                .await
                .unwrap_or_else(|e| {
                    Err(SupervisorError::SpawnFailed {
                        name: spec.name.clone(),
                        executable: spec.executable.clone(),
                        source: std::io::Error::other(format!("the spawn did not finish: {e}")),
                    })
                })
        };
        let (status, child) = {
            let mut rt = entry.rt();
            let spawned = match spawned {
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
        let entry = self.shared.entry(name)?;
        Ok(self.shared.status_of(&entry))
    }

    async fn list(&self) -> Result<Vec<ProcessStatus>, SupervisorError> {
        let entries: Vec<Arc<Entry>> = self.shared.entries().values().cloned().collect();
        Ok(entries.iter().map(|e| self.shared.status_of(e)).collect())
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
fn adopt(shared: &Arc<Shared>, spec: ProcessSpec, record: SupervisedRecord) -> Arc<Entry> {
    let mut rt = Runtime::stopped(spec, shared.config.backoff_initial);
    // An unknown state (written by a newer version) is treated as stopped: never started
    // behind the user's back.
    rt.state = ProcessState::parse(&record.state).unwrap_or(ProcessState::Stopped);
    rt.restart_count = record.restart_count;
    rt.last_exit = record
        .last_exit
        .as_deref()
        .and_then(|e| serde_json::from_str(e).ok());
    if !rt.state.is_active() {
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

/// Periodically: writes process states the store refused earlier, checks the log
/// filesystem's free space, and rotates oversized log files while processes write to them.
async fn housekeeping(shared: Weak<Shared>) {
    loop {
        let Some(interval) = shared.upgrade().map(|s| s.config.housekeeping_interval) else {
            return;
        };
        tokio::time::sleep(interval).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        shared.persist_unsaved();
        shared.check_log_space();
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
