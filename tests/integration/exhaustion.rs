//! The daemon under connections that send nothing, stall in their headers or never finish
//! their bodies: it keeps answering, keeps supervising, and closes what it cannot serve.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::procs;
use crate::support::wait::wait_until;

/// Opens `n` connections to `socket`, a third sending nothing, a third half a request head,
/// a third a head that declares a body longer than what follows.
fn hostile_connections(socket: &std::path::Path, n: usize) -> Vec<UnixStream> {
    (0..n)
        .filter_map(|i| {
            let mut s = UnixStream::connect(socket).ok()?;
            match i % 3 {
                0 => {}
                1 => {
                    let _ = s.write_all(b"POST /rpc HTTP/1.1\r\nhost: x\r\ncontent-ty");
                }
                _ => {
                    let _ = s.write_all(
                        b"POST /rpc HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{\"jsonrpc\"",
                    );
                }
            }
            Some(s)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_and_stalled_connections_neither_silence_the_daemon_nor_stop_supervision() {
    let repo = DemoRepo::create();
    // A daemon with few descriptors and short request timeouts.
    let daemon =
        TestDaemon::start_with_fd_limit(&repo, &[("HERO_SVC_REQUEST_TIMEOUT_MS", "1500")], 256);
    assert_ok(&daemon.run_cli(&["deploy", "demo_cache", "--no-deps"]));
    let (_, pid) = daemon.state_of("demo_cache").await;
    let pid = pid.expect("demo_cache runs");

    // Four times the descriptors the daemon has.
    let held = hostile_connections(&daemon.socket(), 1000);
    assert!(
        held.len() > 500,
        "only {} connections could be opened",
        held.len()
    );

    // The CLI still gets its answers.
    let out = daemon.run_cli(&["status", "demo_cache"]);
    assert_ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("running"));

    // A crashed service is restarted: supervision has descriptors left.
    procs::signal(pid, libc::SIGKILL);
    wait_until("demo_cache restarted", Duration::from_secs(20), || async {
        let (state, now) = daemon.state_of("demo_cache").await;
        (state == "running" && now.is_some_and(|p| p != pid)).then_some(())
    })
    .await;

    // The connections that never completed a request are closed by the daemon.
    let mut closed = 0;
    for mut s in held {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 512];
        // EOF (or a reset, or an error answer followed by EOF) within the timeout.
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
        closed += 1;
    }
    assert!(closed > 500);
    let health = daemon.client().get("/health").await.unwrap();
    assert_eq!(health.0, 200);
}

#[test]
fn the_cli_gives_up_on_a_daemon_that_never_answers_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("rpc.sock");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    // Accepts, reads, never answers.
    let server = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().take(4).flatten() {
            held.push(s);
        }
        held
    });
    let started = std::time::Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hero_svc"))
        .args(["--socket", socket.to_str().unwrap(), "status"])
        .env("HERO_ROOT", dir.path())
        .env("HERO_SVC_CLIENT_TIMEOUT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did not answer within 1s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(server);
}
