//! What a person sees, end to end on the demo catalog: `status` with each service's
//! health (a frozen process is "UNHEALTHY, not answering" within the probe's timeout),
//! `--json` that writes nothing but JSON on stdout, `executions show` as text and as a
//! Gantt chart, and `plan --format svg` as a picture of the plan's tasks.

use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::procs::poll_until as wait_until;

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}\nstderr: {}",
            stdout(out),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The row of `service` in `status`'s table, split on runs of spaces.
fn row(table: &str, service: &str) -> Vec<String> {
    table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(service))
        .unwrap_or_else(|| panic!("no row for {service}:\n{table}"))
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The `data-key`s of the `<g class="task …">` of an SVG picture.
fn task_keys(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("bad SVG ({e}):\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.split(' ').any(|w| w == "task"))
        })
        .filter_map(|n| n.attribute("data-key").map(str::to_string))
        .collect()
}

#[test]
fn status_health_json_reports_and_pictures() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);

    // An operation with --json: stdout is the report and nothing else.
    let out = daemon.run_cli(&["deploy", "demo_db", "demo_cache", "--json"]);
    assert_ok(&out);
    let report = json(&out);
    assert_eq!(report["status"], "succeeded", "{report:#}");
    let run_id = report["run_id"].as_str().unwrap().to_string();

    // Status: every service healthy, in its own column.
    let out = daemon.run_cli(&["status"]);
    assert_ok(&out);
    let table = stdout(&out);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "SERVICE", "PROCESS", "STATE", "HEALTH", "PID", "UPTIME", "RESTARTS", "REASON"
        ]
    );
    for svc in ["demo_db", "demo_cache"] {
        assert_eq!(row(&table, svc)[2..4], ["running", "healthy"], "{table}");
    }
    let by_json = json(&daemon.run_cli(&["status", "demo_cache", "--json"]));
    assert_eq!(by_json[0]["health"]["state"], "healthy", "{by_json:#}");

    // A process that runs but does not answer: status says so, and does not hang on it.
    let pid = by_json[0]["processes"][0]["pid"].as_i64().unwrap() as libc::pid_t;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    let mut last = String::new();
    let frozen = wait_until(Duration::from_secs(20), || {
        let out = daemon.run_cli(&["status", "demo_cache", "demo_db"]);
        last = stdout(&out);
        let r = row(&last, "demo_cache");
        r[2] == "running" && r[3] == "UNHEALTHY"
    });
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    assert!(frozen, "the frozen service was never unhealthy:\n{last}");
    let r = row(&last, "demo_cache");
    assert!(r[7..].join(" ").starts_with("not answering:"), "{last}");
    assert_eq!(row(&last, "demo_db")[3], "healthy", "{last}");
    assert!(
        wait_until(Duration::from_secs(20), || {
            row(
                &stdout(&daemon.run_cli(&["status", "demo_cache"])),
                "demo_cache",
            )[3] == "healthy"
        }),
        "the service did not become healthy again"
    );

    // The report as text: one row per task, with the critical path.
    let out = daemon.run_cli(&["executions", "show", &run_id]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.starts_with("deploy succeeded · "), "{text}");
    assert!(text.contains("STATUS") && text.contains("TASK"), "{text}");
    let tasks = report["tasks"].as_array().unwrap();
    for t in tasks {
        assert!(text.contains(t["label"].as_str().unwrap()), "{text}");
    }
    assert!(text.contains("critical path"), "{text}");

    // ... and as a Gantt chart: one row per task of the report.
    let out = daemon.run_cli(&["executions", "show", &run_id, "--format", "svg"]);
    assert_ok(&out);
    let mut drawn = task_keys(&stdout(&out));
    let mut keys: Vec<String> = tasks
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_string())
        .collect();
    drawn.sort();
    keys.sort();
    assert_eq!(drawn, keys);

    // A bad id is refused with a clear message, before the daemon is asked.
    let out = daemon.run_cli(&["executions", "show", "not-an-id"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not-an-id"),
        "{out:?}"
    );

    // The plan as a picture: one box per task of the plan.
    let plan = json(&daemon.run_cli(&["plan", "deploy", "--all", "--format", "json", "--json"]));
    let planned: Vec<String> = plan["tasks"]
        .as_array()
        .unwrap_or_else(|| panic!("{plan:#}"))
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_string())
        .collect();
    let out = daemon.run_cli(&["plan", "deploy", "--all", "--format", "svg"]);
    assert_ok(&out);
    let mut boxes = task_keys(&stdout(&out));
    let mut planned_sorted = planned.clone();
    boxes.sort();
    planned_sorted.sort();
    assert_eq!(boxes, planned_sorted);
    // Every task of the plan belongs to one of its services.
    let groups: Vec<&str> = plan["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert!(groups.contains(&"demo_cache"), "{plan:#}");
}
