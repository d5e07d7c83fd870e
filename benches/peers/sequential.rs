//! The plain sequential start the nu scripts did: spawn one service, wait until it
//! answers `/health`, spawn the next — in dependency order, no manager, nothing restarts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::drive::{self, Starter};
use crate::manager::Manager;
use crate::shape::{Shape, Stack};

pub struct Sequential {
    stack: Stack,
    logs: PathBuf,
    children: BTreeMap<String, Child>,
}

impl Sequential {
    pub fn new(dir: &Path, stack: &Stack) -> Result<Self, String> {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
        Ok(Self {
            stack: stack.clone(),
            logs,
            children: BTreeMap::new(),
        })
    }
}

impl Starter for Sequential {
    async fn start(&mut self, names: Vec<String>) -> Result<(), String> {
        for n in names {
            let svc = self
                .stack
                .svc(&n)
                .ok_or_else(|| format!("{n} is not in the stack"))?;
            let argv = self.stack.argv(svc);
            let log = std::fs::File::create(self.logs.join(format!("{n}.log")))
                .map_err(|e| e.to_string())?;
            let child = Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(|e| e.to_string())?)
                .stderr(log)
                .spawn()
                .map_err(|e| format!("cannot start {n}: {e}"))?;
            self.children.insert(n, child);
        }
        Ok(())
    }
}

impl Manager for Sequential {
    fn name(&self) -> &'static str {
        "sequential"
    }

    async fn up(&mut self, shape: &Shape) -> Result<Duration, String> {
        drive::bring_up(shape, true, self).await
    }

    async fn stop(&mut self, shape: &Shape) -> Result<(), String> {
        for n in shape.names() {
            if let Some(c) = self.children.get(&n) {
                crate::measure::signal(c.id(), libc::SIGTERM);
            }
        }
        for n in shape.names() {
            if let Some(mut c) = self.children.remove(&n) {
                let _ = c.wait();
            }
        }
        Ok(())
    }

    fn pids(&self) -> Vec<u32> {
        Vec::new()
    }

    fn restart_delay(&self) -> Option<Duration> {
        None
    }

    async fn shutdown(&mut self) {
        for c in self.children.values_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.children.clear();
    }
}
