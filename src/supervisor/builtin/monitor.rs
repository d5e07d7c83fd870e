//! The monitor task of one process: waits for the current instance to end, cleans up what
//! is left of its process group, and applies the restart policy — backoff delay, start
//! limit, respawn — until the process is stopped, exits for good, or fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::builtin_supervisor::Shared;
use super::entry::{Entry, Runtime};
use super::exit_waiter::ExitWaiter;
use super::{group_kill, log_file, proc_fs, reclaim, spawn};
use crate::supervisor::{ExitReason, ProcessState, SupervisorError};

/// Supervises `entry` from the instance `waiter` waits for; returns when no further
/// instance will be started.
pub(crate) async fn supervise(shared: Arc<Shared>, entry: Arc<Entry>, mut waiter: ExitWaiter) {
    loop {
        let exit = waiter.wait().await;
        let Some(mut delay) = after_exit(&shared, &entry, exit).await else {
            return;
        };
        // Start the next instance after `delay`; a start that fails for lack of resources
        // (descriptors, memory, disk) is tried again with backoff instead of giving up.
        waiter = loop {
            // Only a stop cuts the delay short: a wake-up left over from an earlier stop
            // (a `Notify` keeps one) must not skip the backoff of this run.
            let until = tokio::time::Instant::now() + delay;
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(until) => break,
                    () = entry.wake.notified() => {
                        if !entry.rt().desired_run {
                            break;
                        }
                    }
                }
            }
            let spec = {
                let mut rt = entry.rt();
                if !rt.desired_run {
                    return stopped(&shared, &mut rt);
                }
                rt.spec.clone()
            };
            let reclaimed = reclaim::reclaim(&spec).await;
            let secrets = shared.config.secrets.resolve(&spec).await;
            let log = shared.log_path(&spec.name);
            let mut rt = entry.rt();
            if !rt.desired_run {
                return stopped(&shared, &mut rt);
            }
            let _ = log_file::rotate_if_needed(&log, &rt.spec.log);
            let spawned = reclaimed
                .and(secrets)
                .and_then(|secrets| spawn::spawn(&rt.spec, &secrets, &log));
            match spawned {
                Ok(spawned) => {
                    rt.state = ProcessState::Running;
                    rt.pid = Some(spawned.pid);
                    rt.start_time = spawned.start_time;
                    rt.started = Some(Instant::now());
                    rt.restart_count += 1;
                    rt.starts.push_back(Instant::now());
                    rt.error = None;
                    shared.persist(&rt);
                    break ExitWaiter::Child(spawned.child);
                }
                Err(e) if e.is_for_lack_of_resources() => {
                    delay = rt.next_backoff;
                    rt.next_backoff = (delay * 2).min(shared.config.backoff_max);
                    rt.backoff = Some(delay);
                    rt.state = ProcessState::Backoff;
                    rt.error = Some(format!(
                        "could not be restarted ({}); trying again in {:.1}s",
                        render(&e),
                        delay.as_secs_f64()
                    ));
                    shared.persist(&rt);
                }
                Err(e) => {
                    fail(&shared, &mut rt, render(&e));
                    return;
                }
            }
        };
    }
}

/// Records the end of an instance and decides what comes next: `Some(delay)` before the
/// next start, or `None` when supervision of this run is over.
async fn after_exit(shared: &Shared, entry: &Entry, exit: ExitReason) -> Option<Duration> {
    let (pgid, start_time) = {
        let rt = entry.rt();
        (rt.pid, rt.start_time)
    };
    // Whatever is left of the group belongs to the dead instance: a restarted service must
    // not find its predecessor's children holding its sockets.
    if let Some(pgid) = pgid {
        if proc_fs::group_is_ours(pgid, start_time) {
            let _ = group_kill::kill_group(pgid).await;
        }
    }
    let config = &shared.config;
    // One update, so a status never shows a running state without its pid.
    let mut rt = entry.rt();
    // An adopted process stopped on request: its status is not ours to collect, but why
    // it ended is known.
    rt.last_exit = Some(match exit {
        ExitReason::Unknown if !rt.desired_run => ExitReason::Stopped,
        other => other,
    });
    rt.pid = None;
    rt.start_time = None;
    let uptime = rt.started.take().map(|s| s.elapsed());
    if !rt.desired_run {
        stopped(shared, &mut rt);
        return None;
    }
    if !rt.spec.restart.should_restart(exit.is_success()) {
        rt.state = ProcessState::Exited;
        rt.desired_run = false;
        rt.backoff = None;
        shared.persist(&rt);
        return None;
    }
    let now = Instant::now();
    while rt
        .starts
        .front()
        .is_some_and(|t| now.duration_since(*t) > config.start_limit_window)
    {
        rt.starts.pop_front();
    }
    if rt.starts.len() >= config.start_limit as usize {
        let message = format!(
            "started {} times within {:?} and exited every time (last: {exit}); start it \
             again once the cause is fixed",
            rt.starts.len(),
            config.start_limit_window
        );
        fail(shared, &mut rt, message);
        return None;
    }
    if uptime.is_some_and(|u| u >= config.stable_after) {
        rt.next_backoff = config.backoff_initial;
    }
    let delay = rt.next_backoff;
    rt.next_backoff = (delay * 2).min(config.backoff_max);
    rt.backoff = Some(delay);
    rt.state = ProcessState::Backoff;
    shared.persist(&rt);
    Some(delay)
}

fn stopped(shared: &Shared, rt: &mut Runtime) {
    rt.state = ProcessState::Stopped;
    rt.backoff = None;
    shared.persist(rt);
}

/// Marks the process `Failed`, keeping the last lines of its log.
pub(crate) fn fail(shared: &Shared, rt: &mut Runtime, message: String) {
    rt.state = ProcessState::Failed;
    rt.desired_run = false;
    rt.backoff = None;
    rt.error = Some(message);
    rt.last_log_lines = log_file::tail(
        &shared.log_path(&rt.spec.name),
        shared.config.failure_log_lines,
    )
    .unwrap_or_default();
    shared.persist(rt);
}

/// An error with its causes, for a status line.
pub(crate) fn render(error: &SupervisorError) -> String {
    let mut out = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
