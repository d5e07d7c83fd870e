//! Terminal reporters fed by real runs of the real executor.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hero_svc::cli::reporter::{ProgressMode, Reporter, render_summary};
use hero_svc::graph::{
    Event, EventSink, ExecutionReport, ExecutorConfig, RunRequest, RunStatus, TaskRecord,
    TaskStatus,
};
use hero_svc::state::StateStore;
use hero_svc::tasks::{Command, Executor, Noop, Plan, PlanBuilder, TaskKey, TaskOutput, WriteFile};
use indicatif::{InMemoryTerm, TermLike};

use crate::support::events::Collector;
use crate::support::output::SharedBuffer;

/// prepare → write <dir>/a.txt → say hi (prints `hi`, exits 1) → after.
/// A chain, so the order of events is fixed.
fn failing_plan(dir: &Path) -> Plan {
    let mut b = PlanBuilder::new();
    let prepare = b.add(Noop::new("prepare"));
    let write = b.add_after(WriteFile::new(dir.join("a.txt"), "hello"), [&prepare]);
    let fail = b.add_after(
        Command::new("fail", "sh")
            .args(["-c", "echo hi; exit 1"])
            .label("say hi"),
        [&write],
    );
    b.add_after(Noop::new("after"), [&fail]);
    b.build().unwrap()
}

fn executor(store: &StateStore) -> Executor {
    Executor::new(ExecutorConfig::default(), store.clone())
}

async fn run(executor: &Executor, plan: &Plan, sink: EventSink) -> ExecutionReport {
    executor.run(plan, RunRequest::new("test").sink(sink)).await
}

