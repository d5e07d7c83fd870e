//! zinit in the harness: a `zinit-server` of its own; each service is defined with
//! `service.set` (status `start`, so zinit starts it as soon as it may), `requires` on its
//! dependency — zinit starts a dependent once the dependency is *running*, which with a
//! health check means once the check passed — and a health check at zinit's fastest useful
//! setting (every 2 ms after a failure, no start period, retries enough to outlast the
//! ready delay). The check is an `exec` of `curl -sf` on `/health`: zinit 0.3.9's `http`
//! check only opens a TCP connection and never reads the status, so it passes while the
//! service still answers 503. Bring-up is done when zinit reports every service
//! `running`, polled every 2 ms.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hero_svc::supervisor::zinit::ZinitClient;
use serde_json::{Value, json};

use crate::drive::{LIMIT, POLL};
use crate::manager::Manager;
use crate::shape::{Shape, Stack, Svc, health_url};

/// zinit's restart delay here: the same first step as hero_svc's backoff.
const RESTART_DELAY_MS: u64 = 100;

pub struct Zinit {
    server: Child,
    client: ZinitClient,
    stack: Stack,
}

impl Zinit {
    /// Starts `zinit-server` (at `program`) in `dir`.
    pub async fn start(program: &Path, dir: &Path, stack: &Stack) -> Result<Self, String> {
        let config = dir.join("config");
        std::fs::create_dir_all(&config).map_err(|e| e.to_string())?;
        let socket: PathBuf = dir.join("zinit.sock");
        let log = std::fs::File::create(dir.join("zinit.log")).map_err(|e| e.to_string())?;
        let server = Command::new(program)
            .arg("--config-dir")
            .arg(&config)
            .arg("--socket")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let client = ZinitClient::new(&socket, Duration::from_secs(10));
        let until = Instant::now() + Duration::from_secs(20);
        while client.call("service.list", json!({})).await.is_err() {
            if Instant::now() > until {
                return Err(format!(
                    "zinit-server did not answer on {}",
                    socket.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self {
            server,
            client,
            stack: stack.clone(),
        })
    }

    fn config(&self, svc: &Svc) -> Value {
        json!({
            "service": {
                "name": svc.name,
                // zinit runs `exec` through `sh -c` and wants its first word to be a file:
                // `exec` makes the shell become the service.
                "exec": format!("/bin/true ; exec {}", self.stack.command_line(svc)),
                "status": "start",
            },
            "dependencies": { "requires": svc.deps },
            "lifecycle": {
                "restart": "always",
                "restart_delay_ms": RESTART_DELAY_MS,
                "max_restarts": 0,
                "stop_timeout_ms": 10000,
            },
            "health": {
                "type": "exec",
                "target": format!("curl -sf -o /dev/null {}", health_url(svc)),
                "interval_ms": POLL.as_millis() as u64,
                "timeout_ms": 1000,
                "retries": 100000,
                "start_period_ms": 0,
            },
        })
    }

    async fn state(&self, name: &str) -> Result<String, String> {
        let v = self
            .client
            .call("service.status_full", json!({ "name": name }))
            .await
            .map_err(|e| e.to_string())?;
        Ok(v["state"]["state"].as_str().unwrap_or("").to_string())
    }
}

impl Manager for Zinit {
    fn name(&self) -> &'static str {
        "zinit"
    }

    async fn up(&mut self, shape: &Shape) -> Result<Duration, String> {
        let t = Instant::now();
        for svc in &shape.services {
            let config = self.config(svc);
            self.client
                .call("service.set", json!({ "config": config }))
                .await
                .map_err(|e| format!("service.set {}: {e}", svc.name))?;
        }
        let mut waiting = shape.names();
        loop {
            let mut still = Vec::new();
            for name in waiting {
                match self.state(&name).await?.as_str() {
                    "running" => {}
                    "failed" => return Err(format!("zinit says {name} failed")),
                    _ => still.push(name),
                }
            }
            waiting = still;
            if waiting.is_empty() {
                return Ok(t.elapsed());
            }
            if t.elapsed() > LIMIT {
                return Err(format!("zinit: not running after {LIMIT:?}: {waiting:?}"));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn stop(&mut self, shape: &Shape) -> Result<(), String> {
        for name in shape.names().iter().rev() {
            self.client
                .call("service.stop", json!({ "name": name }))
                .await
                .map_err(|e| format!("service.stop {name}: {e}"))?;
        }
        Ok(())
    }

    async fn forget(&mut self, shape: &Shape) -> Result<(), String> {
        for name in shape.names().iter().rev() {
            let until = Instant::now() + Duration::from_secs(10);
            // A service still `stopping` cannot go yet.
            while self.state(name).await? == "stopping" && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            self.client
                .call("service.delete", json!({ "name": name }))
                .await
                .map_err(|e| format!("service.delete {name}: {e}"))?;
        }
        Ok(())
    }

    fn pids(&self) -> Vec<u32> {
        vec![self.server.id()]
    }

    fn restart_delay(&self) -> Option<Duration> {
        Some(Duration::from_millis(RESTART_DELAY_MS))
    }

    async fn shutdown(&mut self) {
        crate::measure::terminate(&mut self.server, Duration::from_secs(10)).await;
    }
}
