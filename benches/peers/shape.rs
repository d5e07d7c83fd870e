//! The workloads' services: three shapes of `hero_demo` instances (a chain of eight, a fan
//! of eight, thirty idle ones), each on a loopback TCP port of its own, and the one command
//! line every manager runs for each of them.

use std::path::{Path, PathBuf};

/// One supervised program.
#[derive(Clone, Debug)]
pub struct Svc {
    /// The name every manager knows it by (and `hero_demo --name`).
    pub name: String,
    /// Its loopback TCP port (`/health` answers there).
    pub port: u16,
    /// The services that must be ready before it starts.
    pub deps: Vec<String>,
}

/// A set of services started and stopped together.
#[derive(Clone, Debug)]
pub struct Shape {
    /// `chain`, `fan` or `idle`.
    pub name: &'static str,
    /// In dependency order.
    pub services: Vec<Svc>,
}

impl Shape {
    /// The names, in dependency order.
    pub fn names(&self) -> Vec<String> {
        self.services.iter().map(|s| s.name.clone()).collect()
    }

    /// The critical path of `readiness` (milliseconds per service) along the dependencies.
    pub fn critical_path(&self, readiness: &std::collections::BTreeMap<String, f64>) -> f64 {
        let mut done: std::collections::BTreeMap<&str, f64> = Default::default();
        for s in &self.services {
            let start = s.deps.iter().map(|d| done[d.as_str()]).fold(0.0, f64::max);
            done.insert(&s.name, start + readiness[&s.name]);
        }
        done.values().cloned().fold(0.0, f64::max)
    }
}

/// The program, its readiness delay, where sockets go, and the three shapes.
#[derive(Clone, Debug)]
pub struct Stack {
    /// The `hero_demo` binary.
    pub bin: PathBuf,
    /// The folder of the services' unix sockets (`<dir>/<name>/rpc.sock`).
    pub sockets: PathBuf,
    /// `--ready-delay-ms` of every service.
    pub ready_ms: u64,
    pub chain: Shape,
    pub fan: Shape,
    pub idle: Shape,
}

/// Environment variables handing a [`Stack`] to the hero_svc program role.
pub const BIN_ENV: &str = "PEERS_DEMO_BIN";
pub const SOCKETS_ENV: &str = "PEERS_SOCKETS";
pub const PORT_ENV: &str = "PEERS_PORT_BASE";
pub const READY_ENV: &str = "PEERS_READY_MS";

/// Ports used from the base on: 8 + 8 + 30.
pub const PORTS: u16 = 46;

impl Stack {
    /// The stack on ports `base..base + PORTS`.
    pub fn new(bin: &Path, sockets: &Path, base: u16, ready_ms: u64) -> Self {
        let chain = (1..=8)
            .map(|i| Svc {
                name: format!("chain_{i}"),
                port: base + i - 1,
                deps: if i == 1 {
                    vec![]
                } else {
                    vec![format!("chain_{}", i - 1)]
                },
            })
            .collect();
        let fan = (1..=8)
            .map(|i| Svc {
                name: format!("fan_{i}"),
                port: base + 8 + i - 1,
                deps: if i == 1 {
                    vec![]
                } else {
                    vec!["fan_1".to_string()]
                },
            })
            .collect();
        let idle = (1..=30)
            .map(|i| Svc {
                name: format!("idle_{i:02}"),
                port: base + 16 + i - 1,
                deps: vec![],
            })
            .collect();
        Self {
            bin: bin.to_path_buf(),
            sockets: sockets.to_path_buf(),
            ready_ms,
            chain: Shape {
                name: "chain",
                services: chain,
            },
            fan: Shape {
                name: "fan",
                services: fan,
            },
            idle: Shape {
                name: "idle",
                services: idle,
            },
        }
    }

    /// The stack the bench handed over in the environment.
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set"));
        let base = var(PORT_ENV)?
            .parse()
            .map_err(|e| format!("{PORT_ENV}: {e}"))?;
        let ready = var(READY_ENV)?
            .parse()
            .map_err(|e| format!("{READY_ENV}: {e}"))?;
        Ok(Self::new(
            Path::new(&var(BIN_ENV)?),
            Path::new(&var(SOCKETS_ENV)?),
            base,
            ready,
        ))
    }

    /// The environment that hands this stack over.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (BIN_ENV.into(), self.bin.display().to_string()),
            (SOCKETS_ENV.into(), self.sockets.display().to_string()),
            (PORT_ENV.into(), self.chain.services[0].port.to_string()),
            (READY_ENV.into(), self.ready_ms.to_string()),
        ]
    }

    /// The same stack with its sockets in `sockets`.
    pub fn with_sockets(&self, sockets: &Path) -> Self {
        let mut s = self.clone();
        s.sockets = sockets.to_path_buf();
        s
    }

    /// Every shape.
    pub fn shapes(&self) -> [&Shape; 3] {
        [&self.chain, &self.fan, &self.idle]
    }

    /// The service called `name`.
    pub fn svc(&self, name: &str) -> Option<&Svc> {
        self.shapes()
            .into_iter()
            .flat_map(|s| s.services.iter())
            .find(|s| s.name == name)
    }

    /// The command line of `svc`: program first.
    pub fn argv(&self, svc: &Svc) -> Vec<String> {
        vec![
            self.bin.display().to_string(),
            "--name".into(),
            svc.name.clone(),
            "--socket".into(),
            self.sockets
                .join(&svc.name)
                .join("rpc.sock")
                .display()
                .to_string(),
            "--tcp-port".into(),
            svc.port.to_string(),
            "--ready-delay-ms".into(),
            self.ready_ms.to_string(),
        ]
    }

    /// The command line of `svc` as one shell-safe string (no argument needs quoting).
    pub fn command_line(&self, svc: &Svc) -> String {
        self.argv(svc).join(" ")
    }
}

/// The URL of `svc`'s health endpoint.
pub fn health_url(svc: &Svc) -> String {
    format!("http://127.0.0.1:{}/health", svc.port)
}
