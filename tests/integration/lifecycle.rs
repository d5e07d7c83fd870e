//! Lifecycle plans (register ► start ► wait healthy, stop) run by the real executor with a
//! real builtin supervisor and real `hero_demo` processes, in a temp Hero root.
//!
//! Restart semantics checked here: a start is up to date while its process runs and its
//! own inputs (spec, binary) are unchanged; changing one service's spec restarts only that
//! service — its dependents see only their dependency's "healthy", which did not change.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hero_svc::graph::{
    ExecutionReport, ExecutorConfig, RunRequest, RunStatus, TaskReport, TaskStatus,
};
use hero_svc::health::Probe;
use hero_svc::recipes::{LifecycleService, add_start_order, add_stop_order};
use hero_svc::state::StateStore;
use hero_svc::supervisor::{
    AnySupervisor, BuiltinConfig, BuiltinSupervisor, ProcessSpec, ProcessState, Supervisor,
};
use hero_svc::tasks::{Executor, PlanBuilder};
use hero_svc::tasks::{LocalBinary, StartProcess, StopProcess, TaskEnv, TaskKey, WaitHealthy};

use crate::support::demo::demo_bin;

/// The chain of the tests: `lc_c` depends on `lc_b`, which depends on `lc_a`.
const CHAIN: [(&str, Option<&str>); 3] = [
    ("lc_a", None),
    ("lc_b", Some("lc_a")),
    ("lc_c", Some("lc_b")),
];

struct Fixture {
    dir: tempfile::TempDir,
    sup: Arc<AnySupervisor>,
    executor: Executor,
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path().join("var/hero_svc/state.db")).unwrap();
        let config = BuiltinConfig::new(dir.path().join("var/logs"));
        let builtin = BuiltinSupervisor::open(config, store.clone())
            .await
            .unwrap();
        let sup = Arc::new(AnySupervisor::from(builtin));
        let env = TaskEnv::new(store).with_supervisor(sup.clone());
        let executor = Executor::with_env(ExecutorConfig::default(), env);
        Self { dir, sup, executor }
    }

    fn socket(&self, name: &str) -> PathBuf {
        self.dir.path().join("s").join(name).join("rpc.sock")
    }

    /// The spec of demo service `name` (ready 30 ms after its start), plus `extra` args.
    fn spec(&self, name: &str, extra: &[&str]) -> ProcessSpec {
        let socket = self.socket(name);
        ProcessSpec::new(name, demo_bin())
            .args(["--name", name, "--ready-delay-ms", "30", "--socket"])
            .args([socket.to_string_lossy().to_string()])
            .args(extra.iter().copied())
            .env("HERO_ROOT", self.dir.path().to_string_lossy())
            .socket(socket)
            .stop_with(libc::SIGTERM, Duration::from_secs(5))
    }

    /// The chain, with `extra` args for some services.
    fn chain(&self, extra: &[(&str, &[&str])]) -> Vec<LifecycleService> {
        CHAIN
            .iter()
            .map(|(name, dep)| {
                let args = extra
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, a)| *a)
                    .unwrap_or(&[]);
                let mut s = LifecycleService::new(self.spec(name, args))
                    .health(Probe::health(self.socket(name)), Duration::from_secs(2));
                if let Some(dep) = dep {
                    s = s.depends_on(*dep);
                }
                s
            })
            .collect()
    }

    async fn start(&self, services: &[LifecycleService]) -> ExecutionReport {
        let mut plan = PlanBuilder::new();
        add_start_order(&mut plan, services);
        let plan = plan.build().unwrap();
        self.executor.run(&plan, RunRequest::new("start")).await
    }

    async fn pid(&self, name: &str) -> Option<u32> {
        self.sup.status(name).await.unwrap().pid
    }
}

/// A failing test must not leave its processes running.
impl Drop for Fixture {
    fn drop(&mut self) {
        let Ok(store) = StateStore::open(self.dir.path().join("var/hero_svc/state.db")) else {
            return;
        };
        for record in store.all_supervised().unwrap_or_default() {
            if let Some(pgid) = record.pgid {
                // SAFETY: killpg only sends a signal.
                unsafe { libc::killpg(pgid as libc::pid_t, libc::SIGKILL) };
            }
        }
    }
}

fn task<'a>(report: &'a ExecutionReport, key: &TaskKey) -> &'a TaskReport {
    report
        .tasks
        .iter()
        .find(|t| &t.key == key)
        .unwrap_or_else(|| panic!("no task {key} in the report"))
}

