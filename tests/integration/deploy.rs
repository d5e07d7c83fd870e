//! Deploy semantics end to end: the real daemon and CLI on the demo catalog, built from a
//! git repository the test changes and commits. One daemon per scenario, its steps in order:
//! the first source build of a scenario is the slow part.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::http;
use crate::support::procs;
use crate::support::wait::wait_until;

/// The stdout of a CLI run that must have succeeded, as the JSON report.
fn succeeded(out: &Output) -> Value {
    assert_ok(out);
    report(out)
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report on stdout ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn tasks(report: &Value) -> &Vec<Value> {
    report["tasks"].as_array().unwrap()
}

/// The task `key`.
fn task<'r>(report: &'r Value, key: &str) -> &'r Value {
    tasks(report)
        .iter()
        .find(|t| t["key"] == key)
        .unwrap_or_else(|| panic!("no task {key} in {report:#}"))
}

/// The install task of binary `bin`.
fn install<'r>(report: &'r Value, bin: &str) -> &'r Value {
    let suffix = format!("/bin/{bin}");
    tasks(report)
        .iter()
        .find(|t| {
            let k = t["key"].as_str().unwrap();
            k.starts_with("install:") && k.ends_with(&suffix)
        })
        .unwrap_or_else(|| panic!("no install of {bin} in {report:#}"))
}

fn status(task: &Value) -> &str {
    task["status"].as_str().unwrap()
}

/// When `task` started and ended, in ms since the run started.
fn span(task: &Value) -> (f64, f64) {
    let start = task["start_offset_ms"]
        .as_f64()
        .unwrap_or_else(|| panic!("{task} never started"));
    (start, start + task["duration_ms"].as_f64().unwrap())
}

