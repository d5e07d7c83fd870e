//! The test behaviours that have nothing to do with serving: startup lines, a periodic
//! counter, and a long-lived grandchild process.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::console;
use crate::error::DemoError;

/// Prints `count` numbered lines to stdout and as many to stderr.
pub fn print_lines(name: &str, count: u64) {
    for i in 1..=count {
        console::out(&format!("hero_demo {name} stdout line {i}/{count}"));
        console::err(&format!("hero_demo {name} stderr line {i}/{count}"));
    }
}

/// Spawns `sleep 3600` (a grandchild of whoever supervises us, in our process group and
/// sharing our stdout/stderr), prints `grandchild pid=N` and returns the pid.
///
/// The child is reaped by a background thread if it dies while we live; when we exit it
/// lives on, which is the point: supervisors must clean it up.
pub fn spawn_grandchild() -> Result<u32, DemoError> {
    let mut child = Command::new("sleep")
        .arg("3600")
        .stdin(Stdio::null())
        .spawn()
        .map_err(DemoError::SpawnGrandchild)?;
    let pid = child.id();
    std::thread::spawn(move || child.wait());
    console::out(&format!("grandchild pid={pid}"));
    Ok(pid)
}

/// Prints a counter line to stdout every `every`, and to stderr on every other tick.
pub async fn log_ticker(name: String, every: Duration) {
    let mut interval = tokio::time::interval(every);
    interval.tick().await;
    let mut tick: u64 = 0;
    loop {
        interval.tick().await;
        tick += 1;
        console::out(&format!("hero_demo {name} stdout tick={tick}"));
        if tick % 2 == 0 {
            console::err(&format!("hero_demo {name} stderr tick={tick}"));
        }
    }
}
