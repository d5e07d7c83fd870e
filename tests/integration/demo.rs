//! `hero_demo`, the Hero-shaped fixture service: the real binary on real unix sockets.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::demo::{Demo, demo_bin};
use crate::support::http::{get, get_tcp, post_json, post_raw};

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

async fn rpc(demo: &Demo, method: &str, params: Value) -> Value {
    let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    let (status, body) = post_json(&demo.socket, "/rpc", &request).await;
    assert_eq!(status, 200, "{body}");
    parse(&body)
}

#[tokio::test]
async fn health_is_starting_until_the_ready_delay_passed() {
    let mut demo = Demo::start("hero_slow", &["--ready-delay-ms", "1500"]);
    let line = demo.stdout_line("listening on").await;
    assert!(line.starts_with("hero_demo hero_slow "), "{line}");
    assert!(line.ends_with(&format!("pid={}", demo.pid())), "{line}");
    let (status, body) = demo.wait_answering().await;
    assert_eq!((status, body), (503, json!({ "status": "starting" })));

    let health = demo.wait_healthy().await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["name"], "hero_slow");
    assert_eq!(health["pid"], demo.pid());
    assert!(health["uptime_ms"].as_u64().unwrap() >= 1500, "{health}");
}

#[tokio::test]
async fn ready_delay_defaults_to_the_env_var() {
    let demo = Demo::start_with("hero_env_slow", &[], |cmd| {
        cmd.env("HERO_DEMO_READY_DELAY_MS", "1500");
    });
    assert_eq!(demo.wait_answering().await.0, 503);
    let health = demo.wait_healthy().await;
    assert!(health["uptime_ms"].as_u64().unwrap() >= 1500, "{health}");
}

#[tokio::test]
async fn unhealthy_always_answers_503() {
    let demo = Demo::start("hero_sick", &["--unhealthy"]);
    let (status, body) = demo.wait_answering().await;
    assert_eq!(status, 503);
    assert_eq!(body["status"], "unhealthy");
}

