//! The JSON-RPC API of the daemon, end to end: the OpenRPC document against the code, every
//! method called for real and checked against its result schema, the CLI and raw HTTP
//! agreeing, bad input refused without hurting anyone else, and many clients at once.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use hero_svc::rpc::methods::METHOD_NAMES;
use hero_svc::rpc::server::OPENRPC;
use hero_svc::rpc::{ClientError, RpcClient, codes};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::daemon::{DemoRepo, TestDaemon};
use crate::support::http::{get, post_json, post_raw};

/// The OpenRPC document.
fn openrpc() -> Value {
    serde_json::from_str(OPENRPC).unwrap()
}

/// The method `name` of the OpenRPC document.
fn method_doc(doc: &Value, name: &str) -> Value {
    doc["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("`{name}` is not in the OpenRPC document"))
        .clone()
}

/// Checks `result` against the result schema of `method`; `$ref`s resolve into the
/// document's components.
fn assert_result_fits(method: &str, result: &Value) {
    let doc = openrpc();
    let schema = json!({
        "components": doc["components"],
        "allOf": [method_doc(&doc, method)["result"]["schema"]],
    });
    let validator = jsonschema::draft7::new(&schema)
        .unwrap_or_else(|e| panic!("the result schema of `{method}` is invalid: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(result)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "`{method}` answered outside its schema:\n{}\nresult: {result:#}",
        errors.join("\n")
    );
}

/// Calls `method` and checks the result against its schema.
async fn call_checked(client: &RpcClient, method: &str, params: Value) -> Value {
    let result = client
        .call(method, params.clone())
        .await
        .unwrap_or_else(|e| panic!("{method} {params}: {e}"));
    assert_result_fits(method, &result);
    result
}

/// The JSON-RPC error code of a failed call.
async fn error_code(client: &RpcClient, method: &str, params: Value) -> i64 {
    match client.call(method, params).await {
        Err(ClientError::Rpc(e)) => e.code,
        other => panic!("{method}: expected a JSON-RPC error, got {other:?}"),
    }
}

/// Every error code of `hero_svc::rpc::codes`.
const ALL_CODES: &[i64] = &[
    codes::PARSE_ERROR,
    codes::INVALID_REQUEST,
    codes::METHOD_NOT_FOUND,
    codes::INVALID_PARAMS,
    codes::INTERNAL_ERROR,
    codes::UNKNOWN_SERVICE,
    codes::OPERATION_FAILED,
    codes::BUSY,
    codes::CANCELLED,
    codes::UNKNOWN_EXECUTION,
    codes::UNKNOWN_GROUP,
    codes::INVALID_PLAN,
    codes::SHUTTING_DOWN,
    codes::PERMISSION_DENIED,
    codes::OVERLOADED,
];

#[tokio::test]
async fn the_openrpc_document_method_names_and_dispatch_agree() {
    let doc = openrpc();
    assert!(doc["openrpc"].as_str().unwrap().starts_with("1.3."));
    let documented: BTreeSet<String> = doc["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect();
    let named: BTreeSet<String> = METHOD_NAMES.iter().map(|m| m.to_string()).collect();
    assert_eq!(documented, named, "OpenRPC methods vs METHOD_NAMES");

    // Every error a method lists is a component, and the components are exactly the codes.
    let errors = doc["components"]["errors"].as_object().unwrap();
    let documented_codes: BTreeSet<i64> = errors
        .values()
        .map(|e| e["code"].as_i64().unwrap())
        .collect();
    assert_eq!(documented_codes, ALL_CODES.iter().copied().collect());
    for m in doc["methods"].as_array().unwrap() {
        assert!(m["result"]["schema"].is_object(), "{}", m["name"]);
        for e in m["errors"].as_array().unwrap() {
            let r = e["$ref"].as_str().unwrap();
            let name = r.strip_prefix("#/components/errors/").unwrap();
            assert!(errors.contains_key(name), "{}: {r}", m["name"]);
        }
        // Every schema compiles (refs resolve).
        let schema = json!({ "components": doc["components"], "allOf": [m["result"]["schema"]] });
        jsonschema::draft7::new(&schema).unwrap();
    }

    // What dispatch answers: every listed method exists (a wrong param is not -32601),
    // and nothing else does.
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let client = daemon.client();
    for name in METHOD_NAMES {
        let probe = json!({ "no_such_param": 1 });
        match client.call(name, probe).await {
            Err(ClientError::Rpc(e)) => {
                assert_ne!(e.code, codes::METHOD_NOT_FOUND, "{name} is not dispatched")
            }
            Ok(_) => {}
            Err(e) => panic!("{name}: {e}"),
        }
    }
    assert_eq!(
        error_code(&client, "service.explode", json!({})).await,
        codes::METHOD_NOT_FOUND
    );
    let discovered = client.call("rpc.discover", json!({})).await.unwrap();
    assert_eq!(discovered, doc);
    let (status, body) = get(&daemon.socket(), "/openrpc.json").await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), doc);
}

/// Follows execution `id` with `execution.events` long polls until it ends; returns every
/// event.
async fn follow_events(client: &RpcClient, id: &str) -> Vec<Value> {
    let mut cursor = 0;
    let mut events = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "execution {id} did not end");
        let page = call_checked(
            client,
            "execution.events",
            json!({ "id": id, "cursor": cursor, "wait_ms": 5000 }),
        )
        .await;
        events.extend(page["events"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_u64().unwrap();
        if page["finished"] == true {
            return events;
        }
    }
}

#[tokio::test]
async fn every_method_answers_what_its_schema_says() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let c = daemon.client();
    let svc = json!({ "name": "demo_cache" });

    // Before anything runs.
    call_checked(&c, "rpc.health", json!({})).await;
    call_checked(&c, "rpc.discover", json!({})).await;
    call_checked(&c, "service.list", json!({})).await;
    call_checked(&c, "service.status", json!({})).await;
    call_checked(&c, "service.health", svc.clone()).await;
    call_checked(&c, "execution.list", json!({})).await;
    let plan = call_checked(
        &c,
        "service.plan",
        json!({ "operation": "deploy", "services": ["demo_books"], "format": "tree" }),
    )
    .await;
    assert!(plan["rendered"].as_str().unwrap().contains("demo_books"));
    call_checked(
        &c,
        "service.plan",
        json!({ "operation": "stop", "group": "base" }),
    )
    .await;

    // Deploy one leaf service and look at it every way.
    let report = call_checked(
        &c,
        "service.deploy",
        json!({ "name": "demo_cache", "no_deps": true }),
    )
    .await;
    assert_eq!(report["status"], "succeeded");
    let status = call_checked(&c, "service.status", svc.clone()).await;
    assert_eq!(status[0]["state"], "running");
    let list = call_checked(&c, "service.list", json!({})).await;
    assert_eq!(list.as_array().unwrap().len(), 8);
    let inspect = call_checked(&c, "service.inspect", svc.clone()).await;
    assert_eq!(inspect["installed"][0]["binary"], "demo_cache");
    let health = call_checked(&c, "service.health", svc.clone()).await;
    assert_eq!(health["healthy"], true);
    let logs = call_checked(
        &c,
        "service.logs",
        json!({ "name": "demo_cache", "lines": 5 }),
    )
    .await;
    assert!(!logs["processes"][0]["lines"].as_array().unwrap().is_empty());
    let trouble = call_checked(&c, "service.troubleshoot", svc.clone()).await;
    assert_eq!(trouble["recent_operations"][0]["operation"], "deploy");

    // Every other operation, waited for.
    for op in ["verify", "build", "install", "restart", "upgrade"] {
        // `mode` is an option of the operations that install; a restart refuses it.
        let params = if op == "restart" {
            json!({ "name": "demo_cache" })
        } else {
            json!({ "name": "demo_cache", "mode": "source" })
        };
        let report = call_checked(&c, &format!("service.{op}"), params).await;
        assert_eq!(report["status"], "succeeded", "{op}: {report:#}");
    }

    // Without waiting: follow the events, then read the run back.
    let started = call_checked(
        &c,
        "service.stop",
        json!({ "name": "demo_cache", "wait": false }),
    )
    .await;
    let id = started["execution_id"].as_str().unwrap().to_string();
    assert_eq!(started["services"], json!(["demo_cache"]));
    let events = follow_events(&c, &id).await;
    assert_eq!(events.first().unwrap()["event"], "run_started");
    assert_eq!(events.last().unwrap()["event"], "run_finished");
    let got = call_checked(&c, "execution.get", json!({ "id": id })).await;
    assert_eq!(got["report"]["status"], "succeeded");
    let cancel = call_checked(&c, "execution.cancel", json!({ "id": id })).await;
    assert_eq!(cancel["cancelled"], false);
    let runs = call_checked(&c, "execution.list", json!({ "limit": 3 })).await;
    assert_eq!(runs[0]["id"], id.as_str());
    let status = call_checked(&c, "service.status", svc.clone()).await;
    assert_eq!(status[0]["state"], "stopped");

    call_checked(
        &c,
        "service.start",
        json!({ "name": "demo_cache", "no_deps": true }),
    )
    .await;
    call_checked(&c, "service.delete", json!({ "name": "demo_cache" })).await;
    let status = call_checked(&c, "service.status", svc.clone()).await;
    assert_eq!(status[0]["state"], "not started");
    call_checked(&c, "service.troubleshoot", svc).await;

    // A failed operation carries its report in the error, and the report fits the schema.
    match c
        .call(
            "service.start",
            json!({ "name": "demo_db", "no_deps": true }),
        )
        .await
    {
        Err(ClientError::Rpc(e)) => {
            assert_eq!(e.code, codes::OPERATION_FAILED, "{e}");
            let report = e.data.unwrap();
            assert_eq!(report["status"], "failed");
            assert_result_fits("service.start", &report);
        }
        other => panic!("starting an uninstalled service: {other:?}"),
    }
    let trouble = call_checked(&c, "service.troubleshoot", json!({ "name": "demo_db" })).await;
    assert_eq!(trouble["last_failed_report"]["status"], "failed");
}

/// Drops the values that change from one call to the next (uptimes, probe latencies).
fn steady(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for key in ["uptime_ms", "latency_ms", "snippet", "age_ms"] {
                    map.remove(key);
                }
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// Runs the CLI with `--json` and parses what it printed.
fn cli_json(daemon: &TestDaemon, args: &[&str]) -> Value {
    let out = daemon.run_cli(&[&["--json"], args].concat());
    assert!(
        out.status.success(),
        "hero_svc {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// `method` over raw HTTP on the socket; the result.
async fn raw_call(socket: &Path, method: &str, params: Value) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 7, "method": method, "params": params });
    let (status, text) = post_json(socket, "/rpc", &body).await;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["id"], 7);
    assert!(answer.get("error").is_none(), "{method}: {answer}");
    assert_result_fits(method, &answer["result"]);
    answer["result"].clone()
}

