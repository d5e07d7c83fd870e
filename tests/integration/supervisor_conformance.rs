//! One conformance suite for every supervisor backend: each check is written once, as a
//! generic function over `S: Supervisor`, and run against the builtin supervisor (on a
//! temp state store) and against zinit (a `zinit-server` the test starts in a temp dir
//! and kills at the end). Where zinit behaves differently by design, the check asserts
//! zinit's documented behaviour explicitly (see docs/supervisors.md, "zinit backend").

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use hero_svc::graph::{ExecutorConfig, RunRequest, RunStatus, TaskStatus};
use hero_svc::recipes::add_stop_order;
use hero_svc::state::StateStore;
use hero_svc::supervisor::{
    AnySupervisor, BuiltinConfig, BuiltinSupervisor, ExitReason, ProcessSpec, ProcessState,
    RestartPolicy, Supervisor, ZinitConfig, ZinitSupervisor,
};
use hero_svc::tasks::TaskEnv;
use hero_svc::tasks::{Executor, PlanBuilder};

use crate::support::supervised::{
    DEADLINE, SupervisorFixture, eventually, log_line, sh, status_until,
};
use crate::support::{demo::demo_bin, http, procs};

/// The first restart delay of both backends here; it doubles per crash.
const RESTART_DELAY: Duration = Duration::from_millis(50);
/// Automatic restarts allowed before a crash loop is `failed` (both backends: 4 starts).
const RESTARTS: u32 = 3;

/// Which backend a check runs against, for the few expectations that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Builtin,
    Zinit,
}

/// A builtin supervisor and a zinit client with the suite's restart settings.
struct Fixture;

impl Fixture {
    async fn builtin() -> (SupervisorFixture, BuiltinSupervisor) {
        let fx = SupervisorFixture::new();
        let config = BuiltinConfig {
            backoff_initial: RESTART_DELAY,
            start_limit: RESTARTS + 1,
            ..fx.builtin_config()
        };
        let sup = fx.builtin_with(config).await;
        (fx, sup)
    }

    async fn zinit() -> (SupervisorFixture, ZinitSupervisor) {
        let mut fx = SupervisorFixture::new();
        let sup = fx
            .zinit(|c| ZinitConfig {
                restart_delay: RESTART_DELAY,
                restart_delay_max: Duration::from_secs(2),
                max_restarts: RESTARTS,
                stability_period: Duration::from_secs(30),
                poll_interval: Duration::from_millis(10),
                ..c
            })
            .await;
        (fx, sup)
    }
}

/// A `hero_demo` spec serving on a socket in `dir`.
fn demo(name: &str, dir: &Path, flags: &[&str]) -> ProcessSpec {
    let socket = dir.join(format!("{name}.sock"));
    ProcessSpec::new(name, demo_bin())
        .args(["--name", name, "--socket"])
        .args([socket.to_str().unwrap()])
        .args(flags.iter().copied())
        .env("PATH", "/usr/bin:/bin")
}

/// The pid of the process answering `/health` on `socket`, once one answers.
async fn serving_pid(socket: &Path) -> Option<u32> {
    let (code, body) = http::try_get(socket, "/health").await.ok()?;
    let body: serde_json::Value = serde_json::from_str(&body).ok()?;
    let pid = body["pid"].as_u64()?;
    (code == 200).then(|| u32::try_from(pid).unwrap())
}

/// True when `pid` runs the `hero_demo` binary.
fn runs_demo(pid: u32) -> bool {
    let demo = std::fs::canonicalize(demo_bin()).unwrap();
    procs::exe(pid).is_some_and(|exe| exe == demo)
}

fn grandchild_pid(line: &str) -> u32 {
    line.rsplit("pid=").next().unwrap().trim().parse().unwrap()
}

// ---------------------------------------------------------------------------------------
// The checks, once each.

