//! The executor on real tasks: scheduling order, limits, failure propagation, fail-fast,
//! timeouts, retries, cancellation (no process left behind) and caching.

use std::path::Path;
use std::time::Duration;

use hero_svc::graph::{
    EventKind, ExecutionReport, ExecutorConfig, RunRequest, RunStatus, TaskStatus,
};
use hero_svc::state::StateStore;
use hero_svc::tasks::{Command, Noop, ResourceClass, RetryPolicy, WriteFile};
use hero_svc::tasks::{Executor, Plan, PlanBuilder};
use tokio_util::sync::CancellationToken;

use crate::support::events::Collector;
use crate::support::procs::{is_alive, poll_until};

fn executor() -> Executor {
    Executor::new(ExecutorConfig::default(), StateStore::in_memory().unwrap())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn sh(key: &str, script: &str) -> Command {
    Command::new(key, "sh").args(["-c", script])
}

async fn run(exec: &Executor, plan: &Plan) -> ExecutionReport {
    exec.run(plan, RunRequest::new("test")).await
}

fn status(report: &ExecutionReport, key: &str) -> TaskStatus {
    report.task(key).unwrap().status
}

fn start_of(report: &ExecutionReport, key: &str) -> f64 {
    report.task(key).unwrap().start_offset_ms.unwrap()
}

fn end_of(report: &ExecutionReport, key: &str) -> f64 {
    let t = report.task(key).unwrap();
    t.start_offset_ms.unwrap() + t.duration_ms.unwrap()
}

#[tokio::test]
async fn diamond_runs_join_after_both_branches() {
    let mut b = PlanBuilder::new();
    let a = b.add(Noop::new("a").lasting(ms(20)));
    let l = b.add_after(Noop::new("left").lasting(ms(30)), [&a]);
    let r = b.add_after(Noop::new("right").lasting(ms(60)), [&a]);
    b.add_after(Noop::new("join"), [&l, &r]);
    let plan = b.build().unwrap();
    let events = Collector::new();
    let report = executor()
        .run(&plan, RunRequest::new("diamond").sink(events.sink()))
        .await;
    assert_eq!(report.status, RunStatus::Succeeded);
    assert_eq!(report.totals.succeeded, 4);
    assert!(start_of(&report, "left") >= end_of(&report, "a"));
    assert!(start_of(&report, "join") >= end_of(&report, "right"));
    // Both branches ran at the same time.
    assert!(start_of(&report, "right") < end_of(&report, "left"));

    let events = events.events();
    assert!(matches!(
        events.first().unwrap().kind,
        EventKind::RunStarted { .. }
    ));
    assert!(matches!(
        events.last().unwrap().kind,
        EventKind::RunFinished { .. }
    ));
    let started = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::TaskStarted { .. }))
        .count();
    assert_eq!(started, 4);
}

#[tokio::test]
async fn a_task_starts_as_soon_as_its_own_dependencies_are_done() {
    // No level barrier: `after-fast` must not wait for `slow`, which is on its level.
    let mut b = PlanBuilder::new();
    let fast = b.add(Noop::new("fast").lasting(ms(10)));
    b.add(Noop::new("slow").lasting(ms(400)));
    b.add_after(Noop::new("after-fast").lasting(ms(10)), [&fast]);
    let report = run(&executor(), &b.build().unwrap()).await;
    assert!(end_of(&report, "after-fast") < end_of(&report, "slow"));
}

#[tokio::test]
async fn class_limit_serialises_builds() {
    let mut b = PlanBuilder::new();
    for k in ["build-1", "build-2"] {
        b.add(sh(k, "sleep 0.1").resource(ResourceClass::Build));
    }
    let report = run(&executor(), &b.build().unwrap()).await;
    assert_eq!(report.status, RunStatus::Succeeded);
    let (a, b) = (("build-1", "build-2"), ("build-2", "build-1"));
    let serial = |(x, y): (&str, &str)| start_of(&report, y) >= end_of(&report, x);
    assert!(serial(a) || serial(b), "two builds overlapped: {report:#?}");

    // With the limit raised they overlap.
    let config = ExecutorConfig::default().limit(ResourceClass::Build, 2);
    let exec = Executor::new(config, StateStore::in_memory().unwrap());
    let mut plan = PlanBuilder::new();
    for k in ["build-1", "build-2"] {
        plan.add(sh(k, "sleep 0.2").resource(ResourceClass::Build));
    }
    let report = run(&exec, &plan.build().unwrap()).await;
    assert!(start_of(&report, "build-2") < end_of(&report, "build-1"));
}

