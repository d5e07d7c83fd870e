//! The end-of-run summary: a pure function of the [`ExecutionReport`], printed by every
//! mode but json (quiet prints only its failures).
//!
//! ```text
//! ✗ build x (build:x)
//!     error: `cargo build` exited with status 101
//!     caused by: …
//!     last 2 lines of output:
//!       | error[E0425]: cannot find value `y`
//!       | error: could not compile `x`
//! - install x: dependency `build:x` failed
//! deploy failed: 12 succeeded, 3 up to date, 1 failed, 1 skipped in 4.2s
//! critical path (3.9s): fetch 120ms → build x 3.7s → install x 80ms
//! ```

use std::fmt::Write as _;

use super::text::{clean_line, format_duration_ms};
use crate::graph::{ExecutionReport, TaskReport, TaskStatus};

/// How many of a failed task's last output lines the summary shows.
pub const SUMMARY_LOG_LINES: usize = 15;

/// The widest a step's label gets on the one-line critical path.
const STEP_LABEL_WIDTH: usize = 36;

/// How many skipped or cancelled tasks the summary names before it only counts them.
pub const SUMMARY_SKIPPED_TASKS: usize = 10;

/// The whole summary: every failure with its error chain and last lines of output, the
/// tasks that did not run and why, the totals, and the critical path. Ends with a newline.
pub fn render_summary(report: &ExecutionReport) -> String {
    let mut s = render_failures(report);
    render_not_run(report, &mut s);
    let _ = writeln!(s, "{}", totals_line(report));
    let path = &report.critical_path;
    if !path.steps.is_empty() {
        let steps: Vec<String> = path
            .steps
            .iter()
            .map(|step| match step.queued_ms {
                Some(q) => format!(
                    "{} {} (queued {})",
                    step.label,
                    format_duration_ms(step.duration_ms),
                    format_duration_ms(q)
                ),
                None => format!("{} {}", step.label, format_duration_ms(step.duration_ms)),
            })
            .collect();
        let _ = writeln!(
            s,
            "critical path ({}): {}",
            format_duration_ms(path.duration_ms),
            steps.join(" → ")
        );
    }
    s
}

/// The summary under the live display, whose header already has the totals: the
/// failures in full, what did not run, and the critical path on one line of at most
/// `width` columns (its shortest steps left out, marked `…`) — when anything ran. Empty
/// when there is nothing to add (a run that was all up to date).
pub fn render_tty_summary(report: &ExecutionReport, width: usize) -> String {
    let mut s = render_failures(report);
    render_not_run(report, &mut s);
    let ran = report.totals.succeeded + report.totals.failed > 0;
    if ran && !report.critical_path.steps.is_empty() {
        let _ = writeln!(s, "{}", critical_path_line(report, width));
    }
    s
}

/// `critical path 4.2s: fetch 120ms → build x 3.7s → … → install x 80ms`, within `width`
/// columns: the shortest steps give way first.
fn critical_path_line(report: &ExecutionReport, width: usize) -> String {
    let path = &report.critical_path;
    let head = format!("critical path {}: ", format_duration_ms(path.duration_ms));
    let steps: Vec<(String, f64)> = path
        .steps
        .iter()
        .map(|s| {
            (
                format!(
                    "{} {}",
                    super::text::cut(&s.label, STEP_LABEL_WIDTH),
                    format_duration_ms(s.duration_ms)
                ),
                s.duration_ms,
            )
        })
        .collect();
    let mut keep = vec![true; steps.len()];
    let mut by_length: Vec<usize> = (0..steps.len()).collect();
    by_length.sort_by(|&a, &b| steps[a].1.total_cmp(&steps[b].1));
    // The longest step stays, whatever the width.
    by_length.pop();
    let render = |keep: &[bool]| {
        let mut parts: Vec<&str> = Vec::new();
        for (i, (text, _)) in steps.iter().enumerate() {
            if keep[i] {
                parts.push(text);
            } else if parts.last() != Some(&"…") {
                parts.push("…");
            }
        }
        format!("{head}{}", parts.join(" → "))
    };
    let mut line = render(&keep);
    for i in by_length {
        if console::measure_text_width(&line) <= width {
            break;
        }
        keep[i] = false;
        line = render(&keep);
    }
    super::text::cut(&line, width).into_owned()
}

/// Only the failures (what quiet mode prints): each failed task with its error chain and
/// last lines of output. Empty when nothing failed.
pub fn render_failures(report: &ExecutionReport) -> String {
    let mut s = String::new();
    for task in report.failed() {
        render_failure(task, &mut s);
    }
    s
}

