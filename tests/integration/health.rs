//! Health probes and waits against real HTTP servers on unix sockets and loopback TCP.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use hero_svc::graph::{EventKind, ExecutorConfig, RunRequest, RunStatus, TaskStatus};
use hero_svc::health::{Probe, ProbeResult, WaitError, wait_healthy};
use hero_svc::state::StateStore;
use hero_svc::tasks::{Executor, PlanBuilder};
use hero_svc::tasks::{Noop, TaskKey, TaskOutput, WaitHealthy};
use tokio::net::{TcpListener, UnixListener};

use crate::support::events::Collector;
use crate::support::http_server::{Handler, TestServer, handler, serve_tcp, serve_unix};

const OPENRPC_DOC: &str = r#"{"openrpc":"1.3.2","info":{"title":"hero_x","version":"0.1.0"},"methods":[{"name":"ping","params":[]},{"name":"info","params":[]}]}"#;

/// `$PATH_SOCKET/hero_x/rpc.sock` inside a temp dir (the directory is not created).
fn socket_in(root: &Path, service: &str) -> PathBuf {
    root.join("sockets").join(service).join("rpc.sock")
}

/// A temp socket root with `service`'s socket in it served by `h`: the root (kept alive by
/// the caller), the socket, the server.
fn served(service: &str, h: Handler) -> (tempfile::TempDir, PathBuf, TestServer) {
    let root = tempfile::tempdir().unwrap();
    let socket = socket_in(root.path(), service);
    let server = serve_at(&socket, h);
    (root, socket, server)
}

/// Binds `socket` (creating its directory) and serves `h` on it.
fn serve_at(socket: &Path, h: Handler) -> TestServer {
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    serve_unix(UnixListener::bind(socket).unwrap(), h)
}