#[tokio::test]
async fn failure_skips_dependents_and_independent_branch_completes() {
    let mut b = PlanBuilder::new();
    let a = b.add(Noop::new("a"));
    let bad = b.add_after(sh("bad", "echo about to fail; echo oops >&2; exit 3"), [&a]);
    let c = b.add_after(Noop::new("c"), [&bad]);
    b.add_after(Noop::new("d"), [&c]);
    let x = b.add(Noop::new("x").lasting(ms(50)));
    b.add_after(Noop::new("y"), [&x]);
    let report = run(&executor(), &b.build().unwrap()).await;

    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(status(&report, "a"), TaskStatus::Succeeded);
    let bad = report.task("bad").unwrap();
    assert_eq!(bad.status, TaskStatus::Failed);
    assert!(
        bad.error[0].contains("exited with status 3"),
        "{:?}",
        bad.error
    );
    // stdout and stderr are separate pipes: their relative order is not defined.
    let mut tail = bad.log_tail.clone();
    tail.sort();
    assert_eq!(tail, ["about to fail", "oops"]);
    for k in ["c", "d"] {
        let t = report.task(k).unwrap();
        assert_eq!(t.status, TaskStatus::Skipped);
        assert_eq!(t.reason.as_deref(), Some("dependency `bad` failed"));
    }
    assert_eq!(status(&report, "x"), TaskStatus::Succeeded);
    assert_eq!(status(&report, "y"), TaskStatus::Succeeded);
}

#[tokio::test]
async fn fail_fast_stops_starting_new_tasks() {
    let config = ExecutorConfig::default().fail_fast(true);
    let exec = Executor::new(config, StateStore::in_memory().unwrap());
    let mut b = PlanBuilder::new();
    b.add(sh("bad", "exit 1"));
    let long = b.add(Noop::new("long").lasting(ms(300)));
    b.add_after(Noop::new("after-long"), [&long]);
    let report = run(&exec, &b.build().unwrap()).await;

    assert_eq!(status(&report, "bad"), TaskStatus::Failed);
    // Running tasks finish; nothing new starts.
    assert_eq!(status(&report, "long"), TaskStatus::Succeeded);
    let after = report.task("after-long").unwrap();
    assert_eq!(after.status, TaskStatus::Skipped);
    assert!(after.reason.as_deref().unwrap().contains("fail-fast"));
}

#[tokio::test]
async fn timeout_fails_the_task_and_kills_its_process() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 30", pidfile.display());
    let mut b = PlanBuilder::new();
    b.add(sh("slow", &script).timeout(ms(300)));
    let report = run(&executor(), &b.build().unwrap()).await;

    let t = report.task("slow").unwrap();
    assert_eq!(t.status, TaskStatus::Failed);
    assert_eq!(t.error, ["timed out after 300ms"]);
    let pid = read_pid(&pidfile);
    assert!(
        poll_until(ms(5000), || !is_alive(pid)),
        "pid {pid} survived"
    );
}

#[tokio::test]
async fn retry_succeeds_on_the_third_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("n");
    let script = format!(
        "n=$(cat {c} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {c}; echo attempt $n; [ $n -ge 3 ]",
        c = counter.display()
    );
    let mut b = PlanBuilder::new();
    b.add(sh("flaky", &script).retry(RetryPolicy::attempts(5, ms(10))));
    let events = Collector::new();
    let report = executor()
        .run(
            &b.build().unwrap(),
            RunRequest::new("t").sink(events.sink()),
        )
        .await;

    let t = report.task("flaky").unwrap();
    assert_eq!(t.status, TaskStatus::Succeeded);
    assert_eq!(t.attempts, 3);
    let delays: Vec<u64> = events
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskRetrying { delay_ms, .. } => Some(*delay_ms),
            _ => None,
        })
        .collect();
    assert_eq!(delays, [10, 20], "exponential backoff");
}