#[tokio::test]
async fn describes_itself_with_name_and_version() {
    let demo = Demo::start("hero_x", &["--version", "1.2.3"]);
    let health = demo.wait_healthy().await;
    assert_eq!(health["version"], "1.2.3");

    let (status, body) = get(&demo.socket, "/.well-known/heroservice.json").await;
    assert_eq!(status, 200);
    let manifest = parse(&body);
    assert_eq!(manifest["protocol"], "openrpc");
    assert_eq!(manifest["name"], "hero_x");
    assert_eq!(manifest["version"], "1.2.3");
    assert_eq!(manifest["socket"], "rpc");
    assert!(manifest["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        manifest["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );

    let (status, body) = get(&demo.socket, "/openrpc.json").await;
    assert_eq!(status, 200);
    let doc = parse(&body);
    assert_eq!(doc["openrpc"], "1.2.6");
    assert_eq!(doc["info"]["version"], "1.2.3");
    let names: Vec<&str> = doc["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "rpc.discover",
            "rpc.health",
            "demo.echo",
            "demo.env",
            "demo.info"
        ]
    );
    assert_eq!(rpc(&demo, "rpc.discover", json!([])).await["result"], doc);

    let (status, _) = get(&demo.socket, "/nope").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn rpc_methods_answer() {
    let demo = Demo::start_with("hero_rpc", &["--version", "2.0.0"], |cmd| {
        cmd.env("DEMO_MARKER", "a b=c");
    });
    demo.wait_healthy().await;

    let echo = rpc(&demo, "demo.echo", json!({ "x": [1, "two", null] })).await;
    assert_eq!(
        echo,
        json!({ "jsonrpc": "2.0", "id": 1, "result": { "x": [1, "two", null] } })
    );

    let health = rpc(&demo, "rpc.health", json!([])).await;
    assert_eq!(health["result"]["status"], "ok");
    assert_eq!(health["result"]["version"], "2.0.0");

    let info = rpc(&demo, "demo.info", json!({})).await["result"].clone();
    assert_eq!(info["name"], "hero_rpc");
    assert_eq!(info["version"], "2.0.0");
    assert_eq!(info["pid"], demo.pid());
    assert_eq!(info["ppid"], std::process::id());
    assert_eq!(
        info["args"],
        json!([demo_bin(), "--name", "hero_rpc", "--version", "2.0.0"])
    );

    let env = rpc(&demo, "demo.env", json!([])).await["result"].clone();
    assert_eq!(env["DEMO_MARKER"], "a b=c");
    assert_eq!(env["HERO_ROOT"], demo.root.to_str().unwrap());
}

#[tokio::test]
async fn demo_env_is_exactly_the_environment_given() {
    let root = tempfile::tempdir().unwrap();
    let sockets = root.path().join("var/sockets");
    let demo = Demo::start_in(root.path(), "hero_bare", &[], |cmd| {
        cmd.env_clear()
            .env("PATH_SOCKET", &sockets)
            .env("ONLY_THIS", "1");
    });
    demo.wait_healthy().await;
    let env: BTreeMap<String, String> =
        serde_json::from_value(rpc(&demo, "demo.env", json!([])).await["result"].clone()).unwrap();
    let expected = BTreeMap::from([
        ("ONLY_THIS".to_owned(), "1".to_owned()),
        (
            "PATH_SOCKET".to_owned(),
            sockets.to_str().unwrap().to_owned(),
        ),
    ]);
    assert_eq!(env, expected);
}

#[tokio::test]
async fn rpc_errors_follow_json_rpc() {
    let demo = Demo::start("hero_err", &[]);
    demo.wait_healthy().await;
    let code = |body: String| parse(&body)["error"]["code"].as_i64().unwrap();

    let (status, body) = post_raw(&demo.socket, "/rpc", b"{not json").await;
    assert_eq!(status, 200);
    assert_eq!(code(body), -32700);

    let (_, body) = post_json(
        &demo.socket,
        "/rpc",
        &json!({ "id": 1, "method": "demo.echo" }),
    )
    .await;
    assert_eq!(code(body), -32600);

    let (_, body) = post_json(&demo.socket, "/rpc", &json!([])).await;
    assert_eq!(code(body), -32600);

    let reply = rpc(&demo, "no.such", json!([])).await;
    assert_eq!(reply["id"], 1);
    assert_eq!(reply["error"]["code"], -32601);
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no.such")
    );

    let (status, _) = get(&demo.socket, "/rpc").await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn sigterm_exits_zero_and_removes_the_socket() {
    let mut demo = Demo::start("hero_term", &["--admin-socket"]);
    demo.wait_healthy().await;
    let admin = demo.socket.with_file_name("admin.sock");
    let (status, page) = get(&admin, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("hero_term"), "{page}");

    demo.signal(libc::SIGTERM);
    let status = demo.wait_exit().await;
    assert_eq!(status.code(), Some(0));
    assert!(!demo.socket.exists(), "rpc socket left behind");
    assert!(!admin.exists(), "admin socket left behind");
}

#[tokio::test]
async fn ignore_sigterm_survives_sigterm() {
    let mut demo = Demo::start("hero_stubborn", &["--ignore-sigterm"]);
    demo.wait_healthy().await;
    demo.signal(libc::SIGTERM);
    demo.stderr_line("received SIGTERM; ignoring it").await;
    assert!(
        demo.child.try_wait().unwrap().is_none(),
        "exited on SIGTERM"
    );
    assert_eq!(get(&demo.socket, "/health").await.0, 200);

    demo.signal(libc::SIGINT);
    assert_eq!(demo.wait_exit().await.code(), Some(0));
}

#[tokio::test]
async fn crash_exits_with_code_3_leaving_a_stale_socket_the_next_start_reclaims() {
    let root = tempfile::tempdir().unwrap();
    let mut crashing = Demo::start_in(
        root.path(),
        "hero_crash",
        &["--crash-after-ms", "100"],
        |_| {},
    );
    crashing.stdout_line("listening on").await;
    assert_eq!(crashing.wait_exit().await.code(), Some(3));
    assert!(crashing.socket.exists(), "a crash leaves its socket file");

    let mut next = Demo::start_in(root.path(), "hero_crash", &[], |_| {});
    next.wait_healthy().await;
    next.signal(libc::SIGTERM);
    assert_eq!(next.wait_exit().await.code(), Some(0));
}

#[tokio::test]
async fn exit_code_chooses_the_crash_code() {
    let mut demo = Demo::start(
        "hero_crash7",
        &["--crash-after-ms", "50", "--exit-code", "7"],
    );
    demo.stderr_line("crashing with exit code 7").await;
    assert_eq!(demo.wait_exit().await.code(), Some(7));
}

#[tokio::test]
async fn exit_after_ms_exits_zero_and_cleans_up() {
    let mut demo = Demo::start("hero_brief", &["--exit-after-ms", "200"]);
    assert_eq!(demo.wait_exit().await.code(), Some(0));
    assert!(!demo.socket.exists());
}

#[tokio::test]
async fn refuses_a_socket_another_instance_serves() {
    let root = tempfile::tempdir().unwrap();
    let first = Demo::start_in(root.path(), "hero_twice", &[], |_| {});
    first.wait_healthy().await;
    let mut second = Demo::start_in(root.path(), "hero_twice", &[], |_| {});
    let line = second.stderr_line("already serving").await;
    assert!(line.contains(first.socket.to_str().unwrap()), "{line}");
    assert_eq!(second.wait_exit().await.code(), Some(1));
    assert_eq!(get(&first.socket, "/health").await.0, 200);
}

#[tokio::test]
async fn usage_errors_exit_2_naming_the_flag() {
    let mut demo = Demo::start("hero_usage", &["--frobnicate"]);
    demo.stderr_line("unknown flag `--frobnicate`").await;
    assert_eq!(demo.wait_exit().await.code(), Some(2));
}

#[tokio::test]
async fn bind_delay_postpones_the_socket() {
    let mut demo = Demo::start("hero_late", &["--bind-delay-ms", "300"]);
    demo.stdout_line("listening on").await;
    let health = demo.wait_healthy().await;
    assert!(health["uptime_ms"].as_u64().unwrap() >= 300, "{health}");
}

#[tokio::test]
async fn tcp_port_serves_the_same_endpoints() {
    let mut demo = Demo::start("hero_tcp", &["--tcp-port", "0"]);
    let line = demo.stdout_line("tcp listening on 127.0.0.1:").await;
    let port: u16 = line.rsplit(':').next().unwrap().parse().unwrap();
    demo.wait_healthy().await;
    let (status, body) = get_tcp(port, "/.well-known/heroservice.json").await;
    assert_eq!(status, 200);
    assert_eq!(parse(&body)["name"], "hero_tcp");
}

#[tokio::test]
async fn prints_lines_ticks_and_a_grandchild() {
    let mut demo = Demo::start(
        "hero_noisy",
        &[
            "--print-lines",
            "3",
            "--log-every-ms",
            "20",
            "--spawn-grandchild",
        ],
    );
    demo.stdout_line("stdout line 3/3").await;
    demo.stderr_line("stderr line 3/3").await;
    let line = demo.stdout_line("grandchild pid=").await;
    let grandchild = Grandchild(line.trim_start_matches("grandchild pid=").parse().unwrap());
    demo.stdout_line("listening on").await;
    demo.stdout_line("stdout tick=3").await;
    demo.stderr_line("stderr tick=2").await;

    let stat = std::fs::read_to_string(format!("/proc/{}/stat", grandchild.0)).unwrap();
    let ppid: i32 = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ppid, demo.pid(), "the sleep is hero_demo's child");
}

/// Kills the `sleep` grandchild when the test ends, however it ends.
struct Grandchild(i32);

impl Drop for Grandchild {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the grandchild the test identified by its printed pid.
        unsafe { libc::kill(self.0, libc::SIGKILL) };
    }
}
