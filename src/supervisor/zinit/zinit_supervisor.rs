//! [`ZinitSupervisor`]: the [`Supervisor`] backend that drives a running `zinit-server`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};

use super::service_config::{environment, is_subset, service_config};
use super::service_state::{ZinitView, restart_counts, to_status};
use super::stable_slots::{StableSlots, is_placeholder};
use super::{ZinitClient, ZinitConfig, ZinitError};
use crate::supervisor::builtin::{group_kill, proc_fs};
use crate::supervisor::{
    LogLines, ProcessSpec, ProcessState, ProcessStatus, Supervisor, SupervisorError,
};

/// How many log lines a `Failed` status carries.
const FAILURE_LOG_LINES: usize = 20;

/// How many instance groups of one process are remembered before the empty ones are
/// forgotten.
const REMEMBERED_GROUPS: usize = 16;

/// How often `stop` stops a new instance of a process that zinit restarted meanwhile.
const STOP_ROUNDS: usize = 5;

/// A supervisor backed by zinit: zinit spawns, restarts and stops the processes and keeps
/// their output; this type translates specs and states and makes `stop` as strict as the
/// builtin backend's (no process of the group left when it returns).
///
/// Specs are registered here and handed to zinit (`service.set`) at their first start, so
/// registering never starts anything and a new spec of a running process applies from its
/// next start, as with the builtin backend.
pub struct ZinitSupervisor {
    config: ZinitConfig,
    client: Arc<ZinitClient>,
    slots: StableSlots,
    local: Mutex<BTreeMap<String, Local>>,
}

/// What this client knows about a process beyond what zinit keeps.
#[derive(Default)]
struct Local {
    /// The registered spec.
    spec: Option<ProcessSpec>,
    /// The zinit config of a process taken out of zinit by `stop` (zinit might have had a
    /// restart pending for it).
    parked: Option<Value>,
    /// Stopped through this supervisor (zinit reports that as a plain exit).
    stopped: bool,
    /// zinit holds it as ended by our stop, so no restart of it is pending there.
    settled: bool,
    /// The last log lines of a parked process (zinit drops a deleted service's logs).
    logs: Vec<String>,
    /// The process groups of the instances seen: (leader pid = pgid, leader start time).
    /// zinit leaves the rest of a group running when its leader dies; `stop` ends them.
    groups: Vec<(u32, u64)>,
}

/// How the wait for the end of an instance zinit was asked to stop came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InstanceEnd {
    /// zinit reports the process gone.
    Seen,
    /// The process is gone, but zinit still counts it as running: it lost track of it.
    Unseen,
    /// The process still runs.
    Running,
}

fn state_kind(state: &Value) -> &str {
    state.get("state").and_then(Value::as_str).unwrap_or("")
}

fn state_pid(state: &Value) -> Option<u32> {
    state
        .get("pid")
        .and_then(Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|&p| p > 0)
}

/// zinit states with a process (or about to have one).
fn is_active(kind: &str) -> bool {
    matches!(kind, "starting" | "running" | "stopping")
}

/// True when zinit's state, read after a `service.stop`, proves the stop reached a live
/// instance: zinit books the end of an instance it is stopping as `exited`, whatever its
/// code, and never restarts it; an instance that ends by itself is `failed`, or `exited`
/// with code 0 — and may then have a restart pending.
fn ended_by_stop(state: &Value) -> bool {
    match state_kind(state) {
        "stopping" => true,
        "exited" => state.get("exit_code").and_then(Value::as_i64) != Some(0),
        _ => false,
    }
}

