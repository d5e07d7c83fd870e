//! [`Service`]: the identity and health of the running instance, and the JSON documents
//! that describe it (`/health`, `/.well-known/heroservice.json`, `demo.info`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::options::Options;

/// What every endpoint reports about this instance.
#[derive(Debug, Clone)]
pub struct Service {
    /// Service name.
    pub name: String,
    /// Version reported everywhere.
    pub version: String,
    started: Instant,
    ready_delay: Duration,
    unhealthy: bool,
}

/// The health of the instance at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    /// Serving, but its ready delay has not passed yet.
    Starting,
    /// Ready.
    Ok,
    /// Told to fail its health checks (`--unhealthy`).
    Unhealthy,
}

impl Service {
    /// The instance described by `options`, started at `started`.
    pub fn new(options: &Options, started: Instant) -> Self {
        Self {
            name: options.name.clone(),
            version: options.version.clone(),
            started,
            ready_delay: options.ready_delay,
            unhealthy: options.unhealthy,
        }
    }

    /// The health right now.
    pub fn status(&self) -> HealthStatus {
        if self.unhealthy {
            HealthStatus::Unhealthy
        } else if self.started.elapsed() < self.ready_delay {
            HealthStatus::Starting
        } else {
            HealthStatus::Ok
        }
    }

    /// The `/health` body; its HTTP status is 200 only when [`HealthStatus::Ok`].
    pub fn health(&self) -> (HealthStatus, Value) {
        let status = self.status();
        let body = match status {
            HealthStatus::Starting => json!({ "status": "starting" }),
            HealthStatus::Ok | HealthStatus::Unhealthy => json!({
                "status": if status == HealthStatus::Ok { "ok" } else { "unhealthy" },
                "name": self.name,
                "version": self.version,
                "pid": std::process::id(),
                "uptime_ms": self.uptime_ms(),
            }),
        };
        (status, body)
    }

    /// The `/.well-known/heroservice.json` document.
    pub fn manifest(&self) -> Value {
        json!({
            "protocol": "openrpc",
            "name": self.name,
            "title": self.title(),
            "version": self.version,
            "description": self.description(),
            "socket": "rpc",
        })
    }

    /// The `demo.info` result: who runs, under whom, with which arguments.
    pub fn info(&self) -> Value {
        let cwd = std::env::current_dir()
            .map(|dir| dir.to_string_lossy().into_owned())
            .ok();
        json!({
            "name": self.name,
            "version": self.version,
            "pid": std::process::id(),
            "ppid": std::os::unix::process::parent_id(),
            "args": std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            "cwd": cwd,
            "uptime_ms": self.uptime_ms(),
        })
    }

    /// A human title, shown by heroservice.json, OpenRPC and the admin page.
    pub fn title(&self) -> String {
        format!("Hero demo service {}", self.name)
    }

    /// A one-line description.
    pub fn description(&self) -> String {
        format!(
            "{} is a hero_demo instance: a Hero-shaped service for tests and demos",
            self.name
        )
    }

    fn uptime_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}