/// start → running; stop → stopped, with no process of the group left (the grandchild
/// included); stop is idempotent.
async fn start_runs_and_stop_leaves_no_process_of_the_group<S: Supervisor>(sup: &S, dir: &Path) {
    sup.register(demo("svc", dir, &["--spawn-grandchild"]))
        .await
        .unwrap();
    assert_eq!(
        sup.status("svc").await.unwrap().state,
        ProcessState::Stopped,
        "registering does not start"
    );
    let status = sup.start("svc").await.unwrap();
    assert_eq!(status.state, ProcessState::Running);
    let pid = status.pid.unwrap();
    assert!(procs::is_alive(pid));
    let grandchild = grandchild_pid(&log_line(sup, "svc", "grandchild pid=").await);
    assert!(procs::group_members(pid).contains(&grandchild));
    // Starting a running process is a no-op.
    assert_eq!(sup.start("svc").await.unwrap().pid, Some(pid));

    let status = sup.stop("svc").await.unwrap();
    assert_eq!(status.state, ProcessState::Stopped);
    assert_eq!(status.pid, None);
    assert!(procs::group_members(pid).is_empty());
    assert!(!procs::is_alive(grandchild));
    assert_eq!(
        sup.status("svc").await.unwrap().state,
        ProcessState::Stopped
    );
    assert_eq!(sup.stop("svc").await.unwrap().state, ProcessState::Stopped);
}

/// A crash is restarted after a delay that grows with every crash: the delay before the
/// k-th restart is the initial delay doubled k - 1 times (`restart_count` counts the
/// restarts done).
async fn crash_is_restarted_with_backoff<S: Supervisor>(sup: &S) {
    sup.register(sh("crashy", "echo started; exit 1"))
        .await
        .unwrap();
    sup.start("crashy").await.unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + DEADLINE;
    loop {
        let s = sup.status("crashy").await.unwrap();
        if s.state == ProcessState::Backoff {
            let delay = s.backoff.unwrap();
            assert_eq!(delay, RESTART_DELAY * 2u32.pow(s.restart_count), "{s:?}");
            assert_eq!(s.last_exit, Some(ExitReason::Code(1)));
            seen.push(delay);
        }
        if s.restart_count >= 2 && seen.iter().any(|&d| d > RESTART_DELAY) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for restarts: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(
        sup.logs("crashy", 100)
            .await
            .unwrap()
            .iter()
            .filter(|l| *l == "started")
            .count()
            >= 2
    );
    sup.stop("crashy").await.unwrap();
    // zinit settles a stop that lands in a restart window a moment after it returns; the
    // process must end up stopped (and stay so: a restart would time this out).
    status_until(sup, "crashy", |s| s.state == ProcessState::Stopped).await;
    tokio::time::sleep(RESTART_DELAY * 4).await;
    assert_eq!(
        sup.status("crashy").await.unwrap().state,
        ProcessState::Stopped
    );
}

/// A process that keeps crashing ends `failed` after its restarts, with its last exit and
/// its last log lines; starting it again is allowed.
async fn crash_loop_is_failed<S: Supervisor>(sup: &S) {
    let script = "echo starting; echo 'bad config in /etc/x' >&2; exit 3";
    sup.register(sh("loop", script)).await.unwrap();
    sup.start("loop").await.unwrap();
    let s = status_until(sup, "loop", |s| s.state == ProcessState::Failed).await;
    assert_eq!(s.last_exit, Some(ExitReason::Code(3)));
    assert_eq!(s.restart_count, RESTARTS, "{s:?}");
    assert_eq!(s.pid, None);
    assert!(
        s.last_log_lines.iter().any(|l| l == "bad config in /etc/x"),
        "{s:?}"
    );
    let again = sup.start("loop").await.unwrap();
    assert!(again.state.is_active(), "{again:?}");
    sup.stop("loop").await.unwrap();
}

/// stdout and stderr both reach the log, each in order; `logs(n)` returns n lines;
/// `follow` yields the lines written from then on.
async fn logs_capture_stdout_and_stderr<S: Supervisor>(sup: &S) {
    let script = "for i in 1 2 3; do echo out$i; echo err$i >&2; done; \
                  i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.02; done";
    sup.register(sh("chatty", script)).await.unwrap();
    sup.start("chatty").await.unwrap();
    log_line(sup, "chatty", "tick2").await;
    let lines = sup.logs("chatty", 1000).await.unwrap();
    let only = |prefix: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l.starts_with(prefix))
            .cloned()
            .collect()
    };
    assert_eq!(only("out"), ["out1", "out2", "out3"]);
    assert_eq!(only("err"), ["err1", "err2", "err3"]);
    assert_eq!(sup.logs("chatty", 3).await.unwrap().len(), 3);

    let mut follow = sup.follow("chatty").await.unwrap();
    let n = |l: &str| l.strip_prefix("tick").unwrap().parse::<u32>().unwrap();
    let a = tokio::time::timeout(DEADLINE, follow.next())
        .await
        .unwrap()
        .unwrap();
    let b = tokio::time::timeout(DEADLINE, follow.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n(&b), n(&a) + 1);
    sup.stop("chatty").await.unwrap();
}

