//! pm2 in the harness: a pm2 daemon of its own (`PM2_HOME` in the temp dir), driven
//! through pm2's programmatic API by `pm2_helper.js` (one `pm2.connect`, then a command per
//! line), each service a fork-mode app with `interpreter: none`, `autorestart` and a
//! `restart_delay` equal to hero_svc's first backoff step. pm2 has no dependencies and no
//! HTTP readiness (`wait_ready` needs the app to call `process.send('ready')`, which a
//! non-Node program cannot), so the bring-up is the driver of [`crate::drive`] asking the
//! helper to start each service as its dependencies become ready.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::drive::{self, Starter};
use crate::manager::Manager;
use crate::shape::{Shape, Stack};

/// pm2's restart delay here: the same first step as hero_svc's backoff.
const RESTART_DELAY_MS: u64 = 100;

pub struct Pm2 {
    helper: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
    home: PathBuf,
}

impl Pm2 {
    /// Starts the helper (and with it the pm2 daemon); `node_path` is where `pm2` resolves.
    pub async fn start(node_path: &Path, dir: &Path, stack: &Stack) -> Result<Self, String> {
        let home = dir.join("pm2_home");
        let logs = dir.join("logs");
        std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
        let mut specs = serde_json::Map::new();
        for shape in stack.shapes() {
            for svc in &shape.services {
                let argv = stack.argv(svc);
                specs.insert(
                    svc.name.clone(),
                    serde_json::json!({ "script": argv[0], "args": argv[1..] }),
                );
            }
        }
        let specs_file = dir.join("specs.json");
        std::fs::write(&specs_file, serde_json::Value::Object(specs).to_string())
            .map_err(|e| e.to_string())?;
        let helper_js = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/pm2_helper.js");
        let mut helper = Command::new("node")
            .arg(helper_js)
            .arg(&specs_file)
            .arg(RESTART_DELAY_MS.to_string())
            .arg(&logs)
            .env("PM2_HOME", &home)
            .env("NODE_PATH", node_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start node: {e}"))?;
        let (Some(stdin), Some(stdout)) = (helper.stdin.take(), helper.stdout.take()) else {
            return Err("the pm2 helper has no pipes".into());
        };
        let mut me = Self {
            helper,
            stdin,
            stdout: BufReader::new(stdout).lines(),
            home,
        };
        me.answer().await?;
        Ok(me)
    }

    async fn answer(&mut self) -> Result<(), String> {
        match tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line()).await {
            Ok(Ok(Some(line))) if line == "ok" => Ok(()),
            Ok(Ok(Some(line))) => Err(format!("pm2: {line}")),
            Ok(Ok(None)) => Err("the pm2 helper exited".into()),
            Ok(Err(e)) => Err(format!("the pm2 helper: {e}")),
            Err(_) => Err("the pm2 helper did not answer within 30 s".into()),
        }
    }

    async fn command(&mut self, line: &str) -> Result<(), String> {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .map_err(|e| format!("the pm2 helper: {e}"))?;
        self.answer().await
    }

    /// The pm2 daemon's pid (from `$PM2_HOME/pm2.pid`).
    fn daemon_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.home.join("pm2.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }
}

impl Starter for Pm2 {
    async fn start(&mut self, names: Vec<String>) -> Result<(), String> {
        self.command(&format!("start {}", names.join(" "))).await
    }
}

impl Manager for Pm2 {
    fn name(&self) -> &'static str {
        "pm2"
    }

    async fn up(&mut self, shape: &Shape) -> Result<Duration, String> {
        drive::bring_up(shape, false, self).await
    }

    async fn stop(&mut self, shape: &Shape) -> Result<(), String> {
        self.command(&format!("stop {}", shape.names().join(" ")))
            .await
    }

    async fn forget(&mut self, shape: &Shape) -> Result<(), String> {
        self.command(&format!("delete {}", shape.names().join(" ")))
            .await
    }

    fn pids(&self) -> Vec<u32> {
        self.daemon_pid().into_iter().collect()
    }

    fn restart_delay(&self) -> Option<Duration> {
        Some(Duration::from_millis(RESTART_DELAY_MS))
    }

    async fn shutdown(&mut self) {
        let daemon = self.daemon_pid();
        let _ = self.command("kill").await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.helper.wait()).await;
        if let Some(pid) = daemon {
            crate::measure::wait_gone(&[pid], Duration::from_secs(10)).await;
        }
    }
}
