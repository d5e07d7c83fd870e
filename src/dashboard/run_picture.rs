//! A run's DAG as a picture whose tasks wear their status: the plan's SVG
//! ([`Plan::to_svg`](crate::graph::Plan::to_svg)) with each
//! `<g class="task" data-key="…">` given a status class and a `data-status` attribute
//! (`pending`, `running`, `succeeded`, `failed`, `skipped`, `up_to_date`, `cancelled`), so
//! a stylesheet colours it and a script can change it as events arrive.
//!
//! A run still in memory draws its own plan; a past run, known only by its report, draws
//! a plan rebuilt from the report's tasks and their `after` edges ([`RecordedTask`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::daemon::Execution;
use crate::graph::{
    EventKind, ExecutionReport, Fingerprint, Freshness, Plan, PlanBuilder, PlanTask, TaskContext,
    TaskError, TaskKey, TaskOutcome, TaskStatus,
};

/// The status class of a task that ended with `status`.
pub fn status_class(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Succeeded => "succeeded",
        TaskStatus::Failed => "failed",
        TaskStatus::Skipped => "skipped",
        TaskStatus::UpToDate => "up_to_date",
        TaskStatus::Cancelled => "cancelled",
    }
}

/// The status of each task of a run in memory, from its events so far: `running` once
/// started, how it ended once it did; tasks not named are `pending`.
pub fn live_statuses(execution: &Execution) -> (HashMap<String, &'static str>, usize) {
    let page = execution.events_since(0);
    let mut out = HashMap::new();
    for e in &page.events {
        match &e.kind {
            EventKind::TaskStarted { task, .. } => {
                out.insert(task.as_str().to_string(), "running");
            }
            EventKind::TaskFinished { task, status, .. }
            | EventKind::TaskSkipped { task, status, .. } => {
                out.insert(task.as_str().to_string(), status_class(*status));
            }
            _ => {}
        }
    }
    (out, page.next_cursor)
}

/// The status of each task of a finished run, from its report.
pub fn report_statuses(report: &ExecutionReport) -> HashMap<String, &'static str> {
    report
        .tasks
        .iter()
        .map(|t| (t.key.as_str().to_string(), status_class(t.status)))
        .collect()
}

/// The DAG of a past run, rebuilt from its report (`None` when the report's edges do not
/// make a plan, which a stored report always does).
pub fn report_dag(report: &ExecutionReport) -> Option<String> {
    let mut builder: PlanBuilder<RecordedTask> = PlanBuilder::new();
    for t in &report.tasks {
        builder.add(RecordedTask {
            key: t.key.clone(),
            label: t.label.clone(),
        });
    }
    for t in &report.tasks {
        for dep in &t.after {
            builder.edge(dep, &t.key);
        }
    }
    let plan: Plan<RecordedTask> = builder.build().ok()?;
    Some(plan.to_svg())
}

/// `svg` (a plan's picture) with each task's status as a class and a `data-status`.
pub fn with_statuses(svg: &str, status_of: &HashMap<String, &'static str>) -> String {
    const OPEN: &str = "<g class=\"task";
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut rest = svg;
    while let Some(at) = rest.find(OPEN) {
        let (before, tag) = rest.split_at(at);
        out.push_str(before);
        // `<g class="task"` or `<g class="task fallback"`, not `<g class="tasks"`.
        if !matches!(tag.as_bytes().get(OPEN.len()), Some(b'"' | b' ')) {
            out.push_str(OPEN);
            rest = &tag[OPEN.len()..];
            continue;
        }
        let tag_end = tag.find('>').unwrap_or(tag.len());
        let head = &tag[..tag_end];
        let key = head
            .split_once("data-key=\"")
            .and_then(|(_, v)| v.split_once('"'))
            .map(|(v, _)| unescape(v))
            .unwrap_or_default();
        let status = status_of.get(&key).copied().unwrap_or("pending");
        // `<g class="task…"`: the status goes before the class attribute's closing quote.
        let class_end = OPEN.len()
            + tag[OPEN.len()..]
                .find('"')
                .unwrap_or(tag_end.saturating_sub(OPEN.len()));
        out.push_str(&tag[..class_end]);
        out.push(' ');
        out.push_str(status);
        out.push_str("\" data-status=\"");
        out.push_str(status);
        rest = &tag[class_end..];
    }
    out.push_str(rest);
    out
}