const SECRET: &str = "HERO_SVC_CONFORMANCE_SECRET";
const PASSED: &str = "HERO_SVC_CONFORMANCE_PASSED";

/// Sets the variables the environment check looks for; called before a backend (and
/// zinit-server) starts, so a backend that inherits its environment would leak them.
fn set_test_environment() {
    // SAFETY: every test sets the same values; nothing reads them concurrently in a way
    // that depends on their absence.
    unsafe {
        std::env::set_var(SECRET, "hunter2");
        std::env::set_var(PASSED, "yes");
    }
}

/// The process gets exactly its spec's environment plus `pass_env`; nothing of the
/// supervisor's own environment (a secret) leaks.
async fn environment_is_exactly_the_spec<S: Supervisor>(sup: &S) {
    let spec = ProcessSpec::new("env", "/usr/bin/env")
        .env("PATH", "/usr/bin:/bin")
        .env("FOO", "bar baz $HOME \"q\"")
        .pass_env(PASSED)
        .pass_env("HERO_SVC_CONFORMANCE_UNSET")
        .restart(RestartPolicy::Never);
    sup.register(spec).await.unwrap();
    sup.start("env").await.unwrap();
    let s = status_until(sup, "env", |s| s.state == ProcessState::Exited).await;
    assert_eq!(s.last_exit, Some(ExitReason::Code(0)));
    let mut lines = eventually("the environment in the log", || async {
        let lines = sup.logs("env", 100).await.unwrap();
        (lines.len() >= 3).then_some(lines)
    })
    .await;
    lines.sort();
    assert_eq!(
        lines,
        [
            "FOO=bar baz $HOME \"q\"",
            "HERO_SVC_CONFORMANCE_PASSED=yes",
            "PATH=/usr/bin:/bin"
        ]
    );
    assert!(!lines.iter().any(|l| l.contains("hunter2")));
}

/// A process that ignores SIGTERM is SIGKILLed at the stop timeout, with its group.
async fn ignoring_sigterm_is_killed_at_the_stop_timeout<S: Supervisor>(
    sup: &S,
    dir: &Path,
    backend: Backend,
) {
    let spec = demo("stubborn", dir, &["--ignore-sigterm", "--spawn-grandchild"])
        .stop_with(libc::SIGTERM, Duration::from_millis(300));
    sup.register(spec).await.unwrap();
    let pid = sup.start("stubborn").await.unwrap().pid.unwrap();
    log_line(sup, "stubborn", "listening on").await;
    let started = Instant::now();
    let s = sup.stop("stubborn").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "waited the stop timeout"
    );
    assert_eq!(s.state, ProcessState::Stopped);
    assert!(procs::group_members(pid).is_empty());
    log_line(sup, "stubborn", "received SIGTERM; ignoring it").await;
    match backend {
        Backend::Builtin => assert_eq!(s.last_exit, Some(ExitReason::Signal(libc::SIGKILL))),
        // zinit records a process that ends while it is being stopped as exited without
        // a code, whatever killed it.
        Backend::Zinit => assert_eq!(s.last_exit, Some(ExitReason::Unknown)),
    }
}

