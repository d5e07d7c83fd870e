//! The daemon's API under measurement, on a real `hero_svc serve` (release build) running
//! the demo catalog in a temp Hero root:
//!
//! 1. 200 concurrent clients calling `service.status` and `service.list` for
//!    `HERO_SVC_RPC_LOAD_SECS` (default 30) while a deploy of the whole demo stack runs:
//!    calls, errors, mixed-up answers, latency;
//! 2. daemon RSS with the 8 demo services supervised, right after the load and 6 s later;
//! 3. `service.status` (all 8 services) round trip, p50/p99, with 1 client and with 100
//!    concurrent clients, each on a kept-alive connection (and, for 1 client, with a new
//!    connection per call as the CLI does);
//! 4. `hero_svc status` as a whole process (connect, health check, call, render);
//! 5. RSS of a daemon process supervising 30 `hero_demo` processes (this binary re-run as a
//!    daemon: the real `Daemon` and `serve`, 30 processes registered and started through its
//!    supervisor).
//!
//! Run with `cargo bench --bench rpc`; results and method are in `docs/benchmarks.md`.
//! Demo sources are built with the dev profile in `<target>/hero_svc_demo_builds`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::UnixStream;

/// The tests' helpers: the demo repository and the daemon in a temp root.
#[path = "../tests/integration/support/mod.rs"]
mod support;
use support::daemon::{DemoRepo, TestDaemon};

const CHILD_ENV: &str = "HERO_SVC_BENCH_SERVE30";

