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
