//! The admin dashboard under measurement (a plain binary: `cargo bench --bench dashboard`):
//!
//! 1. the stack page served (time to the last byte, a kept-alive connection) for the demo
//!    stack (8 services, deployed, a real `hero_svc serve`), on the loopback port with its
//!    token and on the admin socket; the other pages once warm;
//! 2. event to DOM: a real headless Chromium (chromedriver) on a run's page while the
//!    whole stack restarts: for each task status change the page shows, the time from the
//!    event (its run's start + its `elapsed_us`) to the DOM change (a MutationObserver);
//!    skipped, saying so, when Chromium is not installed;
//! 3. a daemon supervising 30 running services (this binary re-run as a daemon: the real
//!    `Daemon`, the RPC server, and the dashboard beside it or not) — its idle CPU over
//!    10 s and its RSS, with and without the dashboard, and with the dashboard after its
//!    pages were served; and the stack page of those 30 services.
//!
//! Results and method are in `docs/benchmarks.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

#[path = "../tests/integration/support/mod.rs"]
mod support;
use support::daemon::{DemoRepo, TestDaemon};

const CHILD_ENV: &str = "HERO_SVC_BENCH_DASHBOARD_CHILD";
const CHILD_BIN_ENV: &str = "HERO_SVC_BENCH_DASHBOARD_BIN";
const SERVICES: usize = 30;

fn main() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        child_daemon(mode == "with");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(bench());
}

/// p50, p99 and max of `samples` (ms), sorted in place.
fn stats(samples: &mut [f64]) -> String {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        at(0.5),
        at(0.99),
        samples[samples.len() - 1],
        samples.len()
    )
}

/// An HTTP/1.1 connection kept alive (TCP or unix), for timing GETs.
struct Conn {
    sender: hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
    host: String,
    auth: Option<String>,
}

impl Conn {
    async fn tcp(port: u16, token: &str) -> Self {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Self::over(stream, format!("127.0.0.1:{port}"), Some(token)).await
    }

    async fn unix(socket: &Path) -> Self {
        let stream = tokio::net::UnixStream::connect(socket)
            .await
            .expect("connect");
        Self::over(stream, "hero_svc".to_string(), None).await
    }

    async fn over<S>(stream: S, host: String, token: Option<&str>) -> Self
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
    {
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Self {
            sender,
            host,
            auth: token.map(|t| format!("Bearer {t}")),
        }
    }

    /// `GET path`: the status, the body's length and the time to its last byte.
    async fn get(&mut self, path: &str) -> (u16, usize, f64) {
        let mut req = hyper::Request::get(path).header("host", &self.host);
        if let Some(auth) = &self.auth {
            req = req.header("authorization", auth);
        }
        let req = req.body(Empty::new()).expect("request");
        self.sender.ready().await.expect("the connection is ready");
        let started = Instant::now();
        let resp = self.sender.send_request(req).await.expect("send");
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        (status, body.len(), started.elapsed().as_secs_f64() * 1000.0)
    }

    /// `n` timed GETs of `path` after `warm` untimed ones.
    async fn time(&mut self, path: &str, warm: usize, n: usize) -> (Vec<f64>, usize) {
        let mut size = 0;
        for _ in 0..warm {
            let (status, _, _) = self.get(path).await;
            assert_eq!(status, 200, "GET {path}");
        }
        let mut samples = Vec::with_capacity(n);
        for _ in 0..n {
            let (status, len, ms) = self.get(path).await;
            assert_eq!(status, 200, "GET {path}");
            size = len;
            samples.push(ms);
        }
        (samples, size)
    }
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

/// User + system CPU time of `pid`, in ms.
fn cpu_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    // utime and stime are fields 14 and 15 of stat; `rest` starts at field 3.
    (ticks(11) + ticks(12)) * 1000.0 / hz
}

/// The CPU `pid` uses over `secs` seconds of idling, in ms.
async fn idle_cpu(pid: u32, secs: u64) -> f64 {
    let before = cpu_ms(pid);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    cpu_ms(pid) - before
}

