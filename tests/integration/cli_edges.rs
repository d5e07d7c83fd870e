//! The CLI where people trip: piped output, a daemon several commands start at once, a
//! daemon started by one command serving the next, a bad forge setting, another user's
//! root, a catalog with secrets when nothing needs them.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::support::fresh_root::FreshRoot;

fn ok(out: &Output) -> String {
    crate::support::daemon::assert_ok(out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_daemon_started_by_one_command_does_not_take_its_flags_and_only_one_says_it_started() {
    let root = FreshRoot::new();
    // Four commands at once on a root with no daemon.
    let children: Vec<_> = (0..4)
        .map(|_| {
            root.cli()
                .args(["--catalog", "demo", "list"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outs {
        assert!(ok(out).contains("demo_db"));
    }
    let claims = outs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("started the hero_svc daemon"))
        .count();
    assert_eq!(claims, 1, "exactly one command started the daemon");
    // The daemon's default catalog is its own, not the first command's.
    let list = ok(&root.run(&["list"]));
    assert!(
        list.contains("hero_db") && !list.contains("demo_db"),
        "{list}"
    );
    // Its log is plain text.
    let log = std::fs::read_to_string(root.path().join("var/hero_svc/daemon.log")).unwrap();
    assert!(!log.contains('\u{1b}'), "colour codes in daemon.log: {log}");
}

#[test]
fn piped_output_that_closes_early_ends_the_command_quietly() {
    let root = FreshRoot::new();
    ok(&root.run(&["--catalog", "demo", "list"]));
    let out = Command::new("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; '{}' --catalog demo list | true",
                env!("CARGO_BIN_EXE_hero_svc")
            ),
        ])
        .env("HERO_ROOT", root.path())
        .env("PATH_SOCKET", root.path().join("var/sockets"))
        .env("CODEROOT", root.path().join("code"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn a_bad_forge_url_fails_only_what_needs_the_forge_and_a_call_may_bring_its_own() {
    let root = FreshRoot::new();
    let started = std::time::Instant::now();
    let out = root
        .cli()
        .env("FORGE_URL", "not a url")
        .args(["--catalog", "demo", "status"])
        .output()
        .unwrap();
    ok(&out);
    assert!(started.elapsed() < Duration::from_secs(10), "status waited");
    // What needs the forge fails at once, saying what to fix.
    let out = root.run(&["--catalog", "hero", "plan", "install", "hero_books"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("FORGE_URL"), "{err}");
    // A call with its own FORGE_URL uses it, whatever the daemon was started with.
    let out = root
        .cli()
        .env("FORGE_URL", "http://127.0.0.1:1/")
        .args([
            "--catalog",
            "hero",
            "plan",
            "install",
            "hero_books",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let plan = ok(&out);
    assert!(plan.contains("127.0.0.1:1"), "{plan}");
}

#[test]
fn stopping_the_hero_catalog_needs_no_secret() {
    let root = FreshRoot::new();
    let out = root.run(&["--catalog", "hero", "--progress", "plain", "stop", "--all"]);
    ok(&out);
    let out = root.run(&["--catalog", "hero", "status"]);
    ok(&out);
    // Starting one that needs a secret fails at once and names it.
    let out = root.run(&["--catalog", "hero", "plan", "start", "hero_codescalers"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SECRET_CODESCALERS"), "{err}");
}

#[test]
fn another_users_root_is_named_as_such() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 || !Path::new("/usr/bin/setpriv").exists() {
        eprintln!("not run: needs root and setpriv");
        return;
    }
    let root = FreshRoot::new();
    ok(&root.run(&["--catalog", "demo", "list"]));
    // The test binary must be reachable by the other user.
    let out = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_hero_svc"))
        .args(["--catalog", "demo", "status"])
        .env("HERO_ROOT", root.path())
        .env("PATH_SOCKET", root.path().join("var/sockets"))
        .env("CODEROOT", root.path().join("code"))
        .env("HOME", "/tmp")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("belongs to uid 0") && err.contains("HERO_ROOT"),
        "{err}"
    );
}

#[test]
fn a_daemon_that_cannot_start_is_reported_at_once_with_its_log() {
    let root = FreshRoot::new();
    let started = std::time::Instant::now();
    let out = root
        .cli()
        .env("HERO_SVC_SUPERVISOR", "no_such_backend")
        .args(["--catalog", "demo", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exited at once"), "{err}");
    assert!(
        err.contains("no_such_backend"),
        "the daemon's log says why: {err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it waited for a daemon that had exited"
    );
}
