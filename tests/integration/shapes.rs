//! A service is what it runs: a catalog of services that are not Hero-shaped — one that
//! ships no binary and names its own process, one on a system binary — served by a daemon
//! of that catalog only. Status, logs, list and inspect know them by their processes and
//! show only what they declare.

use std::sync::Arc;
use std::time::Duration;

use hero_svc::daemon::{Daemon, DaemonOptions};
use hero_svc::health::Probe;
use hero_svc::paths::HeroPaths;
use hero_svc::rpc::methods::service::{
    NameParams, NamesParams, OperationParams, inspect, list, logs, run_operation, status,
};
use hero_svc::services::{Binary, Catalog, Operation, Service, ServiceContext, ServiceError};
use hero_svc::supervisor::ProcessSpec;
use serde_json::Value;

/// Runs a shell loop it does not install, under a process name of its own.
struct Runner {
    port: u16,
}

impl Service for Runner {
    fn name(&self) -> &str {
        "runner"
    }
    fn description(&self) -> &str {
        "a program it does not install"
    }
    fn binaries(&self) -> Vec<Binary> {
        Vec::new()
    }
    fn ports(&self) -> Vec<u16> {
        vec![self.port]
    }
    fn processes(&self, _ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        Ok(vec![
            ProcessSpec::new("runner-main", "/bin/sh")
                .args(["-c", "echo hello from runner; exec sleep 1000"]),
        ])
    }
    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::exec(["sh", "-c", "echo PONG"]).expecting("PONG"))
    }
}

/// The system's `sleep`, as a binary it does not build; two services use it (two
/// instances of one system program, each its own service).
struct Sleeper {
    name: &'static str,
    process: &'static str,
}

impl Service for Sleeper {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "the system's sleep"
    }
    fn binaries(&self) -> Vec<Binary> {
        let sleep = if std::path::Path::new("/usr/bin/sleep").exists() {
            "/usr/bin/sleep"
        } else {
            "/bin/sleep"
        };
        vec![Binary::server("sleep").at(sleep)]
    }
    fn dependencies(&self) -> Vec<String> {
        vec!["runner".to_string()]
    }
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let exe = self.binaries()[0].installed_path(&ctx.paths);
        Ok(vec![ProcessSpec::new(self.process, exe).args(["1000"])])
    }
    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        None
    }
}

async fn daemon(root: &std::path::Path) -> Arc<Daemon> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let catalog = Catalog::new("shapes")
        .service(Runner { port })
        .service(Sleeper {
            name: "sleeper",
            process: "sleep",
        })
        .service(Sleeper {
            name: "napper",
            process: "nap",
        });
    let mut options = DaemonOptions::new(HeroPaths::with_root(root).for_program("shapes_svc"));
    options.builtin_catalogs = false;
    options.catalogs = vec![catalog];
    options.default_catalog = "shapes".to_string();
    Daemon::open(options).await.unwrap()
}

async fn operate(daemon: &Arc<Daemon>, op: Operation, p: OperationParams) -> Value {
    let p = OperationParams { wait: true, ..p };
    run_operation(daemon.clone(), op, p).await.unwrap()
}

fn all() -> OperationParams {
    OperationParams {
        all: true,
        ..OperationParams::default()
    }
}

