//! Reading zinit's view of a service into a [`ProcessStatus`].
//!
//! zinit's states are `inactive`, `blocked`, `starting`, `running`, `stopping`, `exited`
//! and `failed`. It has no state for "waiting to restart": a crashed service stays
//! `failed` while its restart delay runs. Whether a restart is pending is derived from the
//! service's restart policy and its restart count (which zinit only shows in the text of
//! `debug.state`): a failure the policy restarts, with restarts left, is `backoff`; one
//! the policy does not restart is `exited`; one with no restarts left (or that could not
//! be spawned) is `failed`.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use crate::supervisor::{ExitReason, ProcessState, ProcessStatus};

/// What zinit says about one service, gathered from several calls.
#[derive(Clone, Debug, Default)]
pub(crate) struct ZinitView {
    /// The `state` object of `service.status_full`.
    pub state: Value,
    /// The service's config (`service.get`), when known.
    pub config: Value,
    /// Automatic restarts so far (from `debug.state`).
    pub restart_count: u32,
    /// hero_svc stopped it (zinit reports that as `exited`, like a clean exit).
    pub stopped_on_request: bool,
}

/// The status of service `name` as zinit sees it.
pub(crate) fn to_status(name: &str, view: &ZinitView) -> ProcessStatus {
    let state = &view.state;
    let kind = state.get("state").and_then(Value::as_str).unwrap_or("");
    let pid = state
        .get("pid")
        .and_then(Value::as_u64)
        .and_then(|p| u32::try_from(p).ok())
        .filter(|&p| p > 0);
    let lifecycle = &view.config["lifecycle"];
    let mut status = ProcessStatus {
        name: name.to_string(),
        state: ProcessState::Stopped,
        pid: None,
        uptime: None,
        restart_count: view.restart_count,
        last_exit: None,
        backoff: None,
        error: None,
        last_log_lines: Vec::new(),
        warnings: Vec::new(),
    };
    match kind {
        "starting" | "blocked" => {
            status.state = ProcessState::Starting;
            status.pid = pid;
        }
        "running" | "stopping" => {
            status.state = ProcessState::Running;
            status.pid = pid;
        }
        "exited" => {
            status.last_exit = Some(match state.get("exit_code").and_then(Value::as_i64) {
                Some(code) => ExitReason::Code(i32::try_from(code).unwrap_or(i32::MIN)),
                None => ExitReason::Unknown,
            });
            status.state = if view.stopped_on_request {
                ProcessState::Stopped
            } else {
                ProcessState::Exited
            };
        }
        "failed" => {
            let reason = &state["reason"];
            let exit = failure_exit(reason);
            status.last_exit = exit;
            status.error = Some(describe_failure(reason));
            let policy = lifecycle.get("restart").and_then(Value::as_str);
            let restarts = match (policy, exit) {
                (Some("always"), Some(_)) => true,
                (Some("on-failure" | "on_failure"), Some(e)) => !e.is_success(),
                _ => false,
            };
            let max = lifecycle
                .get("max_restarts")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let budget_left = max == 0 || u64::from(view.restart_count) < max;
            status.state = if view.stopped_on_request {
                ProcessState::Stopped
            } else if exit.is_some() && !restarts {
                // Ended, and its policy does not restart it: what the builtin calls exited.
                ProcessState::Exited
            } else if restarts && budget_left && view.restart_count > 0 {
                status.backoff = Some(pending_delay(lifecycle, view.restart_count));
                // zinit counts the pending restart already; it has not happened yet.
                status.restart_count = view.restart_count - 1;
                ProcessState::Backoff
            } else {
                ProcessState::Failed
            };
        }
        // "inactive": registered, never started or stopped before it ran.
        _ => {}
    }
    status
}

