//! Peers, side by side: the same workloads under hero_svc and under the process managers
//! people use instead — zinit, supervisord, pm2 — and a plain sequential start as the nu
//! scripts did, on this machine, in one run.
//!
//! Every manager supervises the same program with the same command line: `hero_demo`, told
//! to answer `/health` 200 only 100 ms after its start and to listen on a loopback TCP port
//! (see `shape`). Workloads (see `manager`):
//!
//! - bring-up of a chain of 8 and of a fan of 8 (one root, 7 dependents): the time until
//!   all are ready, and its ratio to the critical path measured standalone (each service
//!   spawned alone, its spawn-to-ready time, summed along the dependencies);
//! - 30 idle services: the manager's RSS and CPU over 30 s;
//! - stop of all 30: until every process is gone;
//! - a service killed with SIGKILL: until a new process of it answers `/health` 200.
//!
//! Each manager uses its own readiness mechanism at its best setting and its own dependency
//! ordering where it has one; where it has none, a driver does what a person's script
//! would (see each module's doc). The harness installs missing peers itself (`install`).
//!
//! Run with `cargo bench --bench peers`. It prints one table and writes it, with the
//! machine and its load, into `docs/benchmarks.md` (between the `peers` markers; set
//! `PEERS_NO_DOCS=1` not to). `PEERS_RUNS` (5), `PEERS_IDLE_SECS` (30), `PEERS_KILLS` (5)
//! and `PEERS_ONLY` (a comma list of managers) change what runs; `PEERS_KEEP=1` keeps the
//! work dir with every manager's config and logs.

mod drive;
mod hero;
mod install;
mod manager;
mod measure;
mod pm2;
mod sequential;
mod shape;
mod supervisord;
mod zinit;

/// The tests' helpers: the `hero_demo` binary.
#[path = "../../tests/integration/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use manager::{Figures, Settings};
use measure::{Health, median};
use shape::{Shape, Stack};

/// `--ready-delay-ms` of every service.
const READY_MS: u64 = 100;
/// Standalone measurements per service (the median is taken).
const STANDALONE_RUNS: usize = 3;

