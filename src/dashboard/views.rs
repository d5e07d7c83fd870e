//! The pages' templates (askama, compiled into the binary from `templates/dashboard/`) and
//! the rows they show, with every value already in the words a person reads. Askama
//! escapes everything; only the engine's own SVG pictures go in as markup.

use askama::Template;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What every page shows around its content.
#[derive(Clone, Debug)]
pub struct Chrome {
    /// The program (`hero_svc`).
    pub program: String,
    /// Its version.
    pub version: &'static str,
    /// The catalog shown.
    pub catalog: String,
    /// The daemon's pid.
    pub pid: u32,
    /// Whether the page updates by itself.
    pub live: bool,
    /// The dashboard's root relative to the page (`./`, `../`): every URL in it starts so.
    pub root: String,
}

/// The actions on one service.
pub const SERVICE_ACTIONS: &[&str] = &["deploy", "start", "stop", "restart", "upgrade"];
/// The actions on the whole stack.
pub const STACK_ACTIONS: &[&str] = &["deploy", "start", "stop", "restart", "upgrade"];

/// One service as the stack page (and its JSON) shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ServiceRow {
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: String,
    /// `running`, `partial`, `failed`, `stopped`, `not started`.
    pub state: String,
    /// The state as a CSS class.
    pub state_class: String,
    /// `healthy`, `unhealthy`, `starting`, `unknown`.
    pub health: String,
    /// What the last probe saw.
    pub health_detail: String,
    /// The installed version (`—` when none).
    pub version: String,
    /// The pids of its processes that run.
    pub pids: String,
    /// The uptime of its youngest running process.
    pub uptime: String,
    /// Automatic restarts of its processes.
    pub restarts: u32,
    /// The groups it is in.
    pub groups: String,
    /// Its binaries against what was installed and the newest release: `up to date`,
    /// `modified binary`, `newer release v1.2.0`, `not installed`, `release check failed: …`.
    pub freshness: String,
    /// The freshness as a CSS class (`modified_binary`).
    pub freshness_class: String,
    /// Why, binary by binary.
    pub freshness_detail: String,
}

/// A section of the stack page.
#[derive(Clone, Debug)]
pub struct GroupView {
    /// The group (or "other services").
    pub name: String,
    /// Its services not shown under an earlier group.
    pub services: Vec<ServiceRow>,
}

/// `/`.
#[derive(Template)]
#[template(path = "dashboard/stack.html")]
pub struct StackPage {
    pub chrome: Chrome,
    pub total: usize,
    pub healthy: usize,
    pub groups: Vec<GroupView>,
    pub stack_ops: &'static [&'static str],
    pub service_ops: &'static [&'static str],
    pub generated_at: String,
}

/// A process on the service page.
#[derive(Clone, Debug)]
pub struct ProcessRow {
    pub name: String,
    pub state: String,
    pub state_class: String,
    pub pid: String,
    pub uptime: String,
    pub restarts: u32,
    pub reason: String,
}

/// A recorded operation on the service page.
#[derive(Clone, Debug)]
pub struct OperationRow {
    pub run_id: String,
    pub operation: String,
    pub status: String,
    pub started: String,
    pub duration: String,
    pub error: String,
}

/// A failed task: its error chain and its log tail.
#[derive(Clone, Debug)]
pub struct FailureView {
    pub key: String,
    pub label: String,
    pub error: Vec<String>,
    pub log_tail: Vec<String>,
}

/// `/services/{name}`.
#[derive(Template)]
#[template(path = "dashboard/service.html")]
pub struct ServicePage {
    pub chrome: Chrome,
    pub row: ServiceRow,
    pub service_ops: &'static [&'static str],
    pub processes: Vec<ProcessRow>,
    pub dependencies: Vec<String>,
    pub dependents: Vec<String>,
    pub facts: Vec<(String, String)>,
    pub log_lines: Vec<(String, String)>,
    pub health_now: String,
    pub health_now_class: String,
    pub recent: Vec<OperationRow>,
    pub last_failure: Vec<FailureView>,
    pub last_failure_id: String,
}

/// A run on the executions page.
#[derive(Clone, Debug)]
pub struct ExecutionRow {
    pub id: String,
    pub operation: String,
    pub services: String,
    pub status: String,
    pub started: String,
    pub duration: String,
}

/// `/executions`.
#[derive(Template)]
#[template(path = "dashboard/executions.html")]
pub struct ExecutionsPage {
    pub chrome: Chrome,
    pub rows: Vec<ExecutionRow>,
}

/// `/executions/{id}`.
#[derive(Template)]
#[template(path = "dashboard/run.html")]
pub struct RunPage {
    pub chrome: Chrome,
    pub id: String,
    pub operation: String,
    pub status: String,
    pub services: String,
    pub started: String,
    pub duration: String,
    pub cursor: usize,
    pub finished: bool,
    pub dag_svg: String,
    pub gantt_svg: Option<String>,
    pub critical_path: String,
    pub failed: Vec<FailureView>,
}

/// `/actions/confirm`.
#[derive(Template)]
#[template(path = "dashboard/confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub question: String,
    pub explanation: String,
    pub operation: String,
    pub service: String,
    pub form_token: String,
    pub back: String,
}

/// A page that says what went wrong.
#[derive(Template)]
#[template(path = "dashboard/error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
}

/// `ms` as a person reads an uptime: `42s`, `3m 04s`, `2h 03m`, `3d 04h`.
pub fn uptime(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A run's wall time: `850 ms`, `2.4 s`, `3m 05s`.
pub fn duration(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "—".to_string();
    }
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        uptime(ms as u64)
    }
}

/// A moment, in UTC.
pub fn moment(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_well() {
        assert_eq!(uptime(999), "0s");
        assert_eq!(uptime(64_000), "1m 04s");
        assert_eq!(uptime(7_380_000), "2h 03m");
        assert_eq!(uptime(273_600_000), "3d 04h");
        assert_eq!(duration(12.4), "12 ms");
        assert_eq!(duration(2_400.0), "2.4 s");
        assert_eq!(duration(f64::NAN), "—");
    }
}