/// A plain line without its timestamp column, with the temp dir as `<dir>` and every
/// duration as `<d>`.
fn normalize(line: &str, dir: &Path) -> String {
    let line = match line.strip_prefix('[') {
        Some(_) => &line[12..],
        None => line,
    };
    let line = line.replace(&dir.display().to_string(), "<dir>");
    line.split(' ')
        .map(|word| {
            let core = word
                .trim_start_matches('(')
                .trim_end_matches([')', ',', ':']);
            let is_duration = (core.ends_with("ms") || core.ends_with('s'))
                && core
                    .trim_end_matches("ms")
                    .trim_end_matches('s')
                    .parse::<f64>()
                    .is_ok();
            if is_duration {
                word.replace(core, "<d>")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn plain_prints_one_line_per_event_then_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::in_memory().unwrap();
    let plan = failing_plan(dir.path());

    let out = SharedBuffer::new();
    let reporter = Reporter::new(ProgressMode::Plain, Box::new(out.clone()));
    let report = run(&executor(&store), &plan, reporter.sink()).await;
    reporter.finish(&report).unwrap();

    let text = out.text();
    let lines: Vec<String> = text.lines().map(|l| normalize(l, dir.path())).collect();
    let written = report
        .tasks
        .iter()
        .find(|t| t.kind == "write_file")
        .unwrap()
        .output
        .clone()
        .unwrap()
        .replace(&dir.path().display().to_string(), "<dir>");
    let expected = [
        "run      test: 4 tasks".to_string(),
        "start    prepare (always runs)".to_string(),
        "ok       prepare (<d>)".to_string(),
        "start    write <dir>/a.txt (never ran)".to_string(),
        format!("ok       write <dir>/a.txt (<d>) → {written}"),
        "start    say hi (always runs)".to_string(),
        "log      say hi | hi".to_string(),
        "FAILED   say hi: `say hi` exited with status 1 (<d>)".to_string(),
        "                       | hi".to_string(),
        "skip     after (dependency `fail` failed)".to_string(),
        "done     failed in <d>".to_string(),
        // The summary.
        "✗ say hi (fail)".to_string(),
        "    error: `say hi` exited with status 1".to_string(),
        "    last line of output:".to_string(),
        "      | hi".to_string(),
        "- after: dependency `fail` failed".to_string(),
        "test failed: 2 succeeded, 1 failed, 1 skipped in <d>".to_string(),
        "critical path (<d>): prepare <d> → write <dir>/a.txt <d> → say hi <d>".to_string(),
    ];
    assert_eq!(lines, expected, "{text}");
    // Every event line carries a timestamp.
    for line in text.lines().take(11).filter(|l| !l.starts_with(' ')) {
        assert!(line.starts_with('[') && &line[10..12] == "] ", "{line}");
    }

    // The same plan again: the write is up to date, and says why.
    let out = SharedBuffer::new();
    let reporter = Reporter::new(ProgressMode::Auto, Box::new(out.clone()));
    assert_eq!(reporter.mode(), ProgressMode::Plain);
    let report = run(&executor(&store), &plan, reporter.sink()).await;
    reporter.finish(&report).unwrap();
    let lines: Vec<String> = out
        .text()
        .lines()
        .map(|l| normalize(l, dir.path()))
        .collect();
    assert!(
        lines.contains(&"uptodate write <dir>/a.txt (<dir>/a.txt is unchanged)".to_string()),
        "{lines:#?}"
    );
    assert!(
        lines.contains(
            &"test failed: 1 succeeded, 1 up to date, 1 failed, 1 skipped in <d>".to_string()
        ),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn json_writes_every_event_as_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::in_memory().unwrap();
    let plan = failing_plan(dir.path());

    let out = SharedBuffer::new();
    let reporter = Reporter::new(ProgressMode::Json, Box::new(out.clone()));
    let collected = Collector::new();
    let (to_reporter, to_collector) = (reporter.sink(), collected.sink());
    let both: EventSink = Arc::new(move |e: &Event| {
        to_reporter(e);
        to_collector(e);
    });
    let report = run(&executor(&store), &plan, both).await;
    reporter.finish(&report).unwrap();

    let text = out.text();
    let objects: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(objects.iter().all(serde_json::Value::is_object));
    let tags: Vec<&str> = objects
        .iter()
        .map(|o| o["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "run_started",
            "task_started",
            "task_finished",
            "task_started",
            "task_finished",
            "task_started",
            "task_logged",
            "task_finished",
            "task_skipped",
            "run_finished",
        ]
    );
    // Nothing but the events, exactly as emitted.
    let events: Vec<Event> = objects
        .into_iter()
        .map(|o| serde_json::from_value(o).unwrap())
        .collect();
    assert_eq!(events, collected.events());
    assert_eq!(objects_of(&text, "task_finished")[2]["status"], "failed");
}

fn objects_of(ndjson: &str, tag: &str) -> Vec<serde_json::Value> {
    ndjson
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|o| o["event"] == tag)
        .collect()
}

#[tokio::test]
async fn quiet_prints_only_the_failures() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::in_memory().unwrap();
    let out = SharedBuffer::new();
    let reporter = Reporter::new(ProgressMode::Quiet, Box::new(out.clone()));
    let report = run(
        &executor(&store),
        &failing_plan(dir.path()),
        reporter.sink(),
    )
    .await;
    reporter.finish(&report).unwrap();
    assert_eq!(
        out.text(),
        "✗ say hi (fail)\n    error: `say hi` exited with status 1\n    last line of output:\n      | hi\n"
    );

    // A clean run says nothing at all.
    let out = SharedBuffer::new();
    let reporter = Reporter::new(ProgressMode::Quiet, Box::new(out.clone()));
    let mut b = PlanBuilder::new();
    b.add(Noop::new("only"));
    let report = run(&executor(&store), &b.build().unwrap(), reporter.sink()).await;
    reporter.finish(&report).unwrap();
    assert_eq!(out.text(), "");
}

#[tokio::test]
async fn summary_of_a_failed_run_has_the_error_the_log_tail_and_the_critical_path() {
    let store = StateStore::in_memory().unwrap();
    let mut b = PlanBuilder::new();
    let prepare = b.add(Noop::new("prepare"));
    b.add_after(
        Command::new("build", "sh")
            .args([
                "-c",
                "for i in $(seq 1 30); do echo line $i; done; echo oops; exit 101",
            ])
            .label("build x"),
        [&prepare],
    );
    let report = executor(&store)
        .run(&b.build().unwrap(), RunRequest::new("deploy"))
        .await;

    let summary = render_summary(&report);
    let lines: Vec<&str> = summary.lines().collect();
    assert_eq!(lines[0], "✗ build x (build)");
    assert_eq!(lines[1], "    error: `build x` exited with status 101");
    assert_eq!(lines[2], "    last 15 of 31 lines of output:");
    assert_eq!(lines[3], "      | line 17");
    assert_eq!(lines[17], "      | oops");
    assert!(
        lines[18].starts_with("deploy failed: 1 succeeded, 1 failed in "),
        "{summary}"
    );
    assert!(lines[19].starts_with("critical path ("), "{summary}");
    assert!(
        lines[19].contains("): prepare ") && lines[19].contains(" → build x "),
        "{summary}"
    );
    assert_eq!(lines.len(), 20, "{summary}");
}

/// Polls `cond` until it holds or five seconds pass.
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A terminal emulator (vt100, from indicatif's `in_memory`) as the display's output: the
/// test sees the screen a person would.
#[derive(Clone)]
struct Screen(InMemoryTerm);

impl std::io::Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_str(&String::from_utf8_lossy(buf))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every byte written, to look at the escape sequences.
#[derive(Clone, Default)]
struct Bytes(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Bytes {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tty_shows_one_line_per_service_live_and_collapses_when_done() {
    use hero_svc::tasks::Executor;

    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let store = StateStore::in_memory().unwrap();
    let mut b = PlanBuilder::new();
    let prepare = b.in_group("alpha", |b| b.add(Noop::new("prepare")));
    let wait = b.in_group("beta", |b| {
        b.add_after(
            Command::new("wait", "sh")
                .args([
                    "-c",
                    "echo compiling foo; while [ ! -f \"$1\" ]; do sleep 0.01; done",
                    "sh",
                ])
                .args([go.display().to_string()])
                .label("wait for go"),
            [&prepare],
        )
    });
    b.in_group("gamma", |b| b.add_after(Noop::new("finish"), [&wait]));
    let plan = b.build().unwrap();

    let term = InMemoryTerm::new(24, 80);
    let reporter = Reporter::tty(Box::new(Screen(term.clone())), 80, 24);
    let running = tokio::spawn({
        let executor: Executor = executor(&store);
        let sink = reporter.sink();
        async move {
            executor
                .run(&plan, RunRequest::new("test").sink(sink))
                .await
        }
    });

    // While the command waits: a header with the totals, one line per service — done,
    // running with its latest line, waiting.
    let live_term = term.clone();
    tokio::task::spawn_blocking(move || {
        wait_for("the live line", || {
            live_term
                .contents()
                .lines()
                .any(|l| l.contains("beta") && l.contains("compiling foo"))
        });
    })
    .await
    .unwrap();
    let live = term.contents();
    let lines: Vec<&str> = live.lines().collect();
    assert!(
        lines[0].contains("test  1/3 services · 1/3 tasks · 1 running"),
        "{live}"
    );
    assert!(lines[1].starts_with(" ✔ alpha"), "{live}");
    assert!(
        lines[2].contains("beta") && lines[2].contains("compiling foo"),
        "{live}"
    );
    assert!(
        lines[3].starts_with(" ⋯ gamma") && lines[3].contains("waiting"),
        "{live}"
    );

    std::fs::write(&go, "").unwrap();
    let report = running.await.unwrap();
    reporter.finish(&report).unwrap();

    let shown = term.contents();
    let lines: Vec<&str> = shown.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines[0].starts_with("✔ test succeeded  3 services · 3 tasks (3 ran)"),
        "{shown}"
    );
    assert!(
        lines[1].starts_with(" ✔ alpha") && lines[1].contains("updated"),
        "{shown}"
    );
    assert!(lines[2].starts_with(" ✔ beta"), "{shown}");
    assert!(lines[3].starts_with(" ✔ gamma"), "{shown}");
    assert!(lines[4].starts_with("critical path "), "{shown}");
    assert_eq!(lines.len(), 5, "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tty_hides_the_cursor_while_live_and_draws_in_synchronized_frames() {
    let store = StateStore::in_memory().unwrap();
    let mut b = PlanBuilder::new();
    b.in_group("svc", |b| {
        b.add(Command::new("nap", "sleep").args(["0.4"]).label("nap"))
    });
    let plan = b.build().unwrap();
    let out = Bytes::default();
    let reporter = Reporter::tty(Box::new(out.clone()), 80, 24);
    let report = executor(&store)
        .run(&plan, RunRequest::new("test").sink(reporter.sink()))
        .await;
    reporter.finish(&report).unwrap();
    let (frames, bytes) = reporter.draw_stats().unwrap();
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert_eq!(bytes as usize, text.len());
    assert!(text.starts_with("\x1b[?2026h\x1b[?25l"), "{text:?}");
    let hide = text.find("\x1b[?25l").unwrap();
    let show = text.rfind("\x1b[?25h").unwrap();
    assert!(hide < show, "{text:?}");
    assert_eq!(text.matches("\x1b[?2026h").count() as u64, frames);
    assert_eq!(text.matches("\x1b[?2026l").count() as u64, frames);
    // At most ten frames a second (and a few for the start and the end).
    assert!(frames <= 4 + 400 / 100, "{frames} frames in 0.4 s");
    // Dropping a reporter that never finished also shows the cursor again.
    let out = Bytes::default();
    let r = Reporter::tty(Box::new(out.clone()), 80, 24);
    let mut b = PlanBuilder::new();
    b.in_group("svc", |b| b.add(Noop::new("x")));
    let plan = b.build().unwrap();
    let _ = executor(&store)
        .run(&plan, RunRequest::new("t").sink(r.sink()))
        .await;
    r.abort();
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    assert!(text.ends_with("\x1b[?25h"), "{text:?}");
}

fn rec(start_ms: u64, end_ms: u64) -> TaskRecord<TaskOutput> {
    TaskRecord {
        status: Some(TaskStatus::Succeeded),
        start: Some(Duration::from_millis(start_ms)),
        end: Some(Duration::from_millis(end_ms)),
        attempts: 1,
        ..TaskRecord::default()
    }
}

/// a(100) → b(50) → d(10); a → c(300) → d: the critical path is a, c, d.
/// (The engine's report of a plan of real task kinds: its JSON is the public shape.)
#[test]
fn report_of_known_durations() {
    let mut b = PlanBuilder::new();
    let a = b.add(Noop::new("a").label("fetch"));
    let l = b.add_after(Noop::new("b").label("short"), [&a]);
    let r = b.add_after(Noop::new("c").label("long"), [&a]);
    b.add_after(Noop::new("d").label("join"), [&l, &r]);
    b.add(Noop::new("e").label("broken"));
    b.add_after(Noop::new("f").label("after broken"), [&TaskKey::new("e")]);
    let plan = b.build().unwrap();
    let mut records = vec![rec(0, 100), rec(100, 150), rec(100, 400), rec(400, 410)];
    records.push(TaskRecord {
        status: Some(TaskStatus::Failed),
        error: vec!["`false` exited with status 1".into()],
        start: Some(Duration::ZERO),
        end: Some(Duration::from_millis(5)),
        attempts: 2,
        ..TaskRecord::default()
    });
    records.push(TaskRecord {
        status: Some(TaskStatus::Skipped),
        reason: Some("dependency `e` failed".into()),
        ..TaskRecord::default()
    });
    let started = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
        .unwrap()
        .with_timezone(&Utc);
    let report = ExecutionReport::from_records(
        uuid::Uuid::nil(),
        "sample",
        started,
        Duration::from_millis(412),
        false,
        &plan,
        &records,
    );
    let path: Vec<&str> = report
        .critical_path
        .steps
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(path, ["a", "c", "d"]);
    assert_eq!(report.critical_path.duration_ms, 410.0);
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(report.totals.succeeded, 4);
    assert_eq!(report.totals.failed, 1);
    assert_eq!(report.totals.skipped, 1);
    insta::assert_json_snapshot!(report);
}
