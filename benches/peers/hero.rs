//! hero_svc in the harness: the bench binary is also a hero_svc program (run with
//! [`ROLE_ENV`] set) whose catalog `peers` holds the three shapes as groups; the harness
//! starts its daemon (`serve`, the builtin supervisor) as a process of its own and drives
//! it over the RPC socket, as the CLI does.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hero_svc::cli::Program;
use hero_svc::health::Probe;
use hero_svc::paths::HeroPaths;
use hero_svc::rpc::RpcClient;
use hero_svc::services::{Binary, Catalog, Service, ServiceContext, ServiceError};
use hero_svc::supervisor::ProcessSpec;
use serde_json::{Value, json};

use crate::manager::Manager;
use crate::shape::{Shape, Stack, Svc, health_url};

/// Set in the environment of the bench binary to make it the hero_svc program.
pub const ROLE_ENV: &str = "PEERS_ROLE";
/// The program's name (its state and socket folder).
const PROGRAM: &str = "peers_svc";

/// One `hero_demo` instance as a hero_svc service.
struct PeerService {
    svc: Svc,
    stack: Arc<Stack>,
}

impl Service for PeerService {
    fn name(&self) -> &str {
        &self.svc.name
    }
    fn description(&self) -> &str {
        "a hero_demo instance of the peer benchmark"
    }
    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("hero_demo").at(&self.stack.bin)]
    }
    fn dependencies(&self) -> Vec<String> {
        self.svc.deps.clone()
    }
    fn processes(&self, _ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let argv = self.stack.argv(&self.svc);
        Ok(vec![
            ProcessSpec::new(&self.svc.name, &argv[0]).args(argv[1..].iter().cloned()),
        ])
    }
    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::http_tcp(health_url(&self.svc)))
    }
}

/// The program role: `peers_svc <command>` with the stack from the environment.
pub fn program_main() -> ! {
    let stack = match Stack::from_env() {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut catalog = Catalog::new("peers");
    for shape in stack.shapes() {
        for svc in &shape.services {
            catalog = catalog.service(PeerService {
                svc: svc.clone(),
                stack: stack.clone(),
            });
        }
        let names = shape.names();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        catalog = catalog.group(shape.name, &names);
    }
    Program::new(PROGRAM).catalog(catalog).main()
}

/// The hero_svc daemon under test.
pub struct HeroSvc {
    daemon: Child,
    client: RpcClient,
    warm: bool,
}

impl HeroSvc {
    /// Starts `peers_svc serve` in `dir` and waits for its socket to answer.
    pub async fn start(dir: &Path, stack: &Stack) -> Result<Self, String> {
        let root = dir.join("root");
        std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.join("daemon.log")).map_err(|e| e.to_string())?;
        let daemon = Command::new(exe)
            .arg("serve")
            .env(ROLE_ENV, "program")
            .env("HERO_ROOT", &root)
            .envs(stack.env())
            .env_remove("PATH_SOCKET")
            .env_remove("HERO_SOCKET_DIR")
            .env_remove("HERO_SVC_SOCKET")
            .env_remove("HERO_SVC_SUPERVISOR")
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start the hero_svc daemon: {e}"))?;
        let socket: PathBuf = HeroPaths::with_root(&root)
            .for_program(PROGRAM)
            .daemon_socket();
        let client = RpcClient::new(&socket).timeout(None);
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if client.call("service.list", json!({})).await.is_ok() {
                break;
            }
            if Instant::now() > until {
                return Err(format!(
                    "the hero_svc daemon did not answer on {}",
                    socket.display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(Self {
            daemon,
            client,
            warm: false,
        })
    }

    async fn call(&self, method: &str, group: &str) -> Result<Value, String> {
        self.client
            .call(method, json!({ "group": group, "catalog": "peers" }))
            .await
            .map_err(|e| format!("{method} {group}: {e}"))
    }
}

impl Manager for HeroSvc {
    fn name(&self) -> &'static str {
        "hero_svc"
    }

    async fn up(&mut self, shape: &Shape) -> Result<Duration, String> {
        if !self.warm {
            // The first deploy checks and records the installed binary; measure warm ones,
            // as a person's second `deploy` is.
            for s in ["chain", "fan", "idle"] {
                self.call("service.deploy", s).await?;
                self.call("service.stop", s).await?;
            }
            self.warm = true;
        }
        let t = Instant::now();
        let report = self.call("service.deploy", shape.name).await?;
        let took = t.elapsed();
        eprintln!(
            "hero_svc {}: {:.1} ms in the daemon; critical path {}",
            shape.name,
            report["duration_ms"].as_f64().unwrap_or_default(),
            critical_path(&report)
        );
        if std::env::var_os("PEERS_TASKS").is_some() {
            for t in report["tasks"].as_array().into_iter().flatten() {
                eprintln!(
                    "  {:>8.1} +{:>6.1} {}",
                    t["start_offset_ms"].as_f64().unwrap_or_default(),
                    t["duration_ms"].as_f64().unwrap_or_default(),
                    t["key"].as_str().unwrap_or_default()
                );
            }
        }
        Ok(took)
    }

    async fn stop(&mut self, shape: &Shape) -> Result<(), String> {
        self.call("service.stop", shape.name).await.map(|_| ())
    }

    fn pids(&self) -> Vec<u32> {
        vec![self.daemon.id()]
    }

    fn restart_delay(&self) -> Option<Duration> {
        Some(hero_svc::supervisor::BuiltinConfig::new("").backoff_initial)
    }

    async fn shutdown(&mut self) {
        crate::measure::terminate(&mut self.daemon, Duration::from_secs(10)).await;
    }
}

/// The steps of a report's critical path that took a millisecond or more.
fn critical_path(report: &Value) -> String {
    report["critical_path"]["steps"]
        .as_array()
        .map(|steps| {
            steps
                .iter()
                .map(|s| {
                    format!(
                        "{} {:.1}",
                        s["key"].as_str().unwrap_or_default(),
                        s["duration_ms"].as_f64().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(" → ")
        })
        .unwrap_or_default()
}