async fn bench() {
    // 1. The demo stack.
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start_with_env(&repo, &[("RUST_LOG", "warn")]);
    let out = daemon.run_cli(&["deploy", "--all", "--json"]);
    assert!(out.status.success(), "deploy failed: {out:?}");
    let deploy: Value = serde_json::from_slice(&out.stdout).expect("report");
    let out = daemon.run_cli(&["dashboard"]);
    assert!(out.status.success(), "dashboard failed: {out:?}");
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let port = url::Url::parse(&url).expect("url").port().expect("port");
    let token = url.split("token=").nth(1).expect("token").to_string();
    let admin = daemon.socket().with_file_name("admin.sock");

    println!("== the demo stack (8 services, deployed)");
    let mut tcp = Conn::tcp(port, &token).await;
    let (mut samples, size) = tcp.time("/", 30, 300).await;
    println!(
        "stack page, loopback TCP: {} — {size} bytes",
        stats(&mut samples)
    );
    let mut unix = Conn::unix(&admin).await;
    let (mut samples, _) = unix.time("/", 30, 300).await;
    println!("stack page, admin.sock:   {}", stats(&mut samples));
    let (mut samples, size) = tcp.time("/stack.json", 10, 300).await;
    println!(
        "stack.json:               {} — {size} bytes",
        stats(&mut samples)
    );
    let run = format!("/executions/{}", deploy["run_id"].as_str().expect("run id"));
    let (mut samples, size) = tcp.time(&run, 5, 50).await;
    println!(
        "run page (the deploy):    {} — {size} bytes",
        stats(&mut samples)
    );
    let (mut samples, size) = tcp.time("/services/demo_db", 5, 50).await;
    println!(
        "service page:             {} — {size} bytes (probes health now)",
        stats(&mut samples)
    );
    let (mut samples, size) = tcp.time("/executions", 5, 100).await;
    println!(
        "executions page:          {} — {size} bytes",
        stats(&mut samples)
    );
    println!(
        "daemon RSS after serving the pages: {} KiB",
        rss_kib(daemon.pid().expect("pid"))
    );

    // 2. Event to DOM.
    if Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists() {
        event_to_dom(&daemon, &url).await;
    } else {
        println!("event to DOM: skipped (no /usr/bin/chromium or /usr/bin/chromedriver)");
    }

    // 3. 30 services, without and with the dashboard.
    let demo_bin = daemon.root().join("bin/demo_db");
    for with in [false, true] {
        thirty(&demo_bin, daemon.env(), with).await;
    }
}

/// Restarts the whole demo stack with the run's page open in Chromium, and measures, for
/// every status change the page shows, the time from the event to the DOM change.
async fn event_to_dom(daemon: &TestDaemon, url: &str) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut driver = {
        use std::os::unix::process::CommandExt;
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver")
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]}),
    );
    let client =
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
    client.goto(url).await.expect("the stack page");
    let base = url.split("/?").next().expect("base");
    let mut samples = Vec::new();
    for _ in 0..3 {
        let started = daemon
            .client()
            .call("service.restart", json!({"all": true, "wait": false}))
            .await
            .expect("restart");
        let id = started["execution_id"].as_str().expect("id").to_string();
        client
            .goto(&format!("{base}/executions/{id}"))
            .await
            .expect("the run page");
        client
            .execute(
                "window.seen = [];
                 new MutationObserver(ms => { const t = Date.now(); for (const m of ms)
                   window.seen.push([m.target.dataset.key, m.target.dataset.status, t]); })
                 .observe(document.getElementById('dag'), {subtree: true, attributes: true, attributeFilter: ['data-status']});
                 return true;",
                Vec::new(),
            )
            .await
            .expect("observer");
        // Until the run is over and the page has heard of it.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let done = client
                .execute(
                    "return document.body.getAttribute('data-finished') === 'true';",
                    Vec::new(),
                )
                .await
                .expect("finished?");
            if done == json!(true) {
                break;
            }
            assert!(Instant::now() < deadline, "the run page never saw the end");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let seen = client
            .execute("return window.seen;", Vec::new())
            .await
            .expect("seen");
        let page = daemon
            .client()
            .call("execution.events", json!({"id": id, "cursor": 0}))
            .await
            .expect("events");
        let events = page["events"].as_array().cloned().unwrap_or_default();
        let start_ms = events
            .iter()
            .find(|e| e["event"] == "run_started")
            .and_then(|e| e["started_at"].as_str())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.timestamp_micros() as f64 / 1000.0)
            .expect("run_started");
        let mut at = std::collections::HashMap::new();
        for e in &events {
            let status = match e["event"].as_str() {
                Some("task_started") => "running".to_string(),
                Some("task_finished" | "task_skipped") => {
                    e["status"].as_str().unwrap_or("").to_string()
                }
                _ => continue,
            };
            let key = e["task"].as_str().unwrap_or("").to_string();
            let t = start_ms + e["elapsed_us"].as_f64().unwrap_or(0.0) / 1000.0;
            at.insert((key, status), t);
        }
        for s in seen.as_array().into_iter().flatten() {
            let key = s[0].as_str().unwrap_or("").to_string();
            let status = s[1].as_str().unwrap_or("").to_string();
            if let (Some(t_event), Some(t_dom)) = (at.get(&(key, status)), s[2].as_f64()) {
                samples.push(t_dom - t_event);
            }
        }
    }
    let _ = client.close().await;
    // SAFETY: kill on the process group of a child we started.
    unsafe { libc::kill(-(driver.id() as i32), libc::SIGKILL) };
    let _ = driver.wait();
    if samples.is_empty() {
        println!("event to DOM: no status change was seen after the page opened");
    } else {
        println!(
            "event to DOM (3 restarts of the stack): {}",
            stats(&mut samples)
        );
    }
}