fn status(report: &ExecutionReport, key: &TaskKey) -> TaskStatus {
    task(report, key).status
}

/// When task `key` started and ended, in ms since the run started.
fn span(report: &ExecutionReport, key: &TaskKey) -> (f64, f64) {
    let t = task(report, key);
    let start = t.start_offset_ms.expect("task started");
    (start, start + t.duration_ms.expect("task ran"))
}

#[tokio::test]
async fn a_chain_starts_in_order_reruns_as_a_no_op_and_a_spec_change_restarts_only_its_service() {
    let fx = Fixture::new().await;
    let chain = fx.chain(&[]);

    let first = fx.start(&chain).await;
    assert_eq!(first.status, RunStatus::Succeeded, "{first:#?}");
    for (name, dep) in CHAIN {
        assert_eq!(
            fx.sup.status(name).await.unwrap().state,
            ProcessState::Running
        );
        if let Some(dep) = dep {
            // A dependent starts only once its dependency is healthy.
            let (_, dep_healthy) = span(&first, &WaitHealthy::key_for(dep));
            let (start, _) = span(&first, &StartProcess::key_for(name));
            assert!(
                start >= dep_healthy,
                "{name} started before {dep} was healthy"
            );
        }
    }
    let pids: Vec<_> = futures::future::join_all(CHAIN.iter().map(|(n, _)| fx.pid(n))).await;
    assert!(pids.iter().all(Option::is_some));
    let output = task(&first, &StartProcess::key_for("lc_a")).output.clone();
    assert!(output.unwrap().contains("running as pid"));

    // The same plan again: nothing is registered or started again.
    let second = fx.start(&chain).await;
    assert_eq!(second.status, RunStatus::Succeeded);
    for (name, _) in CHAIN {
        for key in [
            TaskKey::new(format!("register:{name}")),
            StartProcess::key_for(name),
        ] {
            assert_eq!(status(&second, &key), TaskStatus::UpToDate, "{key}");
        }
        // The health wait is cached too: one passing probe makes it up to date.
        assert_eq!(
            status(&second, &WaitHealthy::key_for(name)),
            TaskStatus::UpToDate
        );
    }
    let reason = task(&second, &StartProcess::key_for("lc_b"))
        .reason
        .clone()
        .unwrap();
    assert!(reason.contains("is running"), "{reason}");
    let again: Vec<_> = futures::future::join_all(CHAIN.iter().map(|(n, _)| fx.pid(n))).await;
    assert_eq!(again, pids);

    // lc_b's spec changes: only lc_b is registered and restarted.
    let changed = fx.chain(&[("lc_b", &["--version", "2.0.0"])]);
    let third = fx.start(&changed).await;
    assert_eq!(third.status, RunStatus::Succeeded, "{third:#?}");
    assert_eq!(
        status(&third, &TaskKey::new("register:lc_b")),
        TaskStatus::Succeeded
    );
    assert_eq!(
        status(&third, &StartProcess::key_for("lc_b")),
        TaskStatus::Succeeded
    );
    for name in ["lc_a", "lc_c"] {
        assert_eq!(
            status(&third, &StartProcess::key_for(name)),
            TaskStatus::UpToDate,
            "{name}"
        );
    }
    let after: Vec<_> = futures::future::join_all(CHAIN.iter().map(|(n, _)| fx.pid(n))).await;
    assert_eq!(after[0], pids[0]);
    assert_ne!(after[1], pids[1], "lc_b was not restarted");
    assert!(after[1].is_some());
    assert_eq!(
        after[2], pids[2],
        "lc_c was restarted although its inputs did not change"
    );
    assert!(!crate::support::procs::is_alive(pids[1].unwrap()));
}

#[tokio::test]
async fn stopping_a_chain_stops_dependents_before_their_dependencies() {
    let fx = Fixture::new().await;
    let started = fx.start(&fx.chain(&[])).await;
    assert_eq!(started.status, RunStatus::Succeeded, "{started:#?}");
    let pids: Vec<_> = futures::future::join_all(CHAIN.iter().map(|(n, _)| fx.pid(n))).await;

    let mut plan = PlanBuilder::new();
    add_stop_order(
        &mut plan,
        CHAIN.iter().map(|(n, d)| (*n, d.iter().copied())),
    );
    let plan = plan.build().unwrap();
    let report = fx.executor.run(&plan, RunRequest::new("stop")).await;
    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let (_, c_end) = span(&report, &StopProcess::key_for("lc_c"));
    let (b_start, b_end) = span(&report, &StopProcess::key_for("lc_b"));
    let (a_start, _) = span(&report, &StopProcess::key_for("lc_a"));
    assert!(c_end <= b_start, "lc_b stopped before lc_c was gone");
    assert!(b_end <= a_start, "lc_a stopped before lc_b was gone");
    for (name, _) in CHAIN {
        assert_eq!(
            fx.sup.status(name).await.unwrap().state,
            ProcessState::Stopped
        );
    }
    for pid in pids.into_iter().flatten() {
        assert!(
            !crate::support::procs::is_alive(pid),
            "pid {pid} survived the stop"
        );
    }

    // Stopping again has nothing to do.
    let again = fx.executor.run(&plan, RunRequest::new("stop")).await;
    assert_eq!(again.totals.up_to_date, 3, "{again:#?}");
}

