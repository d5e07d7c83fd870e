//! Another stack on hero_svc, with real third-party software: the `web_stack` example
//! program (`examples/web_stack/`) manages Debian's `redis-server` and `nginx` and a Rust
//! app built from source from a git repository this test creates, through its own CLI and
//! its own daemon.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;

use crate::support::fresh_root::FreshRoot;
use crate::support::procs;

/// The example's binary, built by `cargo test` with the other examples (built here when a
/// narrower command skipped it).
fn web_stack_exe() -> PathBuf {
    let here = std::env::current_exe().unwrap();
    let profile_dir = here.parent().and_then(Path::parent).unwrap();
    let exe = profile_dir.join("examples").join("web_stack");
    if !exe.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let built = std::process::Command::new(cargo)
            .args(["build", "--example", "web_stack"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(built.success(), "cargo build --example web_stack failed");
    }
    exe
}

/// The system programs the example runs; the test says how to get them when one is missing.
fn require_system_programs() {
    for p in [
        "/usr/bin/redis-server",
        "/usr/bin/redis-cli",
        "/usr/sbin/nginx",
    ] {
        assert!(
            Path::new(p).exists(),
            "{p} is missing: apt-get install redis-server redis-tools nginx (.ci/run does)"
        );
    }
}

/// The first of three consecutive free loopback ports.
fn three_free_ports() -> u16 {
    for _ in 0..100 {
        let first = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = first.local_addr().unwrap().port();
        if base > 65000 {
            continue;
        }
        let rest: Vec<_> = (1..3)
            .filter_map(|i| std::net::TcpListener::bind(("127.0.0.1", base + i)).ok())
            .collect();
        if rest.len() == 2 {
            return base;
        }
    }
    panic!("no three consecutive free ports")
}

/// A git repository with the example's app (`examples/web_stack/visits`), on branch main.
fn visits_repo(dir: &Path) -> PathBuf {
    let repo = dir.join("visits.git");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web_stack/visits");
    for rel in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
        let to = repo.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(rel), to).unwrap();
    }
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.org")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.org")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {out:?}");
    };
    git(&["init", "--quiet", "--initial-branch=main"]);
    git(&["add", "-A"]);
    git(&["commit", "--quiet", "-m", "visits"]);
    repo
}

fn ok(out: &Output) -> String {
    crate::support::daemon::assert_ok(out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

/// `GET path` on loopback `port`: status and body; status 0 when the connection fails or
/// is reset (a server that is restarting, or whose backend is), so polls go on.
fn get(port: u16, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let exchange = || -> std::io::Result<String> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut text = String::new();
        s.read_to_string(&mut text)?;
        Ok(text)
    };
    let text = match exchange() {
        Ok(text) => text,
        Err(e) => return (0, e.to_string()),
    };
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

/// `(process, state, pid)` of every process, from `status --json`.
fn processes(root: &FreshRoot) -> Vec<(String, String, Option<u64>)> {
    let status = json(&root.run(&["status", "--json"]));
    status
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["processes"].as_array().cloned().unwrap_or_default())
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_string(),
                p["state"].as_str().unwrap_or_default().to_string(),
                p["pid"].as_u64(),
            )
        })
        .collect()
}

fn pid_of(root: &FreshRoot, process: &str) -> Option<u64> {
    processes(root)
        .into_iter()
        .find(|(n, _, _)| n == process)
        .and_then(|(_, _, pid)| pid)
}