#[tokio::test]
async fn retry_gives_up_after_max_attempts() {
    let mut b = PlanBuilder::new();
    b.add(sh("never", "exit 1").retry(RetryPolicy::attempts(2, ms(5))));
    let report = run(&executor(), &b.build().unwrap()).await;
    let t = report.task("never").unwrap();
    assert_eq!((t.status, t.attempts), (TaskStatus::Failed, 2));
}

#[tokio::test]
async fn cancellation_kills_running_tasks_and_cancels_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = PlanBuilder::new();
    let mut keys = Vec::new();
    for n in 0..2 {
        // Each task has a child (the shell) and a grandchild (the background sleep).
        let script = format!(
            "sleep 30 & echo $! > {d}/g{n}; echo $$ > {d}/p{n}; wait",
            d = dir.path().display()
        );
        keys.push(b.add(sh(&format!("long-{n}"), &script)));
    }
    b.add_after(Noop::new("after"), keys.iter());
    let plan = b.build().unwrap();

    let cancel = CancellationToken::new();
    let exec = executor();
    let run = exec.run(&plan, RunRequest::new("t").cancel(cancel.clone()));
    let pids_dir = dir.path().to_path_buf();
    let trigger = async move {
        let ready = |p: &Path| {
            (0..2).all(|n| {
                ["g", "p"].iter().all(|x| {
                    std::fs::read_to_string(p.join(format!("{x}{n}")))
                        .is_ok_and(|s| s.ends_with('\n'))
                })
            })
        };
        while !ready(&pids_dir) {
            tokio::time::sleep(ms(5)).await;
        }
        cancel.cancel();
    };
    let (report, ()) = tokio::join!(run, trigger);

    assert_eq!(report.status, RunStatus::Cancelled);
    for k in ["long-0", "long-1"] {
        assert_eq!(status(&report, k), TaskStatus::Cancelled);
    }
    let after = report.task("after").unwrap();
    assert_eq!(after.status, TaskStatus::Cancelled);
    assert_eq!(after.start_offset_ms, None);
    for n in 0..2 {
        for x in ["g", "p"] {
            let pid = read_pid(&dir.path().join(format!("{x}{n}")));
            assert!(
                poll_until(ms(5000), || !is_alive(pid)),
                "process {pid} ({x}{n}) left running"
            );
        }
    }
}

/// A plan of three files: `a.txt` (written), `b.txt` (copied from a.txt by a command),
/// `c.txt` (copied from b.txt), and an independent `other.txt`.
fn file_plan(dir: &Path, a_contents: &str) -> Plan {
    let mut b = PlanBuilder::new();
    let a = b.add(WriteFile::new(dir.join("a.txt"), a_contents));
    let copy = |key: &str, from: &str, to: &str| {
        Command::new(key, "cp")
            .args([
                dir.join(from).display().to_string(),
                dir.join(to).display().to_string(),
            ])
            .output(dir.join(to))
    };
    let bk = b.add_after(copy("copy-b", "a.txt", "b.txt"), [&a]);
    b.add_after(copy("copy-c", "b.txt", "c.txt"), [&bk]);
    b.add(WriteFile::new(dir.join("other.txt"), "independent"));
    b.build().unwrap()
}

fn statuses(report: &ExecutionReport) -> Vec<(String, TaskStatus)> {
    report
        .tasks
        .iter()
        .map(|t| (t.key.to_string(), t.status))
        .collect()
}