/// A daemon supervising 30 running services (`bench_00` … `bench_29`), with the dashboard
/// beside its RPC socket or not: idle CPU and RSS; with it, the stack page and the same
/// after the pages were served.
async fn thirty(demo_bin: &Path, env: &[(String, String)], with: bool) {
    let root = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .env(CHILD_ENV, if with { "with" } else { "without" })
        .env(CHILD_BIN_ENV, demo_bin)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("HERO_ROOT", root.path())
        .env("PATH_SOCKET", root.path().join("var/sockets"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the 30-service daemon");
    let socket = root.path().join("var/sockets/hero_svc/rpc.sock");
    let client = hero_svc::rpc::RpcClient::new(&socket);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(v) = client.call("service.status", json!({})).await {
            let healthy = v
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|s| s["health"]["state"] == "healthy")
                        .count()
                })
                .unwrap_or(0);
            if healthy == SERVICES {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "30 services never became healthy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = child.id();
    let label = if with {
        "with the dashboard"
    } else {
        "without the dashboard"
    };
    println!("== 30 services, {label}");
    tokio::time::sleep(Duration::from_secs(6)).await;
    println!("RSS idle: {} KiB", rss_kib(pid));
    println!("CPU over 10 s idle: {:.0} ms", idle_cpu(pid, 10).await);
    if with {
        let admin = socket.with_file_name("admin.sock");
        let endpoint = hero_svc::dashboard::ask_to_listen(&admin, "127.0.0.1:0")
            .await
            .expect("listen");
        let token = endpoint
            .url
            .split("token=")
            .nth(1)
            .expect("token")
            .to_string();
        let mut tcp = Conn::tcp(endpoint.addr.port(), &token).await;
        let (mut samples, size) = tcp.time("/", 30, 300).await;
        println!(
            "stack page (30 services), loopback TCP: {} — {size} bytes",
            stats(&mut samples)
        );
        let (mut samples, _) = tcp.time("/stack.json", 10, 300).await;
        println!("stack.json (30 services): {}", stats(&mut samples));
        let (mut samples, _) = tcp.time("/services/bench_07", 3, 30).await;
        println!("service page: {}", stats(&mut samples));
        drop(tcp);
        tokio::time::sleep(Duration::from_secs(6)).await;
        println!("RSS idle after serving the pages: {} KiB", rss_kib(pid));
        println!(
            "CPU over 10 s idle after serving the pages: {:.0} ms",
            idle_cpu(pid, 10).await
        );
    }
    // SAFETY: kill on a child we started.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    let _ = child.wait();
}

/// This binary as a daemon: the real `Daemon` and RPC server, 30 services of a catalog of
/// its own running the demo binary, and the dashboard on admin.sock when `with`.
fn child_daemon(with: bool) {
    use hero_svc::daemon::{Daemon, DaemonOptions};
    use hero_svc::paths::HeroPaths;
    use hero_svc::services::demo::DemoService;
    use hero_svc::services::{Catalog, Source};
    use hero_svc::supervisor::{ProcessSpec, Supervisor};

    let bin = PathBuf::from(std::env::var_os(CHILD_BIN_ENV).expect("binary"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        hero_svc::daemon::limit_arenas();
        let paths = HeroPaths::from_env().expect("paths");
        let source = Source::git("/nowhere", hero_svc::tasks::GitRef::Branch("main".into()));
        let mut catalog = Catalog::new("bench");
        let names: Vec<String> = (0..SERVICES).map(|i| format!("bench_{i:02}")).collect();
        for name in &names {
            catalog = catalog.service(DemoService::new(
                name,
                "a service of the bench",
                source.clone(),
            ));
        }
        let mut options = DaemonOptions::new(paths.clone());
        options.builtin_catalogs = false;
        options.catalogs = vec![catalog];
        options.default_catalog = "bench".into();
        let daemon = Daemon::open(options).await.expect("daemon");
        hero_svc::daemon::trim_periodically();
        let socket = paths.daemon_socket();
        let listener = hero_svc::rpc::connections::bind_private_socket(&socket).expect("socket");
        let sup = daemon.supervisor();
        for name in &names {
            let sock = paths.service_socket_dir(name).join("rpc.sock");
            let spec = ProcessSpec::new(name, &bin)
                .args(["--socket".to_string(), sock.display().to_string()])
                .env("HERO_ROOT", paths.root.display().to_string());
            sup.register(spec).await.expect("register");
            sup.start(name).await.expect("start");
        }
        let limits = hero_svc::rpc::ConnectionLimits::default();
        let dashboard = if with {
            let admin_socket = socket.with_file_name("admin.sock");
            let admin = hero_svc::rpc::connections::bind_private_socket(&admin_socket)
                .expect("admin socket");
            let dashboard = hero_svc::dashboard::Dashboard::new(daemon.clone()).expect("dashboard");
            tokio::spawn(hero_svc::dashboard::serve_admin(
                admin,
                dashboard.clone(),
                limits.clone(),
            ));
            Some(dashboard)
        } else {
            None
        };
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal");
        let shutdown = async move {
            term.recv().await;
        };
        let _ = hero_svc::rpc::serve(listener, daemon.clone(), limits, shutdown).await;
        if let Some(d) = dashboard {
            d.stopped(Duration::from_secs(2)).await;
        }
        for name in &names {
            let _ = sup.stop(name).await;
        }
    });
}
