//! [`PlainReporter`]: one line per event, for logs that are read later (CI).
//!
//! Every line is `[elapsed] verb     task-label details`; apart from the timestamp column
//! the output of a run is deterministic. Log lines carry their task's label, so the lines
//! of tasks that run at once can be told apart. Progress is printed at most once per task
//! and 10% step, and only when the total is known.
//!
//! ```text
//! [   0.000s] run      install: 3 tasks
//! [   0.012s] start    install hero_db (never ran)
//! [   0.530s] log      install hero_db | fetching v0.3.2
//! [   1.204s] ok       install hero_db (1.2s)
//! [   1.204s] FAILED   build x: `cargo` exited with status 101 (3.1s)
//!                        | error: could not compile `x`
//! [   1.204s] skip     start x (dependency `build:x` failed)
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use super::ReporterError;
use super::output::Output;
use super::summary::{SUMMARY_LOG_LINES, render_summary};
use super::text::{clean_line, format_duration_ms};
use crate::graph::{Event, EventKind, ExecutionReport, TaskStatus};
use crate::tasks::TaskKey;

/// Where the log tail under a `FAILED` line starts: under the task label.
const TAIL_INDENT: usize = "[   0.000s] FAILED   ".len() + 2;

/// Writes one line per event.
pub(crate) struct PlainReporter {
    out: Output,
    tasks: HashMap<TaskKey, PlainTask>,
}

/// What the reporter remembers of a started task.
struct PlainTask {
    label: Arc<str>,
    /// The last 10% step printed.
    decile: Option<u64>,
}

impl PlainReporter {
    pub(crate) fn new(out: Output) -> Self {
        Self {
            out,
            tasks: HashMap::new(),
        }
    }

    pub(crate) fn on_event(&mut self, event: &Event) {
        for line in self.render(event) {
            self.out.line(&line);
        }
        self.out.flush();
    }

    pub(crate) fn finish(&mut self, report: &ExecutionReport) -> Result<(), ReporterError> {
        self.out.lines(&render_summary(report));
        self.out.finish()
    }

    fn label(&self, task: &TaskKey) -> Arc<str> {
        self.tasks
            .get(task)
            .map_or_else(|| Arc::from(task.as_str()), |t| t.label.clone())
    }