#[tokio::test]
async fn second_run_is_up_to_date_and_changes_rerun_exactly_what_they_affect() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = StateStore::open(d.join("state/state.db")).unwrap();
    let exec = Executor::new(ExecutorConfig::default(), store);
    let keys = |p: &Plan| -> Vec<String> { p.nodes().iter().map(|n| n.key.to_string()).collect() };
    let plan = file_plan(d, "one");
    let [wa, cb, cc, wo] = <[String; 4]>::try_from(keys(&plan)).unwrap();

    let first = run(&exec, &plan).await;
    assert_eq!(first.totals.succeeded, 4, "{first:#?}");
    assert_eq!(std::fs::read_to_string(d.join("c.txt")).unwrap(), "one");

    // Same plan again: all up to date, with the reason.
    let second = run(&exec, &plan).await;
    assert_eq!(second.totals.up_to_date, 4, "{:?}", statuses(&second));
    assert_eq!(
        second.task(&wa).unwrap().reason.as_deref(),
        Some(format!("up to date: {} is unchanged", d.join("a.txt").display()).as_str())
    );

    // Change an input: the task and everything downstream of it run; the rest does not.
    let changed = run(&exec, &file_plan(d, "two")).await;
    let expect = |s: &[(&String, TaskStatus)]| {
        s.iter()
            .map(|(k, st)| ((*k).clone(), *st))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(&changed),
        expect(&[
            (&wa, TaskStatus::Succeeded),
            (&cb, TaskStatus::Succeeded),
            (&cc, TaskStatus::Succeeded),
            (&wo, TaskStatus::UpToDate),
        ])
    );
    assert_eq!(std::fs::read_to_string(d.join("c.txt")).unwrap(), "two");

    // Delete an output: only its producer runs again. It produces the same bytes, so what
    // depends on it stays up to date (early cut-off).
    std::fs::remove_file(d.join("b.txt")).unwrap();
    let healed = run(&exec, &file_plan(d, "two")).await;
    assert_eq!(
        statuses(&healed),
        expect(&[
            (&wa, TaskStatus::UpToDate),
            (&cb, TaskStatus::Succeeded),
            (&cc, TaskStatus::UpToDate),
            (&wo, TaskStatus::UpToDate),
        ])
    );

    // Modify an output by hand: only its producer runs again, and restores it.
    std::fs::write(d.join("c.txt"), "tampered").unwrap();
    let restored = run(&exec, &file_plan(d, "two")).await;
    assert_eq!(status(&restored, &cc), TaskStatus::Succeeded);
    assert_eq!(status(&restored, &cb), TaskStatus::UpToDate);
    assert_eq!(std::fs::read_to_string(d.join("c.txt")).unwrap(), "two");
}

#[tokio::test]
async fn reports_are_stored_and_critical_path_follows_the_longest_chain() {
    let store = StateStore::in_memory().unwrap();
    let exec = Executor::new(ExecutorConfig::default(), store.clone());
    let mut b = PlanBuilder::new();
    let a = b.add(Noop::new("a").lasting(ms(50)));
    let short = b.add_after(Noop::new("short").lasting(ms(20)), [&a]);
    let long = b.add_after(Noop::new("long").lasting(ms(150)), [&a]);
    b.add_after(Noop::new("join").lasting(ms(10)), [&short, &long]);
    let report = run(&exec, &b.build().unwrap()).await;

    let path: Vec<&str> = report
        .critical_path
        .steps
        .iter()
        .map(|s| s.key.as_str())
        .collect();
    assert_eq!(path, ["a", "long", "join"]);
    assert!(report.critical_path.duration_ms >= 210.0);
    assert!(report.critical_path.duration_ms <= report.duration_ms);

    let stored = ExecutionReport::load(&store, &report.run_id)
        .unwrap()
        .unwrap();
    assert_eq!(stored, report);
    let list = store.reports(10).unwrap();
    assert_eq!(list[0].run_id, report.run_id);
    assert_eq!(list[0].status, "succeeded");
}

#[tokio::test]
async fn outputs_flow_to_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = PlanBuilder::new();
    let w = b.add(WriteFile::new(dir.path().join("x"), "data"));
    b.add_after(Noop::new("consumer"), [&w]);
    let plan = b.build().unwrap();
    let report = run(&executor(), &plan).await;
    let out = report.task(w.as_str()).unwrap().output.clone().unwrap();
    assert!(out.contains("4 bytes"), "{out}");
}