/// The keys of the tasks whose kind is `kind` and status is `status`.
fn keys(report: &Value, kind: &str, status: &str) -> Vec<String> {
    let mut k: Vec<String> = tasks(report)
        .iter()
        .filter(|t| t["kind"] == kind && t["status"] == status)
        .map(|t| t["key"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

/// Every demo service and its dependencies, as the daemon lists them.
async fn dependencies(daemon: &TestDaemon) -> BTreeMap<String, Vec<String>> {
    let list = daemon
        .client()
        .call("service.list", json!({}))
        .await
        .unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let deps = s["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect();
            (s["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

/// The pid of every running service.
async fn pids(daemon: &TestDaemon) -> BTreeMap<String, u32> {
    let status = daemon
        .client()
        .call("service.status", json!({}))
        .await
        .unwrap();
    status
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["state"] == "running")
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["processes"][0]["pid"].as_u64().unwrap() as u32,
            )
        })
        .collect()
}

/// The services whose pid differs between `before` and `after` (or that are missing).
fn changed(before: &BTreeMap<String, u32>, after: &BTreeMap<String, u32>) -> Vec<String> {
    before
        .iter()
        .filter(|(name, pid)| after.get(*name) != Some(pid))
        .map(|(name, _)| name.clone())
        .collect()
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_builds_starts_in_order_is_idempotent_and_redeploys_only_what_changed() {
    let repo = DemoRepo::create();
    let mut daemon = TestDaemon::start(&repo);
    let deps = dependencies(&daemon).await;
    assert_eq!(deps.len(), 8);

    // From scratch: one build, eight installs, eight starts gated on health.
    let out = daemon.run_cli(&["--json", "deploy", "--all"]);
    let first = succeeded(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("critical path"), "{stderr}");
    assert_eq!(first["status"], "succeeded");
    assert_eq!(
        keys(&first, "cargo_build", "succeeded").len(),
        1,
        "{first:#}"
    );
    for (svc, svc_deps) in &deps {
        let (start, _) = span(task(&first, &format!("start:{svc}")));
        for dep in svc_deps {
            let (_, healthy) = span(task(&first, &format!("healthy:{dep}")));
            assert!(
                start >= healthy - 0.001,
                "start:{svc} began at {start} ms, before healthy:{dep} ended at {healthy} ms"
            );
        }
    }
    let running = pids(&daemon).await;
    assert_eq!(running.len(), 8, "{running:?}");

    // Again: nothing to do.
    let second = succeeded(&daemon.run_cli(&["--json", "deploy", "--all"]));
    let not_up_to_date: Vec<&Value> = tasks(&second)
        .iter()
        .filter(|t| t["status"] != "up_to_date")
        .collect();
    assert!(not_up_to_date.is_empty(), "{not_up_to_date:#?}");
    assert_eq!(pids(&daemon).await, running);

    // One service changes: the shared build runs, only its binary is installed and only it
    // restarts.
    repo.set_version("demo_index", "1.1.0");
    repo.commit("demo_index 1.1.0");
    let third = succeeded(&daemon.run_cli(&["--json", "deploy", "--all"]));
    assert_eq!(
        keys(&third, "cargo_build", "succeeded").len(),
        1,
        "{third:#}"
    );
    for svc in deps.keys() {
        let expected = if svc == "demo_index" {
            "succeeded"
        } else {
            "up_to_date"
        };
        assert_eq!(
            status(install(&third, svc)),
            expected,
            "install of {svc}: {third:#}\nbefore: {second:#}"
        );
        assert_eq!(
            status(task(&third, &format!("start:{svc}"))),
            expected,
            "start of {svc}"
        );
    }
    let after = pids(&daemon).await;
    assert_eq!(changed(&running, &after), ["demo_index"]);
    let (_, body) = http::get(
        &daemon.root().join("var/sockets/demo_index/rpc.sock"),
        "/.well-known/heroservice.json",
    )
    .await;
    assert!(body.contains("1.1.0"), "{body}");

    // A restart restarts the service alone; with its dependents, them too.
    let before = after;
    succeeded(&daemon.run_cli(&["--json", "restart", "demo_index"]));
    let after = pids(&daemon).await;
    assert_eq!(changed(&before, &after), ["demo_index"]);
    let before = after;
    succeeded(&daemon.run_cli(&["--json", "restart", "demo_index", "--with-dependents"]));
    let after = pids(&daemon).await;
    assert_eq!(
        changed(&before, &after),
        ["demo_books", "demo_index", "demo_router"]
    );

    // The daemon dies; the next one adopts the running services.
    let before = after;
    daemon.kill();
    daemon.restart();
    assert_eq!(pids(&daemon).await, before);
    let again = succeeded(&daemon.run_cli(&["--json", "deploy", "--all"]));
    let ran: Vec<&Value> = tasks(&again)
        .iter()
        .filter(|t| t["status"] != "up_to_date")
        .collect();
    assert!(ran.is_empty(), "{ran:#?}");
    assert_eq!(pids(&daemon).await, before);
    // An adopted process that dies is restarted by the supervisor.
    let victim = before["demo_cache"];
    procs::signal(victim, libc::SIGKILL);
    let restarted = wait_until(
        "demo_cache restarted by the supervisor",
        Duration::from_secs(10),
        || async {
            pids(&daemon)
                .await
                .get("demo_cache")
                .copied()
                .filter(|pid| *pid != victim)
        },
    )
    .await;
    assert!(procs::is_alive(restarted));

    // Stop everything: dependents before their dependencies.
    let stopped = succeeded(&daemon.run_cli(&["--json", "stop", "--all"]));
    for (svc, svc_deps) in &deps {
        let (_, end) = span(task(&stopped, &format!("stop:{svc}")));
        for dep in svc_deps {
            let (start, _) = span(task(&stopped, &format!("stop:{dep}")));
            assert!(
                end <= start + 0.001,
                "stop:{svc} ended at {end} ms, after stop:{dep} began at {start} ms"
            );
        }
    }
    assert!(pids(&daemon).await.is_empty());
    // Why each ended is said in words, adopted or not: demo_db was adopted and stopped on
    // request; demo_cache was restarted by this daemon and stopped by a signal it sent.
    let status = daemon
        .client()
        .call(
            "service.status",
            json!({ "services": ["demo_db", "demo_cache"] }),
        )
        .await
        .unwrap();
    let reason = |i: usize| {
        status[i]["processes"][0]["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(reason(0).contains("stopped on request"), "{}", reason(0));
    assert!(!reason(1).contains("not known"), "{}", reason(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_that_is_not_healthy_rolls_back_to_the_running_version() {
    let repo = DemoRepo::create();
    // Long enough for the new version to bind its socket on a loaded machine, so the
    // failing health result is its 503.
    let daemon = TestDaemon::start_with_env(&repo, &[("HERO_SVC_HEALTH_TIMEOUT_MS", "4000")]);
    succeeded(&daemon.run_cli(&["--json", "deploy", "demo_cache"]));
    let bin = daemon.root().join("bin/demo_cache");
    let old_sha = sha256(&bin);
    let socket = daemon.root().join("var/sockets/demo_cache/rpc.sock");

    repo.set_behaviour("demo_cache", "2.0.0", &["--unhealthy"]);
    repo.commit("demo_cache 2.0.0, unhealthy");
    let out = daemon.run_cli(&["--json", "upgrade", "demo_cache", "--mode", "source"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let failed = report(&out);
    assert_eq!(status(install(&failed, "demo_cache")), "succeeded");
    let upgrade = task(&failed, "upgrade:demo_cache");
    assert_eq!(status(upgrade), "failed", "{upgrade:#}");
    let error = upgrade["error"].to_string();
    assert!(error.contains("rolled back"), "{error}");
    assert!(error.contains("503"), "the failing health result: {error}");
    let tail = upgrade["log_tail"].as_array().unwrap();
    assert!(
        tail.iter()
            .any(|l| l.as_str().unwrap().contains("demo_cache 2.0.0 listening")),
        "{tail:#?}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rolled back"), "{stderr}");

    // The old binary is back, running and healthy.
    assert_eq!(sha256(&bin), old_sha);
    let (code, _) = http::get(&socket, "/health").await;
    assert_eq!(code, 200);
    let (_, body) = http::get(&socket, "/.well-known/heroservice.json").await;
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["version"], "1.0.0", "{info:#}");
    assert_eq!(pids(&daemon).await.len(), 1);
}