impl ZinitSupervisor {
    /// Connects to the `zinit-server` at `config.socket`; fails with a message saying how
    /// to start it when nothing answers there.
    pub async fn open(config: ZinitConfig) -> Result<Self, SupervisorError> {
        let client = Arc::new(ZinitClient::new(&config.socket, config.call_timeout));
        client.call("system.ping", json!({})).await?;
        Ok(Self {
            slots: StableSlots::new(client.clone(), config.removal_timeout),
            config,
            client,
            local: Mutex::new(BTreeMap::new()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ZinitConfig {
        &self.config
    }

    /// The JSON-RPC client, for calls this trait does not cover.
    pub fn client(&self) -> &ZinitClient {
        &self.client
    }

    fn local(&self) -> MutexGuard<'_, BTreeMap<String, Local>> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_known_locally(&self, name: &str) -> bool {
        self.local()
            .get(name)
            .is_some_and(|l| l.spec.is_some() || l.parked.is_some())
    }

    /// zinit's config of `name`, `None` when zinit does not know it.
    async fn zinit_config(&self, name: &str) -> Result<Option<Value>, SupervisorError> {
        match self.client.call("service.get", json!({"name": name})).await {
            Ok(config) => Ok(Some(config)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// zinit's state object of `name`, `None` when zinit does not know it.
    async fn zinit_state(&self, name: &str) -> Result<Option<Value>, SupervisorError> {
        match self
            .client
            .call("service.status_full", json!({"name": name}))
            .await
        {
            Ok(mut status) => Ok(Some(
                status.get_mut("state").map(Value::take).unwrap_or_default(),
            )),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The full view of `name`, `None` when zinit does not know it.
    async fn view(&self, name: &str) -> Result<Option<ZinitView>, SupervisorError> {
        let Some(state) = self.zinit_state(name).await? else {
            return Ok(None);
        };
        let config = self.zinit_config(name).await?.unwrap_or_default();
        let debug = self.client.call("debug.state", json!({})).await?;
        let text = debug.get("output").and_then(Value::as_str).unwrap_or("");
        let restart_count = restart_counts(text).remove(name).unwrap_or(0);
        let stopped_on_request = self.local().get(name).is_some_and(|l| l.stopped);
        Ok(Some(ZinitView {
            state,
            config,
            restart_count,
            stopped_on_request,
        }))
    }

    async fn status_of(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        let Some(view) = self.view(name).await? else {
            if self.is_known_locally(name) {
                return Ok(stopped(name));
            }
            return Err(SupervisorError::UnknownProcess {
                name: name.to_string(),
            });
        };
        let mut status = to_status(name, &view);
        if let Some(pid) = status.pid {
            self.note_instance(name, pid);
        }
        status.uptime = status
            .pid
            .and_then(proc_fs::stat)
            .and_then(|s| proc_fs::age(s.start_time));
        if status.state == ProcessState::Failed {
            status.last_log_lines = self.logs(name, FAILURE_LOG_LINES).await.unwrap_or_default();
        }
        Ok(status)
    }

    /// The config zinit should run `name` with: from the registered spec (its secrets
    /// resolved now: zinit needs the values in its config), else the parked one.
    async fn wanted_config(&self, name: &str) -> Result<Option<Value>, SupervisorError> {
        let (spec, parked) = {
            let local = self.local();
            let Some(entry) = local.get(name) else {
                return Ok(None);
            };
            (entry.spec.clone(), entry.parked.clone())
        };
        match spec {
            Some(spec) => {
                let mut env = environment(&spec, |n| std::env::var(n).ok());
                for (var, value) in self.config.secrets.resolve(&spec).await? {
                    env.retain(|(n, _)| *n != var);
                    env.push((var, value));
                }
                service_config(&spec, &env, &self.config).map(Some)
            }
            None => Ok(parked),
        }
    }

    fn set_stopped(&self, name: &str, stopped: bool) {
        if let Some(entry) = self.local().get_mut(name) {
            entry.stopped = stopped;
        }
    }

    /// Remembers the group of instance `pid` of `name` (zinit makes every instance a group
    /// leader); returns the instance's start time, `None` when it is gone.
    fn note_instance(&self, name: &str, pid: u32) -> Option<u64> {
        let stat = proc_fs::stat(pid).filter(|s| s.is_alive())?;
        if stat.pgrp == pid {
            let mut local = self.local();
            let groups = &mut local.entry(name.to_string()).or_default().groups;
            if !groups.contains(&(pid, stat.start_time)) {
                if groups.len() >= REMEMBERED_GROUPS {
                    groups.retain(|&(pgid, _)| !proc_fs::group_is_empty(pgid));
                }
                groups.push((pid, stat.start_time));
            }
        }
        Some(stat.start_time)
    }

    /// zinit's state of `name` for a stop: waits (up to a call timeout) while zinit is
    /// between starting an instance and knowing its pid.
    async fn state_for_stop(&self, name: &str) -> Result<Value, SupervisorError> {
        let deadline = Instant::now() + self.config.call_timeout;
        loop {
            let state = self.zinit_state(name).await?.unwrap_or_default();
            if !is_active(state_kind(&state))
                || state_pid(&state).is_some()
                || Instant::now() >= deadline
            {
                return Ok(state);
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }

    /// Waits up to `timeout` for the end of instance `pid` (started at `started`) of
    /// `name`, which zinit was asked to stop, to be booked by zinit. An instance gone for a
    /// call timeout (time for a few of zinit's 5 s stalls) that zinit still counts as
    /// running is one it lost track of.
    async fn wait_instance_end(
        &self,
        name: &str,
        pid: u32,
        started: Option<u64>,
        timeout: Duration,
    ) -> Result<InstanceEnd, SupervisorError> {
        let deadline = Instant::now() + timeout;
        let mut gone_since: Option<Instant> = None;
        loop {
            let state = self.zinit_state(name).await?.unwrap_or_default();
            if !is_active(state_kind(&state)) {
                return Ok(InstanceEnd::Seen);
            }
            if let Some(other) = state_pid(&state).filter(|&p| p != pid) {
                // zinit booked its end and started another; the caller stops that one next.
                self.note_instance(name, other);
                return Ok(InstanceEnd::Seen);
            }
            let gone = !started.is_some_and(|t| proc_fs::is_instance(pid, t));
            if gone {
                let since = *gone_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= self.config.call_timeout {
                    return Ok(InstanceEnd::Unseen);
                }
            } else if Instant::now() >= deadline {
                return Ok(InstanceEnd::Running);
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
    }

    /// Stops one live instance `pid` of `name` through zinit and returns when no process
    /// of its group is left. Returns whether zinit holds it as ended by this stop (no
    /// restart pending) and whether zinit lost track of it.
    async fn stop_instance(
        &self,
        name: &str,
        pid: u32,
        signal: i32,
        timeout: Duration,
    ) -> Result<(bool, bool), SupervisorError> {
        let started = self.note_instance(name, pid);
        match self
            .client
            .call("service.stop", json!({"name": name}))
            .await
        {
            Ok(_) => {}
            // The instance ended between our look and the signal.
            Err(ZinitError::Rpc { message, .. }) if message.contains("No such process") => {}
            Err(e) => return Err(e.into()),
        }
        // Still alive once zinit took the stop: zinit was stopping a live instance.
        let alive = started.is_some_and(|t| proc_fs::is_instance(pid, t));
        let after = self.zinit_state(name).await?.unwrap_or_default();
        let settled = alive || ended_by_stop(&after);
        // zinit SIGKILLs the group at the stop timeout; give it that and a grace.
        let mut end = self
            .wait_instance_end(name, pid, started, timeout + self.config.call_timeout)
            .await?;
        // Whatever else of the group is left (or the instance itself, if zinit did not end
        // it) gets the stop signal and, after the timeout, SIGKILL.
        group_kill::stop_group(pid, signal, timeout)
            .await
            .map_err(|survivors| SupervisorError::StopTimedOut {
                name: name.to_string(),
                pgid: pid,
                survivors,
            })?;
        if end == InstanceEnd::Running {
            end = self
                .wait_instance_end(name, pid, started, self.config.call_timeout)
                .await?;
        }
        Ok((settled, end != InstanceEnd::Seen))
    }

    /// Takes `name` out of zinit, keeping its config and last log lines for the next
    /// `start` and for `logs`. Unless `force`, it does not when zinit started a new
    /// instance meanwhile (returns false): zinit would stop that instance inside the
    /// delete, holding every other call for 5 s; the caller stops it instead.
    async fn park(
        &self,
        name: &str,
        fallback: &Value,
        force: bool,
    ) -> Result<bool, SupervisorError> {
        let config = self
            .zinit_config(name)
            .await?
            .unwrap_or_else(|| fallback.clone());
        let lines = self.config.log_buffer_lines;
        let logs = match self
            .client
            .call("logs.tail", json!({"name": name, "lines": lines}))
            .await
        {
            Ok(answer) => log_lines(&answer).into_iter().map(|l| l.content).collect(),
            Err(_) => Vec::new(),
        };
        let mut slots = self.slots.lock().await;
        slots.make_room(name).await?;
        // A pending restart can come due at any moment: look as late as possible, once
        // zinit has handled what is already queued. (It can still come due between this
        // look and the delete; the delete then takes zinit's 5 s, which the call timeouts
        // allow for.)
        slots.drain_events().await?;
        let state = self.zinit_state(name).await?.unwrap_or_default();
        if !force && is_active(state_kind(&state)) {
            return Ok(false);
        }
        slots.remove_prepared(name).await?;
        drop(slots);
        let mut local = self.local();
        let entry = local.entry(name.to_string()).or_default();
        entry.parked = Some(config);
        entry.logs = logs;
        entry.settled = false;
        Ok(true)
    }

    /// Ends what is left of every instance group of `name` seen so far.
    async fn end_leftover_groups(
        &self,
        name: &str,
        signal: i32,
        timeout: Duration,
    ) -> Result<(), SupervisorError> {
        let groups = self
            .local()
            .get_mut(name)
            .map(|l| std::mem::take(&mut l.groups))
            .unwrap_or_default();
        for (pgid, start_time) in groups {
            if proc_fs::group_is_ours(pgid, Some(start_time)) {
                group_kill::stop_group(pgid, signal, timeout)
                    .await
                    .map_err(|survivors| SupervisorError::StopTimedOut {
                        name: name.to_string(),
                        pgid,
                        survivors,
                    })?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for ZinitSupervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZinitSupervisor")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Supervisor for ZinitSupervisor {
    async fn register(&self, spec: ProcessSpec) -> Result<ProcessStatus, SupervisorError> {
        // Fail now, not at the first start, on what zinit cannot run.
        service_config(&spec, &environment(&spec, |_| None), &self.config)?;
        let name = spec.name.clone();
        self.local().entry(name.clone()).or_default().spec = Some(spec);
        self.status_of(&name).await
    }

    async fn start(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        let wanted = self.wanted_config(name).await?;
        // Nothing may add or remove a zinit service between our look and our change.
        let mut slots = self.slots.lock().await;
        let current = self.zinit_config(name).await?;
        let state = self.zinit_state(name).await?;
        let kind = state.as_ref().map(state_kind).unwrap_or("").to_string();
        let active = is_active(&kind) || kind == "blocked";
        let backoff = self
            .view(name)
            .await?
            .is_some_and(|v| to_status(name, &v).state == ProcessState::Backoff);
        match (&wanted, &current) {
            (None, None) => {
                return Err(SupervisorError::UnknownProcess {
                    name: name.to_string(),
                });
            }
            _ if active || (backoff && !self.local().get(name).is_some_and(|l| l.stopped)) => {}
            (Some(wanted), Some(current)) if is_subset(wanted, current) => {
                // Same config: start it with a fresh restart budget.
                self.client
                    .call("service.restart", json!({"name": name}))
                    .await?;
            }
            (None, Some(_)) => {
                self.client
                    .call("service.restart", json!({"name": name}))
                    .await?;
            }
            (Some(wanted), _) => {
                // New or changed: (re)define it; zinit starts it at once.
                slots.define(wanted).await?;
            }
        }
        drop(slots);
        if let Some(entry) = self.local().get_mut(name) {
            entry.stopped = false;
            entry.settled = false;
            entry.parked = None;
        }
        let status = self.status_of(name).await?;
        if status.state == ProcessState::Failed && status.pid.is_none() {
            if let Some(error) = status.error.as_deref().filter(|e| e.contains("spawn")) {
                let executable = self
                    .local()
                    .get(name)
                    .and_then(|l| l.spec.as_ref())
                    .map(|s| s.executable.clone())
                    .unwrap_or_default();
                return Err(SupervisorError::SpawnFailed {
                    name: name.to_string(),
                    executable,
                    source: std::io::Error::other(error.to_string()),
                });
            }
        }
        Ok(status)
    }

    async fn stop(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        let Some(view) = self.view(name).await? else {
            if self.is_known_locally(name) {
                self.set_stopped(name, true);
                return Ok(stopped(name));
            }
            return Err(SupervisorError::UnknownProcess {
                name: name.to_string(),
            });
        };
        let signal = self
            .local()
            .get(name)
            .and_then(|l| l.spec.as_ref())
            .map(|s| s.stop_signal)
            .unwrap_or(libc::SIGTERM);
        let timeout = view.config["lifecycle"]["stop_timeout_ms"]
            .as_u64()
            .map(Duration::from_millis)
            .unwrap_or(Duration::from_secs(10));
        self.set_stopped(name, true);
        // Whether zinit holds it as ended by a stop of ours, with no restart pending.
        let mut settled = self.local().get(name).is_some_and(|l| l.settled);
        let mut lost = false;
        let mut rounds = 0;
        // A crash-looping process can be between instances at any moment, and zinit can
        // start a new one while we stop the last: stop instances until none runs.
        let mut status = loop {
            let state = self.state_for_stop(name).await?;
            if let (true, Some(pid)) = (is_active(state_kind(&state)), state_pid(&state)) {
                if rounds < STOP_ROUNDS && !lost {
                    rounds += 1;
                    (settled, lost) = self.stop_instance(name, pid, signal, timeout).await?;
                    continue;
                }
            }
            // What zinit knows of how it ended, before anything below forgets it.
            let status = self.status_of(name).await?;
            let Some(state) = self.zinit_state(name).await? else {
                break status;
            };
            if settled && !lost && !is_active(state_kind(&state)) {
                // Ended by our stop: zinit will not start it again by itself.
                self.local().entry(name.to_string()).or_default().settled = true;
                break status;
            }
            // It ended by itself (zinit may hold a restart for it, which would undo the
            // stop when its delay ends), or zinit lost track of it (only a delete gets it
            // out of `stopping`): take it out of zinit.
            let force = lost || rounds >= STOP_ROUNDS;
            if self.park(name, &view.config, force).await? {
                break status;
            }
            rounds += 1;
        };
        self.end_leftover_groups(name, signal, timeout).await?;
        self.set_stopped(name, true);
        status.state = ProcessState::Stopped;
        status.pid = None;
        status.uptime = None;
        status.backoff = None;
        Ok(status)
    }

    async fn restart(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        self.stop(name).await?;
        self.start(name).await
    }

    async fn status(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        self.status_of(name).await
    }

    async fn list(&self) -> Result<Vec<ProcessStatus>, SupervisorError> {
        let names = self.client.call("service.list", json!({})).await?;
        let mut all: Vec<String> = names
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_string))
            .filter(|n| !is_placeholder(n))
            .collect();
        all.extend(self.local().keys().cloned());
        all.sort();
        all.dedup();
        let mut out = Vec::with_capacity(all.len());
        for name in all {
            match self.status_of(&name).await {
                Ok(status) => out.push(status),
                // Removed meanwhile.
                Err(SupervisorError::UnknownProcess { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    async fn logs(&self, name: &str, lines: usize) -> Result<Vec<String>, SupervisorError> {
        match self
            .client
            .call("logs.tail", json!({"name": name, "lines": lines}))
            .await
        {
            Ok(answer) => Ok(log_lines(&answer).into_iter().map(|l| l.content).collect()),
            Err(e) if e.is_not_found() && self.is_known_locally(name) => {
                let kept = self
                    .local()
                    .get(name)
                    .map(|l| l.logs.clone())
                    .unwrap_or_default();
                Ok(kept[kept.len().saturating_sub(lines)..].to_vec())
            }
            Err(e) if e.is_not_found() => Err(SupervisorError::UnknownProcess {
                name: name.to_string(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn follow(&self, name: &str) -> Result<LogLines, SupervisorError> {
        let client = self.client.clone();
        let buffer = self.config.log_buffer_lines;
        let params = json!({"name": name, "lines": buffer});
        let start = match client.call("logs.tail", params.clone()).await {
            Ok(answer) => Cursor::after(&log_lines(&answer)),
            Err(e) if e.is_not_found() && self.is_known_locally(name) => Cursor::default(),
            Err(e) if e.is_not_found() => {
                return Err(SupervisorError::UnknownProcess {
                    name: name.to_string(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        let poll = self.config.poll_interval;
        let stream = futures::stream::unfold(start, move |mut cursor| {
            let client = client.clone();
            let params = params.clone();
            async move {
                loop {
                    // A failed poll (zinit restarting, service re-created) is retried.
                    if let Ok(answer) = client.call("logs.tail", params.clone()).await {
                        let fresh = cursor.take_new(&log_lines(&answer));
                        if !fresh.is_empty() {
                            return Some((futures::stream::iter(fresh), cursor));
                        }
                    }
                    tokio::time::sleep(poll).await;
                }
            }
        })
        .flatten();
        Ok(Box::pin(stream))
    }

    async fn remove(&self, name: &str) -> Result<(), SupervisorError> {
        self.stop(name).await?;
        self.slots.lock().await.remove(name).await?;
        self.local().remove(name);
        Ok(())
    }
}

/// The status of a process zinit does not hold (registered, or parked by `stop`).
fn stopped(name: &str) -> ProcessStatus {
    ProcessStatus {
        name: name.to_string(),
        state: ProcessState::Stopped,
        pid: None,
        uptime: None,
        restart_count: 0,
        last_exit: None,
        backoff: None,
        error: None,
        last_log_lines: Vec::new(),
        warnings: Vec::new(),
    }
}

/// One line of zinit's log buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LogLine {
    timestamp_ms: u64,
    content: String,
}

fn log_lines(answer: &Value) -> Vec<LogLine> {
    answer
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            Some(LogLine {
                timestamp_ms: l.get("timestamp_ms")?.as_u64()?,
                content: l.get("content")?.as_str()?.to_string(),
            })
        })
        .collect()
}

/// Where `follow` is in a log buffer whose lines carry non-decreasing millisecond
/// timestamps: the last timestamp seen and how many lines with it were seen.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    timestamp_ms: u64,
    seen_at_timestamp: usize,
}

impl Cursor {
    fn after(lines: &[LogLine]) -> Self {
        let mut cursor = Self::default();
        cursor.take_new(lines);
        cursor
    }

    /// The lines of `lines` not seen yet; advances past them.
    fn take_new(&mut self, lines: &[LogLine]) -> Vec<String> {
        let mut fresh = Vec::new();
        let mut at_timestamp = 0;
        for line in lines {
            if line.timestamp_ms < self.timestamp_ms {
                continue;
            }
            if line.timestamp_ms == self.timestamp_ms {
                at_timestamp += 1;
                if at_timestamp <= self.seen_at_timestamp {
                    continue;
                }
            }
            fresh.push(line.content.clone());
            if line.timestamp_ms > self.timestamp_ms {
                self.timestamp_ms = line.timestamp_ms;
                at_timestamp = 1;
            }
            self.seen_at_timestamp = at_timestamp;
        }
        fresh
    }
}

impl From<ZinitError> for SupervisorError {
    fn from(e: ZinitError) -> Self {
        SupervisorError::Zinit(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(ts: u64, s: &str) -> LogLine {
        LogLine {
            timestamp_ms: ts,
            content: s.into(),
        }
    }

    #[test]
    fn cursor_yields_each_line_once() {
        let mut cursor = Cursor::after(&[line(1, "a"), line(2, "b")]);
        assert!(cursor.take_new(&[line(1, "a"), line(2, "b")]).is_empty());
        let next = [line(1, "a"), line(2, "b"), line(2, "c"), line(3, "d")];
        assert_eq!(cursor.take_new(&next), ["c", "d"]);
        assert_eq!(cursor.take_new(&[line(3, "d"), line(3, "e")]), ["e"]);
    }
}