fn named(name: &str) -> NameParams {
    NameParams {
        name: name.to_string(),
        catalog: None,
        lines: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn services_that_are_not_hero_shaped_are_known_by_their_processes() {
    let root = tempfile::tempdir().unwrap();
    let daemon = daemon(root.path()).await;
    assert_eq!(daemon.catalog_names(), ["shapes"]);

    let deployed = operate(&daemon, Operation::Deploy, all()).await;
    assert_eq!(deployed["status"], "succeeded", "{deployed:#}");

    let st = status(daemon.clone(), NamesParams::default())
        .await
        .unwrap();
    let runner = st.iter().find(|s| s.name == "runner").unwrap();
    assert_eq!(runner.state, "running", "{st:?}");
    assert_eq!(runner.processes[0].name, "runner-main");
    for name in ["sleeper", "napper"] {
        let s = st.iter().find(|s| s.name == name).unwrap();
        assert_eq!(s.state, "running", "{st:?}");
    }

    let mut printed = false;
    for _ in 0..50 {
        let l = logs(daemon.clone(), named("runner")).await.unwrap();
        if l.to_string().contains("hello from runner") {
            printed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(printed, "runner's log line never showed");

    let listed = list(daemon.clone(), NamesParams::default()).await.unwrap();
    let runner = listed.iter().find(|s| s["name"] == "runner").unwrap();
    assert_eq!(runner["state"], "running");
    assert_eq!(runner["installed_version"], Value::Null);
    for name in ["sleeper", "napper"] {
        let s = listed.iter().find(|s| s["name"] == name).unwrap();
        assert_eq!(s["installed_version"], "system", "{listed:?}");
    }

    // Inspect: what it declares, no made-up sockets or forge; its ports on its process.
    let runner = inspect(daemon.clone(), named("runner")).await.unwrap();
    assert_eq!(runner["source"], Value::Null);
    assert_eq!(runner["sockets"], serde_json::json!([]));
    let port = runner["ports"][0].as_u64().unwrap();
    assert_eq!(
        runner["processes"][0]["tcp_ports"],
        serde_json::json!([port])
    );
    assert_eq!(runner["health_probe"], "sh -c echo PONG");
    let sleeper = inspect(daemon.clone(), named("sleeper")).await.unwrap();
    assert_eq!(sleeper["install_policy"], "system");

    // Options of another command are refused, naming it.
    let purge = run_operation(
        daemon.clone(),
        Operation::Stop,
        OperationParams {
            purge: true,
            ..all()
        },
    )
    .await
    .unwrap_err();
    assert!(purge.message.contains("belongs to delete"), "{purge:?}");
    let mode = run_operation(
        daemon.clone(),
        Operation::Start,
        OperationParams {
            mode: Some(hero_svc::services::InstallMode::Source),
            ..all()
        },
    )
    .await
    .unwrap_err();
    assert!(mode.message.contains("not an option of start"), "{mode:?}");

    // Stop runner with its dependents: sleeper goes first, then runner.
    let stopped = operate(
        &daemon,
        Operation::Stop,
        OperationParams {
            services: vec!["runner".to_string()],
            with_dependents: true,
            ..OperationParams::default()
        },
    )
    .await;
    assert_eq!(stopped["status"], "succeeded", "{stopped:#}");
    let st = status(daemon.clone(), NamesParams::default())
        .await
        .unwrap();
    assert!(st.iter().all(|s| s.state == "stopped"), "{st:?}");
    let tasks = stopped["tasks"].as_array().unwrap();
    let end = |label: &str| {
        let t = tasks.iter().find(|t| t["label"] == label).unwrap();
        let start = t["start_offset_ms"].as_f64().unwrap();
        (start, start + t["duration_ms"].as_f64().unwrap())
    };
    assert!(
        end("stop sleep").1 <= end("stop runner-main").0,
        "{tasks:#?}"
    );

    // Without --with-dependents, stopping runner leaves its dependent alone.
    let deployed = operate(&daemon, Operation::Deploy, all()).await;
    assert_eq!(deployed["status"], "succeeded");
    let stopped = operate(
        &daemon,
        Operation::Stop,
        OperationParams {
            services: vec!["runner".to_string()],
            ..OperationParams::default()
        },
    )
    .await;
    assert_eq!(stopped["status"], "succeeded");
    let st = status(daemon.clone(), NamesParams::default())
        .await
        .unwrap();
    assert_eq!(
        st.iter().find(|s| s.name == "sleeper").unwrap().state,
        "running"
    );

    let done = operate(&daemon, Operation::Stop, all()).await;
    assert_eq!(done["status"], "succeeded");
}