fn main() {
    if std::env::var_os(hero::ROLE_ENV).is_some() {
        hero::program_main();
    }
    let env_num = |k: &str, default: u64| -> u64 {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let settings = Settings {
        runs: env_num("PEERS_RUNS", 5).max(1) as usize,
        idle_for: Duration::from_secs(env_num("PEERS_IDLE_SECS", 30).max(1)),
        kills: env_num("PEERS_KILLS", 5).clamp(1, 30) as usize,
    };
    let only: Option<Vec<String>> = std::env::var("PEERS_ONLY")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: no async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(bench(settings, only));
    std::process::exit(code);
}

/// One row of managers in the table.
struct Column {
    name: &'static str,
    version: String,
    figures: Result<Figures, String>,
}

async fn bench(settings: Settings, only: Option<Vec<String>>) -> i32 {
    let work = match tempfile::Builder::new().prefix("hero_peers").tempdir() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: no temp dir: {e}");
            return 1;
        }
    };
    // `PEERS_KEEP=1` keeps the work dir (the managers' configs and logs) for a look after.
    let kept;
    let dir = if std::env::var_os("PEERS_KEEP").is_some() {
        kept = work.keep();
        eprintln!("keeping {}", kept.display());
        kept.as_path()
    } else {
        work.path()
    };
    let load_before = loadavg();
    let bin = support::demo::demo_bin();
    let Some(base) = free_ports(shape::PORTS) else {
        eprintln!(
            "error: found no {} free consecutive loopback ports",
            shape::PORTS
        );
        return 1;
    };
    let stack = Stack::new(&bin, &dir.join("standalone"), base, READY_MS);
    let wanted = |name: &str| only.as_ref().is_none_or(|o| o.iter().any(|n| n == name));

    // The critical paths, from each service alone.
    let mut critical = BTreeMap::new();
    for shape in [&stack.chain, &stack.fan] {
        match standalone(&stack, shape).await {
            Ok(each) => {
                let cp = shape.critical_path(&each);
                eprintln!(
                    "{} standalone readiness {each:?}: critical path {cp:.1} ms",
                    shape.name
                );
                critical.insert(shape.name, cp);
            }
            Err(e) => {
                eprintln!("error: standalone {}: {e}", shape.name);
                return 1;
            }
        }
    }

    let mut columns = Vec::new();
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/peers");
    for name in ["hero_svc", "zinit", "supervisord", "pm2", "sequential"] {
        if !wanted(name) {
            continue;
        }
        let mdir = dir.join(name);
        if let Err(e) = std::fs::create_dir_all(&mdir) {
            eprintln!("error: {e}");
            return 1;
        }
        let st = stack.with_sockets(&mdir.join("sockets"));
        eprintln!("== {name}");
        let (version, figures) = match name {
            "hero_svc" => (
                format!("hero_svc {}", env!("CARGO_PKG_VERSION")),
                match hero::HeroSvc::start(&mdir, &st).await {
                    Ok(mut m) => Ok(manager::run(&mut m, &st, &settings).await),
                    Err(e) => Err(e),
                },
            ),
            "zinit" => match install::zinit() {
                Ok(p) => (
                    install::version(&p, &["--version"]),
                    match zinit::Zinit::start(&p, &mdir, &st).await {
                        Ok(mut m) => Ok(manager::run(&mut m, &st, &settings).await),
                        Err(e) => Err(e),
                    },
                ),
                Err(e) => (String::new(), Err(e)),
            },
            "supervisord" => match install::supervisord() {
                Ok(p) => (
                    format!("supervisord {}", install::version(&p, &["--version"])),
                    match supervisord::Supervisord::start(&p, &mdir, &st).await {
                        Ok(mut m) => Ok(manager::run(&mut m, &st, &settings).await),
                        Err(e) => Err(e),
                    },
                ),
                Err(e) => (String::new(), Err(e)),
            },
            "pm2" => match install::pm2(&cache.join("npm")) {
                Ok(node_path) => (
                    format!("pm2 {}", pm2_version(&node_path)),
                    match pm2::Pm2::start(&node_path, &mdir, &st).await {
                        Ok(mut m) => Ok(manager::run(&mut m, &st, &settings).await),
                        Err(e) => Err(e),
                    },
                ),
                Err(e) => (String::new(), Err(e)),
            },
            _ => (
                "spawn, wait for /health, next".to_string(),
                match sequential::Sequential::new(&mdir, &st) {
                    Ok(mut m) => Ok(manager::run(&mut m, &st, &settings).await),
                    Err(e) => Err(e),
                },
            ),
        };
        let left = measure::kill_leftovers(dir);
        if left > 0 {
            eprintln!("{name}: killed {left} leftover processes");
        }
        columns.push(Column {
            name,
            version,
            figures,
        });
    }
    let load_after = loadavg();

    let table = render(&columns, &critical, &settings);
    let context = format!(
        "Machine: {}. Load average (1, 5, 15 min) before the run {load_before}, after it {load_after}.\n\
         Settings: {} bring-ups per shape (median shown), {} s idle, {} kills, ready delay {READY_MS} ms.\n",
        machine(),
        settings.runs,
        settings.idle_for.as_secs(),
        settings.kills,
    );
    let versions: Vec<String> = columns
        .iter()
        .filter(|c| !c.version.is_empty())
        .map(|c| format!("{}: {}", c.name, c.version))
        .collect();
    let text = format!("{table}\n{context}Versions: {}.\n", versions.join("; "));
    println!("{text}");
    if std::env::var_os("PEERS_NO_DOCS").is_none() {
        match write_docs(&text) {
            Ok(p) => eprintln!("written into {}", p.display()),
            Err(e) => eprintln!("error: could not write docs/benchmarks.md: {e}"),
        }
    }
    0
}

