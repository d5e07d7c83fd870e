//! The [`Exec`](super::Probe::Exec) probe: a program that speaks the service's own protocol
//! (`redis-cli -p 6379 ping`), judged by its exit code and what it prints.
//!
//! The program runs in a process group of its own with no input; at most [`OUTPUT_LIMIT`]
//! bytes of each of its outputs are kept (the rest is read and dropped, so a chatty program
//! never blocks on a full pipe). When the probe's time is up — the future is dropped — the
//! whole group is killed: a probe never leaves a process behind.

use std::os::unix::process::CommandExt;
use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::ProbeResult;
use super::probe_result::snippet_of;

/// How much of each output of the program is kept.
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// Kills the probe's process group when dropped (the probe's time is up, or it is done).
struct GroupGuard(Option<i32>);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.0 {
            // SAFETY: kill(2) with a negative pid signals that process group; no memory is
            // touched. The group is the probe's own (process_group(0) below).
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
}

/// Reads `r` to the end, keeping the first [`OUTPUT_LIMIT`] bytes.
async fn read_capped(mut r: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => return kept,
            Ok(n) => {
                let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
}

async fn read_capped_opt(r: Option<impl AsyncRead + Unpin>) -> Vec<u8> {
    match r {
        Some(r) => read_capped(r).await,
        None => Vec::new(),
    }
}

/// The first line of `s`, as `: line` (nothing when empty).
fn said(s: &str) -> String {
    let line = s.trim().lines().next().unwrap_or_default();
    if line.is_empty() {
        String::new()
    } else {
        format!(": {line}")
    }
}

/// Runs `argv` and judges it: healthy when it exits `expect_code` and, if given, its
/// standard output holds `expect_output`.
pub async fn exec(argv: &[String], expect_code: i32, expect_output: Option<&str>) -> ProbeResult {
    let Some((program, args)) = argv.split_first() else {
        return ProbeResult::unhealthy("invalid probe: no program");
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd.as_std_mut().process_group(0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return ProbeResult::unhealthy(format!("could not run `{program}`: {e}")),
    };
    let guard = GroupGuard(child.id().and_then(|id| i32::try_from(id).ok()));
    let out = tokio::spawn(read_capped_opt(child.stdout.take()));
    let err = tokio::spawn(read_capped_opt(child.stderr.take()));
    let status = child.wait().await;
    // The program is done; what it left running in its group goes with it (and so its
    // copies of the pipes close, ending the reads).
    drop(guard);
    let stdout = out.await.unwrap_or_default();
    let stderr = err.await.unwrap_or_default();
    let status = match status {
        Ok(s) => s,
        Err(e) => return ProbeResult::unhealthy(format!("waiting for `{program}` failed: {e}")),
    };
    let out_text = String::from_utf8_lossy(&stdout);
    let err_text = String::from_utf8_lossy(&stderr);
    let mut result = match status.code() {
        Some(code) if code == expect_code => match expect_output {
            Some(want) if !out_text.contains(want) => ProbeResult::unhealthy(format!(
                "`{program}` printed no {want:?}{}",
                said(&out_text)
            )),
            _ => ProbeResult::healthy(format!("`{program}` exited {code}{}", said(&out_text))),
        },
        Some(code) => ProbeResult::unhealthy(format!(
            "`{program}` exited {code}{}",
            said(if err_text.trim().is_empty() {
                &out_text
            } else {
                &err_text
            })
        )),
        None => ProbeResult::unhealthy(format!("`{program}` was killed by a signal")),
    };
    result.snippet = snippet_of(&stdout);
    result
}

#[cfg(test)]
mod tests {
    use crate::health::Probe;
    use std::time::Duration;

    #[tokio::test]
    async fn what_the_program_leaves_running_is_killed() {
        let marker = format!("hero-probe-marker-{}", std::process::id());
        let script = format!("(exec -a {marker} sleep 30) & echo PONG");
        let r = Probe::exec(["bash", "-c", script.as_str()])
            .expecting("PONG")
            .timeout(Duration::from_secs(5))
            .check()
            .await;
        assert!(r.healthy, "{r:?}");
        assert!(r.latency < Duration::from_secs(5), "{r:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let ps = std::process::Command::new("pgrep")
            .args(["-f", &marker])
            .output()
            .unwrap();
        assert!(ps.stdout.is_empty(), "left running: {ps:?}");
    }

    #[tokio::test]
    async fn its_own_timeout_applies() {
        let r = Probe::exec(["sleep", "10"])
            .timeout(Duration::from_millis(150))
            .check()
            .await;
        assert!(!r.healthy && r.detail.contains("no answer within"), "{r:?}");
    }

    #[tokio::test]
    async fn a_flood_of_output_is_capped() {
        let r = Probe::exec(["sh", "-c", "head -c 10000000 /dev/zero | tr '\\0' x; echo"])
            .check()
            .await;
        assert!(r.healthy, "{r:?}");
        assert!(r.snippet.len() < 1024, "{}", r.snippet.len());
    }
}
