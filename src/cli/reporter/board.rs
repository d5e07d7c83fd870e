//! [`Board`]: what the live display knows about a run, and the frame it draws — a pure
//! function of the events seen, the time and the terminal's size, so it is tested with
//! snapshots at fixed sizes from a replayed event stream.
//!
//! One line per service (the plan's groups), like `docker compose up`:
//!
//! ```text
//! ⠹ deploy  2/4 services · 19/31 tasks · 2 running                                  3.1s
//!  ✔ demo_db      started, healthy                                                  0.2s
//!  ⠹ demo_cache   building           ━━━━━━━━━━━━╸──────────  45/120 units           2.9s
//!  ⠹ demo_index   downloading        ━━━━━╸──────  1.2/3.0 MiB · 2.1 MiB/s · eta 1s  0.8s
//!  ⋯ demo_books   waiting
//! ```
//!
//! A service's line shows its current step (the kind of its latest running task), a bar
//! where the work has a size — bytes for downloads (with rate and ETA), compiled units for
//! builds (of the units the last build took), elapsed of its timeout for health waits — or
//! the task's latest line, and the time since it began. Done, it collapses to what happened
//! (`✔ demo_db  started, healthy  0.2s`); in the final frame the services that were up to
//! date share one line. A plan without groups shows its running tasks instead.
//!
//! Nothing wraps: every line is cut to the width. When the services do not fit the
//! height, the failed and running ones are shown and the rest counted.

use std::collections::HashMap;
use std::sync::Arc;

use console::{Style, measure_text_width};
use indicatif::HumanBytes;

use super::text::{clean_line, cut, format_duration_ms};
use crate::graph::{Event, EventKind, ProgressUnit, RunStatus, TaskKey, TaskStatus};

/// Spinner frames, one per [`SPIN_US`].
const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// How long a spinner frame lasts, in microseconds.
const SPIN_US: u64 = 100_000;
/// The widest a service name column gets.
const NAME_WIDTH: usize = 22;
/// The width of the step column.
const STEP_WIDTH: usize = 18;

/// The live state of one run, fed with its events.
#[derive(Debug, Default)]
pub(crate) struct Board {
    operation: String,
    waiting: Option<String>,
    note: Option<String>,
    total: usize,
    ended: usize,
    failed: usize,
    ran: usize,
    up_to_date: usize,
    rows: Vec<Row>,
    by_group: HashMap<Arc<str>, usize>,
    running: HashMap<TaskKey, LiveTask>,
    /// Start order of the running tasks (their lines, in a plan without groups).
    order: Vec<TaskKey>,
    started: bool,
    finished: Option<(RunStatus, f64)>,
    /// The elapsed time of the last event, in microseconds.
    last_us: u64,
}

/// One service's line.
#[derive(Debug)]
struct Row {
    name: Arc<str>,
    tasks: usize,
    ended: usize,
    up_to_date: usize,
    /// The kinds of the tasks that ran and succeeded, in order, without repeats.
    ran: Vec<String>,
    failed: Option<String>,
    skipped: Option<String>,
    cancelled: bool,
    first_start_us: Option<u64>,
    last_end_us: Option<u64>,
}

/// One running task.
#[derive(Debug)]
struct LiveTask {
    row: Option<usize>,
    label: Arc<str>,
    kind: String,
    started_us: u64,
    message: Option<String>,
    progress: Option<Progress>,
}

/// A task's latest progress.
#[derive(Clone, Copy, Debug)]
struct Progress {
    unit: ProgressUnit,
    done: u64,
    total: Option<u64>,
    /// When (µs) and at how much the first report came: the rate is measured from there.
    first: (u64, u64),
    at_us: u64,
}

