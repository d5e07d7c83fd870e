//! Runs killed with their daemon: the next daemon records them as interrupted, tells every
//! command's user what they left stopped, and finishes what an upgrade promised.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::wait::wait_until;

/// Starts `operation` on `services` without waiting; its execution id.
async fn start(daemon: &TestDaemon, operation: &str, services: &[&str], extra: Value) -> String {
    let mut params = json!({ "services": services, "wait": false });
    if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    let started = daemon
        .client()
        .call(&format!("service.{operation}"), params)
        .await
        .unwrap();
    started["execution_id"].as_str().unwrap().to_string()
}

/// Reads the run's events until `stop(event)` says so.
async fn until_event(daemon: &TestDaemon, id: &str, stop: impl Fn(&Value) -> bool) {
    let client = daemon.client();
    let mut events = Box::pin(
        client
            .stream(&format!("/executions/{id}/events"))
            .await
            .unwrap(),
    );
    let found = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(Ok(e)) = events.next().await {
            if stop(&e) {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(found, Ok(true)), "the awaited event never came");
}

fn is(e: &Value, event: &str, task: &str) -> bool {
    e["event"] == event && e["task"] == task
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_killed_with_the_daemon_is_interrupted_and_every_command_says_what_it_left_stopped() {
    let repo = DemoRepo::create();
    let mut daemon = TestDaemon::start(&repo);
    assert_ok(&daemon.run_cli(&["deploy", "demo_index"]));
    let id = start(&daemon, "restart", &["demo_db", "demo_index"], json!({})).await;
    // The dependent stops first, and starts again only once its dependency is back and
    // healthy (150 ms after its start): killed now, the run leaves demo_index stopped.
    until_event(&daemon, &id, |e| is(e, "task_finished", "stop:demo_index")).await;
    // The daemon notes the run's progress in its store beside the run; kill it once noted.
    let store =
        hero_svc::state::StateStore::open(daemon.root().join("var/hero_svc/state.db")).unwrap();
    wait_until(
        "the run's progress in the store",
        Duration::from_secs(10),
        || async { store.run(&id).ok()??.last_finished.map(|_| ()) },
    )
    .await;
    daemon.kill();
    daemon.restart();

    let out = daemon.run_cli(&["status"]);
    assert_ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "`restart` of demo_db, demo_index (execution {id})"
        )),
        "{err}"
    );
    let stopped = err
        .split("not running now: ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("{err}"));
    assert!(stopped.contains("demo_index"), "{err}");
    assert!(
        err.contains("deploy") && err.contains("brings them back"),
        "{err}"
    );

    let list = daemon
        .client()
        .call("execution.list", json!({}))
        .await
        .unwrap();
    let run = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not listed: {list:#}"));
    assert_eq!(run["status"], "interrupted", "{run:#}");
    // The last task it noted finished before demo_index was back: a stop, or a step of
    // demo_db's start (how far it got before the kill depends on the machine's load).
    let last = run["last_finished"].as_str().unwrap_or_default();
    assert!(
        last.starts_with("stop:") || last.contains(":demo_db"),
        "{run:#}"
    );
    let trouble = daemon
        .client()
        .call("service.troubleshoot", json!({ "name": "demo_db" }))
        .await
        .unwrap();
    assert_eq!(trouble["recent_operations"][0]["status"], "interrupted");

    // Bringing them back settles it.
    assert_ok(&daemon.run_cli(&["deploy", "demo_db", "demo_index"]));
    let out = daemon.run_cli(&["status"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("note:"));
}

fn sha256(path: &std::path::Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_killed_before_its_health_check_is_verified_and_rolled_back_by_the_next_daemon()
{
    let repo = DemoRepo::create();
    let env = [("HERO_SVC_HEALTH_TIMEOUT_MS", "4000")];
    let mut daemon = TestDaemon::start_with_env(&repo, &env);
    assert_ok(&daemon.run_cli(&["deploy", "demo_cache", "--no-deps"]));
    let bin = daemon.root().join("bin/demo_cache");
    let old = sha256(&bin);

    repo.set_behaviour("demo_cache", "2.0.0", &["--unhealthy"]);
    repo.commit("demo_cache 2.0.0, unhealthy");
    let id = start(
        &daemon,
        "upgrade",
        &["demo_cache"],
        json!({ "mode": "source" }),
    )
    .await;
    // Killed after the new binary is in place, as the verified restart begins.
    until_event(&daemon, &id, |e| {
        is(e, "task_started", "upgrade:demo_cache")
    })
    .await;
    daemon.kill();
    assert_ne!(sha256(&bin), old, "the new version was installed");
    daemon.restart();

    // The new daemon finishes the upgrade: the new version is not healthy, so it rolls back.
    let recovery = wait_until(
        "the upgrade's verification",
        Duration::from_secs(60),
        || async {
            let list = daemon
                .client()
                .call("execution.list", json!({}))
                .await
                .ok()?;
            list.as_array()?
                .iter()
                .find(|e| {
                    e["operation"] == "upgrade"
                        && e["id"] != id.as_str()
                        && e["status"] != "running"
                })
                .cloned()
        },
    )
    .await;
    assert_eq!(recovery["status"], "failed", "{recovery:#}");
    let report = daemon
        .client()
        .call("execution.get", json!({ "id": recovery["id"] }))
        .await
        .unwrap();
    let error = report["report"]["tasks"][0]["error"].to_string();
    assert!(error.contains("rolled back"), "{error}");
    assert_eq!(sha256(&bin), old, "the previous binary is back");
    let health = daemon
        .client()
        .call("service.health", json!({ "name": "demo_cache" }))
        .await
        .unwrap();
    assert_eq!(health["healthy"], true, "{health:#}");
}
