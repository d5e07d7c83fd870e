//! The admin dashboard end to end: a real daemon on the demo catalog, and a real Chromium
//! (headless) driven over WebDriver by a chromedriver this test starts on a free loopback
//! port. The stack page shows every service healthy; *restart* on one, confirmed, opens
//! its run, whose DAG turns from running to succeeded without a reload; a service's page
//! shows a line the service printed after the page opened; the TCP port refuses requests
//! without the token; the admin socket announces protocol `ui`.
//!
//! With `HERO_SVC_SCREENSHOTS=<dir>`, one PNG of each page is saved there (how
//! `docs/dashboard/*.png` are made).
//!
//! - `freshness.rs`: the stack page's freshness column (a modified binary, a newer release,
//!   a forge that cannot be asked).
//! - `limits.rs`: the TCP port within the connection limits of the unix sockets.
//! - `prefix.rs`: the dashboard mounted under a path prefix by a proxy.

mod freshness;
mod limits;
mod prefix;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok, demo_env};
use crate::support::http;
use crate::support::wait::wait_until;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long the browser (or a page) may take to show what the test waits for.
const SEEN: Duration = Duration::from_secs(20);

/// A headless Chromium under a chromedriver of its own (its process group killed on drop).
struct Browser {
    driver: Child,
    client: Option<Client>,
}

impl Browser {
    async fn start() -> Self {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: the dashboard's browser tests need Debian's chromium and \
                 chromium-driver (apt-get install chromium chromium-driver; .ci/run installs them)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = {
            use std::os::unix::process::CommandExt;
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("could not start {CHROMEDRIVER}: {e}"))
        };
        let mut browser = Self {
            driver,
            client: None,
        };
        wait_until("chromedriver to listen", SEEN, || async {
            TcpStream::connect(("127.0.0.1", port)).ok().map(|_| ())
        })
        .await;
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_string(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1440,1000", "--hide-scrollbars", "--no-first-run",
                    "--disable-extensions", "--force-color-profile=srgb",
                ],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("chromedriver did not open a Chromium session: {e}"));
        browser.client = Some(client);
        browser
    }

    fn client(&self) -> &Client {
        self.client.as_ref().unwrap()
    }

    /// Runs `script` (a function body) in the page and returns its value.
    async fn js(&self, script: &str) -> Value {
        self.client()
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed ({e}): {script}"))
    }

    /// Waits until `script` returns something truthy; returns it.
    async fn until(&self, what: &str, script: &str) -> Value {
        wait_until(what, SEEN, || async {
            let v = self.client().execute(script, Vec::new()).await.ok()?;
            let truthy =
                !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!([]);
            truthy.then_some(v)
        })
        .await
    }

    /// A screenshot of the page, kept as `name` in `$HERO_SVC_SCREENSHOTS` when set.
    async fn screenshot(&self, name: &str) {
        let png = self.client().screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        if let Some(dir) = std::env::var_os("HERO_SVC_SCREENSHOTS").filter(|d| !d.is_empty()) {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), png).unwrap();
        }
    }

    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = client.close().await;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // SAFETY: kill on the process group of a child we started.
        unsafe {
            libc::kill(-(self.driver.id() as i32), libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

/// The dashboard's URL, as `hero_svc dashboard` prints it.
fn dashboard_url(daemon: &TestDaemon) -> String {
    let out = daemon.run_cli(&["dashboard"]);
    assert_ok(&out);
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.contains("/?token="),
        "{url}"
    );
    url
}

fn port_of(url: &str) -> u16 {
    url::Url::parse(url).unwrap().port().unwrap()
}

/// One request on the loopback port with extra header lines; the whole answer.
fn raw_exchange(port: u16, method: &str, path: &str, headers: &[&str], body: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    raw
}

/// The value of header `name` in the raw answer `raw`.
fn header_of<'r>(raw: &'r str, name: &str) -> Option<&'r str> {
    let head = raw.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// One request on the loopback port with extra header lines; the status and the body.