impl Board {
    /// Takes in one event.
    pub(crate) fn apply(&mut self, event: &Event) {
        self.last_us = self.last_us.max(event.elapsed_us);
        let now = event.elapsed_us;
        match &event.kind {
            EventKind::RunWaiting { service, holder } => {
                self.waiting = Some(format!(
                    "waiting for {service}: operation {holder} holds it"
                ));
            }
            EventKind::RunStarted {
                operation,
                tasks,
                groups,
                ..
            } => {
                self.started = true;
                self.waiting = None;
                self.operation = operation.clone();
                self.total = *tasks;
                for g in groups {
                    self.by_group.insert(g.name.clone(), self.rows.len());
                    self.rows.push(Row::new(g.name.clone(), g.tasks));
                }
            }
            EventKind::TaskStarted {
                task,
                kind,
                label,
                group,
                ..
            } => {
                let row = group.as_ref().and_then(|g| self.by_group.get(g).copied());
                if let Some(r) = row {
                    self.rows[r].first_start_us.get_or_insert(now);
                }
                self.running.insert(
                    task.clone(),
                    LiveTask {
                        row,
                        label: label.clone(),
                        kind: kind.to_string(),
                        started_us: now,
                        message: None,
                        progress: None,
                    },
                );
                self.order.push(task.clone());
            }
            EventKind::TaskProgressed {
                task,
                done,
                total,
                message,
                unit,
            } => {
                if let Some(live) = self.running.get_mut(task) {
                    let first = match live.progress {
                        Some(p) if p.unit == *unit => p.first,
                        _ => (now, *done),
                    };
                    live.progress = Some(Progress {
                        unit: *unit,
                        done: *done,
                        total: *total,
                        first,
                        at_us: now,
                    });
                    if let Some(m) = message {
                        live.set_message(m);
                    }
                }
            }
            EventKind::TaskLogged { task, line, .. } => {
                if let Some(live) = self.running.get_mut(task) {
                    live.set_message(line);
                }
            }
            EventKind::TaskWaiting { task, reason } => {
                if let Some(live) = self.running.get_mut(task) {
                    live.set_message(&format!("waiting: {reason}"));
                }
            }
            EventKind::TaskRetrying {
                task,
                attempt,
                delay_ms,
                error,
            } => {
                if let Some(live) = self.running.get_mut(task) {
                    live.set_message(&format!(
                        "attempt {attempt} failed, again in {}: {error}",
                        format_duration_ms(*delay_ms as f64)
                    ));
                }
            }
            EventKind::TaskFinished {
                task,
                status,
                error,
                ..
            } => {
                self.ended += 1;
                self.order.retain(|k| k != task);
                let Some(live) = self.running.remove(task) else {
                    return;
                };
                match status {
                    TaskStatus::Failed => self.failed += 1,
                    TaskStatus::Succeeded => self.ran += 1,
                    _ => {}
                }
                let Some(r) = live.row else { return };
                let row = &mut self.rows[r];
                row.ended += 1;
                row.last_end_us = Some(now);
                match status {
                    TaskStatus::Succeeded if !row.ran.contains(&live.kind) => {
                        row.ran.push(live.kind);
                    }
                    TaskStatus::Failed => {
                        let first = error.first().map(String::as_str).unwrap_or("failed");
                        row.failed.get_or_insert_with(|| {
                            format!("{}: {}", live.label, clean_line(first))
                        });
                    }
                    TaskStatus::Cancelled => row.cancelled = true,
                    _ => {}
                }
            }
            EventKind::TaskSkipped {
                status,
                reason,
                group,
                ..
            } => {
                self.ended += 1;
                if *status == TaskStatus::UpToDate {
                    self.up_to_date += 1;
                }
                let Some(r) = group.as_ref().and_then(|g| self.by_group.get(g).copied()) else {
                    return;
                };
                let row = &mut self.rows[r];
                row.ended += 1;
                match status {
                    TaskStatus::UpToDate => row.up_to_date += 1,
                    TaskStatus::Cancelled => row.cancelled = true,
                    _ => {
                        row.skipped.get_or_insert_with(|| reason.clone());
                    }
                }
            }
            EventKind::RunFinished {
                status,
                duration_ms,
                ..
            } => {
                self.finished = Some((*status, *duration_ms));
            }
        }
    }

    /// Shows `text` under the header (`cancelling…`).
    pub(crate) fn note(&mut self, text: &str) {
        self.note = Some(clean_line(text));
    }