fn render_failure(task: &TaskReport, s: &mut String) {
    let _ = writeln!(s, "✗ {}", name(task));
    let mut chain = task.error.iter();
    match chain.next() {
        Some(first) => {
            let _ = writeln!(s, "    error: {first}");
        }
        None => {
            let _ = writeln!(s, "    error: (no message)");
        }
    }
    for cause in chain {
        let _ = writeln!(s, "    caused by: {cause}");
    }
    if task.attempts > 1 {
        let _ = writeln!(s, "    after {} attempts", task.attempts);
    }
    if !task.log_tail.is_empty() {
        let shown = task.log_tail.len().min(SUMMARY_LOG_LINES);
        let header = if shown < task.log_tail.len() {
            format!("last {shown} of {} lines of output", task.log_tail.len())
        } else if shown == 1 {
            "last line of output".to_string()
        } else {
            format!("last {shown} lines of output")
        };
        let _ = writeln!(s, "    {header}:");
        for line in &task.log_tail[task.log_tail.len() - shown..] {
            let _ = writeln!(s, "      | {}", clean_line(line));
        }
    }
}

/// Skipped and cancelled tasks with their reasons, the first few by name.
fn render_not_run(report: &ExecutionReport, s: &mut String) {
    let not_run: Vec<&TaskReport> = report
        .tasks
        .iter()
        .filter(|t| matches!(t.status, TaskStatus::Skipped | TaskStatus::Cancelled))
        .collect();
    for task in not_run.iter().take(SUMMARY_SKIPPED_TASKS) {
        let why = task.reason.as_deref().unwrap_or(task.status.as_str());
        let _ = writeln!(s, "- {}: {why}", name(task));
    }
    if not_run.len() > SUMMARY_SKIPPED_TASKS {
        let _ = writeln!(
            s,
            "- … and {} more not run",
            not_run.len() - SUMMARY_SKIPPED_TASKS
        );
    }
}

