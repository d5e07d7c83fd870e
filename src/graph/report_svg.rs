//! [`ExecutionReport::to_svg`]: a run as a Gantt chart, in SVG.
//!
//! The header says the operation, how the run ended and how long it took, then the totals
//! and the critical path, then a legend. Below, a time axis in ms (a few "nice" ticks) and
//! one row per task of the report — ordered by when it started, tasks that never started
//! (up to date, skipped, cancelled) after them, ties in plan order. A task that ran is a bar
//! from its start offset over its duration; one that did not is a small diamond with its
//! status (and why). The picture is 1,000 px wide (a label column, then the time axis) and
//! grows in height with the rows.
//!
//! The markup is meant to be restyled and read by programs: each row is a
//! `<g class="task STATUS" data-key="…" data-status="…">`, `STATUS` one of `succeeded`,
//! `failed`, `skipped`, `up_to_date`, `cancelled`; the tasks of the critical path also have
//! the class `critical` (their bars outlined); a failed task has a `✗` after its bar and
//! its first error line in its `<title>` (the tooltip). Colours are CSS classes in a
//! `<style>` block. Every text is escaped; a label too long for its column is clipped by
//! the picture (a nested `<svg>`), not cut, so each row holds its whole label.
//!
//! Any report draws: missing, negative, infinite or NaN times are read as "no timing" or
//! clamped (to [`MAX_MS`], about 31 years), and an empty report is a chart saying so.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::svg::{Num, escape, shorten};
use super::{ExecutionReport, TaskReport, TaskStatus};

/// The width of the chart.
const WIDTH: f64 = 1000.0;
/// The label column: labels start at `LABEL_X` and are clipped at `LABEL_COLUMN`.
const LABEL_X: f64 = 12.0;
const LABEL_COLUMN: f64 = 280.0;
/// The time axis runs from `AXIS_START` to `AXIS_END`; the rest is room for the texts
/// after the last bars.
const AXIS_START: f64 = 296.0;
const AXIS_END: f64 = 930.0;
/// Where the tick labels stand and the rows begin.
const AXIS_Y: f64 = 86.0;
const ROWS_Y: f64 = 94.0;
/// The height of a row and of its bar.
const ROW_HEIGHT: f64 = 22.0;
const BAR_HEIGHT: f64 = 14.0;
/// Room under the last row.
const BOTTOM: f64 = 14.0;
/// The longest time drawn, in ms (about 31 years); longer ones are clamped to it.
pub(super) const MAX_MS: f64 = 1e12;
/// Reasons and errors are cut to this many characters in the chart (whole in the title).
const MAX_REASON_CHARS: usize = 90;

const STYLE: &str = "\
.hero-run{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif}\
.hero-run .header{font-size:15px;font-weight:600;fill:#1f2328}\
.hero-run .summary{font-size:12px;fill:#57606a}\
.hero-run .legend text{font-size:11px;fill:#57606a}\
.hero-run .tick{font-size:10px;fill:#656d76}\
.hero-run .grid{stroke:#d8dee4;stroke-width:1}\
.hero-run .axis{stroke:#8c959f;stroke-width:1}\
.hero-run .label{font-size:12px;fill:#1f2328}\
.hero-run .status,.hero-run .duration{font-size:11px;fill:#57606a}\
.hero-run .bar,.hero-run .marker,.hero-run .swatch{stroke:none}\
.hero-run .succeeded .bar,.hero-run .succeeded .marker,.hero-run .swatch.succeeded{fill:#2da44e}\
.hero-run .failed .bar,.hero-run .failed .marker,.hero-run .swatch.failed{fill:#cf222e}\
.hero-run .skipped .bar,.hero-run .skipped .marker,.hero-run .swatch.skipped{fill:#d4a72c}\
.hero-run .up_to_date .bar,.hero-run .up_to_date .marker,.hero-run .swatch.up_to_date{fill:#54aeff}\
.hero-run .cancelled .bar,.hero-run .cancelled .marker,.hero-run .swatch.cancelled{fill:#8c959f}\
.hero-run .critical .bar,.hero-run .swatch.critical{stroke:#1f2328;stroke-width:2}\
.hero-run .swatch.critical{fill:#ffffff}\
.hero-run .critical .label{font-weight:600}\
.hero-run .failed .mark{font-size:13px;font-weight:700;fill:#cf222e}\
.hero-run .empty{font-size:13px;fill:#656d76}";