    /// Whether the run has ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished.is_some()
    }

    /// The elapsed time of the last event, in microseconds.
    pub(crate) fn last_event_us(&self) -> u64 {
        self.last_us
    }

    /// The frame at `now_us` (microseconds since the run started) for a terminal `width`
    /// columns wide and `height` lines high: at most `height - 1` lines (the live frame;
    /// the final frame, once the run ended, may be longer), none wider than `width - 1`.
    pub(crate) fn frame(
        &self,
        now_us: u64,
        width: usize,
        height: usize,
        color: bool,
    ) -> Vec<String> {
        let now_us = now_us.max(self.last_us);
        let paint = Paint { color };
        let width = width.max(20) - 1;
        let mut lines = vec![self.header(now_us, width, &paint)];
        if let Some(note) = &self.note {
            lines.push(fit(&format!(" {}", paint.yellow(note)), width));
        }
        if !self.started {
            return lines;
        }
        let rows = if self.rows.is_empty() {
            self.task_lines(now_us, width, &paint)
        } else if self.finished.is_some() {
            self.final_rows(width, &paint)
        } else {
            let taken = lines.len() + 1;
            self.live_rows(now_us, width, height.max(taken + 1) - taken, &paint)
        };
        lines.extend(rows);
        lines
    }

    fn header(&self, now_us: u64, width: usize, paint: &Paint) -> String {
        if let Some(w) = &self.waiting {
            let spin = paint.cyan(spinner(now_us));
            return fit(&format!("{spin} {w}"), width);
        }
        if !self.started {
            return fit(&format!("{} starting…", paint.cyan(spinner(now_us))), width);
        }
        let services = self.rows.len();
        let done = self.rows.iter().filter(|r| r.is_complete()).count();
        let mut counts = Vec::new();
        if services > 0 {
            counts.push(format!("{done}/{services} services"));
        }
        let (icon, title, elapsed) = match self.finished {
            Some((status, ms)) => {
                let icon = match status {
                    RunStatus::Succeeded => paint.green("✔"),
                    RunStatus::Failed => paint.red("✘"),
                    RunStatus::Cancelled | RunStatus::Interrupted => paint.yellow("⊘"),
                };
                counts.clear();
                if services > 0 {
                    counts.push(format!("{services} services"));
                }
                counts.push(self.task_totals());
                let title = format!("{} {}", self.operation, status.as_str());
                (icon, title, format_duration_ms(ms))
            }
            None => {
                counts.push(format!("{}/{} tasks", self.ended, self.total));
                counts.push(format!("{} running", self.running.len()));
                if self.failed > 0 {
                    counts.push(paint.red(&format!("{} failed", self.failed)));
                }
                (
                    paint.cyan(spinner(now_us)),
                    self.operation.clone(),
                    elapsed_text(now_us, 0),
                )
            }
        };
        let left = format!("{icon} {}  {}", paint.bold(&title), counts.join(" · "));
        right_aligned(&left, &paint.dim(&elapsed), width)
    }

    /// `40 tasks: 12 ran, 28 up to date, 1 failed`.
    fn task_totals(&self) -> String {
        let mut parts = Vec::new();
        if self.ran > 0 {
            parts.push(format!("{} ran", self.ran));
        }
        if self.up_to_date > 0 {
            parts.push(format!("{} up to date", self.up_to_date));
        }
        if self.failed > 0 {
            parts.push(format!("{} failed", self.failed));
        }
        let skipped = self
            .ended
            .saturating_sub(self.ran + self.up_to_date + self.failed);
        if skipped > 0 {
            parts.push(format!("{skipped} not run"));
        }
        if parts.is_empty() {
            format!("{} tasks", self.total)
        } else {
            format!("{} tasks ({})", self.total, parts.join(", "))
        }
    }

    fn name_width(&self) -> usize {
        self.rows
            .iter()
            .map(|r| measure_text_width(&r.name))
            .max()
            .unwrap_or(0)
            .min(NAME_WIDTH)
    }

    fn live_rows(&self, now_us: u64, width: usize, room: usize, paint: &Paint) -> Vec<String> {
        let name_w = self.name_width();
        let all: Vec<usize> = (0..self.rows.len()).collect();
        let shown: Vec<usize> = if all.len() <= room {
            all
        } else {
            // The failed first, then the running, then the rest in order; a count line.
            let mut pick: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| self.rows[i].failed.is_some())
                .collect();
            pick.extend(
                all.iter()
                    .copied()
                    .filter(|&i| self.rows[i].failed.is_none() && self.row_is_running(i)),
            );
            for i in all {
                if pick.len() + 1 >= room {
                    break;
                }
                if !pick.contains(&i) {
                    pick.push(i);
                }
            }
            pick.truncate(room.saturating_sub(1));
            pick.sort_unstable();
            pick
        };
        let mut lines: Vec<String> = shown
            .iter()
            .map(|&i| self.row_line(i, now_us, name_w, width, paint))
            .collect();
        let hidden = self.rows.len() - shown.len();
        if hidden > 0 {
            let done = (0..self.rows.len())
                .filter(|i| !shown.contains(i) && self.rows[*i].is_complete())
                .count();
            lines.push(fit(
                &paint.dim(&format!(
                    " … {hidden} more ({done} done, {} to go)",
                    hidden - done
                )),
                width,
            ));
        }
        lines
    }

    fn final_rows(&self, width: usize, paint: &Paint) -> Vec<String> {
        let name_w = self.name_width();
        let unchanged: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| r.is_unchanged())
            .map(|r| &*r.name)
            .collect();
        let collapse = unchanged.len() >= 2;
        let mut lines = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            if collapse && row.is_unchanged() {
                continue;
            }
            lines.push(self.row_line(i, self.last_us, name_w, width, paint));
        }
        if collapse {
            let line = format!(
                " {} {} up to date: {}",
                paint.green("✔"),
                unchanged.len(),
                unchanged.join(", ")
            );
            lines.push(fit(&line, width));
        }
        lines
    }

    fn row_is_running(&self, row: usize) -> bool {
        self.running.values().any(|t| t.row == Some(row))
    }

    /// The running task a service's line shows: the one with a sized progress, else the
    /// latest started.
    fn current_task(&self, row: usize) -> Option<&LiveTask> {
        let mut tasks: Vec<&LiveTask> = self
            .running
            .values()
            .filter(|t| t.row == Some(row))
            .collect();
        tasks.sort_by_key(|t| t.started_us);
        tasks
            .iter()
            .rev()
            .find(|t| t.progress.is_some_and(|p| p.total.is_some()))
            .or(tasks.last())
            .copied()
    }

    fn row_line(
        &self,
        i: usize,
        now_us: u64,
        name_w: usize,
        width: usize,
        paint: &Paint,
    ) -> String {
        let row = &self.rows[i];
        let name = pad(&cut(&row.name, name_w), name_w);
        let since = row.first_start_us.unwrap_or(now_us);
        if let Some(err) = &row.failed {
            let took = row.last_end_us.unwrap_or(now_us).saturating_sub(since);
            let left = format!(
                " {} {} {}",
                paint.red("✘"),
                paint.bold(&name),
                paint.red(&format!("failed: {err}"))
            );
            return right_aligned(&left, &paint.dim(&elapsed_text(took, 0)), width);
        }
        if let Some(task) = self.current_task(i) {
            let step = pad(&step_of(&task.kind, &task.label), STEP_WIDTH);
            let room = width.saturating_sub(name_w + STEP_WIDTH + 14);
            let detail = task.detail(now_us, room, paint);
            let left = format!(
                " {} {} {} {}",
                paint.cyan(spinner(now_us)),
                paint.bold(&name),
                step,
                detail
            );
            return right_aligned(&left, &paint.dim(&elapsed_text(now_us, since)), width);
        }
        if row.is_complete() {
            let took = row.last_end_us.unwrap_or(since).saturating_sub(since);
            let (icon, what) = if let Some(reason) = &row.skipped {
                (paint.yellow("-"), format!("not run: {reason}"))
            } else if row.cancelled {
                (paint.yellow("⊘"), "cancelled".to_string())
            } else {
                (paint.green("✔"), outcome(row))
            };
            let left = format!(" {icon} {} {what}", paint.bold(&name));
            let time = if row.first_start_us.is_some() {
                paint.dim(&elapsed_text(took, 0))
            } else {
                String::new()
            };
            return right_aligned(&left, &time, width);
        }
        let left = format!(" {} {} {}", paint.dim("⋯"), name, paint.dim("waiting"));
        fit(&left, width)
    }

    /// A plan without groups: one line per running task.
    fn task_lines(&self, now_us: u64, width: usize, paint: &Paint) -> Vec<String> {
        let label_w = self
            .order
            .iter()
            .filter_map(|k| self.running.get(k))
            .map(|t| measure_text_width(&t.label))
            .max()
            .unwrap_or(0)
            .min(40);
        self.order
            .iter()
            .filter_map(|k| self.running.get(k))
            .map(|t| {
                let label = pad(&cut(&t.label, label_w), label_w);
                let room = width.saturating_sub(label_w + 14);
                let left = format!(
                    " {} {} {}",
                    paint.cyan(spinner(now_us)),
                    paint.bold(&label),
                    t.detail(now_us, room, paint)
                );
                right_aligned(
                    &left,
                    &paint.dim(&elapsed_text(now_us, t.started_us)),
                    width,
                )
            })
            .collect()
    }
}

