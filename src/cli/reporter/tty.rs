//! [`TtyReporter`]: live lines on a terminal, redrawn in place (indicatif).
//!
//! While a run goes, the terminal shows one line per *running* task and an overall line
//! below them:
//!
//! ```text
//! ⠙ build hero_db     3.1s    Compiling serde v1.0.219
//! ⠙ download hero_web 0.8s [#######>-------] 1.2 MiB/3.0 MiB 2.1 MiB/s eta 1s
//! ⠹ deploy [12/40] 2 running · 1 failed 4.2s
//! ```
//!
//! A task that reports progress with a total gets a byte bar; any other running task a
//! spinner and its latest log line or progress message, cut to the terminal's width. A
//! task that ends leaves one printed line above the live ones (`✓ label  1.2s`,
//! `✗ label: error`, `= label (up to date)`, `- label (dependency `x` failed)`).
//! [`finish`](TtyReporter::finish) clears the live lines and prints the summary.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::ReporterError;
use super::summary::render_summary;
use super::text::{clean_line, format_duration_ms, truncate};
use crate::graph::{Event, EventKind, ExecutionReport, TaskStatus};
use crate::tasks::TaskKey;

/// How often spinners turn and elapsed times move while nothing happens.
const TICK: Duration = Duration::from_millis(100);

/// Labels longer than this are cut on live lines.
const LABEL_WIDTH: usize = 40;

/// Shorter labels are padded to this width so the live lines line up.
const LABEL_PAD: usize = 24;

/// Messages longer than this are cut before they reach indicatif (which cuts them again to
/// the terminal's width).
const MESSAGE_LIMIT: usize = 512;

const SPINNER_TEMPLATE: &str = "{spinner:.cyan} {prefix:.bold} {secs:>6.dim} {wide_msg:.dim}";
const BYTES_TEMPLATE: &str = "{spinner:.cyan} {prefix:.bold} {secs:>6.dim} [{bar:24.cyan/blue}] \
     {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {wide_msg:.dim}";
const OVERALL_TEMPLATE: &str = "{spinner:.green} {prefix:.bold} {msg} {secs:.dim}";

/// Draws live lines on a [`MultiProgress`].
pub(crate) struct TtyReporter {
    multi: MultiProgress,
    state: Mutex<TtyState>,
}

/// Everything the live display knows about the run.
#[derive(Default)]
struct TtyState {
    overall: Option<ProgressBar>,
    running: HashMap<TaskKey, LiveTask>,
    /// Tasks in the plan.
    total: usize,
    /// Tasks that finished or were skipped.
    ended: usize,
    /// Tasks that failed.
    failed: usize,
    /// The first error writing to the terminal.
    error: Option<std::io::Error>,
}

/// One running task's line.
struct LiveTask {
    bar: ProgressBar,
    label: Arc<str>,
    has_bar: bool,
}