/// `deploy failed: 12 succeeded, 3 up to date, 1 failed, 2 skipped in 4.2s`.
fn totals_line(report: &ExecutionReport) -> String {
    let t = &report.totals;
    let counts = [
        (t.succeeded, "succeeded"),
        (t.up_to_date, "up to date"),
        (t.failed, "failed"),
        (t.skipped, "skipped"),
        (t.cancelled, "cancelled"),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    let counts = if parts.is_empty() {
        "no tasks".to_string()
    } else {
        parts.join(", ")
    };
    let status = report.status.as_str();
    format!(
        "{} {status}: {counts} in {}",
        report.operation,
        format_duration_ms(report.duration_ms)
    )
}

/// The label, with the key when it says something the label does not.
fn name(task: &TaskReport) -> String {
    if task.label == task.key.as_str() {
        task.label.clone()
    } else {
        format!("{} ({})", task.label, task.key)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::graph::{CriticalPath, CriticalStep, REPORT_VERSION, RunStatus, Totals};
    use crate::tasks::TaskKey;

    fn task(key: &str, label: &str, status: TaskStatus) -> TaskReport {
        TaskReport {
            key: TaskKey::new(key),
            kind: "noop".to_string(),
            label: label.to_string(),
            status,
            reason: None,
            error: Vec::new(),
            log_tail: Vec::new(),
            start_offset_ms: None,
            duration_ms: None,
            queued_ms: None,
            attempts: 1,
            output: None,
            after: Vec::new(),
        }
    }

    fn step(key: &str, start: f64, duration: f64) -> CriticalStep {
        CriticalStep {
            key: TaskKey::new(key),
            label: key.to_string(),
            start_offset_ms: start,
            duration_ms: duration,
            queued_ms: None,
        }
    }

    /// A failed deploy: one task ran, one was up to date, one failed, one was not run.
    pub(in crate::cli::reporter) fn report() -> ExecutionReport {
        let mut failed = task("build:x", "build x", TaskStatus::Failed);
        failed.error = vec![
            "`cargo build` exited with status 101".to_string(),
            "linker not found".to_string(),
        ];
        failed.log_tail = (1..=20).map(|i| format!("line {i}")).collect();
        failed.attempts = 2;
        let mut skipped = task("install:x", "install x", TaskStatus::Skipped);
        skipped.reason = Some("dependency `build:x` failed".to_string());
        let started = chrono::DateTime::UNIX_EPOCH;
        ExecutionReport {
            version: REPORT_VERSION,
            run_id: uuid::Uuid::nil(),
            operation: "deploy".to_string(),
            status: RunStatus::Failed,
            started_at: started,
            finished_at: started,
            duration_ms: 4210.0,
            totals: Totals {
                total: 4,
                succeeded: 1,
                failed: 1,
                skipped: 1,
                up_to_date: 1,
                cancelled: 0,
            },
            tasks: vec![
                task("a", "a", TaskStatus::Succeeded),
                task("b", "b", TaskStatus::UpToDate),
                failed,
                skipped,
            ],
            critical_path: CriticalPath {
                duration_ms: 3900.0,
                steps: vec![
                    step("a", 0.0, 100.0),
                    step("c", 100.0, 3700.0),
                    step("d", 3800.0, 100.0),
                ],
            },
            inputs: Default::default(),
        }
    }

    #[test]
    fn summary_of_a_failed_run() {
        let expected = "\
✗ build x (build:x)
    error: `cargo build` exited with status 101
    caused by: linker not found
    after 2 attempts
    last 15 of 20 lines of output:
      | line 6
      | line 7
      | line 8
      | line 9
      | line 10
      | line 11
      | line 12
      | line 13
      | line 14
      | line 15
      | line 16
      | line 17
      | line 18
      | line 19
      | line 20
- install x (install:x): dependency `build:x` failed
deploy failed: 1 succeeded, 1 up to date, 1 failed, 1 skipped in 4.2s
critical path (3.9s): a 100ms → c 3.7s → d 100ms
";
        assert_eq!(render_summary(&report()), expected);
    }

    #[test]
    fn failures_only_for_quiet_mode() {
        let failures = render_failures(&report());
        assert!(failures.starts_with("✗ build x (build:x)\n"));
        assert!(!failures.contains("critical path"));
        assert!(!failures.contains("deploy failed"));
    }

    #[test]
    fn a_clean_run_is_one_line_plus_its_path() {
        let mut r = report();
        r.tasks.retain(|t| t.status == TaskStatus::Succeeded);
        r.status = RunStatus::Succeeded;
        r.totals = Totals {
            total: 1,
            succeeded: 1,
            ..Totals::default()
        };
        r.critical_path = CriticalPath::default();
        assert_eq!(
            render_summary(&r),
            "deploy succeeded: 1 succeeded in 4.2s\n"
        );
        assert_eq!(render_failures(&r), "");
    }

    #[test]
    fn many_skipped_tasks_are_counted_not_listed() {
        let mut r = report();
        for i in 0..12 {
            let mut t = task(&format!("s{i}"), &format!("s{i}"), TaskStatus::Skipped);
            t.reason = Some("dependency `build:x` failed".to_string());
            r.tasks.push(t);
        }
        let s = render_summary(&r);
        assert_eq!(s.lines().filter(|l| l.starts_with("- s")).count(), 9);
        assert!(s.contains("- … and 3 more not run\n"));
    }

    #[test]
    fn the_critical_path_of_the_live_summary_fits_its_line() {
        let mut r = report();
        r.critical_path.steps = (0..12)
            .map(|i| {
                step(
                    &format!("step number {i}"),
                    f64::from(i) * 10.0,
                    f64::from(i + 1) * 10.0,
                )
            })
            .collect();
        let wide = render_tty_summary(&r, 1000);
        let line = wide.lines().last().unwrap();
        assert!(
            line.starts_with("critical path 3.9s: step number 0 10ms"),
            "{line}"
        );
        assert_eq!(line.matches(" → ").count(), 11, "{line}");
        for width in [40, 60, 80, 120] {
            let s = render_tty_summary(&r, width);
            let line = s.lines().last().unwrap();
            assert!(
                console::measure_text_width(line) <= width,
                "{width}: {line}"
            );
            // The shortest steps give way; the longest stays while it fits.
            assert!(line.contains('…'), "{width}: {line}");
            if width >= 60 {
                assert!(line.contains("step number 11 120ms"), "{width}: {line}");
                assert!(!line.contains("step number 0 "), "{width}: {line}");
            }
        }
        // A run where nothing ran has no critical path line.
        let mut idle = report();
        idle.tasks.retain(|t| t.status == TaskStatus::UpToDate);
        idle.totals = Totals {
            total: 1,
            up_to_date: 1,
            ..Totals::default()
        };
        assert_eq!(render_tty_summary(&idle, 80), "");
    }
}