/// When the service itself dies, what it left in its group: the builtin supervisor kills
/// it; zinit does not (documented difference), so the check asserts the grandchild
/// survives and removes it itself.
async fn grandchildren_of_a_crashed_service<S: Supervisor>(sup: &S, dir: &Path, backend: Backend) {
    let spec = demo(
        "dies",
        dir,
        &["--spawn-grandchild", "--crash-after-ms", "300"],
    )
    .restart(RestartPolicy::Never);
    sup.register(spec).await.unwrap();
    let pid = sup.start("dies").await.unwrap().pid.unwrap();
    let grandchild = grandchild_pid(&log_line(sup, "dies", "grandchild pid=").await);
    let s = status_until(sup, "dies", |s| s.state == ProcessState::Exited).await;
    assert_eq!(s.last_exit, Some(ExitReason::Code(3)));
    match backend {
        Backend::Builtin => {
            eventually("the grandchild to be killed", || async {
                (!procs::is_alive(grandchild)).then_some(())
            })
            .await;
            assert!(procs::group_members(pid).is_empty());
        }
        Backend::Zinit => {
            assert!(
                procs::is_alive(grandchild),
                "zinit leaves the group of a dead service"
            );
            assert_eq!(procs::group_members(pid), [grandchild]);
            procs::signal(grandchild, libc::SIGKILL);
        }
    }
}

/// Unknown names are errors; removal forgets a process.
async fn unknown_and_removed_processes<S: Supervisor>(sup: &S) {
    assert!(sup.start("nope").await.is_err());
    assert!(sup.status("nope").await.is_err());
    sup.register(sh("gone", "sleep 300")).await.unwrap();
    let pid = sup.start("gone").await.unwrap().pid.unwrap();
    assert!(sup.list().await.unwrap().iter().any(|s| s.name == "gone"));
    sup.remove("gone").await.unwrap();
    assert!(procs::group_members(pid).is_empty());
    assert!(sup.status("gone").await.is_err());
    assert!(!sup.list().await.unwrap().iter().any(|s| s.name == "gone"));
}

/// The pid a backend reports is the service's own process (no wrapper between): SIGKILL
/// of that pid ends the service, which is restarted with a new pid and serves its socket
/// again (nothing of the killed instance holds it), and `stop` leaves no process of it.
async fn the_reported_pid_is_the_service<S: Supervisor>(sup: &S, dir: &Path) {
    let socket = dir.join("own.sock");
    sup.register(demo("own", dir, &[])).await.unwrap();
    let first = sup.start("own").await.unwrap().pid.unwrap();
    let serving = eventually("own to serve its socket", || serving_pid(&socket)).await;
    assert_eq!(
        serving, first,
        "the reported pid is the one serving the socket"
    );
    assert!(runs_demo(first), "pid {first} runs {:?}", procs::exe(first));

    procs::signal(first, libc::SIGKILL);
    let restarted = status_until(sup, "own", |s| {
        s.state == ProcessState::Running && s.pid.is_some_and(|p| p != first)
    })
    .await
    .pid
    .unwrap();
    eventually("the restarted instance to serve the socket", || async {
        (serving_pid(&socket).await == Some(restarted)).then_some(())
    })
    .await;
    assert!(
        runs_demo(restarted),
        "pid {restarted} runs {:?}",
        procs::exe(restarted)
    );
    assert!(
        procs::group_members(first).is_empty(),
        "the killed instance left {:?}",
        procs::group_members(first)
    );

    let status = sup.stop("own").await.unwrap();
    assert_eq!(status.state, ProcessState::Stopped);
    assert!(procs::group_members(restarted).is_empty());
    assert_eq!(procs::with_arg(socket.to_str().unwrap()), Vec::<u32>::new());
}