impl Row {
    fn new(name: Arc<str>, tasks: usize) -> Self {
        Self {
            name,
            tasks,
            ended: 0,
            up_to_date: 0,
            ran: Vec::new(),
            failed: None,
            skipped: None,
            cancelled: false,
            first_start_us: None,
            last_end_us: None,
        }
    }

    fn is_complete(&self) -> bool {
        self.ended >= self.tasks
    }

    /// Complete with nothing run: every task was up to date.
    fn is_unchanged(&self) -> bool {
        self.is_complete()
            && self.ran.is_empty()
            && self.failed.is_none()
            && self.skipped.is_none()
            && !self.cancelled
    }
}

impl LiveTask {
    fn set_message(&mut self, line: &str) {
        let line = clean_line(line);
        if !line.is_empty() {
            self.message = Some(line);
        }
    }

    /// What follows the step: a bar and counts where the work has a size, else the latest
    /// line; at most `room` columns.
    fn detail(&self, now_us: u64, room: usize, paint: &Paint) -> String {
        let Some(p) = self.progress.filter(|p| p.total.is_some_and(|t| t > 0)) else {
            let text = match (self.progress, &self.message) {
                (Some(p), _) if p.unit == ProgressUnit::Steps => format!("{} units", p.done),
                (Some(p), _) if p.unit == ProgressUnit::Bytes && p.done > 0 => {
                    format!("{}", HumanBytes(p.done))
                }
                (_, Some(m)) => m.clone(),
                _ => String::new(),
            };
            return paint.dim(&cut(&text, room));
        };
        let total = p.total.unwrap_or(1).max(1);
        // A health wait's time moves on between reports.
        let done = match p.unit {
            ProgressUnit::Millis => (now_us.saturating_sub(self.started_us) / 1000).min(total),
            _ => p.done.min(total),
        };
        let counts = match p.unit {
            ProgressUnit::Bytes => {
                let mut s = bytes_of(done, total);
                let secs = p.at_us.saturating_sub(p.first.0) as f64 / 1e6;
                let moved = p.done.saturating_sub(p.first.1) as f64;
                if secs > 0.2 && moved > 0.0 {
                    let rate = moved / secs;
                    let eta = (total.saturating_sub(done)) as f64 / rate;
                    let with_rate = format!(
                        "{s} · {}/s · eta {}",
                        HumanBytes(rate as u64),
                        eta_text(eta)
                    );
                    // The rate only where a bar still fits beside it.
                    if measure_text_width(&with_rate) + 11 <= room {
                        s = with_rate;
                    }
                }
                s
            }
            ProgressUnit::Steps => format!("{done}/{total} units"),
            ProgressUnit::Millis => format!(
                "{}/{}",
                format_duration_ms(done as f64),
                format_duration_ms(total as f64)
            ),
        };
        let bar_w = room
            .saturating_sub(measure_text_width(&counts) + 1)
            .clamp(0, 30);
        if bar_w < 6 {
            return cut(&counts, room).into_owned();
        }
        format!("{} {}", bar(done, total, bar_w, paint), counts)
    }
}