/// A Hero-shaped service that is up.
fn healthy_service() -> Handler {
    handler(|path| match path {
        "/health" => (200, r#"{"status":"ok"}"#.into()),
        "/openrpc.json" => (200, OPENRPC_DOC.into()),
        _ => (404, "not found".into()),
    })
}

/// A service stuck starting.
fn starting_service() -> Handler {
    handler(|_| (503, r#"{"status":"starting"}"#.into()))
}

/// Answers 503 to the first `n` health checks, then 200.
fn healthy_after(n: u32) -> Handler {
    let seen = AtomicU32::new(0);
    handler(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) < n {
            (503, r#"{"status":"starting"}"#.into())
        } else {
            (200, r#"{"status":"ok"}"#.into())
        }
    })
}

#[tokio::test]
async fn healthy_at_once() {
    let (_root, socket, _server) = served("hero_x", healthy_service());

    let once = Probe::health(&socket).check().await;
    assert!(once.healthy, "{once:?}");
    assert_eq!(once.status, Some(200));
    assert_eq!(once.snippet, r#"{"status":"ok"}"#);
    assert_eq!(once.detail, "200 OK");

    let healthy = wait_healthy(&Probe::health(&socket), Duration::from_secs(5), |_, _| {})
        .await
        .unwrap();
    assert_eq!(healthy.attempts, 1);
    assert!(healthy.result.healthy);
}

#[tokio::test]
async fn slow_service_is_waited_for_until_healthy() {
    let root = tempfile::tempdir().unwrap();
    let socket = socket_in(root.path(), "hero_slow");
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();

    // Once the wait has looked for it, the service binds its socket after a while, then
    // says "starting" three times.
    let (first_probe, probed) = tokio::sync::oneshot::channel::<()>();
    let bind_at = socket.clone();
    let server = tokio::spawn(async move {
        probed.await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        serve_unix(UnixListener::bind(&bind_at).unwrap(), healthy_after(3))
    });

    let mut first_probe = Some(first_probe);
    let mut seen: Vec<ProbeResult> = Vec::new();
    let healthy = wait_healthy(&Probe::health(&socket), Duration::from_secs(10), |r, _| {
        seen.push(r.clone());
        if let Some(tx) = first_probe.take() {
            tx.send(()).unwrap();
        }
    })
    .await
    .unwrap();
    let _server = server.await.unwrap();

    assert!(healthy.attempts > 4, "attempts: {}", healthy.attempts);
    assert_eq!(healthy.attempts as usize, seen.len());
    assert_eq!(healthy.result.status, Some(200));
    assert!(seen[0].detail.contains("does not exist"), "{:?}", seen[0]);
    let starting: Vec<_> = seen.iter().filter(|r| r.status == Some(503)).collect();
    assert_eq!(starting.len(), 3);
    assert_eq!(
        starting[0].detail,
        r#"503 Service Unavailable: {"status":"starting"}"#
    );
}

#[tokio::test]
async fn socket_directory_created_late_is_still_found() {
    let root = tempfile::tempdir().unwrap();
    let socket = socket_in(root.path(), "hero_late");

    let (first_probe, probed) = tokio::sync::oneshot::channel::<()>();
    let bind_at = socket.clone();
    let server = tokio::spawn(async move {
        probed.await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        std::fs::create_dir_all(bind_at.parent().unwrap()).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        serve_unix(UnixListener::bind(&bind_at).unwrap(), healthy_service())
    });

    let mut first_probe = Some(first_probe);
    let healthy = wait_healthy(&Probe::health(&socket), Duration::from_secs(10), |_, _| {
        if let Some(tx) = first_probe.take() {
            tx.send(()).unwrap();
        }
    })
    .await
    .unwrap();
    let _server = server.await.unwrap();
    assert!(healthy.attempts > 1);
    assert!(healthy.result.healthy);
}

#[tokio::test]
async fn never_healthy_times_out_with_the_last_answer() {
    let (_root, socket, _server) = served("hero_stuck", starting_service());

    let err = wait_healthy(
        &Probe::health(&socket),
        Duration::from_millis(500),
        |_, _| {},
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, WaitError::NotHealthy { attempts, .. } if attempts > 1));
    assert!(message.contains("not healthy after"), "{message}");
    assert!(
        message.contains(r#"last answer 503 Service Unavailable: {"status":"starting"}"#),
        "{message}"
    );
    assert_eq!(err.last().unwrap().status, Some(503));
}

#[tokio::test]
async fn missing_socket_times_out_saying_it_never_appeared() {
    let root = tempfile::tempdir().unwrap();
    let socket = socket_in(root.path(), "hero_absent");

    let err = wait_healthy(
        &Probe::health(&socket),
        Duration::from_millis(300),
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, WaitError::SocketNeverAppeared { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("never appeared"), "{message}");
    assert!(message.contains(&socket.display().to_string()), "{message}");
}

#[tokio::test]
async fn stale_socket_times_out_with_connection_refused() {
    let root = tempfile::tempdir().unwrap();
    let socket = socket_in(root.path(), "hero_dead");
    std::fs::create_dir_all(socket.parent().unwrap()).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());

    let err = wait_healthy(
        &Probe::health(&socket),
        Duration::from_millis(300),
        |_, _| {},
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("last seen: connection refused"),
        "{message}"
    );
}

#[tokio::test]
async fn tcp_probes_against_a_loopback_listener() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = serve_tcp(listener, healthy_service());

    let http = Probe::HttpTcp {
        url: format!("http://{addr}/health"),
    };
    let r = http.check().await;
    assert!(r.healthy, "{r:?}");
    assert_eq!(r.status, Some(200));
    let missing = Probe::HttpTcp {
        url: format!("http://{addr}/nope"),
    };
    let r = missing.check().await;
    assert!(!r.healthy);
    assert_eq!(r.detail, "404 Not Found: not found");

    let connect = Probe::TcpConnect {
        addr: addr.to_string(),
    };
    let healthy = wait_healthy(&connect, Duration::from_secs(5), |_, _| {})
        .await
        .unwrap();
    assert!(healthy.result.detail.contains("connected"));

    // The listener is gone once the server task is aborted; the next connects are refused.
    drop(server);
    let refused = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let r = connect.check().await;
            if r.detail == "connection refused" {
                return r;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
    assert!(!refused.healthy);
}

#[tokio::test]
async fn non_loopback_or_https_urls_are_refused_at_once() {
    for url in ["http://192.0.2.1/health", "https://127.0.0.1/health"] {
        let err = wait_healthy(
            &Probe::HttpTcp { url: url.into() },
            Duration::from_secs(30),
            |_, _| {},
        )
        .await
        .unwrap_err();
        assert!(matches!(err, WaitError::InvalidProbe { .. }), "{err:?}");
    }
}

#[tokio::test]
async fn openrpc_probe_checks_the_document() {
    let (root, good, _good) = served("hero_good", healthy_service());
    let r = Probe::openrpc(&good).check().await;
    assert!(r.healthy, "{r:?}");
    assert_eq!(r.detail, "OpenRPC 1.3.2 document with 2 methods");

    let bad = socket_in(root.path(), "hero_bad");
    let _bad = serve_at(
        &bad,
        handler(|_| (200, r#"{"openrpc":"1.3.2","info":{}}"#.into())),
    );
    let r = Probe::openrpc(&bad).check().await;
    assert!(!r.healthy);
    assert_eq!(r.status, Some(200));
    assert!(r.detail.contains("not an OpenRPC document"), "{r:?}");
    assert!(r.detail.contains("methods"), "{r:?}");

    let html = socket_in(root.path(), "hero_html");
    let _html = serve_at(&html, handler(|_| (200, "<html>hello</html>".into())));
    let r = Probe::openrpc(&html).check().await;
    assert!(!r.healthy);
    assert!(r.detail.contains("not JSON"), "{r:?}");
}

#[tokio::test]
async fn socket_file_probe() {
    let (root, live, _server) = served("hero_live", healthy_service());
    let r = Probe::SocketFile { path: live.clone() }.check().await;
    assert!(r.healthy, "{r:?}");

    let missing = root.path().join("missing.sock");
    let r = Probe::SocketFile { path: missing }.check().await;
    assert!(!r.healthy);
    assert!(r.detail.contains("does not exist"), "{r:?}");

    let plain = root.path().join("plain.sock");
    std::fs::write(&plain, b"not a socket").unwrap();
    let r = Probe::SocketFile { path: plain }.check().await;
    assert!(!r.healthy);
    assert!(r.detail.contains("is not a socket"), "{r:?}");

    let stale = root.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    let r = Probe::SocketFile { path: stale }.check().await;
    assert!(!r.healthy);
    assert_eq!(r.detail, "connection refused");
}

#[tokio::test]
async fn wait_healthy_task_runs_through_the_executor() {
    let root = tempfile::tempdir().unwrap();
    let up = socket_in(root.path(), "hero_up");
    let stuck = socket_in(root.path(), "hero_stuck");
    let slow = socket_in(root.path(), "hero_slow");
    let _up = serve_at(&up, healthy_service());
    let _stuck = serve_at(&stuck, starting_service());
    let _slow = serve_at(&slow, healthy_after(2));

    let mut b = PlanBuilder::new();
    let up_key = b.add(WaitHealthy::new(
        "hero_up",
        Probe::health(&up),
        Duration::from_secs(5),
    ));
    b.add(WaitHealthy::new(
        "hero_slow",
        Probe::health(&slow),
        Duration::from_secs(5),
    ));
    let stuck_key = b.add(WaitHealthy::new(
        "hero_stuck",
        Probe::health(&stuck),
        Duration::from_millis(600),
    ));
    b.add_after(Noop::new("start:dependent"), [&stuck_key]);
    b.add_after(Noop::new("start:other"), [&up_key]);
    let plan = b.build().unwrap();
    assert_eq!(up_key, WaitHealthy::key_for("hero_up"));

    let store = StateStore::open(root.path().join("state.db")).unwrap();
    let executor = Executor::new(ExecutorConfig::default(), store);
    for run in 0..2 {
        let events = Collector::new();
        let report = executor
            .run(&plan, RunRequest::new("start").sink(events.sink()))
            .await;
        assert_eq!(report.status, RunStatus::Failed);

        // Cached like any task: on the second run one passing probe makes the wait up
        // to date, with the reason.
        let up = report.task("healthy:hero_up").unwrap();
        if run == 0 {
            assert_eq!(up.status, TaskStatus::Succeeded, "run {run}");
            assert!(up.output.as_deref().unwrap().starts_with("healthy after"));
        } else {
            assert_eq!(up.status, TaskStatus::UpToDate, "run {run}");
            let reason = up.reason.as_deref().unwrap();
            assert!(reason.contains("hero_up is healthy (200"), "{reason}");
        }
        assert_eq!(
            report.task("start:other").unwrap().status,
            TaskStatus::Succeeded
        );
        let slow = report.task("healthy:hero_slow").unwrap();
        let expected = [TaskStatus::Succeeded, TaskStatus::UpToDate][run];
        assert_eq!(slow.status, expected, "run {run}");

        // The stuck service fails once, without retries, saying what it saw.
        let stuck = report.task("healthy:hero_stuck").unwrap();
        assert_eq!(stuck.status, TaskStatus::Failed);
        assert_eq!(stuck.attempts, 1);
        let chain = stuck.error.join(": ");
        assert!(
            chain.starts_with("hero_stuck did not become healthy"),
            "{chain}"
        );
        assert!(chain.contains("not healthy after 600ms"), "{chain}");
        assert!(chain.contains(r#"{"status":"starting"}"#), "{chain}");
        assert_eq!(
            report.task("start:dependent").unwrap().status,
            TaskStatus::Skipped
        );

        let stuck_key = TaskKey::new("healthy:hero_stuck");
        let progress: Vec<String> = events
            .events()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::TaskProgressed {
                    task,
                    message: Some(m),
                    ..
                } if task == stuck_key => Some(m),
                _ => None,
            })
            .collect();
        assert!(!progress.is_empty());
        assert!(progress.len() <= 4, "throttled: {progress:?}");
        assert_eq!(
            progress[0],
            r#"waiting for /health: 503 Service Unavailable: {"status":"starting"}"#
        );
    }

    // The output handed to dependents is typed.
    let output = TaskOutput::Health {
        healthy: true,
        latency_ms: 1,
        detail: "200 OK".into(),
        snippet: String::new(),
        attempts: 1,
        waited_ms: 1,
    };
    assert!(output.summary().unwrap().contains("200 OK"));
}