/// Re-defining one process (a changed spec) and removing another leave the others
/// supervised: a killed one is restarted, and every stop ends its processes.
async fn redefining_and_removing_leave_the_others_supervised<S: Supervisor>(sup: &S, dir: &Path) {
    let names = ["first", "middle", "last"];
    for name in names {
        sup.register(demo(name, dir, &[])).await.unwrap();
        sup.start(name).await.unwrap();
    }
    sup.register(demo("first", dir, &["--version", "2.0.0"]))
        .await
        .unwrap();
    let first = sup.restart("first").await.unwrap().pid.unwrap();
    sup.remove("middle").await.unwrap();
    let last = sup.status("last").await.unwrap().pid.unwrap();

    for (name, pid) in [("last", last), ("first", first)] {
        let socket = dir.join(format!("{name}.sock"));
        assert_eq!(
            eventually(&format!("{name} to serve"), || serving_pid(&socket)).await,
            pid
        );
        procs::signal(pid, libc::SIGKILL);
        let restarted = status_until(sup, name, |s| {
            s.state == ProcessState::Running && s.pid.is_some_and(|p| p != pid)
        })
        .await
        .pid
        .unwrap();
        eventually(&format!("the restarted {name} to serve"), || async {
            (serving_pid(&socket).await == Some(restarted)).then_some(())
        })
        .await;
        assert_eq!(sup.stop(name).await.unwrap().state, ProcessState::Stopped);
        assert!(procs::group_members(restarted).is_empty());
    }
    assert!(!sup.list().await.unwrap().iter().any(|s| s.name == "middle"));
    for name in names {
        let socket = dir.join(format!("{name}.sock"));
        assert_eq!(procs::with_arg(socket.to_str().unwrap()), Vec::<u32>::new());
    }
}

/// How many services the concurrent stop check runs: more than the executor's eight
/// process tasks at once.
const MANY: usize = 12;
/// How many of them crash in a loop (so their stops land in a restart delay or between
/// instances).
const CRASHING: usize = 2;

