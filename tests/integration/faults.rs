//! Faults the daemon meets and must get through: a full disk under its state, its log and
//! its services' logs; a restart that fails for lack of resources; a service that crashes
//! as it starts, or stops answering. Real daemons, real processes, a real (small) tmpfs.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::procs;
use crate::support::tmpfs::Tmpfs;
use crate::support::wait::wait_until;

/// The daemon's `/health` answer.
async fn health(daemon: &TestDaemon) -> Value {
    let (status, body) = daemon.client().get("/health").await.unwrap();
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

fn faults(health: &Value) -> Vec<String> {
    health["faults"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| f["what"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Runs the CLI and fails the test if it does not return within `limit`.
fn cli_within(daemon: &TestDaemon, args: &[&str], limit: Duration) -> std::process::Output {
    let started = Instant::now();
    let mut child = daemon
        .cli()
        .args(["--progress", "plain"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    while started.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    panic!(
        "`hero_svc {}` did not return within {limit:?}: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_neither_hangs_nor_stops_the_daemon_and_it_recovers_by_itself() {
    let fs = match Tmpfs::mount("96m", None) {
        Ok(fs) => fs,
        Err(why) => {
            eprintln!("not run: {why}");
            return;
        }
    };
    let repo = DemoRepo::create();
    let disk = tempfile::tempdir().unwrap();
    let target = disk.path().join("target").display().to_string();
    let code = disk.path().join("code").display().to_string();
    let mut daemon = TestDaemon::start_in(
        &repo,
        fs.path(),
        &[
            ("HERO_SVC_TARGET_DIR", &target),
            ("CODEROOT", &code),
            ("HERO_SVC_HEALTH_TIMEOUT_MS", "8000"),
        ],
    );
    assert_ok(&daemon.run_cli(&["deploy", "demo_cache", "--no-deps"]));
    let (_, first) = daemon.state_of("demo_cache").await;
    let first = first.unwrap();

    // The disk fills up: the state store, the daemon's log and the service logs are on it.
    let filler = fs.fill("filler");

    // A crashed service is restarted, and the daemon keeps answering.
    procs::signal(first, libc::SIGKILL);
    let second = wait_until("demo_cache restarted", Duration::from_secs(20), || async {
        match daemon.state_of("demo_cache").await {
            (s, Some(p)) if s == "running" && p != first => Some(p),
            _ => None,
        }
    })
    .await;
    // A restart on request returns and leaves the service running.
    let out = cli_within(&daemon, &["restart", "demo_cache"], Duration::from_secs(60));
    assert!(out.status.code().is_some(), "{out:?}");
    let (state, third) = daemon.state_of("demo_cache").await;
    assert_eq!(state, "running");
    let third = third.unwrap();
    assert_ne!(third, second);
    // A deploy ends (whatever it can record) instead of hanging.
    let out = cli_within(
        &daemon,
        &["deploy", "demo_cache", "--no-deps"],
        Duration::from_secs(60),
    );
    assert!(out.status.code().is_some(), "{out:?}");
    // Everything that fails is visible: in /health and on every command.
    // (The log filesystem is looked at by the supervisor's housekeeping, every 5 s.)
    let h = wait_until("the faults to show", Duration::from_secs(15), || async {
        let h = health(&daemon).await;
        let what = faults(&h).join("\n");
        (what.contains("state store") && what.contains("output is being lost")).then_some(h)
    })
    .await;
    assert_eq!(h["status"], "degraded", "{h:#}");
    let out = daemon.run_cli(&["status", "demo_cache"]);
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: the state store cannot be written"),
        "{err}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("filesystem is full"), "{text}");

    // A new daemon starts on the full disk (and adopts what runs).
    daemon.kill();
    daemon.restart();
    let out = cli_within(&daemon, &["status", "demo_cache"], Duration::from_secs(30));
    assert_ok(&out);

    // Space comes back: the faults clear by themselves and the records are written.
    std::fs::remove_file(&filler).unwrap();
    wait_until("the faults to clear", Duration::from_secs(20), || async {
        faults(&health(&daemon).await).is_empty().then_some(())
    })
    .await;

    // The pid saved once space came back is the one a new daemon adopts: `stop --all`
    // stops it.
    let (_, running) = daemon.state_of("demo_cache").await;
    let running = running.unwrap();
    daemon.kill();
    daemon.restart();
    assert_eq!(daemon.state_of("demo_cache").await.1, Some(running));
    assert_ok(&daemon.run_cli(&["stop", "--all"]));
    assert!(
        procs::poll_until(Duration::from_secs(10), || !procs::is_alive(running)),
        "demo_cache ({running}) still runs after stop --all"
    );
    drop(daemon);
    drop(fs);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_that_crashes_as_it_starts_fails_its_start_at_once_with_the_reason() {
    let repo = DemoRepo::create();
    repo.set_behaviour("demo_cache", "1.0.0", &["--crash-after-ms", "30"]);
    repo.commit("demo_cache crashes");
    // A long health timeout: the start must end long before it, on the supervisor's word.
    let daemon = TestDaemon::start_with_env(&repo, &[("HERO_SVC_HEALTH_TIMEOUT_MS", "120000")]);
    let started = Instant::now();
    let out = cli_within(
        &daemon,
        &["--json", "deploy", "demo_cache", "--no-deps"],
        Duration::from_secs(100),
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let wait = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "healthy:demo_cache")
        .unwrap();
    assert_eq!(wait["status"], "failed");
    let error = wait["error"].to_string();
    assert!(error.contains("demo_cache is failed"), "{error}");
    assert!(error.contains("started 5 times"), "{error}");
    assert!(
        took < Duration::from_secs(100),
        "the wait ran into its 120 s timeout ({took:?})"
    );
    // status says why.
    let out = daemon.run_cli(&["status", "demo_cache"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("failed") && text.contains("started 5 times"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn troubleshoot_probes_a_service_that_runs_but_does_not_answer() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    assert_ok(&daemon.run_cli(&["deploy", "demo_cache", "--no-deps"]));
    let (_, pid) = daemon.state_of("demo_cache").await;
    let pid = pid.unwrap();
    procs::signal(pid, libc::SIGSTOP);
    let out = daemon.run_cli(&["troubleshoot", "demo_cache"]);
    procs::signal(pid, libc::SIGCONT);
    assert_ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("health now: NOT healthy"), "{text}");
    let json = daemon
        .client()
        .call("service.troubleshoot", json!({ "name": "demo_cache" }))
        .await
        .unwrap();
    assert_eq!(
        json["health"]["healthy"], true,
        "healthy again once continued"
    );
}