/// Each service of `shape` spawned alone (after its dependencies, as it would be), its
/// spawn-to-ready time in milliseconds (probing every 0.5 ms), the median of a few runs.
async fn standalone(stack: &Stack, shape: &Shape) -> Result<BTreeMap<String, f64>, String> {
    let mut runs: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for _ in 0..STANDALONE_RUNS {
        let mut children = Vec::new();
        let mut result = Ok(());
        for svc in &shape.services {
            let argv = stack.argv(svc);
            let t = Instant::now();
            let child = std::process::Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
            match child {
                Ok(c) => children.push(c),
                Err(e) => {
                    result = Err(format!("cannot run {}: {e}", argv[0]));
                    break;
                }
            }
            let ready = measure::wait_ready(
                svc.port,
                None,
                Duration::from_micros(500),
                Duration::from_secs(10),
            )
            .await;
            if ready.is_none() {
                result = Err(format!("{} never became ready", svc.name));
                break;
            }
            runs.entry(svc.name.clone())
                .or_default()
                .push(t.elapsed().as_secs_f64() * 1000.0);
        }
        for c in &children {
            measure::signal(c.id(), libc::SIGTERM);
        }
        for mut c in children {
            let _ = c.wait();
        }
        result?;
        for svc in &shape.services {
            while measure::health(svc.port).await != Health::Down {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
    Ok(runs
        .into_iter()
        .map(|(k, mut v)| (k, median(&mut v)))
        .collect())
}

/// The first of `n` consecutive free loopback ports, from a random start below the
/// kernel's ephemeral range (so no outgoing connection takes one meanwhile).
fn free_ports(n: u16) -> Option<u16> {
    let seed = std::process::id() as u16;
    for attempt in 0..200u16 {
        let base = 20000 + (seed.wrapping_mul(7).wrapping_add(attempt.wrapping_mul(97))) % 12000;
        if (base..base + n).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return Some(base);
        }
    }
    None
}

fn pm2_version(node_path: &Path) -> String {
    std::fs::read_to_string(node_path.join("pm2/package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["version"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_or("? GiB".to_string(), |kib| {
            format!("{:.0} GiB", kib / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    format!("{cpus} CPUs ({model}), {mem} RAM, Linux {kernel}")
}

/// A figure of hero_svc against a peer's: `hero_svc N×` (hero_svc's value over the peer's).
fn ratio(hero: Option<f64>, peer: Option<f64>) -> String {
    match (hero, peer) {
        (Some(h), Some(p)) if p > 0.0 => format!(" · hero_svc {:.2}×", h / p),
        _ => String::new(),
    }
}

fn render(columns: &[Column], critical: &BTreeMap<&str, f64>, settings: &Settings) -> String {
    let hero = columns
        .iter()
        .find(|c| c.name == "hero_svc")
        .and_then(|c| c.figures.as_ref().ok());
    let mut out = String::from("| workload |");
    for c in columns {
        out.push_str(&format!(" {} |", c.name));
    }
    out.push_str("\n|---|");
    for _ in columns {
        out.push_str("---|");
    }
    out.push('\n');
    type Pick = fn(&Figures) -> Option<f64>;
    let bring_chain: Pick = |f| (!f.chain.is_empty()).then(|| median(&mut f.chain.clone()));
    let bring_fan: Pick = |f| (!f.fan.is_empty()).then(|| median(&mut f.fan.clone()));
    let rss: Pick = |f| f.idle.map(|i| i.0);
    let cpu: Pick = |f| f.idle.map(|i| i.1);
    let stop: Pick = |f| f.stop;
    let kill: Pick = |f| (!f.kill.is_empty()).then(|| median(&mut f.kill.clone()));
    let rows: [(String, Pick, &str, Option<f64>); 6] = [
        (
            format!(
                "bring-up, chain of 8 (critical path {:.0} ms)",
                critical["chain"]
            ),
            bring_chain,
            "ms",
            Some(critical["chain"]),
        ),
        (
            format!(
                "bring-up, fan of 8 (critical path {:.0} ms)",
                critical["fan"]
            ),
            bring_fan,
            "ms",
            Some(critical["fan"]),
        ),
        ("30 idle: manager RSS".into(), rss, "MiB", None),
        (
            format!(
                "30 idle: manager CPU over {} s",
                settings.idle_for.as_secs()
            ),
            cpu,
            "% of a core",
            None,
        ),
        (
            "stop all 30, until every process is gone".into(),
            stop,
            "ms",
            None,
        ),
        (
            "SIGKILL → running and ready again (restart delay)".into(),
            kill,
            "ms",
            None,
        ),
    ];
    for (label, pick, unit, cp) in rows.iter() {
        out.push_str(&format!("| {label} |"));
        for c in columns {
            let cell = match &c.figures {
                Err(e) => format!("not run: {e}"),
                Ok(f) => match pick(f) {
                    None if unit == &"MiB" || unit.starts_with('%') => {
                        if f.error.is_some() {
                            "—".into()
                        } else {
                            "no manager process".into()
                        }
                    }
                    None if label.starts_with("SIGKILL") && f.restart_delay.is_none() => {
                        "nothing restarts it".into()
                    }
                    None => "—".into(),
                    Some(v) => {
                        let mut cell = if unit.starts_with('%') {
                            format!("{v:.2} {unit}")
                        } else {
                            format!("{v:.1} {unit}")
                        };
                        if let Some(cp) = cp {
                            cell.push_str(&format!(" ({:.3}×)", v / cp));
                        }
                        if label.starts_with("SIGKILL") {
                            if let Some(d) = f.restart_delay {
                                cell.push_str(&format!(" ({} ms delay)", d.as_millis()));
                            }
                        }
                        if c.name != "hero_svc" {
                            cell.push_str(&ratio(hero.and_then(pick), Some(v)));
                        }
                        cell
                    }
                },
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    for c in columns {
        if let Ok(f) = &c.figures {
            if let Some(e) = &f.error {
                out.push_str(&format!("\n{}: stopped early: {e}\n", c.name));
            }
        }
    }
    out
}

/// Replaces the text between the `peers` markers of `docs/benchmarks.md` (or appends a
/// section with them).
fn write_docs(text: &str) -> std::io::Result<std::path::PathBuf> {
    const BEGIN: &str = "<!-- peers:begin (written by `cargo bench --bench peers`) -->";
    const END: &str = "<!-- peers:end -->";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/benchmarks.md");
    let doc = std::fs::read_to_string(&path)?;
    let block = format!("{BEGIN}\n{text}{END}");
    let new = match (doc.find(BEGIN), doc.find(END)) {
        (Some(a), Some(b)) if a < b => format!("{}{block}{}", &doc[..a], &doc[b + END.len()..]),
        _ => format!("{doc}\n## Peers, side by side\n\n{block}\n"),
    };
    let tmp = path.with_extension("md.tmp");
    std::fs::write(&tmp, new)?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}
