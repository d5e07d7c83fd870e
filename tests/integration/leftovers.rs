//! Nothing is left behind by a daemon that dies: no staging file of a killed download, no
//! build that outlives it, no services nobody can reach once its root is gone.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::procs;

#[tokio::test(flavor = "multi_thread")]
async fn staging_files_of_killed_downloads_are_removed_when_the_next_daemon_starts() {
    let repo = DemoRepo::create();
    let mut daemon = TestDaemon::start(&repo);
    let bin = daemon.root().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stale = [
        bin.join(".demo_db.download-Ab12Cd"),
        bin.join(".hero_books_server.download-Zz9"),
    ];
    for f in &stale {
        std::fs::write(f, vec![0u8; 4096]).unwrap();
    }
    let kept = bin.join("some_tool");
    std::fs::write(&kept, b"#!/bin/sh\n").unwrap();
    daemon.kill();
    daemon.restart();
    for f in &stale {
        assert!(!f.exists(), "{} is still there", f.display());
    }
    assert!(kept.exists(), "only staging files are removed");
}

/// A `cargo` that starts a long child in its group and waits: stands for a build the daemon
/// is killed in. The pids appear in `marker` whole (written aside, then renamed), so a poll
/// that sees the file never reads it half-written.
fn slow_cargo(dir: &std::path::Path, marker: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("slow-cargo");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\nsleep 600 &\necho \"$$ $!\" > '{m}.part'\nmv '{m}.part' '{m}'\nwait\n",
            m = marker.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_build_does_not_outlive_the_daemon_that_started_it() {
    let repo = DemoRepo::create();
    let tools = tempfile::tempdir().unwrap();
    let marker = tools.path().join("cargo.pids");
    let cargo = slow_cargo(tools.path(), &marker);
    let cargo = cargo.display().to_string();
    let mut daemon = TestDaemon::start_with_env(&repo, &[("CARGO", &cargo)]);
    let out = daemon
        .cli()
        .args([
            "--progress",
            "quiet",
            "deploy",
            "demo_cache",
            "--no-deps",
            "--detach",
        ])
        .output()
        .unwrap();
    assert_ok(&out);
    assert!(
        procs::poll_until(Duration::from_secs(60), || marker.exists()),
        "the build never started; {}",
        daemon.log()
    );
    let pids = std::fs::read_to_string(&marker).unwrap();
    let mut pids = pids.split_whitespace().map(|p| p.parse::<u32>().unwrap());
    let (build, child) = (pids.next().unwrap(), pids.next().unwrap());
    daemon.kill();
    // The build's own process dies with the daemon.
    assert!(
        procs::poll_until(Duration::from_secs(10), || !procs::is_alive(build)),
        "the build ({build}) outlived the daemon"
    );
    // What it started in its group is ended by the next daemon, before it does anything.
    daemon.restart();
    assert!(
        procs::poll_until(Duration::from_secs(10), || !procs::is_alive(child)),
        "the build's child ({child}) is still running"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_daemon_whose_root_is_deleted_stops_its_services_and_exits() {
    let repo = DemoRepo::create();
    let mut daemon = TestDaemon::start(&repo);
    assert_ok(&daemon.run_cli(&["deploy", "demo_cache", "--no-deps"]));
    let (_, pid) = daemon.state_of("demo_cache").await;
    let pid = pid.unwrap();
    let daemon_pid = daemon.pid().unwrap();
    std::fs::remove_dir_all(daemon.root()).unwrap();
    assert!(
        procs::poll_until(Duration::from_secs(20), || !procs::is_alive(daemon_pid)),
        "the daemon still runs without its root"
    );
    assert!(
        procs::poll_until(Duration::from_secs(10), || !procs::is_alive(pid)),
        "its service still runs"
    );
    daemon.forget();
}