fn main() {
    // `cargo bench` passes `--bench`; anything else filtering is ignored.
    if std::env::var_os(CHILD_ENV).is_some() {
        serve_thirty();
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(bench());
}

/// A temp Hero root with a demo repository and a daemon on it (the tests' `TestDaemon`).
struct Bench {
    daemon: TestDaemon,
    _repo: DemoRepo,
}

impl Bench {
    fn start() -> Self {
        let repo = DemoRepo::create();
        let daemon = TestDaemon::start_with_env(&repo, &[("RUST_LOG", "warn")]);
        Self {
            daemon,
            _repo: repo,
        }
    }

    fn socket(&self) -> PathBuf {
        self.daemon.socket()
    }

    fn pid(&self) -> u32 {
        self.daemon.pid().expect("the daemon runs")
    }
}

fn run(cmd: &mut Command) {
    let status = cmd.status().expect("spawn");
    assert!(status.success(), "{cmd:?} failed");
}

fn wait_for(mut cond: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A kept-alive HTTP/1.1 connection to the daemon.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    next_id: u64,
}

impl Conn {
    async fn open(socket: &Path) -> Self {
        let stream = UnixStream::connect(socket).await.expect("connect");
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(conn);
        Self { sender, next_id: 1 }
    }

    /// One call; checks that the answer is for this request and is not an error.
    async fn call(&mut self, method: &str, params: &Value) -> Value {
        let bytes = self.send(method, params).await;
        let answer: Value = serde_json::from_slice(&bytes).expect("json");
        assert!(answer.get("error").is_none(), "{answer}");
        answer["result"].clone()
    }

    /// One call, its answer checked the way a typed client reads it (the id, no error, the
    /// result left unparsed): the client's own parsing is not what is measured.
    async fn check(&mut self, method: &str, params: &Value) {
        let bytes = self.send(method, params).await;
        let answer: Answer<'_> = serde_json::from_slice(&bytes).expect("json");
        assert!(
            answer.error.is_none(),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(answer.result.is_some(), "no result");
    }

    /// Sends one request and returns the answer's body, checked to answer this request.
    async fn send(&mut self, method: &str, params: &Value) -> Bytes {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let req = hyper::Request::post("/rpc")
            .header("host", "hero_svc")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("request");
        self.sender.ready().await.expect("ready");
        let resp = self.sender.send_request(req).await.expect("send");
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        let answer: Answer<'_> = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(answer.id, Some(id), "an answer to another request");
        bytes
    }
}

/// What a client needs of an answer.
#[derive(serde::Deserialize)]
struct Answer<'a> {
    id: Option<u64>,
    #[serde(borrow)]
    result: Option<&'a serde_json::value::RawValue>,
    error: Option<serde::de::IgnoredAny>,
}

/// p50 and p99 of `samples`, in ms.
fn percentiles(samples: &mut [Duration]) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99))
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn bench() {
    let load_secs: f64 = std::env::var("HERO_SVC_RPC_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30.0);
    let b = Bench::start();
    let socket: Arc<Path> = Arc::from(b.socket().as_path());
    println!(
        "daemon RSS at start: {:.1} MiB",
        rss_kib(b.pid()) as f64 / 1024.0
    );

    // 1. 200 clients during a deploy of the whole demo stack.
    let mut c = Conn::open(&socket).await;
    let started = c
        .call("service.deploy", &json!({ "all": true, "wait": false }))
        .await;
    let run_id = started["execution_id"].as_str().expect("id").to_string();
    let until = Instant::now() + Duration::from_secs_f64(load_secs);
    let clients: Vec<_> = (0..200)
        .map(|n| {
            let socket = socket.clone();
            tokio::spawn(async move {
                let mut conn = Conn::open(&socket).await;
                let mut lat = Vec::new();
                let mut i = 0u64;
                while Instant::now() < until {
                    let t = Instant::now();
                    if i % 2 == 0 {
                        let r = conn.call("service.status", &json!({})).await;
                        assert_eq!(r.as_array().map(Vec::len), Some(8), "client {n}");
                    } else {
                        let r = conn.call("service.list", &json!({})).await;
                        assert_eq!(r.as_array().map(Vec::len), Some(8), "client {n}");
                    }
                    lat.push(t.elapsed());
                    i += 1;
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in clients {
        all.extend(c.await.expect("a load client failed"));
    }
    let calls = all.len();
    let (p50, p99) = percentiles(&mut all);
    println!(
        "200 clients x {load_secs} s during a deploy: {calls} calls ({:.0}/s), 0 errors, 0 mixed-up answers; p50 {p50:.2} ms, p99 {p99:.2} ms",
        calls as f64 / load_secs
    );
    // The connection opened before the load sat idle through it: the daemon may have
    // closed it to make room (idle connections go first when it is full).
    let mut c = Conn::open(&socket).await;
    loop {
        let page = c
            .call(
                "execution.events",
                &json!({ "id": run_id, "cursor": 0, "wait_ms": 0 }),
            )
            .await;
        if page["finished"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let got = c.call("execution.get", &json!({ "id": run_id })).await;
    println!(
        "deploy of the demo stack: {} in {:.1} s",
        got["report"]["status"],
        got["report"]["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0
    );

    // 2. RSS with the 8 demo services: right after the load, and once the daemon has
    // handed freed memory back (it trims every 5 s).
    println!(
        "daemon RSS, 8 services supervised, right after the load: {:.1} MiB",
        rss_kib(b.pid()) as f64 / 1024.0
    );
    tokio::time::sleep(Duration::from_secs(6)).await;
    println!(
        "daemon RSS, 8 services supervised, 6 s after the load: {:.1} MiB",
        rss_kib(b.pid()) as f64 / 1024.0
    );

    // 3. Round trips. The one client runs on a single-threaded runtime of its own, as a
    // CLI process or a script would: on the shared two-thread runtime every call would also
    // pay the client's own hand-offs between its threads (a wake-up of a parked thread
    // costs tens of microseconds here), which is not the daemon's time.
    let one = socket.clone();
    let (kept, fresh) = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("client runtime");
        rt.block_on(async move {
            let status = json!({});
            let mut c = Conn::open(&one).await;
            for _ in 0..200 {
                c.check("service.status", &status).await;
            }
            let mut kept = Vec::new();
            for _ in 0..3000 {
                let t = Instant::now();
                c.check("service.status", &status).await;
                kept.push(t.elapsed());
            }
            let mut fresh = Vec::new();
            for _ in 0..1000 {
                let t = Instant::now();
                let mut c = Conn::open(&one).await;
                c.check("service.status", &status).await;
                fresh.push(t.elapsed());
            }
            (kept, fresh)
        })
    })
    .join()
    .expect("the one-client thread");
    let (mut kept, mut fresh) = (kept, fresh);
    let (p50, p99) = percentiles(&mut kept);
    println!("service.status, 1 client, kept-alive: p50 {p50:.3} ms, p99 {p99:.3} ms");
    let (p50, p99) = percentiles(&mut fresh);
    println!("service.status, 1 client, new connection per call: p50 {p50:.3} ms, p99 {p99:.3} ms");
    let clients: Vec<_> = (0..100)
        .map(|_| {
            let socket = socket.clone();
            tokio::spawn(async move {
                let mut conn = Conn::open(&socket).await;
                for _ in 0..20 {
                    conn.check("service.status", &json!({})).await;
                }
                let mut lat = Vec::new();
                for _ in 0..200 {
                    let t = Instant::now();
                    conn.check("service.status", &json!({})).await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat = Vec::new();
    for c in clients {
        lat.extend(c.await.expect("client"));
    }
    let (p50, p99) = percentiles(&mut lat);
    println!("service.status, 100 concurrent clients: p50 {p50:.3} ms, p99 {p99:.3} ms");

    // 4. `hero_svc status` as a process.
    let cli = || {
        let mut cmd = b.daemon.cli();
        cmd.arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd
    };
    for _ in 0..5 {
        run(&mut cli());
    }
    let mut lat = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        run(&mut cli());
        lat.push(t.elapsed());
    }
    let mean = lat.iter().map(Duration::as_secs_f64).sum::<f64>() / lat.len() as f64 * 1000.0;
    let (p50, p99) = percentiles(&mut lat);
    println!(
        "`hero_svc status` process, 50 runs: mean {mean:.2} ms, p50 {p50:.2} ms, max {p99:.2} ms"
    );

    // 5. A daemon supervising 30 processes.
    let demo_bin = b.daemon.root().join("bin/demo_db");
    let child_root = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .env(CHILD_ENV, &demo_bin)
        .envs(b.daemon.env().iter().map(|(k, v)| (k, v)))
        .env("HERO_ROOT", child_root.path())
        .env("PATH_SOCKET", child_root.path().join("var/sockets"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the 30-process daemon");
    let child_socket = child_root.path().join("var/sockets/hero_svc/rpc.sock");
    wait_for(|| child_socket.exists(), "the 30-process daemon");
    let mut conn = Conn::open(&child_socket).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let h = conn.call("rpc.health", &json!({})).await;
        let ready = std::fs::read_dir(child_root.path().join("var/sockets/bench"))
            .map(|d| d.count())
            .unwrap_or(0);
        if ready >= 30 && h["status"] == "ok" {
            break;
        }
        assert!(Instant::now() < deadline, "30 processes did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for _ in 0..1000 {
        conn.call("rpc.health", &json!({})).await;
    }
    println!(
        "daemon RSS, 30 processes supervised: {:.1} MiB",
        rss_kib(child.id()) as f64 / 1024.0
    );
    // SAFETY: kill on a pid we own; the child stops its processes on SIGTERM.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();
}

/// The child of step 5: the real daemon (`Daemon::open` + `rpc::serve`) with 30 processes of
/// the demo binary registered and started through its supervisor.
fn serve_thirty() {
    use hero_svc::daemon::{Daemon, DaemonOptions};
    use hero_svc::paths::HeroPaths;
    use hero_svc::supervisor::{ProcessSpec, Supervisor};

    let bin = PathBuf::from(std::env::var_os(CHILD_ENV).expect("binary"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let paths = HeroPaths::from_env().expect("paths");
        let mut options = DaemonOptions::new(paths.clone());
        options.default_catalog = "demo".into();
        let daemon = Daemon::open(options).await.expect("daemon");
        let socket = paths.daemon_socket();
        let listener = hero_svc::rpc::connections::bind_private_socket(&socket).expect("socket");
        let sockets = paths.root.join("var/sockets/bench");
        std::fs::create_dir_all(&sockets).expect("mkdir");
        let sup = daemon.supervisor();
        let mut names = Vec::new();
        for i in 0..30 {
            let name = format!("bench_{i:02}");
            let spec = ProcessSpec::new(&name, &bin)
                .args([
                    "--socket".to_string(),
                    sockets.join(format!("{name}.sock")).display().to_string(),
                ])
                .env("HERO_ROOT", paths.root.display().to_string());
            sup.register(spec).await.expect("register");
            sup.start(&name).await.expect("start");
            names.push(name);
        }
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal");
        let shutdown = async move {
            term.recv().await;
        };
        let limits = hero_svc::rpc::ConnectionLimits::default();
        let _ = hero_svc::rpc::serve(listener, daemon.clone(), limits, shutdown).await;
        for name in names {
            let _ = sup.stop(&name).await;
        }
    });
}