fn read_pid(path: &Path) -> u32 {
    std::fs::read_to_string(path)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// primary: `upstream → primary`; fallback: `plan-b`; `consumer` after `primary`.
fn fallback_plan(upstream: &str, primary: &str, plan_b: &str) -> Plan {
    use hero_svc::graph::Fallback;
    let mut b = PlanBuilder::new();
    let up = b.add(sh("upstream", upstream));
    let p = b.add_after(sh("primary", primary), [&up]);
    let f = b.add(sh("plan-b", plan_b));
    b.add_after(Noop::new("consumer"), [&p]);
    b.fallback(Fallback {
        primary: vec![up, p.clone()],
        primary_tail: p,
        branch: vec![f.clone()],
        branch_tail: f,
    });
    b.build().unwrap()
}

#[tokio::test]
async fn a_fallback_runs_only_when_the_primary_way_fails_and_recovers_the_run() {
    // The primary way works: the fallback is not needed and never runs.
    let report = run(&executor(), &fallback_plan("true", "true", "exit 9")).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let b = report.task("plan-b").unwrap();
    assert_eq!(b.status, TaskStatus::Skipped);
    assert_eq!(b.reason.as_deref(), Some("fallback not needed"));
    assert_eq!(b.start_offset_ms, None);
    assert_eq!(status(&report, "consumer"), TaskStatus::Succeeded);

    // The primary fails: the fallback runs, the consumer goes on, the run succeeds.
    let report = run(&executor(), &fallback_plan("true", "exit 1", "true")).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let p = report.task("primary").unwrap();
    assert_eq!(p.status, TaskStatus::Failed);
    assert_eq!(p.reason.as_deref(), Some("recovered: `plan-b` stood in"));
    assert_eq!(status(&report, "plan-b"), TaskStatus::Succeeded);
    assert!(start_of(&report, "consumer") >= end_of(&report, "plan-b"));

    // Something before the primary fails: the primary is skipped, the fallback serves.
    let report = run(&executor(), &fallback_plan("exit 1", "true", "true")).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    assert_eq!(status(&report, "primary"), TaskStatus::Skipped);
    assert_eq!(status(&report, "consumer"), TaskStatus::Succeeded);

    // Both ways fail: the consumer is skipped and the run fails.
    let report = run(&executor(), &fallback_plan("true", "exit 1", "exit 2")).await;
    assert_eq!(report.status, RunStatus::Failed);
    let c = report.task("consumer").unwrap();
    assert_eq!(c.status, TaskStatus::Skipped);
    assert_eq!(c.reason.as_deref(), Some("dependency `plan-b` failed"));
}

#[test]
fn a_fallback_that_feeds_other_tasks_is_refused() {
    use hero_svc::graph::{Fallback, PlanError};
    let mut b = PlanBuilder::new();
    let p = b.add(Noop::new("primary"));
    let f = b.add(Noop::new("plan-b"));
    b.add_after(Noop::new("leak"), [&f]);
    b.fallback(Fallback {
        primary: vec![p.clone()],
        primary_tail: p,
        branch: vec![f.clone()],
        branch_tail: f,
    });
    assert!(matches!(
        b.build().unwrap_err(),
        PlanError::InvalidFallback { .. }
    ));
}

#[tokio::test]
async fn a_check_is_up_to_date_once_passed_and_what_it_prints_never_reruns_its_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let exec = Executor::new(
        ExecutorConfig::default(),
        StateStore::open(d.join("state.db")).unwrap(),
    );
    let plan = |input: &str| {
        let mut b = PlanBuilder::new();
        let w = b.add(WriteFile::new(d.join("input.txt"), input));
        // Prints something new every run, as a real check (`redis-cli info`) would.
        let check = b.add_after(sh("ping", "date +%s%N").check(), [&w]);
        b.add_after(
            sh(
                "after",
                &format!("echo ran >> {}", d.join("after.log").display()),
            )
            .output(d.join("after.log")),
            [&check],
        );
        b.build().unwrap()
    };
    let first = run(&exec, &plan("one")).await;
    assert_eq!(first.totals.succeeded, 3, "{:?}", statuses(&first));

    // A no-op run: the check that passed is up to date.
    let second = run(&exec, &plan("one")).await;
    assert_eq!(second.totals.up_to_date, 3, "{:?}", statuses(&second));

    // Its input changed: it runs again (and prints something else), its dependent does not.
    let third = run(&exec, &plan("two")).await;
    assert_eq!(status(&third, "ping"), TaskStatus::Succeeded);
    assert_eq!(status(&third, "after"), TaskStatus::UpToDate);
    assert_eq!(
        std::fs::read_to_string(d.join("after.log")).unwrap(),
        "ran\n"
    );

    // A failing check fails the run, as any command.
    let mut b = PlanBuilder::new();
    b.add(sh("bad", "exit 3").check());
    let failed = run(&exec, &b.build().unwrap()).await;
    assert_eq!(failed.status, RunStatus::Failed);
}