    /// The lines for `event` (none for progress that is not worth a line).
    pub(crate) fn render(&mut self, event: &Event) -> Vec<String> {
        let stamp = format!("[{:>8.3}s]", event.elapsed_us as f64 / 1e6);
        let line = |verb: &str, rest: String| format!("{stamp} {verb:<8} {rest}");
        match &event.kind {
            EventKind::RunWaiting { service, holder } => vec![line(
                "wait",
                format!("waiting for {service}: operation {holder} holds it"),
            )],
            EventKind::RunStarted {
                operation, tasks, ..
            } => vec![line("run", format!("{operation}: {tasks} tasks"))],
            EventKind::TaskStarted {
                task,
                label,
                reason,
                ..
            } => {
                self.tasks.insert(
                    task.clone(),
                    PlainTask {
                        label: label.clone(),
                        decile: None,
                    },
                );
                vec![line("start", format!("{label} ({reason})"))]
            }
            EventKind::TaskProgressed {
                task,
                done,
                total,
                message,
                ..
            } => {
                let Some(total) = total.filter(|t| *t > 0) else {
                    return Vec::new();
                };
                let percent = done.saturating_mul(100) / total;
                let decile = percent.min(100) / 10;
                let Some(state) = self.tasks.get_mut(task) else {
                    return Vec::new();
                };
                if state.decile.is_some_and(|d| d >= decile) {
                    return Vec::new();
                }
                state.decile = Some(decile);
                let mut rest = format!("{} {}% ({done}/{total})", state.label, percent.min(100));
                if let Some(m) = message {
                    rest.push_str(": ");
                    rest.push_str(&clean_line(m));
                }
                vec![line("progress", rest)]
            }
            EventKind::TaskLogged { task, line: l, .. } => {
                vec![line(
                    "log",
                    format!("{} | {}", self.label(task), clean_line(l)),
                )]
            }
            EventKind::TaskWaiting { task, reason } => {
                vec![line("wait", format!("{}: {reason}", self.label(task)))]
            }
            EventKind::TaskRetrying {
                task,
                attempt,
                delay_ms,
                error,
            } => vec![line(
                "retry",
                format!(
                    "{}: attempt {attempt} failed: {error}; trying again in {}",
                    self.label(task),
                    format_duration_ms(*delay_ms as f64)
                ),
            )],
            EventKind::TaskFinished {
                task,
                status,
                duration_ms,
                error,
                log_tail,
                output,
                ..
            } => {
                let label = self.label(task);
                let took = format_duration_ms(*duration_ms);
                let mut lines = match status {
                    TaskStatus::Succeeded => {
                        let mut rest = format!("{label} ({took})");
                        if let Some(o) = output {
                            rest.push_str(" → ");
                            rest.push_str(o);
                        }
                        vec![line("ok", rest)]
                    }
                    TaskStatus::Failed => {
                        vec![line(
                            "FAILED",
                            format!("{label}: {} ({took})", error.join(": ")),
                        )]
                    }
                    TaskStatus::Cancelled => vec![line("cancel", format!("{label} ({took})"))],
                    other => vec![line(other.as_str(), format!("{label} ({took})"))],
                };
                let shown = log_tail.len().min(SUMMARY_LOG_LINES);
                for l in &log_tail[log_tail.len() - shown..] {
                    lines.push(format!("{:TAIL_INDENT$}| {}", "", clean_line(l)));
                }
                lines
            }
            EventKind::TaskSkipped {
                label,
                status,
                reason,
                ..
            } => {
                let verb = match status {
                    TaskStatus::UpToDate => "uptodate",
                    TaskStatus::Cancelled => "cancel",
                    _ => "skip",
                };
                let reason = reason.strip_prefix("up to date: ").unwrap_or(reason);
                vec![line(verb, format!("{label} ({reason})"))]
            }
            EventKind::RunFinished {
                status,
                duration_ms,
                ..
            } => {
                let status = status.as_str();
                vec![line(
                    "done",
                    format!("{status} in {}", format_duration_ms(*duration_ms)),
                )]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::ProgressUnit;
    use crate::tasks::{LogStream, ResourceClass};
    use std::borrow::Cow;

    fn event(elapsed_us: u64, kind: EventKind) -> Event {
        Event {
            run_id: uuid::Uuid::nil(),
            elapsed_us,
            kind,
        }
    }

    fn started(key: &str, label: &str) -> EventKind {
        EventKind::TaskStarted {
            task: TaskKey::new(key),
            kind: Cow::Borrowed("command"),
            label: Arc::from(label),
            resource: ResourceClass::Process,
            reason: "never ran".to_string(),
            group: None,
        }
    }

    fn render_all(events: Vec<Event>) -> Vec<String> {
        let mut r = PlainReporter::new(Output::new(Box::new(std::io::sink())));
        events.iter().flat_map(|e| r.render(e)).collect()
    }

    #[test]
    fn lines_of_a_failing_task() {
        let key = TaskKey::new("build:x");
        let lines = render_all(vec![
            event(12_000, started("build:x", "build x")),
            event(
                500_000,
                EventKind::TaskLogged {
                    task: key.clone(),
                    stream: LogStream::Stderr,
                    line: "\u{1b}[31merror\u{1b}[0m: boom".to_string(),
                },
            ),
            event(
                1_204_000,
                EventKind::TaskFinished {
                    task: key,
                    status: TaskStatus::Failed,
                    duration_ms: 1192.0,
                    attempts: 1,
                    error: vec!["`cargo` exited with status 101".to_string()],
                    log_tail: vec!["error: boom".to_string()],
                    output: None,
                },
            ),
        ]);
        assert_eq!(
            lines,
            [
                "[   0.012s] start    build x (never ran)",
                "[   0.500s] log      build x | error: boom",
                "[   1.204s] FAILED   build x: `cargo` exited with status 101 (1.2s)",
                "                       | error: boom",
            ]
        );
    }

    #[test]
    fn progress_is_printed_once_per_tenth() {
        let key = TaskKey::new("dl");
        let mut events = vec![event(0, started("dl", "download"))];
        for done in (0..=1000).step_by(50) {
            events.push(event(
                1,
                EventKind::TaskProgressed {
                    task: key.clone(),
                    done,
                    total: Some(1000),
                    message: None,
                    unit: ProgressUnit::Bytes,
                },
            ));
        }
        events.push(event(
            2,
            EventKind::TaskProgressed {
                task: key,
                done: 3,
                total: None,
                message: Some("no total".to_string()),
                unit: ProgressUnit::Bytes,
            },
        ));
        let progress: Vec<String> = render_all(events)
            .into_iter()
            .filter(|l| l.contains("progress"))
            .map(|l| l[12..].to_string())
            .collect();
        assert_eq!(progress.len(), 11);
        assert_eq!(progress[0], "progress download 0% (0/1000)");
        assert_eq!(progress[10], "progress download 100% (1000/1000)");
    }

    #[test]
    fn skips_say_why() {
        let lines = render_all(vec![
            event(
                0,
                EventKind::TaskSkipped {
                    task: TaskKey::new("w"),
                    label: Arc::from("write x"),
                    status: TaskStatus::UpToDate,
                    reason: "up to date: x is unchanged".to_string(),
                    group: None,
                },
            ),
            event(
                0,
                EventKind::TaskSkipped {
                    task: TaskKey::new("s"),
                    label: Arc::from("start x"),
                    status: TaskStatus::Skipped,
                    reason: "dependency `b` failed".to_string(),
                    group: None,
                },
            ),
        ]);
        assert_eq!(
            lines,
            [
                "[   0.000s] uptodate write x (x is unchanged)",
                "[   0.000s] skip     start x (dependency `b` failed)",
            ]
        );
    }
}