/// Many services stopped at once, the way a stop plan runs them (the executor's default
/// limits: eight process tasks at a time), a few rounds: every stop succeeds and no
/// process of any service (grandchildren included) is left. Some of them crash in a loop.
async fn concurrent_stops_leave_no_process(sup: AnySupervisor, dir: &Path) {
    let sup = Arc::new(sup);
    let store = StateStore::open(dir.join("executor/state.db")).unwrap();
    let executor = Executor::with_env(
        ExecutorConfig::default(),
        TaskEnv::new(store).with_supervisor(sup.clone()),
    );
    let sockets = dir.join("many");
    let names: Vec<String> = (0..MANY).map(|i| format!("many{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        let spec = if i < CRASHING {
            sh(name, "echo up; sleep 0.1; exit 1")
        } else {
            let flags: &[&str] = if i % 2 == 0 {
                &["--spawn-grandchild"]
            } else {
                &[]
            };
            demo(name, &sockets, flags)
        };
        sup.register(spec).await.unwrap();
    }
    for round in 1..=3 {
        let started = futures::future::join_all(names.iter().map(|n| sup.start(n))).await;
        let pids: Vec<u32> = started
            .into_iter()
            .map(|s| s.unwrap().pid.unwrap())
            .collect();
        for name in &names[CRASHING..] {
            let socket = sockets.join(format!("{name}.sock"));
            eventually(&format!("{name} to serve its socket"), || {
                serving_pid(&socket)
            })
            .await;
        }
        let mut plan = PlanBuilder::new();
        add_stop_order(&mut plan, names.iter().map(|n| (n, [] as [&str; 0])));
        let plan = plan.build().unwrap();
        let began = Instant::now();
        let report = executor.run(&plan, RunRequest::new("stop")).await;
        eprintln!(
            "round {round}: {MANY} concurrent stops took {:?}",
            began.elapsed()
        );
        assert_eq!(
            report.status,
            RunStatus::Succeeded,
            "round {round}: {report:#?}"
        );
        assert!(
            report
                .tasks
                .iter()
                .all(|t| t.status == TaskStatus::Succeeded),
            "round {round}: {report:#?}"
        );
        for (name, pid) in names.iter().zip(&pids) {
            assert_eq!(
                sup.status(name).await.unwrap().state,
                ProcessState::Stopped,
                "round {round}: {name}"
            );
            assert_eq!(
                procs::group_members(*pid),
                Vec::<u32>::new(),
                "round {round}: {name} left processes"
            );
        }
        assert_eq!(
            procs::with_arg(sockets.to_str().unwrap()),
            Vec::<u32>::new(),
            "round {round}"
        );
    }
    // Stopped means stopped: no pending restart brings a crashing one back.
    tokio::time::sleep(RESTART_DELAY * 4).await;
    for name in &names {
        assert_eq!(
            sup.status(name).await.unwrap().state,
            ProcessState::Stopped,
            "{name}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Instantiation per backend.

macro_rules! conformance {
    ($($check:ident => |$sup:ident, $dir:ident, $backend:ident| $call:expr;)*) => {
        mod builtin {
            use super::*;
            $(
                #[tokio::test]
                async fn $check() {
                    set_test_environment();
                    let (fx, $sup) = Fixture::builtin().await;
                    let $dir = fx.dir.path();
                    let $backend = Backend::Builtin;
                    let _ = (&$dir, $backend);
                    $call.await;
                }
            )*
        }
        mod zinit {
            use super::*;
            $(
                #[tokio::test]
                async fn $check() {
                    set_test_environment();
                    let (fx, $sup) = Fixture::zinit().await;
                    let $dir = fx.dir.path();
                    let $backend = Backend::Zinit;
                    let _ = (&$dir, $backend);
                    $call.await;
                }
            )*
        }
    };
}

conformance! {
    start_and_stop => |sup, dir, backend| start_runs_and_stop_leaves_no_process_of_the_group(&sup, dir);
    crash_restarts_with_backoff => |sup, dir, backend| crash_is_restarted_with_backoff(&sup);
    crash_loop_fails => |sup, dir, backend| crash_loop_is_failed(&sup);
    logs => |sup, dir, backend| logs_capture_stdout_and_stderr(&sup);
    environment => |sup, dir, backend| environment_is_exactly_the_spec(&sup);
    sigterm_ignored => |sup, dir, backend| ignoring_sigterm_is_killed_at_the_stop_timeout(&sup, dir, backend);
    crashed_service_grandchildren => |sup, dir, backend| grandchildren_of_a_crashed_service(&sup, dir, backend);
    unknown_and_removed => |sup, dir, backend| unknown_and_removed_processes(&sup);
    reported_pid_is_the_service => |sup, dir, backend| the_reported_pid_is_the_service(&sup, dir);
    concurrent_stops => |sup, dir, backend| concurrent_stops_leave_no_process(sup.into(), dir);
    others_stay_supervised => |sup, dir, backend| redefining_and_removing_leave_the_others_supervised(&sup, dir);
}

#[tokio::test]
async fn zinit_backend_says_how_to_start_zinit_when_it_is_not_running() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("zinit.sock");
    let err = ZinitSupervisor::open(ZinitConfig::new(&socket))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("zinit-server is not running at"),
        "{message}"
    );
    assert!(message.contains(socket.to_str().unwrap()), "{message}");
    assert!(
        message.contains("zinit-server --config-dir DIR --socket"),
        "{message}"
    );
}