/// The statuses in the order of the legend.
const STATUSES: [TaskStatus; 5] = [
    TaskStatus::Succeeded,
    TaskStatus::Failed,
    TaskStatus::UpToDate,
    TaskStatus::Skipped,
    TaskStatus::Cancelled,
];

/// The CSS class of a status: its name in the report's JSON (`up_to_date`, where the
/// progress lines say `up-to-date`).
fn status_class(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Succeeded => "succeeded",
        TaskStatus::Failed => "failed",
        TaskStatus::Skipped => "skipped",
        TaskStatus::UpToDate => "up_to_date",
        TaskStatus::Cancelled => "cancelled",
    }
}

/// A status in words.
fn status_words(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::UpToDate => "up to date",
        other => other.as_str(),
    }
}

/// A time of the report as drawn: `None` when not a number, else clamped to
/// `0..=MAX_MS`.
fn drawn_ms(v: f64) -> Option<f64> {
    v.is_finite().then(|| v.clamp(0.0, MAX_MS))
}

/// `0.42 ms`, `12 ms`, `1.25 s`, `3 min 05 s`, `2 h 07 min`; `?` for what is not a time.
fn human_ms(ms: f64) -> String {
    let Some(ms) = drawn_ms(ms) else {
        return "?".to_string();
    };
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else if ms < 3_600_000.0 {
        let s = (ms / 1000.0).round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        let m = (ms / 60_000.0).round() as u64;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

/// A step of 1, 2 or 5 × 10ⁿ ms, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = if raw.is_finite() && raw > 0.0 {
        raw
    } else {
        1.0
    };
    let magnitude = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * magnitude)
}

/// A tick's label: as many decimals as the step needs (at most 3).
fn tick_label(t: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        ((-step.log10()).ceil() as usize).min(3)
    };
    format!("{t:.decimals$}")
}

/// One row of the chart: a task and its times as drawn.
struct Row<'a> {
    task: &'a TaskReport,
    /// Start and duration, when it started.
    timing: Option<(f64, f64)>,
}

impl ExecutionReport {
    /// The run as a Gantt chart in SVG: one row per task, bars on a time axis, coloured by
    /// status, the critical path outlined, failures marked. Never fails, whatever the
    /// report holds. See the [module docs](super::report_svg).
    pub fn to_svg(&self) -> String {
        let mut rows: Vec<(usize, Row<'_>)> = self
            .tasks
            .iter()
            .enumerate()
            .map(|(i, task)| {
                // Up to date and skipped tasks did no work: a marker, not a bar.
                let worked = !matches!(task.status, TaskStatus::UpToDate | TaskStatus::Skipped);
                let timing = worked
                    .then_some(task.start_offset_ms)
                    .flatten()
                    .and_then(drawn_ms)
                    .map(|start| {
                        let duration = task.duration_ms.and_then(drawn_ms).unwrap_or(0.0);
                        (start, duration)
                    });
                (i, Row { task, timing })
            })
            .collect();
        rows.sort_by(|(i, a), (j, b)| {
            let start = |r: &Row<'_>| r.timing.map_or(f64::INFINITY, |(s, _)| s);
            start(a).total_cmp(&start(b)).then(i.cmp(j))
        });
        let span = rows
            .iter()
            .filter_map(|(_, r)| r.timing.map(|(s, d)| s + d))
            .chain(drawn_ms(self.duration_ms))
            .fold(0.0, f64::max)
            .clamp(1.0, MAX_MS);
        let critical: HashSet<&str> = self
            .critical_path
            .steps
            .iter()
            .map(|s| s.key.as_str())
            .collect();

        let height = ROWS_Y + ROW_HEIGHT * rows.len().max(1) as f64 + BOTTOM;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="hero-run" data-status="{}" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
            self.status.as_str(),
            w = Num(WIDTH),
            h = Num(height),
        );
        let _ = writeln!(
            out,
            "<title>run {}: {}</title>",
            escape(&self.operation),
            self.status.as_str()
        );
        let _ = writeln!(out, "<style>{STYLE}</style>");
        self.write_header(&mut out);
        write_axis(&mut out, span, height);
        if rows.is_empty() {
            let _ = writeln!(
                out,
                r#"<text class="empty" x="{}" y="{}">no tasks</text>"#,
                Num(LABEL_X),
                Num(ROWS_Y + ROW_HEIGHT * 0.7)
            );
        }
        let scale = (AXIS_END - AXIS_START) / span;
        for (n, (_, row)) in rows.iter().enumerate() {
            let y = ROWS_Y + ROW_HEIGHT * n as f64;
            write_row(
                &mut out,
                row,
                y,
                scale,
                critical.contains(row.task.key.as_str()),
            );
        }
        out.push_str("</svg>\n");
        out
    }