#[tokio::test]
async fn a_start_whose_health_never_passes_fails_and_its_dependents_are_skipped() {
    let fx = Fixture::new().await;
    let mut chain = fx.chain(&[("lc_b", &["--unhealthy"])]);
    // Long enough for the process to bind its socket even on a loaded machine, so the
    // last answer seen is its 503.
    chain[1].health = Some((Probe::health(fx.socket("lc_b")), Duration::from_secs(2)));

    let report = fx.start(&chain).await;
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(
        status(&report, &StartProcess::key_for("lc_a")),
        TaskStatus::Succeeded
    );
    assert_eq!(
        status(&report, &StartProcess::key_for("lc_b")),
        TaskStatus::Succeeded
    );
    let healthy_b = task(&report, &WaitHealthy::key_for("lc_b"));
    assert_eq!(healthy_b.status, TaskStatus::Failed);
    let error = healthy_b.error.join(": ");
    assert!(error.contains("lc_b did not become healthy"), "{error}");
    assert!(error.contains("503"), "{error}");
    for key in [StartProcess::key_for("lc_c"), WaitHealthy::key_for("lc_c")] {
        let t = task(&report, &key);
        assert_eq!(t.status, TaskStatus::Skipped, "{key}");
        assert!(
            t.reason.as_deref().unwrap().contains("healthy:lc_b"),
            "{:?}",
            t.reason
        );
    }
    assert_eq!(fx.pid("lc_c").await, None);
}

#[tokio::test]
async fn lifecycle_tasks_without_a_supervisor_fail_and_say_where_they_run() {
    let store = StateStore::in_memory().unwrap();
    let executor = Executor::new(ExecutorConfig::default(), store);
    let mut plan = PlanBuilder::new();
    plan.add(StartProcess::new("x"));
    let report = executor
        .run(&plan.build().unwrap(), RunRequest::new("start"))
        .await;
    let error = report.tasks[0].error.join(": ");
    assert!(error.contains("no process supervisor"), "{error}");
}

#[tokio::test]
async fn a_changed_binary_restarts_its_process_and_an_unchanged_one_does_not() {
    let fx = Fixture::new().await;
    let bin = fx.dir.path().join("bin/hero_demo");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(demo_bin(), &bin).unwrap();
    let run = || async {
        let mut plan = PlanBuilder::new();
        let binary = plan.add(LocalBinary::new("hero_demo", &bin));
        let mut spec = fx.spec("lc_bin", &[]);
        spec.executable = bin.clone();
        let service = LifecycleService::new(spec)
            .health(Probe::health(fx.socket("lc_bin")), Duration::from_secs(2))
            .input(binary);
        add_start_order(&mut plan, &[service]);
        let report = fx
            .executor
            .run(&plan.build().unwrap(), RunRequest::new("start"))
            .await;
        assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
        (report, fx.pid("lc_bin").await.unwrap())
    };
    let (_, pid) = run().await;
    let (second, same) = run().await;
    assert_eq!(
        status(&second, &StartProcess::key_for("lc_bin")),
        TaskStatus::UpToDate
    );
    assert_eq!(same, pid);

    // A new binary (different bytes) replaces the file, as an install does.
    let mut bytes = std::fs::read(&bin).unwrap();
    bytes.extend_from_slice(b"new build");
    let staged = bin.with_extension("new");
    std::fs::write(&staged, bytes).unwrap();
    std::fs::set_permissions(&staged, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::rename(&staged, &bin).unwrap();
    let (third, restarted) = run().await;
    assert_eq!(
        status(&third, &StartProcess::key_for("lc_bin")),
        TaskStatus::Succeeded
    );
    assert_eq!(
        status(&third, &TaskKey::new("register:lc_bin")),
        TaskStatus::UpToDate
    );
    assert_ne!(restarted, pid, "the new binary was not started");
}