#[tokio::test]
async fn the_cli_and_raw_http_give_the_same_answers() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let sock = daemon.socket();

    let deployed = cli_json(&daemon, &["deploy", "demo_db", "demo_cache"]);
    assert_eq!(deployed["status"], "succeeded");
    let raw = raw_call(&sock, "execution.get", json!({ "id": deployed["run_id"] })).await;
    assert_eq!(raw["report"], deployed);

    let names = json!(["demo_db", "demo_cache"]);
    let by_cli = cli_json(&daemon, &["status", "demo_db", "demo_cache"]);
    let by_http = raw_call(&sock, "service.status", json!({ "services": names })).await;
    assert_eq!(steady(by_cli), steady(by_http.clone()));
    assert!(
        by_http
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "running")
    );

    let by_cli = cli_json(&daemon, &["logs", "demo_db", "-n", "20"]);
    let by_http = raw_call(
        &sock,
        "service.logs",
        json!({ "name": "demo_db", "lines": 20 }),
    )
    .await;
    assert_eq!(by_cli, by_http);

    let by_cli = cli_json(&daemon, &["health", "demo_db", "demo_cache"]);
    let mut by_http = Vec::new();
    for name in ["demo_db", "demo_cache"] {
        by_http.push(raw_call(&sock, "service.health", json!({ "name": name })).await);
    }
    assert_eq!(steady(by_cli), steady(json!(by_http)));

    let by_cli = cli_json(&daemon, &["troubleshoot", "demo_cache"]);
    let by_http = raw_call(
        &sock,
        "service.troubleshoot",
        json!({ "name": "demo_cache" }),
    )
    .await;
    assert_eq!(steady(by_cli), steady(by_http));

    // Stop one service each way; both reports read back the same over HTTP.
    let stopped = cli_json(&daemon, &["stop", "demo_cache"]);
    assert_eq!(stopped["status"], "succeeded");
    let raw = raw_call(&sock, "execution.get", json!({ "id": stopped["run_id"] })).await;
    assert_eq!(raw["report"], stopped);
    let stopped = raw_call(&sock, "service.stop", json!({ "name": "demo_db" })).await;
    assert_eq!(stopped["status"], "succeeded");
    let by_cli = cli_json(&daemon, &["status", "demo_db", "demo_cache"]);
    let by_http = raw_call(&sock, "service.status", json!({ "services": names })).await;
    assert_eq!(steady(by_cli.clone()), steady(by_http));
    assert!(
        by_cli
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "stopped")
    );
}