/// The tasks of a report that ran (not up to date).
fn ran(report: &Value) -> Vec<String> {
    report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "up_to_date")
        .map(|t| t["label"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn another_stack_runs_redis_nginx_and_an_app_built_from_source() {
    require_system_programs();
    let tmp = tempfile::tempdir().unwrap();
    let repo = visits_repo(tmp.path());
    let port = three_free_ports();
    let root = FreshRoot::for_program(web_stack_exe(), "web_stack")
        .env("WEB_STACK_VISITS_GIT", repo.display().to_string())
        .env("WEB_STACK_PORT", port.to_string());
    // nginx's workers run as another user: they must be able to reach the page.
    for d in [tmp.path(), root.path()] {
        std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let (redis, visits, nginx) = (port, port + 1, port + 2);

    // Its own program: help lists its catalog, its daemon is its own.
    let help = ok(&root.run(&["--help"]));
    assert!(
        help.contains("web_stack") && help.contains("web (default: web)"),
        "{help}"
    );
    let bad = root.run(&["--catalog", "hero", "list"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("catalogs: web"),
        "{bad:?}"
    );

    // Deploy: redis and nginx from the system, the app built from its repository.
    let report = json(&root.run(&["deploy", "--all", "--progress", "quiet", "--json"]));
    assert_eq!(report["status"], "succeeded", "{report:#}");
    assert!(root.path().join("var/sockets/web_stack/rpc.sock").exists());
    assert_eq!(get(nginx, "/visits").1.trim(), "visit 1");
    assert_eq!(get(nginx, "/visits").1.trim(), "visit 2");
    assert_eq!(get(nginx, "/").0, 200);
    let page = root.path().join("var/nginx/html/index.html");
    assert_eq!(mode(&page), 0o644);
    assert_eq!(get(visits, "/health").1.trim(), "ok");

    // Status, health and logs know the processes, which are not Hero-shaped.
    let procs_now = processes(&root);
    assert_eq!(procs_now.len(), 3, "{procs_now:?}");
    assert!(
        procs_now.iter().all(|(_, s, _)| s == "running"),
        "{procs_now:?}"
    );
    let health = json(&root.run(&["health", "--json"]));
    for h in health.as_array().unwrap() {
        assert_eq!(h["healthy"], true, "{h}");
    }
    let redis_health = &health.as_array().unwrap()[0];
    assert!(
        redis_health["probe"]
            .as_str()
            .unwrap()
            .contains("redis-cli")
    );
    let logs = ok(&root.run(&["logs", "redis", "-n", "50"]));
    assert!(logs.contains("Ready to accept connections"), "{logs}");

    // Inspect shows what the service declares: no Hero sockets, no forge, its path.
    let inspect = json(&root.run(&["inspect", "redis", "--json"]));
    assert_eq!(inspect["install_policy"], "system");
    assert_eq!(inspect["source"], Value::Null);
    assert_eq!(inspect["sockets"], serde_json::json!([]));
    assert_eq!(inspect["ports"], serde_json::json!([redis]));
    assert_eq!(inspect["binaries"][0]["path"], "/usr/bin/redis-server");
    assert_eq!(inspect["installed"][0]["version"], "system");

    // A process killed with SIGKILL is restarted by the supervisor.
    let old = pid_of(&root, "redis-server").unwrap();
    procs::signal(old as u32, libc::SIGKILL);
    assert!(
        procs::poll_until(Duration::from_secs(20), || {
            pid_of(&root, "redis-server").is_some_and(|p| p != old)
        }),
        "redis-server was not restarted: {:?}",
        processes(&root)
    );
    assert!(procs::poll_until(Duration::from_secs(10), || {
        get(visits, "/health").0 == 200
    }));

    // Flags that belong to another command are refused, naming it.
    let purge = root.run(&["stop", "redis", "--purge"]);
    assert_eq!(purge.status.code(), Some(2), "{purge:?}");
    assert!(String::from_utf8_lossy(&purge.stderr).contains("belongs to `delete`"));

    // Stopping redis with its dependents stops the front and the app first.
    let report = json(&root.run(&[
        "stop",
        "redis",
        "--with-dependents",
        "--progress",
        "quiet",
        "--json",
    ]));
    assert_eq!(report["status"], "succeeded", "{report:#}");
    let span = |label: &str| -> (f64, f64) {
        let t = report["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["label"] == label)
            .unwrap_or_else(|| panic!("no task {label}: {report:#}"));
        let start = t["start_offset_ms"].as_f64().unwrap();
        (start, start + t["duration_ms"].as_f64().unwrap())
    };
    assert!(span("stop nginx").1 <= span("stop visits").0, "{report:#}");
    assert!(
        span("stop visits").1 <= span("stop redis-server").0,
        "{report:#}"
    );
    assert!(processes(&root).iter().all(|(_, s, _)| s == "stopped"));

    // Deploy brings everything back; a second deploy changes nothing.
    let report = json(&root.run(&["deploy", "--all", "--progress", "quiet", "--json"]));
    assert_eq!(report["status"], "succeeded", "{report:#}");
    let before = processes(&root);
    let again = json(&root.run(&["deploy", "--all", "--progress", "quiet", "--json"]));
    assert_eq!(again["status"], "succeeded");
    assert_eq!(ran(&again), Vec::<String>::new(), "{again:#}");
    assert_eq!(processes(&root), before);

    // Upgrade of a system binary: nothing to fetch, nothing restarted; no version to pick.
    let upgrade = json(&root.run(&["upgrade", "redis", "--progress", "quiet", "--json"]));
    assert_eq!(upgrade["status"], "succeeded", "{upgrade:#}");
    assert_eq!(processes(&root), before);
    let pinned = root.run(&["upgrade", "redis", "--version", "7.2"]);
    assert_eq!(pinned.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&pinned.stderr).contains("package manager"));
    let verify = json(&root.run(&["verify", "--all", "--progress", "quiet", "--json"]));
    assert_eq!(verify["status"], "succeeded", "{verify:#}");

    // Delete --purge never removes the system's binaries.
    let deleted = json(&root.run(&[
        "delete",
        "nginx",
        "--purge",
        "--progress",
        "quiet",
        "--json",
    ]));
    assert_eq!(deleted["status"], "succeeded", "{deleted:#}");
    assert!(Path::new("/usr/sbin/nginx").exists());
    assert!(std::net::TcpStream::connect(("127.0.0.1", nginx)).is_err());
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