/// `1.2/3.0 MiB`: both in the unit of the total.
fn bytes_of(done: u64, total: u64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("GiB", 1024.0 * 1024.0 * 1024.0),
        ("MiB", 1024.0 * 1024.0),
        ("KiB", 1024.0),
        ("B", 1.0),
    ];
    let (name, size) = UNITS
        .iter()
        .copied()
        .find(|(_, size)| total as f64 >= *size)
        .unwrap_or(("B", 1.0));
    if name == "B" {
        return format!("{done}/{total} B");
    }
    format!(
        "{:.1}/{:.1} {name}",
        done as f64 / size,
        total as f64 / size
    )
}

/// A download's time left: `<1s`, `4s`, `2m05s`.
fn eta_text(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".to_string();
    }
    if secs < 1.0 {
        return "<1s".to_string();
    }
    format_duration_ms((secs.round()) * 1000.0)
}

/// What a service's line says while a task of `kind` runs.
fn step_of(kind: &str, label: &str) -> String {
    match kind {
        "resolve_release" => "resolving release",
        "download_asset" => "downloading",
        "git_checkout" => "checking out",
        "cargo_build" => "building",
        "verify_elf" | "verify_binary" => "verifying",
        "install_binary" | "local_binary" => "installing",
        "system_binary" => "checking binary",
        "write_file" => "writing config",
        "register_process" => "registering",
        "start_process" => "starting",
        "wait_healthy" => "waiting for health",
        "restart_verified" => "restarting",
        "stop_process" => "stopping",
        "remove_process" | "remove_binary" => "removing",
        "match_lock" => "matching the lock",
        "write_lock" => "writing the lock",
        _ => return label.to_string(),
    }
    .to_string()
}