impl TtyReporter {
    pub(crate) fn new(target: ProgressDrawTarget) -> Self {
        Self {
            multi: MultiProgress::with_draw_target(target),
            state: Mutex::new(TtyState::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, TtyState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn on_event(&self, event: &Event) {
        let mut state = self.lock();
        match &event.kind {
            EventKind::RunWaiting { service, holder } => {
                let line = format!("… waiting for {service}: operation {holder} holds it");
                self.println(&mut state, &line);
            }
            EventKind::RunStarted {
                operation, tasks, ..
            } => {
                let bar = self.multi.add(ProgressBar::hidden());
                bar.set_style(style(OVERALL_TEMPLATE));
                bar.set_prefix(operation.clone());
                bar.enable_steady_tick(TICK);
                state.overall = Some(bar);
                state.total = *tasks;
            }
            EventKind::TaskStarted { task, label, .. } => {
                let bar = ProgressBar::hidden();
                bar.set_style(style(SPINNER_TEMPLATE));
                bar.set_prefix(format!("{:<LABEL_PAD$}", truncate(label, LABEL_WIDTH)));
                let bar = match &state.overall {
                    Some(overall) => self.multi.insert_before(overall, bar),
                    None => self.multi.add(bar),
                };
                bar.enable_steady_tick(TICK);
                state.running.insert(
                    task.clone(),
                    LiveTask {
                        bar,
                        label: label.clone(),
                        has_bar: false,
                    },
                );
            }
            EventKind::TaskProgressed {
                task,
                done,
                total,
                message,
            } => {
                if let Some(live) = state.running.get_mut(task) {
                    if let Some(total) = total {
                        if !live.has_bar {
                            live.bar.set_style(style(BYTES_TEMPLATE));
                            live.has_bar = true;
                        }
                        // The position first: setting it alone may not redraw,
                        // setting the length always does.
                        live.bar.set_position(*done);
                        live.bar.set_length(*total);
                    }
                    if let Some(m) = message {
                        set_line(&live.bar, m);
                    }
                }
            }
            EventKind::TaskLogged { task, line, .. } => {
                if let Some(live) = state.running.get(task) {
                    set_line(&live.bar, line);
                }
            }
            EventKind::TaskWaiting { task, reason } => {
                if let Some(live) = state.running.get(task) {
                    set_line(&live.bar, &format!("waiting: {reason}"));
                }
            }
            EventKind::TaskRetrying {
                task,
                attempt,
                delay_ms,
                error,
            } => {
                if let Some(live) = state.running.get(task) {
                    set_line(
                        &live.bar,
                        &format!(
                            "attempt {attempt} failed, trying again in {}: {error}",
                            format_duration_ms(*delay_ms as f64)
                        ),
                    );
                }
            }
            EventKind::TaskFinished {
                task,
                status,
                duration_ms,
                error,
                ..
            } => {
                let label = match state.running.remove(task) {
                    Some(live) => {
                        live.bar.finish_and_clear();
                        self.multi.remove(&live.bar);
                        live.label
                    }
                    None => Arc::from(task.as_str()),
                };
                state.ended += 1;
                let took = format_duration_ms(*duration_ms);
                let line = match status {
                    TaskStatus::Succeeded => format!("✓ {label}  {took}"),
                    TaskStatus::Failed => {
                        state.failed += 1;
                        format!("✗ {label}: {}  {took}", error.join(": "))
                    }
                    TaskStatus::Cancelled => format!("⊘ {label} (cancelled)  {took}"),
                    other => format!("? {label} ({})  {took}", other.as_str()),
                };
                self.println(&mut state, &line);
            }
            EventKind::TaskSkipped {
                label,
                status,
                reason,
                ..
            } => {
                state.ended += 1;
                let line = match status {
                    TaskStatus::UpToDate => format!("= {label} (up to date)"),
                    TaskStatus::Cancelled => format!("⊘ {label} ({reason})"),
                    _ => format!("- {label} ({reason})"),
                };
                self.println(&mut state, &line);
            }
            EventKind::RunFinished { .. } => {}
        }
        state.update_overall();
    }

    fn println(&self, state: &mut TtyState, line: &str) {
        if let Err(e) = self.multi.println(line) {
            state.error.get_or_insert(e);
        }
    }

    pub(crate) fn finish(&self, report: &ExecutionReport) -> Result<(), ReporterError> {
        let mut state = self.lock();
        for (_, live) in state.running.drain() {
            live.bar.finish_and_clear();
            self.multi.remove(&live.bar);
        }
        if let Some(overall) = state.overall.take() {
            overall.finish_and_clear();
            self.multi.remove(&overall);
        }
        let summary = render_summary(report);
        // A blank line between the task lines and the summary.
        self.println(&mut state, &format!("\n{}", summary.trim_end()));
        if let Err(e) = self.multi.clear() {
            state.error.get_or_insert(e);
        }
        match state.error.take() {
            Some(e) => Err(ReporterError::Write(e)),
            None => Ok(()),
        }
    }
}

impl TtyState {
    /// `[12/40] 3 running · 1 failed`.
    fn update_overall(&self) {
        let Some(overall) = &self.overall else { return };
        let mut msg = format!(
            "[{}/{}] {} running",
            self.ended,
            self.total,
            self.running.len()
        );
        if self.failed > 0 {
            let _ = write!(msg, " · {} failed", self.failed);
        }
        overall.set_message(msg);
    }
}

/// Shows `line` (cleaned and cut) as the task's latest activity, if there is anything left
/// of it once cleaned.
fn set_line(bar: &ProgressBar, line: &str) {
    let line = clean_line(line);
    if !line.is_empty() {
        bar.set_message(truncate(&line, MESSAGE_LIMIT));
    }
}

/// A style from one of the templates above, with `{secs}` as elapsed seconds (`3.1s`).
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key(
            "secs",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(
                    w,
                    "{}",
                    format_duration_ms(state.elapsed().as_secs_f64() * 1000.0)
                );
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::{LogStream, ResourceClass};
    use indicatif::InMemoryTerm;
    use std::borrow::Cow;

    fn event(kind: EventKind) -> Event {
        Event {
            run_id: uuid::Uuid::nil(),
            elapsed_us: 0,
            kind,
        }
    }

    fn started(key: &str, label: &str) -> Event {
        event(EventKind::TaskStarted {
            task: TaskKey::new(key),
            kind: Cow::Borrowed("command"),
            label: Arc::from(label),
            resource: ResourceClass::Process,
            reason: "never ran".to_string(),
        })
    }

    #[test]
    fn every_template_parses() {
        for t in [SPINNER_TEMPLATE, BYTES_TEMPLATE, OVERALL_TEMPLATE] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
    }

    #[test]
    fn live_lines_follow_the_running_tasks() {
        let term = InMemoryTerm::new(20, 100);
        let tty = TtyReporter::new(ProgressDrawTarget::term_like(Box::new(term.clone())));
        tty.on_event(&event(EventKind::RunStarted {
            operation: "deploy".to_string(),
            tasks: 3,
            started_at: chrono::DateTime::UNIX_EPOCH,
        }));
        tty.on_event(&started("build", "build hero_db"));
        tty.on_event(&started("dl", "download hero_web"));
        tty.on_event(&event(EventKind::TaskLogged {
            task: TaskKey::new("build"),
            stream: LogStream::Stderr,
            line: format!(
                "\u{1b}[32m   Compiling\u{1b}[0m serde v1.0 {}",
                "x".repeat(300)
            ),
        }));
        tty.on_event(&event(EventKind::TaskProgressed {
            task: TaskKey::new("dl"),
            done: 1024 * 1024,
            total: Some(3 * 1024 * 1024),
            message: None,
        }));
        let live = term.contents();
        let build = live.lines().find(|l| l.contains("build hero_db")).unwrap();
        assert!(build.contains("Compiling serde v1.0 xxx"), "{live}");
        assert!(build.chars().count() <= 100, "{live}");
        let dl = live
            .lines()
            .find(|l| l.contains("download hero_web"))
            .unwrap();
        assert!(dl.contains("1.00 MiB/3.00 MiB"), "{live}");
        assert!(
            live.lines()
                .last()
                .unwrap()
                .contains("deploy [0/3] 2 running"),
            "{live}"
        );

        tty.on_event(&event(EventKind::TaskFinished {
            task: TaskKey::new("build"),
            status: TaskStatus::Failed,
            duration_ms: 1200.0,
            attempts: 1,
            error: vec!["`cargo` exited with status 101".to_string()],
            log_tail: Vec::new(),
            output: None,
        }));
        tty.on_event(&event(EventKind::TaskSkipped {
            task: TaskKey::new("w"),
            label: Arc::from("write config"),
            status: TaskStatus::UpToDate,
            reason: "up to date: unchanged".to_string(),
        }));
        let live = term.contents();
        assert!(
            live.contains("✗ build hero_db: `cargo` exited with status 101  1.2s"),
            "{live}"
        );
        assert!(live.contains("= write config (up to date)"), "{live}");
        assert!(!live.lines().any(|l| l.contains("Compiling")), "{live}");
        assert!(
            live.lines()
                .last()
                .unwrap()
                .contains("[2/3] 1 running · 1 failed"),
            "{live}"
        );
    }
}
