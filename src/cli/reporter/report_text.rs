//! [`render_report`]: an execution report as text for people (`executions show`): what ran,
//! when and how long, each failure with its error chain and log tail, what did not run,
//! and the critical path.
//!
//! ```text
//! deploy succeeded · 7 tasks (2 ran, 5 up to date) · 181ms · started 2026-12-02 06:25:54 UTC
//!
//! STATUS      START   TOOK    TASK
//! up to date  0ms     -       write /r/var/redis/redis.conf
//! ok          2ms     8ms     start redis-server
//! ok          10ms    170ms   wait for redis to be healthy
//!
//! critical path (181ms): start redis-server 8ms → wait for redis to be healthy 170ms
//! ```

use std::fmt::Write as _;

use super::summary::{render_failures, render_summary};
use super::text::format_duration_ms;
use crate::graph::{ExecutionReport, TaskStatus};

/// The whole report as text; ends with a newline.
pub fn render_report(report: &ExecutionReport) -> String {
    let mut s = String::new();
    let t = &report.totals;
    let mut counts = Vec::new();
    for (n, what) in [
        (t.succeeded, "ran"),
        (t.up_to_date, "up to date"),
        (t.failed, "failed"),
        (t.skipped, "not run"),
        (t.cancelled, "cancelled"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {what}"));
        }
    }
    let _ = writeln!(
        s,
        "{} {} · {} tasks ({}) · {} · started {}",
        report.operation,
        report.status.as_str(),
        t.total,
        counts.join(", "),
        format_duration_ms(report.duration_ms),
        report.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
    );
    let mut tasks: Vec<_> = report.tasks.iter().collect();
    tasks.sort_by(|a, b| {
        a.start_offset_ms
            .unwrap_or(f64::MAX)
            .total_cmp(&b.start_offset_ms.unwrap_or(f64::MAX))
    });
    let rows: Vec<[String; 4]> = tasks
        .iter()
        .map(|task| {
            let status = match task.status {
                TaskStatus::Succeeded => "ok",
                TaskStatus::Failed => "FAILED",
                TaskStatus::Skipped => "not run",
                TaskStatus::UpToDate => "up to date",
                TaskStatus::Cancelled => "cancelled",
            };
            [
                status.to_string(),
                task.start_offset_ms
                    .map(format_duration_ms)
                    .unwrap_or_else(|| "-".into()),
                task.duration_ms
                    .filter(|_| task.status != TaskStatus::UpToDate)
                    .map(format_duration_ms)
                    .unwrap_or_else(|| "-".into()),
                task.label.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let header = [
            "STATUS".to_string(),
            "START".to_string(),
            "TOOK".to_string(),
            "TASK".to_string(),
        ];
        let widths: Vec<usize> = (0..3)
            .map(|c| {
                rows.iter()
                    .map(|r| r[c].chars().count())
                    .chain([header[c].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        s.push('\n');
        for r in std::iter::once(&header).chain(rows.iter()) {
            let _ = writeln!(
                s,
                "{:<w0$}  {:<w1$}  {:<w2$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            );
        }
    }
    let failures = render_failures(report);
    if !failures.is_empty() {
        s.push('\n');
        s.push_str(&failures);
    }
    // The not-run list, totals and critical path, as at the end of a run (its failures
    // are above).
    let tail: String = render_summary(report)
        .strip_prefix(failures.as_str())
        .map(str::to_string)
        .unwrap_or_default();
    s.push('\n');
    s.push_str(&tail);
    s
}

#[cfg(test)]
mod tests {
    use super::render_report;
    use crate::cli::reporter::summary::tests::report;

    #[test]
    fn a_report_reads_as_a_table_then_failures_then_the_path() {
        let mut r = report();
        r.tasks[0].start_offset_ms = Some(0.0);
        r.tasks[0].duration_ms = Some(100.0);
        r.tasks[2].start_offset_ms = Some(100.0);
        r.tasks[2].duration_ms = Some(3700.0);
        let text = render_report(&r);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("deploy failed · 4 tasks (1 ran, 1 up to date, 1 failed, 1 not run) · 4.2s · started 1970-01-01 00:00:00 UTC"),
            "{text}"
        );
        assert_eq!(lines[1], "");
        assert!(
            lines[2].starts_with("STATUS      START  TOOK   TASK"),
            "{text}"
        );
        // Rows by start: what ran first, what never started after.
        assert!(
            lines[3].starts_with("ok          0ms    100ms  a"),
            "{text}"
        );
        assert!(
            lines[4].starts_with("FAILED      100ms  3.7s   build x"),
            "{text}"
        );
        assert!(
            lines[5].starts_with("up to date  -      -      b"),
            "{text}"
        );
        assert!(
            lines[6].starts_with("not run     -      -      install x"),
            "{text}"
        );
        let failure = text.find("✗ build x (build:x)").unwrap();
        assert!(text[failure..].contains("linker not found"), "{text}");
        assert!(text.contains("critical path"), "{text}");
        // The failure is told once.
        assert_eq!(text.matches("✗ build x").count(), 1, "{text}");
    }
}