/// The text of an attribute value written by the engine's SVG escaping.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A task of a past run, as its report recorded it: enough to draw it, never run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedTask {
    key: TaskKey,
    label: String,
}

/// A recorded task produces nothing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NoOutput;

impl TaskOutcome for NoOutput {
    fn digest(&self) -> Fingerprint {
        Fingerprint::of_bytes(b"")
    }

    fn summary(&self) -> Option<String> {
        None
    }
}

impl PlanTask for RecordedTask {
    type Output = NoOutput;
    type Env = ();

    fn kind(&self) -> &'static str {
        "recorded"
    }

    fn key(&self) -> TaskKey {
        self.key.clone()
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn fingerprint(&self, _ctx: &TaskContext<Self>) -> Option<Fingerprint> {
        None
    }

    async fn check_fresh(&self, _ctx: &TaskContext<Self>, _recorded: &NoOutput) -> Freshness {
        Freshness::Stale("a recorded task never runs".to_string())
    }

    async fn run(&self, _ctx: &TaskContext<Self>) -> Result<NoOutput, TaskError> {
        Err(TaskError::new("a task of a past run is only drawn, never run").permanent())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_past_run_draws_its_dag_from_its_report() {
        use crate::graph::TaskReport;
        let plan: Plan<RecordedTask> = PlanBuilder::new().build().unwrap();
        let mut report = ExecutionReport::from_records(
            uuid::Uuid::now_v7(),
            "deploy",
            chrono::Utc::now(),
            std::time::Duration::from_millis(5),
            false,
            &plan,
            &[],
        );
        let task = |key: &str, status, after: &[&str]| TaskReport {
            key: TaskKey::new(key),
            kind: "toy".to_string(),
            label: key.to_string(),
            status,
            reason: None,
            error: Vec::new(),
            log_tail: Vec::new(),
            start_offset_ms: None,
            duration_ms: None,
            queued_ms: None,
            attempts: 1,
            output: None,
            after: after.iter().map(TaskKey::new).collect(),
        };
        report.tasks = vec![
            task("fetch", TaskStatus::Succeeded, &[]),
            task("build", TaskStatus::Failed, &["fetch"]),
        ];
        let svg = with_statuses(&report_dag(&report).unwrap(), &report_statuses(&report));
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let tasks: Vec<(&str, &str)> = doc
            .descendants()
            .filter(|n| n.attribute("data-status").is_some())
            .map(|n| {
                (
                    n.attribute("data-key").unwrap(),
                    n.attribute("data-status").unwrap(),
                )
            })
            .collect();
        assert_eq!(tasks.len(), 2, "{svg}");
        assert_eq!(tasks, [("fetch", "succeeded"), ("build", "failed")]);
        let edge = doc
            .descendants()
            .find(|n| n.attribute("data-from") == Some("fetch"))
            .unwrap();
        assert_eq!(edge.attribute("data-to"), Some("build"));
    }

    #[test]
    fn tasks_get_their_status_and_the_rest_is_pending() {
        let svg = r#"<svg><g class="tasks"><g class="task" data-key="a&amp;b" data-kind="x"><rect/></g><g class="task fallback" data-key="c" data-kind="y"></g></g></svg>"#;
        let statuses = HashMap::from([("a&b".to_string(), "running")]);
        let out = with_statuses(svg, &statuses);
        assert_eq!(
            out,
            r#"<svg><g class="tasks"><g class="task running" data-status="running" data-key="a&amp;b" data-kind="x"><rect/></g><g class="task fallback pending" data-status="pending" data-key="c" data-kind="y"></g></g></svg>"#
        );
    }
}
