//! Ending a whole process group: the stop signal, a grace period, then SIGKILL, until no
//! process of the group is left ([`proc_fs::group_is_empty`]: `killpg(pgid, 0)` and the
//! leader's `/proc` entry in the common cases, a scan of `/proc` — which, unlike `killpg`,
//! ignores zombies nobody reaps — only when those cannot tell).

use std::time::{Duration, Instant};

use super::proc_fs;

/// How long SIGKILL is given to take effect.
const KILL_GRACE: Duration = Duration::from_secs(5);

/// Sends `signal` to group `pgid`, waits up to `timeout` for it to empty, then SIGKILLs it.
/// Returns the pids still alive after SIGKILL, if any.
pub(crate) async fn stop_group(pgid: u32, signal: i32, timeout: Duration) -> Result<(), Vec<u32>> {
    if !is_killable(pgid) || proc_fs::group_is_empty(pgid) {
        return Ok(());
    }
    signal_group(pgid, signal);
    // A stopped (SIGSTOP) process would not act on the signal until continued.
    signal_group(pgid, libc::SIGCONT);
    if wait_empty(pgid, timeout).await {
        return Ok(());
    }
    kill_group(pgid).await
}

/// SIGKILLs group `pgid` and waits for it to empty.
pub(crate) async fn kill_group(pgid: u32) -> Result<(), Vec<u32>> {
    if !is_killable(pgid) || proc_fs::group_is_empty(pgid) {
        return Ok(());
    }
    signal_group(pgid, libc::SIGKILL);
    if wait_empty(pgid, KILL_GRACE).await {
        Ok(())
    } else {
        Err(proc_fs::group_members(pgid))
    }
}

/// Never signal init's group or our own.
fn is_killable(pgid: u32) -> bool {
    // SAFETY: getpgrp has no preconditions.
    let own = unsafe { libc::getpgrp() };
    pgid > 1 && i64::from(pgid) != i64::from(own)
}

fn signal_group(pgid: u32, signal: i32) {
    if let Ok(pgid) = libc::pid_t::try_from(pgid) {
        // SAFETY: killpg only sends a signal; failure (ESRCH) means the group is gone.
        unsafe { libc::killpg(pgid, signal) };
    }
}

async fn wait_empty(pgid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    // Most services exit within a millisecond of the signal: look again soon, then back
    // off (a scan of /proc costs a fraction of a millisecond).
    let mut pause = Duration::from_millis(1);
    loop {
        if proc_fs::group_is_empty(pgid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// Signals one process and waits for it to die: `signal`, `timeout`, SIGKILL.
pub(crate) async fn stop_pid(pid: u32, signal: i32, timeout: Duration) -> bool {
    let Ok(raw) = libc::pid_t::try_from(pid) else {
        return false;
    };
    let Some(start_time) = proc_fs::stat(pid).map(|s| s.start_time) else {
        return true;
    };
    let gone = || !proc_fs::is_instance(pid, start_time);
    for (sig, wait) in [(signal, timeout), (libc::SIGKILL, KILL_GRACE)] {
        // SAFETY: kill only sends a signal.
        unsafe { libc::kill(raw, sig) };
        let deadline = Instant::now() + wait;
        while !gone() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if gone() {
            return true;
        }
    }
    false
}