    /// The header, the summary and the legend.
    fn write_header(&self, out: &mut String) {
        let _ = writeln!(
            out,
            r#"<text class="header" x="{}" y="22">{} — {} — {}</text>"#,
            Num(LABEL_X),
            escape(&self.operation),
            self.status.as_str(),
            human_ms(self.duration_ms)
        );
        let t = &self.totals;
        let counts: Vec<String> = [
            (t.succeeded, "succeeded"),
            (t.failed, "failed"),
            (t.up_to_date, "up to date"),
            (t.skipped, "skipped"),
            (t.cancelled, "cancelled"),
        ]
        .into_iter()
        .filter(|&(n, _)| n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        let mut summary = format!("{} tasks", self.tasks.len());
        if !counts.is_empty() {
            let _ = write!(summary, ": {}", counts.join(", "));
        }
        let steps = self.critical_path.steps.len();
        if steps > 0 {
            let _ = write!(
                summary,
                " · critical path {} over {steps} task{}",
                human_ms(self.critical_path.duration_ms),
                if steps == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(
            out,
            r#"<text class="summary" x="{}" y="42">{}</text>"#,
            Num(LABEL_X),
            escape(&summary)
        );
        out.push_str("<g class=\"legend\">");
        let mut x = LABEL_X;
        let legend = STATUSES
            .iter()
            .map(|&s| (status_class(s), status_words(s)))
            .chain([("critical", "critical path")]);
        for (class, words) in legend {
            let _ = write!(
                out,
                r#"<rect class="swatch {class}" x="{}" y="54" width="10" height="10" rx="2"/><text x="{}" y="63">{words}</text>"#,
                Num(x),
                Num(x + 14.0)
            );
            x += 14.0 + words.len() as f64 * 6.2 + 18.0;
        }
        out.push_str("</g>\n");
    }
}

/// Ticks, their labels and grid lines over the rows.
fn write_axis(out: &mut String, span: f64, height: f64) {
    let step = nice_step(span / 5.0);
    let scale = (AXIS_END - AXIS_START) / span;
    let bottom = height - BOTTOM;
    out.push_str("<g class=\"ticks\">");
    let _ = write!(
        out,
        r#"<line class="axis" x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>"#,
        a = Num(AXIS_START),
        b = Num(AXIS_END),
        y = Num(ROWS_Y - 2.0)
    );
    let mut k = 0u32;
    loop {
        let t = step * f64::from(k);
        // The tick count is bounded by the step (at least a fifth of the span), the guard
        // by rounding.
        if t > span * (1.0 + 1e-9) || k > 20 {
            break;
        }
        let x = AXIS_START + t * scale;
        let _ = write!(
            out,
            r#"<line class="grid" x1="{x}" y1="{top}" x2="{x}" y2="{bottom}"/><text class="tick" x="{x}" y="{ty}" text-anchor="middle">{}</text>"#,
            tick_label(t, step),
            x = Num(x),
            top = Num(ROWS_Y - 2.0),
            bottom = Num(bottom),
            ty = Num(AXIS_Y - 4.0),
        );
        k += 1;
    }
    let _ = write!(
        out,
        r#"<text class="tick" x="{}" y="{}" text-anchor="start">ms</text>"#,
        Num(AXIS_END + 14.0),
        Num(AXIS_Y - 4.0)
    );
    out.push_str("</g>\n");
}

/// One task's row.
fn write_row(out: &mut String, row: &Row<'_>, y: f64, scale: f64, critical: bool) {
    let task = row.task;
    let class = status_class(task.status);
    let first_error = task.error.first().and_then(|e| e.lines().next());
    let why = first_error.or(task.reason.as_deref());

    let mut title = format!(
        "{} [{}] — {}",
        task.label,
        task.key,
        status_words(task.status)
    );
    if let Some((start, duration)) = row.timing {
        let _ = write!(
            title,
            " in {}, from {}",
            human_ms(duration),
            human_ms(start)
        );
    }
    if critical {
        title.push_str(" · on the critical path");
    }
    if let Some(why) = why {
        let _ = write!(title, "\n{why}");
    }

    let text_y = Num(y + ROW_HEIGHT * 0.68);
    let _ = write!(
        out,
        r#"<g class="task {class}{}" data-key="{}" data-status="{class}"><title>{}</title>"#,
        if critical { " critical" } else { "" },
        escape(task.key.as_str()),
        escape(&title),
    );
    // The label, clipped to its column by a nested viewport.
    let _ = write!(
        out,
        r#"<svg x="0" y="{}" width="{}" height="{}"><text class="label" x="{}" y="{}">{}</text></svg>"#,
        Num(y),
        Num(LABEL_COLUMN),
        Num(ROW_HEIGHT),
        Num(LABEL_X),
        Num(ROW_HEIGHT * 0.68),
        escape(&task.label),
    );
    let bar_y = y + (ROW_HEIGHT - BAR_HEIGHT) / 2.0;
    match row.timing {
        Some((start, duration)) => {
            let x = AXIS_START + start * scale;
            let w = (duration * scale).max(2.0);
            let _ = write!(
                out,
                r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" rx="2"/>"#,
                Num(x),
                Num(bar_y),
                Num(w),
                Num(BAR_HEIGHT)
            );
            let mark = if task.status == TaskStatus::Failed {
                "✗ "
            } else {
                ""
            };
            let text = format!("{mark}{}", human_ms(duration));
            // After the bar, or before it when the bar reaches the right edge.
            let (tx, anchor) = if x + w + 8.0 + 70.0 <= WIDTH {
                (x + w + 6.0, "start")
            } else {
                (x - 6.0, "end")
            };
            let _ = write!(
                out,
                r#"<text class="duration{}" x="{}" y="{text_y}" text-anchor="{anchor}">{}</text>"#,
                if mark.is_empty() { "" } else { " mark" },
                Num(tx),
                escape(&text)
            );
        }
        None => {
            let cx = AXIS_START + 6.0;
            let cy = y + ROW_HEIGHT / 2.0;
            let _ = write!(
                out,
                r#"<path class="marker" d="M{},{} l5,5 l-5,5 l-5,-5 z"/>"#,
                Num(cx),
                Num(cy - 5.0)
            );
            let mut text = status_words(task.status).to_string();
            if task.status == TaskStatus::Failed {
                text.insert_str(0, "✗ ");
            }
            if let Some(why) = why {
                let _ = write!(text, ": {}", shorten(why, MAX_REASON_CHARS));
            }
            let _ = write!(
                out,
                r#"<text class="status{}" x="{}" y="{text_y}">{}</text>"#,
                if task.status == TaskStatus::Failed {
                    " mark"
                } else {
                    ""
                },
                Num(cx + 10.0),
                escape(&text)
            );
        }
    }
    out.push_str("</g>\n");
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::DateTime;

    use super::*;
    use crate::graph::svg::check::{by_key, has_class, parse, text_of};
    use crate::graph::toy_task::ToyTask;
    use crate::graph::{
        CriticalPath, CriticalStep, Executor, ExecutorConfig, PlanBuilder, REPORT_VERSION,
        RunRequest, RunStatus, TaskKey, Totals,
    };
    use crate::state::StateStore;

    const ODD: &str = r#"build <core> & "tools" 'now'"#;

    /// A real run of a toy plan: `cached` up to date (it ran in an earlier run), `odd`
    /// after it succeeds, `broken` fails and `after_broken` is skipped.
    async fn mixed_report() -> ExecutionReport {
        let store = StateStore::in_memory().unwrap();
        let mut b = PlanBuilder::<ToyTask>::new();
        let cached = b.add(ToyTask::new("cached").cached());
        b.add_after(
            ToyTask::new("odd:<&>")
                .label(ODD)
                .sleep(Duration::from_millis(3)),
            [&cached],
        );
        let broken = b.add(ToyTask::new("broken").label("broken & bad").failing());
        b.add_after(ToyTask::new("after_broken"), [&broken]);
        let plan = b.build().unwrap();
        let executor =
            |store: StateStore| Executor::with_parts(ExecutorConfig::default(), store, ());
        executor(store.clone())
            .run(&plan, RunRequest::new("toy"))
            .await;
        executor(store)
            .run(&plan, RunRequest::new("toy <run>"))
            .await
    }

    #[tokio::test]
    async fn a_run_is_a_gantt_chart_with_statuses_critical_path_and_failures() {
        let report = mixed_report().await;
        let status = |key: &str| report.task(key).unwrap().status;
        assert_eq!(status("cached"), TaskStatus::UpToDate);
        assert_eq!(status("odd:<&>"), TaskStatus::Succeeded);
        assert_eq!(status("broken"), TaskStatus::Failed);
        assert_eq!(status("after_broken"), TaskStatus::Skipped);
        assert!(!report.critical_path.steps.is_empty());

        let svg = report.to_svg();
        let doc = parse(&svg);
        assert_eq!(doc.root_element().attribute("width"), Some("1000"));
        // The header: operation, status, duration.
        let header = text_of(doc.root(), "text", Some("header")).unwrap();
        assert!(header.starts_with("toy <run> — failed — "), "{header}");
        for task in &report.tasks {
            let row = by_key(&doc, task.key.as_str());
            assert!(has_class(row, "task"));
            assert!(has_class(row, status_class(task.status)));
            assert_eq!(
                text_of(row, "text", Some("label")),
                Some(task.label.as_str())
            );
        }
        assert_eq!(
            text_of(by_key(&doc, "odd:<&>"), "text", Some("label")),
            Some(ODD)
        );
        let on_path: Vec<&str> = report
            .critical_path
            .steps
            .iter()
            .map(|s| s.key.as_str())
            .collect();
        for task in &report.tasks {
            let row = by_key(&doc, task.key.as_str());
            assert_eq!(
                has_class(row, "critical"),
                on_path.contains(&task.key.as_str()),
                "{}",
                task.key
            );
        }
        let broken = by_key(&doc, "broken");
        assert!(has_class(broken, "failed"));
        let tooltip = text_of(broken, "title", None).unwrap();
        assert!(tooltip.contains("toy broken fails"), "{tooltip}");
        assert!(
            broken
                .descendants()
                .any(|n| n.text().is_some_and(|t| t.contains('✗')))
        );
        // Tasks that ran have a bar; the others a marker and their status.
        assert!(
            by_key(&doc, "odd:<&>")
                .descendants()
                .any(|n| has_class(n, "bar"))
        );
        let cached = by_key(&doc, "cached");
        assert!(cached.descendants().any(|n| has_class(n, "marker")));
        assert!(
            text_of(cached, "text", Some("status"))
                .unwrap()
                .starts_with("up to date")
        );
        // Rows by start: the tasks that ran first, the others after them.
        let rows: Vec<&str> = doc
            .descendants()
            .filter(|n| has_class(*n, "task"))
            .filter_map(|n| n.attribute("data-key"))
            .collect();
        let ran = |k: &str| report.task(k).unwrap().start_offset_ms.is_some();
        let first_unran = rows.iter().position(|k| !ran(k)).unwrap_or(rows.len());
        assert!(rows[first_unran..].iter().all(|k| !ran(k)), "{rows:?}");
    }

    fn report(tasks: Vec<TaskReport>, critical: Vec<CriticalStep>) -> ExecutionReport {
        ExecutionReport {
            version: REPORT_VERSION,
            run_id: uuid::Uuid::nil(),
            operation: "deploy".to_string(),
            status: RunStatus::Succeeded,
            started_at: DateTime::UNIX_EPOCH,
            finished_at: DateTime::UNIX_EPOCH,
            duration_ms: f64::NAN,
            totals: Totals::default(),
            tasks,
            critical_path: CriticalPath {
                duration_ms: f64::INFINITY,
                steps: critical,
            },
            inputs: Default::default(),
        }
    }

    fn task(key: &str, start: Option<f64>, duration: Option<f64>) -> TaskReport {
        TaskReport {
            key: TaskKey::new(key),
            kind: "toy".to_string(),
            label: format!("label of {key}"),
            status: TaskStatus::Succeeded,
            reason: None,
            error: Vec::new(),
            log_tail: Vec::new(),
            start_offset_ms: start,
            duration_ms: duration,
            queued_ms: None,
            attempts: 1,
            output: None,
            after: Vec::new(),
        }
    }

    #[test]
    fn an_empty_report_is_a_small_chart_saying_so() {
        let svg = report(Vec::new(), Vec::new()).to_svg();
        let doc = parse(&svg);
        assert!(doc.descendants().any(|n| n.text() == Some("no tasks")));
    }

    #[test]
    fn any_numbers_draw_in_order_without_panicking() {
        let mut failed = task("failed", Some(-5.0), Some(f64::NAN));
        failed.status = TaskStatus::Failed;
        failed.error = vec!["first line\nsecond line".to_string(), "cause".to_string()];
        let tasks = vec![
            task("nan", Some(f64::NAN), Some(1.0)),
            task("huge", Some(1e300), Some(f64::INFINITY)),
            failed,
            task("late", Some(20.0), Some(-3.0)),
            task("none", None, None),
            task("zero", Some(0.0), Some(0.0)),
        ];
        let steps = vec![CriticalStep {
            key: TaskKey::new("late"),
            label: "late".to_string(),
            start_offset_ms: f64::NAN,
            duration_ms: -1.0,
            queued_ms: Some(f64::NEG_INFINITY),
        }];
        let svg = report(tasks, steps).to_svg();
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        let doc = parse(&svg);
        let rows: Vec<&str> = doc
            .descendants()
            .filter(|n| has_class(*n, "task"))
            .filter_map(|n| n.attribute("data-key"))
            .collect();
        // Negative starts count as 0 (plan order breaks the tie), not numbers as no timing.
        assert_eq!(rows, ["failed", "zero", "late", "huge", "nan", "none"]);
        let failed = by_key(&doc, "failed");
        let title = text_of(failed, "title", None).unwrap();
        // One line (titles are one line), the first of the error only.
        assert!(
            title.ends_with(" first line") && !title.contains("second"),
            "{title}"
        );
        assert!(has_class(by_key(&doc, "late"), "critical"));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(human_ms(0.4234), "0.42 ms");
        assert_eq!(human_ms(12.4), "12 ms");
        assert_eq!(human_ms(1250.0), "1.25 s");
        assert_eq!(human_ms(185_000.0), "3 min 05 s");
        assert_eq!(human_ms(7_620_000.0), "2 h 07 min");
        assert_eq!(human_ms(f64::NAN), "?");
        assert_eq!(nice_step(230.0), 500.0);
        assert_eq!(nice_step(0.013), 0.02);
        assert_eq!(nice_step(f64::NAN), 1.0);
        assert_eq!(tick_label(0.04, 0.02), "0.04");
        assert_eq!(tick_label(1500.0, 500.0), "1500");
    }
}
