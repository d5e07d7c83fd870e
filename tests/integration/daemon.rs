//! The daemon end to end: the real `hero_svc serve` and the real CLI, in a temp root.

use serde_json::json;

use crate::support::daemon::{DemoRepo, TestDaemon};

#[tokio::test]
async fn the_daemon_serves_the_demo_catalog_and_the_cli_talks_to_it() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let list = daemon
        .client()
        .call("service.list", json!({}))
        .await
        .unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(names.contains(&"demo_router"));

    let out = daemon.run_cli(&["list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("demo_books") && text.contains("not started"),
        "{text}"
    );

    let out = daemon.run_cli(&["status", "no_such_service"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown service `no_such_service`"), "{err}");
}

#[tokio::test]
async fn an_operation_on_a_busy_service_waits_and_says_so() {
    use hero_svc::daemon::{Daemon, DaemonOptions};
    use hero_svc::graph::EventKind;
    use hero_svc::paths::HeroPaths;
    use hero_svc::rpc::methods::service::{OperationParams, run_operation};
    use hero_svc::services::Operation;
    use std::time::Duration;

    let root = tempfile::tempdir().unwrap();
    let mut options = DaemonOptions::new(HeroPaths::with_root(root.path()));
    options.default_catalog = "demo".to_string();
    options.forge = Some(hero_svc::forge::ForgeConfig::forgejo("http://127.0.0.1:9/").unwrap());
    let daemon = Daemon::open(options).await.unwrap();

    // Another operation holds demo_db.
    let held = daemon
        .locks()
        .acquire("op-holding", ["demo_db"], |_, _| {})
        .await;
    let params = OperationParams {
        services: vec!["demo_db".to_string()],
        wait: false,
        ..OperationParams::default()
    };
    let started = run_operation(daemon.clone(), Operation::Stop, params)
        .await
        .unwrap();
    let id = started["execution_id"].as_str().unwrap().parse().unwrap();
    let execution = daemon.executions().get(&id).unwrap();
    let page = execution.wait_events(0, Duration::from_secs(10)).await;
    match &page.events[0].kind {
        EventKind::RunWaiting { service, holder } => {
            assert_eq!(
                (service.as_str(), holder.as_str()),
                ("demo_db", "op-holding")
            );
        }
        other => panic!("expected run_waiting first, got {other:?}"),
    }
    assert!(
        !execution.is_finished(),
        "it must not run while the lock is held"
    );

    drop(held);
    let report = tokio::time::timeout(Duration::from_secs(20), execution.wait())
        .await
        .unwrap();
    assert_eq!(report.operation, "stop");
    // The operation log has it.
    let ops = daemon.store().recent_ops("demo_db", 5).unwrap();
    assert_eq!(ops[0].operation, "stop");
    assert_eq!(ops[0].report_id, Some(report.run_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daemon_with_followers_shuts_down_quickly_and_ends_their_streams_cleanly() {
    let repo = DemoRepo::create();
    let mut daemon = TestDaemon::start(&repo);
    let follower = daemon
        .cli()
        .args(["logs", "-f", "demo_db"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The follower is on its stream once two connections stay busy (this probe's and the
    // stream) over several probes: its earlier calls take a few milliseconds.
    let busy_in_a_row = std::cell::Cell::new(0);
    crate::support::wait::wait_until(
        "the follower's stream",
        std::time::Duration::from_secs(10),
        || {
            let client = daemon.client();
            let seen = &busy_in_a_row;
            async move {
                let health = client.get("/health").await.ok()?;
                let v: serde_json::Value = serde_json::from_slice(&health.1).ok()?;
                if v["connections"]["busy"].as_u64()? >= 2 {
                    seen.set(seen.get() + 1);
                } else {
                    seen.set(0);
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                (seen.get() >= 3).then_some(())
            }
        },
    )
    .await;
    let started = std::time::Instant::now();
    let status = daemon.terminate();
    let took = started.elapsed();
    assert!(
        status.is_some_and(|s| s.success()),
        "daemon exit: {status:?}"
    );
    assert!(
        took < std::time::Duration::from_secs(3),
        "shutdown took {took:?}"
    );
    let out = follower.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shutting down"), "{err}");
}