fn raw_request(port: u16, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
    let raw = raw_exchange(port, method, path, headers, body);
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// `s` as askama escapes it in a page.
fn escape_html(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The pid of the first process of `service`.
async fn pid_of(daemon: &TestDaemon, service: &str) -> u32 {
    daemon.state_of(service).await.1.expect("a pid")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_in_a_browser_follows_the_stack_a_run_and_a_log() {
    let repo = DemoRepo::create();
    // demo_cache takes its time to become healthy, so that its run is still going when
    // the run's page opens.
    repo.set_behaviour("demo_cache", "1.0.0", &["--ready-delay-ms", "2500"]);
    repo.commit("demo_cache is slow to become healthy");
    let daemon = TestDaemon::start_with(&repo, &["--http", "127.0.0.1:0"]);
    assert_ok(&daemon.run_cli(&["deploy", "--all", "--json"]));
    let url = dashboard_url(&daemon);
    let base = url.split("/?").next().unwrap().to_string();
    let browser = Browser::start().await;
    let client = browser.client();

    // The stack: the token is taken once (then a cookie), every service shows healthy.
    client.goto(&url).await.unwrap();
    let current = client.current_url().await.unwrap();
    assert_eq!(current.path(), "/");
    assert!(!current.as_str().contains("token"), "{current}");
    let rows = browser
        .until(
            "eight healthy services on the stack page",
            "const rows = [...document.querySelectorAll('tr[data-service]')];
             const healthy = rows.filter(r => r.querySelector('[data-field=health]').textContent.trim() === 'healthy');
             return rows.length === 8 && healthy.length === 8 ? rows.map(r => r.dataset.service) : null;",
        )
        .await;
    assert_eq!(rows.as_array().unwrap().len(), 8, "{rows}");
    browser.screenshot("stack.png").await;

    // Restart demo_cache from its row, confirmed: its run's page shows the health wait
    // running, then every task succeeded, as the events come.
    let old_pid = pid_of(&daemon, "demo_cache").await;
    client
        .find(Locator::Css(
            r#"tr[data-service="demo_cache"] a[data-action="restart"]"#,
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let question = client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(question, "Restart demo_cache?");
    client
        .find(Locator::Css("#confirm"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The confirmation posts and is redirected: wait for the browser to get there.
    wait_until("the run's page after the confirmation", SEEN, || async {
        let at = client.current_url().await.unwrap();
        at.path().starts_with("/executions/").then_some(())
    })
    .await;
    let running = browser
        .until(
            "a running task in the run's DAG",
            "return [...document.querySelectorAll('#dag g.task[data-status=running]')].map(g => g.dataset.key);",
        )
        .await;
    browser.js("window.notReloaded = true; return true;").await;
    let statuses = browser
        .until(
            "every task of the run succeeded",
            "const tasks = [...document.querySelectorAll('#dag g.task')];
             return tasks.length > 0 && tasks.every(g => ['succeeded', 'up_to_date'].includes(g.dataset.status))
               ? Object.fromEntries(tasks.map(g => [g.dataset.key, g.dataset.status])) : null;",
        )
        .await;
    for key in running.as_array().unwrap() {
        assert_eq!(statuses[key.as_str().unwrap()], "succeeded", "{statuses:#}");
    }
    assert_eq!(
        browser.js("return window.notReloaded === true;").await,
        json!(true)
    );
    // The run over, its timeline came in, still without a reload.
    browser
        .until(
            "the run's Gantt chart",
            "return document.querySelector('#report svg.hero-run') !== null && document.getElementById('run-status').textContent.trim() === 'succeeded';",
        )
        .await;
    assert_eq!(
        browser.js("return window.notReloaded === true;").await,
        json!(true)
    );
    browser.screenshot("run.png").await;

    // A service's page follows its log: a restart makes it print its new pid.
    client
        .goto(&format!("{base}/services/demo_cache"))
        .await
        .unwrap();
    browser
        .until(
            "the log stream to open",
            "return document.getElementById('live').textContent.trim() === 'live';",
        )
        .await;
    assert_ok(&daemon.run_cli(&["restart", "demo_cache"]));
    let new_pid = pid_of(&daemon, "demo_cache").await;
    assert_ne!(new_pid, old_pid);
    let line = browser
        .until(
            "the restarted service's line on its page",
            &format!(
                "const l = [...document.querySelectorAll('#log .line.new')].map(d => d.textContent).find(t => t.includes('pid={new_pid}'));
                 return l || null;"
            ),
        )
        .await;
    assert!(line.as_str().unwrap().contains("listening on"), "{line}");
    browser.screenshot("service.png").await;

    // The executions: the deploy and both restarts, newest first.
    client.goto(&format!("{base}/executions")).await.unwrap();
    let operations = browser
        .js("return [...document.querySelectorAll('tr[data-execution] td:nth-child(2)')].map(td => td.textContent);")
        .await;
    let operations: Vec<&str> = operations
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        operations[..3],
        ["restart", "restart", "deploy"],
        "{operations:?}"
    );
    browser.screenshot("executions.png").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tcp_port_needs_the_token_and_the_admin_socket_is_a_hero_ui() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);

    // The admin socket: the Hero standard endpoints, protocol `ui`.
    let admin = daemon.socket().with_file_name("admin.sock");
    let (status, body) = http::get(&admin, "/.well-known/heroservice.json").await;
    assert_eq!(status, 200, "{body}");
    let manifest: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(manifest["protocol"], "ui", "{manifest:#}");
    assert_eq!(manifest["name"], "hero_svc");
    let (status, body) = http::get(&admin, "/health").await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http::get(&admin, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("demo_router"), "{body}");

    // `dashboard` opens the TCP port (the daemon listened on none) and says the same URL
    // when asked again; the token file is the owner's alone.
    let url = dashboard_url(&daemon);
    assert_eq!(dashboard_url(&daemon), url);
    let token_file = daemon.root().join("var/hero_svc/dashboard.json");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let port = port_of(&url);
    let token = url.split("token=").nth(1).unwrap().to_string();

    // Without the token: refused, saying how to get it; with a wrong one too.
    let (status, body) = http::get_tcp(port, "/").await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("hero_svc dashboard"), "{body}");
    for path in [
        "/stack.json",
        "/health",
        "/executions",
        "/static/dashboard.js",
    ] {
        assert_eq!(http::get_tcp(port, path).await.0, 401, "{path}");
    }
    let (status, body) = http::get_tcp(port, "/?token=0123").await;
    assert_eq!(status, 403, "{body}");
    // With it in the URL: a cookie, and the same page without the token (a relative
    // redirect: the dashboard may be mounted under a prefix).
    let raw = raw_exchange(
        port,
        "GET",
        &format!("/executions?token={token}&a=1"),
        &[],
        "",
    );
    assert!(raw.starts_with("HTTP/1.1 303"), "{raw}");
    assert_eq!(
        header_of(&raw, "location"),
        Some("./executions?a=1"),
        "{raw}"
    );
    let raw = raw_exchange(
        port,
        "GET",
        &format!("/services/demo_db?token={token}"),
        &[],
        "",
    );
    assert_eq!(
        header_of(&raw, "location"),
        Some("../services/demo_db"),
        "{raw}"
    );
    let raw = raw_exchange(
        port,
        "GET",
        &format!("//evil.example/?token={token}"),
        &[],
        "",
    );
    let location = header_of(&raw, "location").unwrap_or_default();
    assert!(location.starts_with("../"), "{raw}");
    let cookie = format!("Cookie: hero_svc_dashboard_{port}={token}");
    let (status, body) = raw_request(port, "GET", "/stack.json", &[&cookie], "");
    assert_eq!(status, 200, "{body}");
    let stack: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stack["services"].as_array().unwrap().len(), 8, "{stack:#}");
    let bearer = format!("Authorization: Bearer {token}");
    assert_eq!(raw_request(port, "GET", "/", &[&bearer], "").0, 200);
    // A page of another site pointed at 127.0.0.1 is refused, token or not.
    let evil = format!("Host: evil.example:{port}");
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET / HTTP/1.1\r\n{evil}\r\n{bearer}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 403"), "{raw}");

    // An action without the form token, or from another origin, does nothing.
    let form = "operation=stop&service=demo_db";
    let typed = "Content-Type: application/x-www-form-urlencoded";
    let (status, body) = raw_request(port, "POST", "/actions", &[&bearer, typed], form);
    assert_eq!(status, 403, "{body}");
    let (status, _) = raw_request(
        port,
        "POST",
        "/actions",
        &[&bearer, typed, "Origin: http://evil.example"],
        "operation=stop&service=demo_db&csrf=x",
    );
    assert_eq!(status, 403);
    let (status, _) = raw_request(port, "POST", "/listen", &[&bearer], "");
    assert_eq!(status, 404, "the TCP port cannot open ports");

    // A failed run's page: its DAG with the failed task, its error chain.
    let out = daemon.run_cli(&["start", "demo_db", "--no-deps", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed = report["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["status"] == "failed")
        .unwrap_or_else(|| panic!("no failed task: {report:#}"))
        .clone();
    let page = format!("/executions/{}", report["run_id"].as_str().unwrap());
    let (status, body) = raw_request(port, "GET", &page, &[&bearer], "");
    assert_eq!(status, 200, "{body}");
    let key = failed["key"].as_str().unwrap();
    assert!(
        body.contains(&format!(r#"data-status="failed" data-key="{key}""#)),
        "{body}"
    );
    assert!(body.contains(r#"<article class="failure""#), "{body}");
    let first_error = failed["error"][0].as_str().unwrap();
    assert!(
        body.contains(&escape_html(first_error)),
        "{first_error}\n{body}"
    );
    assert!(body.contains("hero-run"), "the Gantt chart: {body}");

    // A non-loopback address is refused before anything starts.
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hero_svc"))
        .args(["serve", "--http", "0.0.0.0:0"])
        .envs(demo_env(root.path(), repo.path()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only served on a loopback address"), "{err}");
}