/// How a failed service ended, when it ended by itself.
fn failure_exit(reason: &Value) -> Option<ExitReason> {
    match reason.get("type").and_then(Value::as_str)? {
        "exit_code" => Some(ExitReason::Code(
            reason
                .get("code")
                .and_then(Value::as_i64)
                .and_then(|c| i32::try_from(c).ok())
                .unwrap_or(-1),
        )),
        "signal" => Some(ExitReason::Signal(
            reason
                .get("signal")
                .and_then(Value::as_i64)
                .and_then(|s| i32::try_from(s).ok())
                .unwrap_or(0),
        )),
        _ => None,
    }
}

fn describe_failure(reason: &Value) -> String {
    let kind = reason
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    match kind {
        "exit_code" | "signal" => format!("zinit: {}", kind.replace('_', " ")),
        "spawn_error" => format!(
            "zinit could not spawn it: {}",
            reason.get("message").and_then(Value::as_str).unwrap_or("")
        ),
        other => format!("zinit: {} {}", other.replace('_', " "), reason),
    }
}

/// The delay of the `count`-th restart: the initial delay doubled `count - 1` times,
/// capped.
fn pending_delay(lifecycle: &Value, count: u32) -> Duration {
    let initial = lifecycle
        .get("restart_delay_ms")
        .and_then(Value::as_u64)
        .unwrap_or(1000);
    let max = lifecycle
        .get("restart_delay_max_ms")
        .and_then(Value::as_u64)
        .unwrap_or(300_000);
    let factor = 1u64
        .checked_shl(count.saturating_sub(1))
        .unwrap_or(u64::MAX);
    Duration::from_millis(initial.saturating_mul(factor).min(max))
}

/// The restart counts in the text of `debug.state`: a service line
/// `[X] name - Failed (…)` is followed by `    restart_count: N, next_delay: Mms` when N > 0.
pub(crate) fn restart_counts(debug_state: &str) -> HashMap<String, u32> {
    let mut counts = HashMap::new();
    let mut current: Option<String> = None;
    for line in debug_state.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("restart_count: ") {
            let count = rest.split(',').next().and_then(|n| n.trim().parse().ok());
            if let (Some(name), Some(count)) = (current.take(), count) {
                counts.insert(name, count);
            }
            continue;
        }
        if line.starts_with('[') {
            current = line
                .split_once("] ")
                .and_then(|(_, rest)| rest.split_once(" - "))
                .map(|(name, _)| name.to_string());
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn view(state: Value, count: u32) -> ZinitView {
        ZinitView {
            state,
            config: json!({"lifecycle": {"restart": "always", "max_restarts": 3,
                "restart_delay_ms": 100, "restart_delay_max_ms": 1000}}),
            restart_count: count,
            stopped_on_request: false,
        }
    }

    #[test]
    fn failed_with_restarts_left_is_backoff() {
        let failed = json!({"state": "failed", "reason": {"type": "exit_code", "code": 1}});
        let s = to_status("a", &view(failed.clone(), 2));
        assert_eq!(s.state, ProcessState::Backoff);
        assert_eq!(s.backoff, Some(Duration::from_millis(200)));
        assert_eq!(
            s.restart_count, 1,
            "restarts done, the pending one excluded"
        );
        assert_eq!(s.last_exit, Some(ExitReason::Code(1)));
        assert_eq!(to_status("a", &view(failed, 3)).state, ProcessState::Failed);
        let running = to_status("a", &view(json!({"state": "running", "pid": 42}), 1));
        assert_eq!(
            (running.state, running.pid),
            (ProcessState::Running, Some(42))
        );
    }

    #[test]
    fn restart_counts_are_read_from_debug_state() {
        let text = "Services:\n[X] crashy - Failed (exited with code 1)\n    restart_count: 2, \
                    next_delay: 400ms\n[+] web - Running (pid=1, uptime=1s)\n";
        let counts = restart_counts(text);
        assert_eq!(counts.get("crashy"), Some(&2));
        assert_eq!(counts.get("web"), None);
    }
}