/// What happened to a service, from the kinds of the tasks that ran.
fn outcome(row: &Row) -> String {
    if row.ran.is_empty() {
        return "up to date".to_string();
    }
    let mut said: Vec<&str> = Vec::new();
    for kind in &row.ran {
        let word = match kind.as_str() {
            "cargo_build" => "built",
            "download_asset" => "downloaded",
            "install_binary" | "local_binary" => "installed",
            "system_binary" => "checked",
            "start_process" => "started",
            "restart_verified" => "restarted",
            "wait_healthy" => "healthy",
            "stop_process" => "stopped",
            "remove_process" | "remove_binary" => "removed",
            "verify_binary" => "verified",
            "verify_elf" => "checked",
            "match_lock" => "matches the lock",
            "write_lock" => "locked",
            _ => continue,
        };
        if !said.contains(&word) {
            said.push(word);
        }
    }
    if said.is_empty() {
        "updated".to_string()
    } else {
        said.join(", ")
    }
}

fn spinner(now_us: u64) -> &'static str {
    SPINNER[((now_us / SPIN_US) % SPINNER.len() as u64) as usize]
}

/// `3.1s` from `since` to `now` (both µs).
fn elapsed_text(now_us: u64, since_us: u64) -> String {
    format_duration_ms(now_us.saturating_sub(since_us) as f64 / 1000.0)
}

/// A bar `width` columns wide, `done` of `total` filled.
fn bar(done: u64, total: u64, width: usize, paint: &Paint) -> String {
    let filled = ((done as f64 / total.max(1) as f64) * width as f64).floor() as usize;
    let filled = filled.min(width);
    let mut on = "━".repeat(filled);
    let mut off = String::new();
    if filled < width {
        on.push('╸');
        off = "─".repeat(width - filled - 1);
    }
    format!("{}{}", paint.cyan(&on), paint.dim(&off))
}

/// `text` padded with spaces to `width` columns.
fn pad(text: &str, width: usize) -> String {
    let w = measure_text_width(text);
    format!("{text}{}", " ".repeat(width.saturating_sub(w)))
}

/// `text` cut to `width` columns.
fn fit(text: &str, width: usize) -> String {
    cut(text, width).into_owned()
}

/// `left`, then `right` at the end of a line `width` columns wide (`left` cut to make room).
fn right_aligned(left: &str, right: &str, width: usize) -> String {
    let rw = measure_text_width(right);
    if rw == 0 {
        return fit(left, width);
    }
    if rw + 2 > width {
        return fit(left, width);
    }
    let left = cut(left, width - rw - 2);
    let gap = width - rw - measure_text_width(&left);
    format!("{left}{}{right}", " ".repeat(gap))
}

/// Colours, or none (snapshots, `NO_COLOR`).
struct Paint {
    color: bool,
}