/// A raw JSON-RPC exchange: the HTTP status and the parsed answer (`Null` when empty).
async fn raw(socket: &Path, body: &str) -> (u16, Value) {
    let (status, text) = post_raw(socket, "/rpc", body.as_bytes()).await;
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, value)
}

/// Asserts the daemon still answers a normal request.
async fn assert_serving(client: &RpcClient) {
    let health = client.call("rpc.health", json!({})).await.unwrap();
    assert_eq!(health["status"], "ok");
}

/// Sends a body over the limit; the daemon may answer before it has read it all.
async fn post_oversized(socket: &Path) -> (u16, Value) {
    let mut stream = tokio::net::UnixStream::connect(socket).await.unwrap();
    let body = vec![b' '; hero_svc::rpc::server::MAX_BODY + 1024];
    let head = format!(
        "POST /rpc HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The daemon may close its read side early: a failed write is fine, the answer counts.
    let _ = stream.write_all(&body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let json_start = text.find('{').unwrap_or_else(|| panic!("no body: {text}"));
    let json_end = text.rfind('}').unwrap();
    (
        status,
        serde_json::from_str(&text[json_start..=json_end]).unwrap(),
    )
}

#[tokio::test]
async fn bad_input_is_refused_and_the_daemon_keeps_serving() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let sock = daemon.socket();
    let client = daemon.client();

    let (status, r) = raw(&sock, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":").await;
    assert_eq!((status, r["error"]["code"].as_i64()), (200, Some(-32700)));
    assert_eq!(r["id"], Value::Null);
    let (_, r) = raw(&sock, r#"{"jsonrpc":"1.0","id":2,"method":"rpc.health"}"#).await;
    assert_eq!(
        (r["id"].as_i64(), r["error"]["code"].as_i64()),
        (Some(2), Some(-32600))
    );
    let (_, r) = raw(&sock, r#"{"jsonrpc":"2.0","id":3,"method":"service.nope"}"#).await;
    assert_eq!(r["error"]["code"], -32601);
    assert!(r["error"]["data"]["methods"].as_array().unwrap().len() > 10);
    for params in [
        json!({ "name": 42 }),
        json!({ "services": "demo_db" }),
        json!({ "name": "demo_db", "surprise": true }),
    ] {
        assert_eq!(
            error_code(&client, "service.status", params).await,
            codes::INVALID_PARAMS
        );
    }
    assert_eq!(
        error_code(&client, "execution.get", json!({ "id": "not-a-uuid" })).await,
        codes::INVALID_PARAMS
    );
    assert_eq!(
        error_code(
            &client,
            "service.deploy",
            json!({ "group": "base", "all": true })
        )
        .await,
        codes::INVALID_PARAMS
    );
    assert_eq!(
        error_code(
            &client,
            "service.deploy",
            json!({ "name": "demo_db", "catalog": "x" })
        )
        .await,
        codes::INVALID_PARAMS
    );
    assert_eq!(
        error_code(&client, "service.status", json!({ "name": "nope" })).await,
        codes::UNKNOWN_SERVICE
    );
    assert_eq!(
        error_code(&client, "service.deploy", json!({ "group": "nope" })).await,
        codes::UNKNOWN_GROUP
    );
    assert_eq!(
        error_code(
            &client,
            "execution.get",
            json!({ "id": "01900000-0000-7000-8000-000000000000" })
        )
        .await,
        codes::UNKNOWN_EXECUTION
    );

    // Notifications get no answer (HTTP 204); a batch answers its requests in order.
    let (status, r) = raw(&sock, r#"{"jsonrpc":"2.0","method":"rpc.health"}"#).await;
    assert_eq!((status, r), (204, Value::Null));
    let (status, r) = raw(
        &sock,
        r#"[{"jsonrpc":"2.0","id":"a","method":"rpc.health"},
            {"jsonrpc":"2.0","method":"service.list"},
            {"jsonrpc":"2.0","id":"b","method":"service.status","params":{"name":"nope"}},
            {"jsonrpc":"2.0","id":"c","method":"service.status","params":{"name":"demo_db"}}]"#,
    )
    .await;
    assert_eq!(status, 200);
    let r = r.as_array().unwrap();
    assert_eq!(r.len(), 3);
    assert_eq!(
        (&r[0]["id"], &r[0]["result"]["status"]),
        (&json!("a"), &json!("ok"))
    );
    assert_eq!(
        (&r[1]["id"], &r[1]["error"]["code"]),
        (&json!("b"), &json!(-32001))
    );
    assert_eq!(
        (&r[2]["id"], &r[2]["result"][0]["name"]),
        (&json!("c"), &json!("demo_db"))
    );
    let (_, r) = raw(&sock, "[]").await;
    assert_eq!(r["error"]["code"], -32600);

    // Over 1 MiB: 413 with a JSON-RPC error.
    let (status, r) = post_oversized(&sock).await;
    assert_eq!(status, 413);
    assert_eq!(r["error"]["code"], -32600);
    assert_serving(&client).await;

    // A client that walks away in the middle of an event stream.
    let started = client
        .call(
            "service.deploy",
            json!({ "name": "demo_cache", "no_deps": true, "wait": false }),
        )
        .await
        .unwrap();
    let id = started["execution_id"].as_str().unwrap().to_string();
    {
        let mut events = Box::pin(
            client
                .stream(&format!("/executions/{id}/events"))
                .await
                .unwrap(),
        );
        let first = events.next().await.unwrap().unwrap();
        assert_eq!(first["event"], "run_started");
    } // dropped: the connection closes mid-stream
    assert_serving(&client).await;
    let mut stream = Box::pin(
        client
            .stream(&format!("/executions/{id}/events"))
            .await
            .unwrap(),
    );
    let mut last = Value::Null;
    while let Some(event) = stream.next().await {
        last = event.unwrap();
    }
    assert_eq!(last["event"], "run_finished");
    assert_eq!(last["status"], "succeeded");

    // A second daemon on the same root is refused and names the holder.
    let out = daemon
        .cli()
        .arg("serve")
        .env_remove("HERO_SVC_SOCKET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let pid = daemon.pid().unwrap().to_string();
    assert!(
        err.contains("already serves this root") && err.contains(&pid),
        "{err}"
    );
    assert_serving(&client).await;

    // Another uid is refused with a 403 (needs root to become `nobody`).
    if unsafe { libc::geteuid() } == 0 && Path::new("/usr/bin/setpriv").exists() {
        refuse_another_uid(&daemon).await;
    }
    assert_serving(&client).await;
    let (status, _) = get(&sock, "/health").await;
    assert_eq!(status, 200);
}

/// Opens the socket to everyone (the test's own root only), then connects as `nobody`.
async fn refuse_another_uid(daemon: &TestDaemon) {
    use std::os::unix::fs::PermissionsExt;
    let sock = daemon.socket();
    let mut dir = sock.parent().unwrap();
    loop {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        if dir == daemon.root() {
            break;
        }
        dir = dir.parent().unwrap();
    }
    std::fs::set_permissions(&sock, std::fs::Permissions::from_mode(0o666)).unwrap();
    let attempt = || {
        Command::new("setpriv")
            .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
            .args(["curl", "-sS", "--max-time", "5", "--unix-socket"])
            .arg(&sock)
            .args(["-w", "\n%{http_code}", "http://x/rpc", "-d"])
            .arg(r#"{"jsonrpc":"2.0","id":1,"method":"rpc.health"}"#)
            .output()
            .unwrap()
    };
    // A connection that could not even be made (curl's `000`) says nothing about the
    // refusal: on a loaded machine, try that part again a few times.
    let mut out = attempt();
    for _ in 0..5 {
        if !String::from_utf8_lossy(&out.stdout).ends_with("000") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        out = attempt();
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    assert_eq!(
        code,
        "403",
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_str(body).unwrap();
    assert_eq!(answer["error"]["code"], codes::PERMISSION_DENIED);
}

/// How long the load test runs: `HERO_SVC_RPC_LOAD_SECS`, 5 s by default (the 30 s run is
/// the benchmark's, `cargo bench --bench rpc`).
fn load_duration() -> Duration {
    let secs = std::env::var("HERO_SVC_RPC_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    Duration::from_secs_f64(secs)
}

/// The demo services, the same list the catalog builds.
const SERVICES: [&str; 8] = hero_svc::services::demo::BINARIES;

/// One client of the load test: alternates `service.status` of one service (by raw HTTP,
/// with its own ids) and `service.list`; checks each answer is its own. Returns the calls
/// made.
async fn load_client(socket: Arc<Path>, n: usize, until: Instant) -> usize {
    let name = SERVICES[n % SERVICES.len()];
    let mut calls = 0;
    while Instant::now() < until {
        let id = format!("c{n}-{calls}");
        let (method, params) = if calls % 2 == 0 {
            ("service.status", json!({ "name": name }))
        } else {
            ("service.list", json!({}))
        };
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let (status, text) = post_json(&socket, "/rpc", &body).await;
        assert_eq!(status, 200, "{text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            answer["id"],
            id.as_str(),
            "a response for someone else: {text}"
        );
        let result = answer
            .get("result")
            .unwrap_or_else(|| panic!("{method}: {text}"));
        if method == "service.status" {
            assert_eq!(result.as_array().unwrap().len(), 1);
            assert_eq!(result[0]["name"], name);
        } else {
            let names: Vec<&str> = result
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap())
                .collect();
            assert_eq!(names, SERVICES);
        }
        calls += 1;
    }
    calls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_during_a_deploy_get_their_own_answers() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let client = daemon.client();
    let started = client
        .call("service.deploy", json!({ "all": true, "wait": false }))
        .await
        .unwrap();
    let id = started["execution_id"].as_str().unwrap().to_string();

    let socket: Arc<Path> = Arc::from(daemon.socket().as_path());
    let until = Instant::now() + load_duration();
    let clients: Vec<_> = (0..200)
        .map(|n| tokio::spawn(load_client(socket.clone(), n, until)))
        .collect();
    let mut calls = 0;
    for c in clients {
        calls += c.await.unwrap();
    }
    assert!(calls >= 200, "only {calls} calls");

    let events = follow_events(&client, &id).await;
    assert_eq!(events.last().unwrap()["status"], "succeeded");
    let status = client.call("service.status", json!({})).await.unwrap();
    assert!(
        status
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "running"),
        "{status:#}"
    );
}
