//! [`ZinitSupervisor`]: the [`Supervisor`] backend that drives a running `zinit-server`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};

use super::service_config::{environment, is_subset, service_config};
use super::service_state::{ZinitView, restart_counts, to_status};
use super::{ZinitClient, ZinitConfig, ZinitError};
use crate::supervisor::builtin::{group_kill, proc_fs};
use crate::supervisor::{
    LogLines, ProcessSpec, ProcessState, ProcessStatus, Supervisor, SupervisorError,
};

/// How many log lines a `Failed` status carries.
const FAILURE_LOG_LINES: usize = 20;

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
    local: Mutex<BTreeMap<String, Local>>,
}

/// What this client knows about a process beyond what zinit keeps.
#[derive(Default)]
struct Local {
    /// The registered spec.
    spec: Option<ProcessSpec>,
    /// The zinit config of a process taken out of zinit by `stop` during its restart
    /// delay (zinit would otherwise start it again when the delay ends).
    parked: Option<Value>,
    /// Stopped through this supervisor (zinit reports that as a plain exit).
    stopped: bool,
    /// The last log lines of a parked process (zinit drops a deleted service's logs).
    logs: Vec<String>,
}

impl ZinitSupervisor {
    /// Deletes `name` from zinit; one zinit no longer holds is fine.
    async fn delete_from_zinit(&self, name: &str) -> Result<(), SupervisorError> {
        match self
            .client
            .call("service.delete", json!({"name": name}))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Connects to the `zinit-server` at `config.socket`; fails with a message saying how
    /// to start it when nothing answers there.
    pub async fn open(config: ZinitConfig) -> Result<Self, SupervisorError> {
        let client = Arc::new(ZinitClient::new(&config.socket, config.call_timeout));
        client.call("system.ping", json!({})).await?;
        Ok(Self {
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
        status.uptime = status
            .pid
            .and_then(proc_fs::stat)
            .and_then(|s| proc_fs::age(s.start_time));
        if status.state == ProcessState::Failed {
            status.last_log_lines = self.logs(name, FAILURE_LOG_LINES).await.unwrap_or_default();
        }
        Ok(status)
    }

    /// The config zinit should run `name` with: from the registered spec, else the parked
    /// one.
    fn wanted_config(&self, name: &str) -> Result<Option<Value>, SupervisorError> {
        let local = self.local();
        let Some(entry) = local.get(name) else {
            return Ok(None);
        };
        match &entry.spec {
            Some(spec) => {
                let env = environment(spec, |n| std::env::var(n).ok());
                service_config(spec, &env, &self.config).map(Some)
            }
            None => Ok(entry.parked.clone()),
        }
    }

    fn set_stopped(&self, name: &str, stopped: bool) {
        if let Some(entry) = self.local().get_mut(name) {
            entry.stopped = stopped;
        }
    }

    /// Waits until zinit no longer reports `name` as alive (or `timeout` passes).
    async fn wait_not_active(&self, name: &str, timeout: Duration) -> Result<(), SupervisorError> {
        let deadline = Instant::now() + timeout;
        loop {
            let state = self.zinit_state(name).await?.unwrap_or_default();
            let kind = state.get("state").and_then(Value::as_str).unwrap_or("");
            if !matches!(kind, "starting" | "running" | "stopping") || Instant::now() >= deadline {
                return Ok(());
            }
            tokio::time::sleep(self.config.poll_interval).await;
        }
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
        let wanted = self.wanted_config(name)?;
        let current = self.zinit_config(name).await?;
        let state = self.zinit_state(name).await?;
        let kind = state
            .as_ref()
            .and_then(|s| s.get("state"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let active = matches!(
            kind.as_str(),
            "starting" | "running" | "stopping" | "blocked"
        );
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
                self.client
                    .call("service.set", json!({"config": wanted}))
                    .await?;
            }
        }
        if let Some(entry) = self.local().get_mut(name) {
            entry.stopped = false;
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
        // A crash-looping process can be between instances at any moment: repeat until
        // zinit holds it as stopped by request (`exited`) or it is parked.
        for _ in 0..5 {
            let state = self.zinit_state(name).await?.unwrap_or_default();
            let kind = state.get("state").and_then(Value::as_str).unwrap_or("");
            let pid = state
                .get("pid")
                .and_then(Value::as_u64)
                .and_then(|p| u32::try_from(p).ok())
                .filter(|&p| p > 0);
            match (kind, pid) {
                ("starting" | "running" | "stopping", Some(pgid)) => {
                    match self
                        .client
                        .call("service.stop", json!({"name": name}))
                        .await
                    {
                        Ok(_) => {}
                        // The instance ended between our look and the signal: what stop
                        // wanted anyway (the loop looks again).
                        Err(ZinitError::Rpc { message, .. })
                            if message.contains("No such process") => {}
                        Err(e) => return Err(e.into()),
                    }
                    self.wait_not_active(name, timeout + Duration::from_secs(5))
                        .await?;
                    // zinit stops waiting when its main process is gone; whatever else of
                    // the group is left gets the stop signal and, after the timeout,
                    // SIGKILL.
                    group_kill::stop_group(pgid, signal, timeout)
                        .await
                        .map_err(|survivors| SupervisorError::StopTimedOut {
                            name: name.to_string(),
                            pgid,
                            survivors,
                        })?;
                }
                // Failed, blocked, exited or between instances: the parking below takes it
                // out of zinit, whatever restart zinit may still have pending.
                _ => break,
            }
        }
        // What zinit knows of how it ended, before it forgets the service below.
        let mut status = self.status_of(name).await?;
        // Whatever state zinit showed last (a crash-looping process can look `exited` for a
        // moment before its next instance), a stopped service must not be started again
        // behind our back: take it out of zinit and keep its config for the next start.
        let parked = self.local().get(name).is_some_and(|l| l.parked.is_some());
        if !parked && self.view(name).await?.is_some() {
            let config = self
                .zinit_config(name)
                .await?
                .unwrap_or(view.config.clone());
            let pid = self
                .zinit_state(name)
                .await?
                .and_then(|s| s.get("pid").and_then(Value::as_u64))
                .and_then(|p| u32::try_from(p).ok())
                .filter(|&p| p > 0);
            let lines = self.config.log_buffer_lines;
            let logs = match self
                .client
                .call("logs.tail", json!({"name": name, "lines": lines}))
                .await
            {
                Ok(answer) => log_lines(&answer).into_iter().map(|l| l.content).collect(),
                Err(_) => Vec::new(),
            };
            self.delete_from_zinit(name).await?;
            {
                let mut local = self.local();
                let entry = local.entry(name.to_string()).or_default();
                entry.parked = Some(config);
                entry.logs = logs;
            }
            if let Some(pgid) = pid {
                group_kill::stop_group(pgid, signal, timeout)
                    .await
                    .map_err(|survivors| SupervisorError::StopTimedOut {
                        name: name.to_string(),
                        pgid,
                        survivors,
                    })?;
            }
        }
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
        self.delete_from_zinit(name).await?;
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