impl Paint {
    fn with(&self, style: Style, text: &str) -> String {
        if self.color {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }
    fn green(&self, t: &str) -> String {
        self.with(Style::new().green(), t)
    }
    fn red(&self, t: &str) -> String {
        self.with(Style::new().red(), t)
    }
    fn yellow(&self, t: &str) -> String {
        self.with(Style::new().yellow(), t)
    }
    fn cyan(&self, t: &str) -> String {
        self.with(Style::new().cyan(), t)
    }
    fn dim(&self, t: &str) -> String {
        self.with(Style::new().dim(), t)
    }
    fn bold(&self, t: &str) -> String {
        self.with(Style::new().bold(), t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{PlanGroup, Totals};
    use crate::tasks::{LogStream, ResourceClass};
    use std::borrow::Cow;

    /// A replayed event stream: events stamped with the times given (ms).
    struct Replay {
        board: Board,
    }

    /// Seconds as the events' microseconds.
    fn ms(t: f64) -> u64 {
        (t * 1_000_000.0) as u64
    }

    impl Replay {
        fn new(groups: &[(&str, usize)]) -> Self {
            let mut r = Replay {
                board: Board::default(),
            };
            let tasks = groups.iter().map(|(_, n)| n).sum();
            r.at(
                0.0,
                EventKind::RunStarted {
                    operation: "deploy".to_string(),
                    tasks,
                    started_at: chrono::DateTime::UNIX_EPOCH,
                    groups: groups
                        .iter()
                        .map(|(name, tasks)| PlanGroup {
                            name: Arc::from(*name),
                            tasks: *tasks,
                        })
                        .collect(),
                },
            );
            r
        }

        fn at(&mut self, t: f64, kind: EventKind) -> &mut Self {
            self.board.apply(&Event {
                run_id: uuid::Uuid::nil(),
                elapsed_us: ms(t),
                kind,
            });
            self
        }

        fn start(
            &mut self,
            t: f64,
            group: &str,
            key: &str,
            kind: &'static str,
            label: &str,
        ) -> &mut Self {
            self.at(
                t,
                EventKind::TaskStarted {
                    task: TaskKey::new(key),
                    kind: Cow::Borrowed(kind),
                    label: Arc::from(label),
                    resource: ResourceClass::Process,
                    reason: "never ran".to_string(),
                    group: Some(Arc::from(group)),
                },
            )
        }

        fn finish(&mut self, t: f64, key: &str, status: TaskStatus, error: &[&str]) -> &mut Self {
            self.at(
                t,
                EventKind::TaskFinished {
                    task: TaskKey::new(key),
                    status,
                    duration_ms: 1.0,
                    attempts: 1,
                    error: error.iter().map(|e| e.to_string()).collect(),
                    log_tail: Vec::new(),
                    output: None,
                },
            )
        }

        fn up_to_date(&mut self, t: f64, group: &str, key: &str) -> &mut Self {
            self.at(
                t,
                EventKind::TaskSkipped {
                    task: TaskKey::new(key),
                    label: Arc::from(key),
                    status: TaskStatus::UpToDate,
                    reason: "up to date: unchanged".to_string(),
                    group: Some(Arc::from(group)),
                },
            )
        }

        fn progress(
            &mut self,
            t: f64,
            key: &str,
            unit: ProgressUnit,
            done: u64,
            total: Option<u64>,
        ) -> &mut Self {
            self.at(
                t,
                EventKind::TaskProgressed {
                    task: TaskKey::new(key),
                    done,
                    total,
                    message: None,
                    unit,
                },
            )
        }

        fn frame(&self, t: f64, width: usize, height: usize) -> String {
            self.board.frame(ms(t), width, height, false).join("\n")
        }
    }

    /// A deploy of six services in the middle: one up to date, one building, one
    /// downloading, one waiting for health, one failed, one not begun.
    fn mid_deploy() -> Replay {
        let mut r = Replay::new(&[
            ("demo_db", 3),
            ("demo_cache", 4),
            ("demo_index", 4),
            ("demo_router", 3),
            ("demo_auth", 3),
            ("demo_books", 3),
        ]);
        r.up_to_date(0.002, "demo_db", "install:demo_db")
            .up_to_date(0.002, "demo_db", "start:demo_db")
            .up_to_date(0.003, "demo_db", "healthy:demo_db")
            .start(
                0.01,
                "demo_cache",
                "build:demo_cache",
                "cargo_build",
                "cargo build demo_cache",
            )
            .at(
                0.3,
                EventKind::TaskLogged {
                    task: TaskKey::new("build:demo_cache"),
                    stream: LogStream::Stderr,
                    line: "   Compiling serde v1.0.219".to_string(),
                },
            )
            .progress(1.5, "build:demo_cache", ProgressUnit::Steps, 45, Some(120))
            .start(
                0.9,
                "demo_index",
                "download:demo_index",
                "download_asset",
                "download demo_index",
            )
            .progress(
                0.9,
                "download:demo_index",
                ProgressUnit::Bytes,
                0,
                Some(3 << 20),
            )
            .progress(
                1.5,
                "download:demo_index",
                ProgressUnit::Bytes,
                1_300_000,
                Some(3 << 20),
            )
            .start(
                1.1,
                "demo_router",
                "healthy:demo_router",
                "wait_healthy",
                "wait for demo_router",
            )
            .progress(
                1.2,
                "healthy:demo_router",
                ProgressUnit::Millis,
                100,
                Some(30_000),
            )
            .start(
                0.2,
                "demo_auth",
                "start:demo_auth",
                "start_process",
                "start demo_auth",
            )
            .finish(
                0.4,
                "start:demo_auth",
                TaskStatus::Failed,
                &["demo_auth exited with status 1 at once: address in use"],
            );
        r
    }

    #[test]
    fn mid_deploy_at_80x24() {
        insta::assert_snapshot!(mid_deploy().frame(1.6, 80, 24));
    }

    #[test]
    fn mid_deploy_at_160x50() {
        insta::assert_snapshot!(mid_deploy().frame(1.6, 160, 50));
    }

    #[test]
    fn nothing_wraps_and_the_height_is_kept() {
        let r = mid_deploy();
        for (w, h) in [(80, 24), (160, 50), (40, 5), (20, 3)] {
            let frame = r.board.frame(ms(1.6), w, h, true);
            assert!(frame.len() < h.max(3), "{w}x{h}: {frame:#?}");
            for line in &frame {
                assert!(measure_text_width(line) < w.max(20), "{w}x{h}: {line:?}");
            }
        }
        // Too many services for the height: the failed and running ones, and a count.
        let small = r.frame(1.6, 80, 6);
        assert!(
            small.contains("demo_auth") && small.contains("demo_cache"),
            "{small}"
        );
        assert!(small.contains("more"), "{small}");
    }

    #[test]
    fn a_finished_deploy_collapses_what_was_up_to_date() {
        let mut r = Replay::new(&[("demo_db", 2), ("demo_cache", 2), ("demo_web", 3)]);
        r.up_to_date(0.001, "demo_db", "a")
            .up_to_date(0.001, "demo_db", "b")
            .up_to_date(0.001, "demo_cache", "c")
            .up_to_date(0.001, "demo_cache", "d")
            .up_to_date(0.001, "demo_web", "e")
            .start(
                0.002,
                "demo_web",
                "start:demo_web",
                "start_process",
                "start demo_web",
            )
            .finish(0.010, "start:demo_web", TaskStatus::Succeeded, &[])
            .start(
                0.010,
                "demo_web",
                "healthy:demo_web",
                "wait_healthy",
                "wait",
            )
            .finish(0.180, "healthy:demo_web", TaskStatus::Succeeded, &[])
            .at(
                0.181,
                EventKind::RunFinished {
                    status: RunStatus::Succeeded,
                    totals: Totals::default(),
                    duration_ms: 181.0,
                },
            );
        insta::assert_snapshot!(r.frame(0.181, 80, 24));
    }

    #[test]
    fn a_no_op_deploy_is_two_lines() {
        let mut r = Replay::new(&[("demo_db", 2), ("demo_cache", 1), ("demo_web", 1)]);
        for (g, k) in [
            ("demo_db", "a"),
            ("demo_db", "b"),
            ("demo_cache", "c"),
            ("demo_web", "d"),
        ] {
            r.up_to_date(0.001, g, k);
        }
        r.at(
            0.02,
            EventKind::RunFinished {
                status: RunStatus::Succeeded,
                totals: Totals::default(),
                duration_ms: 20.0,
            },
        );
        let frame = r.frame(0.02, 80, 24);
        assert_eq!(frame.lines().count(), 2, "{frame}");
        insta::assert_snapshot!(frame);
    }

    #[test]
    fn a_plan_without_services_shows_its_running_tasks() {
        let mut r = Replay::new(&[]);
        r.at(
            0.0,
            EventKind::TaskStarted {
                task: TaskKey::new("t1"),
                kind: Cow::Borrowed("command"),
                label: Arc::from("compile the sample"),
                resource: ResourceClass::Process,
                reason: "never ran".to_string(),
                group: None,
            },
        );
        let frame = r.frame(0.5, 80, 24);
        assert!(frame.contains("compile the sample"), "{frame}");
    }
}
