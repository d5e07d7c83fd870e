//! What the harness observes from outside every manager: a service's `/health` over
//! loopback TCP, whether processes are gone, a process's RSS and CPU time from `/proc`.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What one `GET /health` found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// 200, from the process with this pid.
    Ready(u32),
    /// Answered, not 200 (still in its ready delay).
    Starting,
    /// Nothing listens (or the answer broke off).
    Down,
}

/// One `GET /health` on `127.0.0.1:port`, given at most a second.
pub async fn health(port: u16) -> Health {
    match tokio::time::timeout(Duration::from_secs(1), get_health(port)).await {
        Ok(Some(h)) => h,
        _ => Health::Down,
    }
}

async fn get_health(port: u16) -> Option<Health> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    s.set_nodelay(true).ok()?;
    s.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut buf = Vec::with_capacity(512);
    s.read_to_end(&mut buf).await.ok()?;
    let text = String::from_utf8_lossy(&buf);
    let status = text.split(' ').nth(1)?;
    if status != "200" {
        return Some(Health::Starting);
    }
    let body = text.split("\r\n\r\n").nth(1)?;
    let v: serde_json::Value = serde_json::from_str(body.trim()).ok()?;
    Some(Health::Ready(u32::try_from(v["pid"].as_u64()?).ok()?))
}

/// Polls `port` every `every` until a process other than `not` answers 200; its pid.
pub async fn wait_ready(
    port: u16,
    not: Option<u32>,
    every: Duration,
    limit: Duration,
) -> Option<u32> {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if let Health::Ready(pid) = health(port).await {
            if Some(pid) != not {
                return Some(pid);
            }
        }
        tokio::time::sleep(every).await;
    }
    None
}

/// Whether process `pid` is gone (no such process, or a zombie awaiting its reaper).
pub fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

/// Polls every 0.5 ms until every one of `pids` is gone; false after `limit`.
pub async fn wait_gone(pids: &[u32], limit: Duration) -> bool {
    let until = Instant::now() + limit;
    loop {
        if pids.iter().all(|p| gone(*p)) {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}

/// A process's resident set and CPU time so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcSample {
    pub rss_kib: u64,
    pub cpu: Duration,
}

/// `/proc/<pid>` read now; `None` when the process is gone.
pub fn sample(pid: u32) -> Option<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kib = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    // After the command: state is field 3; utime and stime are fields 14 and 15.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(ProcSample {
        rss_kib,
        cpu: Duration::from_secs_f64(ticks as f64 / hz as f64),
    })
}

/// The sum of samples of `pids` (a manager of several processes).
pub fn sample_all(pids: &[u32]) -> ProcSample {
    pids.iter()
        .filter_map(|p| sample(*p))
        .fold(ProcSample::default(), |a, s| ProcSample {
            rss_kib: a.rss_kib + s.rss_kib,
            cpu: a.cpu + s.cpu,
        })
}

/// Kills (SIGKILL, whole process groups) every process whose command line mentions
/// `dir`, except this one: what a failed run may have left behind.
pub fn kill_leftovers(dir: &Path) -> usize {
    let needle = dir.display().to_string();
    let me = std::process::id();
    let mut killed = 0;
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmd).contains(&needle) {
            // SAFETY: signals to processes this run started (their command line names its
            // temp dir).
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            killed += 1;
        }
    }
    killed
}

/// Ends a manager process the harness started: SIGTERM, up to `grace` to exit, then SIGKILL.
pub async fn terminate(child: &mut std::process::Child, grace: Duration) {
    signal(child.id(), libc::SIGTERM);
    let until = Instant::now() + grace;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends `signal` to `pid`.
pub fn signal(pid: u32, signal: i32) {
    // SAFETY: a plain kill(2).
    unsafe { libc::kill(pid as i32, signal) };
}

/// The median of `v` (sorted in place); 0 when empty.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
