//! Deploy against its critical path: `deploy --all` through a daemon, from a warm build
//! cache (binaries built and installed, services stopped), compared with
//!
//! - (a) the critical-path lower bound: the longest chain, along the dependency DAG, of each
//!   service's own readiness time (spawn to the first passing `/health`) measured standalone
//!   — installs are up to date in a warm deploy and count as zero;
//! - (b) starting the same services one after another (start, wait healthy, next), the way
//!   the nu scripts did.
//!
//! Three catalogs of the demo binaries: the demo catalog as is, a chain of eight, and a wide
//! fan (one root, seven dependents). The daemon runs in this process with the extra
//! catalogs (`DaemonOptions::catalogs`). Also: a no-op second deploy, timed as a whole
//! `hero_svc --catalog demo deploy --all` process against the running daemon.
//!
//! Run with `cargo bench --bench deploy`; results and method are in `docs/benchmarks.md`.
//! The demo binaries are built once with the dev profile into the shared build dir
//! (`<target>/hero_svc_demo_builds`); their start-up does not depend on the profile.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hero_svc::cli::run_daemon as run;
use hero_svc::daemon::DaemonOptions;
use hero_svc::health::Probe;
use hero_svc::paths::HeroPaths;
use hero_svc::rpc::RpcClient;
use hero_svc::services::demo::{BINARIES, DemoService};
use hero_svc::services::{Catalog, Source};
use hero_svc::tasks::GitRef;
use serde_json::{Value, json};

/// The tests' helpers: the demo repository and its daemon's environment.
#[path = "../tests/integration/support/mod.rs"]
mod support;
use support::demo_repo::DemoRepo;

/// Measured runs per catalog (the median is reported).
const RUNS: usize = 5;
/// Readiness delay of every service of the chain and the fan.
const READY_MS: u64 = 100;

fn main() {
    let work = tempfile::tempdir().expect("temp dir");
    let demo = DemoRepo::create();
    let repo = demo.path().to_path_buf();
    let root = work.path().join("root");
    // The tests' demo daemon environment (its catalog variable aside: the daemon runs in
    // this process with the catalogs below).
    let env: Vec<(String, String)> = support::daemon::demo_env(&root, &repo)
        .into_iter()
        .filter(|(k, _)| k != "HERO_SVC_CATALOG")
        .collect();
    for (k, v) in &env {
        // SAFETY: set before any other thread exists.
        unsafe { std::env::set_var(k, v) };
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(bench(&root, &repo, &env));
}

async fn bench(root: &Path, repo: &Path, env: &[(String, String)]) {
    let paths = HeroPaths::with_root(root);
    let source = Source::git(&repo.display().to_string(), GitRef::Branch("main".into()));
    let catalogs = vec![chain(&source), fan(&source)];
    let specs: BTreeMap<String, Catalog> = [
        (
            "demo".to_string(),
            hero_svc::services::demo::catalog(source.clone()),
        ),
        ("chain".to_string(), chain(&source)),
        ("fan".to_string(), fan(&source)),
    ]
    .into_iter()
    .collect();
    let mut options = DaemonOptions::new(paths.clone());
    options.default_catalog = "demo".to_string();
    options.catalogs = catalogs;
    let socket = paths.daemon_socket();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let daemon = tokio::spawn(async move {
        run(options, move |_| {
            let _ = ready_tx.send(());
        })
        .await
    });
    ready_rx.await.expect("the daemon started");
    let client = RpcClient::new(&socket).timeout(None);

    // Warm up: build and install everything once.
    let started = Instant::now();
    call(&client, "service.deploy", "demo").await;
    call(&client, "service.stop", "demo").await;
    eprintln!(
        "warm-up build and deploy: {:.1}s",
        started.elapsed().as_secs_f64()
    );

    println!(
        "| catalog | lower bound (a) | one after another (b) | deploy (median of {RUNS}) | deploy / (a) | deploy critical path |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, catalog) in &specs {
        let readiness = standalone(catalog, &paths).await;
        let bound = lower_bound(catalog, &readiness.each);
        let mut walls = Vec::new();
        let mut critical = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let report = call(&client, "service.deploy", name).await;
            walls.push(t.elapsed().as_secs_f64() * 1000.0);
            critical.push(describe_critical(&report));
            call(&client, "service.stop", name).await;
        }
        let median = median(&mut walls.clone());
        let pick = walls.iter().position(|w| *w == median).unwrap_or_default();
        println!(
            "| {name} | {bound:.0} ms | {:.0} ms | {median:.0} ms (runs: {}) | {:.3}× | {} |",
            readiness.sequential_ms,
            walls
                .iter()
                .map(|w| format!("{w:.0}"))
                .collect::<Vec<_>>()
                .join(", "),
            median / bound,
            critical[pick]
        );
        eprintln!("{name}: standalone readiness {:?}", readiness.each);
    }

    // The no-op: everything runs, a second deploy is a whole CLI process.
    call(&client, "service.deploy", "demo").await;
    let mut noop = Vec::new();
    for _ in 0..RUNS * 2 {
        let t = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_hero_svc"))
            .args([
                "--catalog",
                "demo",
                "--progress",
                "quiet",
                "deploy",
                "--all",
            ])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("HERO_SVC_SOCKET", &socket)
            .stdout(Stdio::null())
            .status()
            .expect("hero_svc runs");
        noop.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(status.success(), "the no-op deploy failed");
    }
    let last = call(&client, "service.deploy", "demo").await;
    println!();
    println!(
        "no-op `hero_svc --catalog demo deploy --all` (whole process): median {:.0} ms, min {:.0} ms, max {:.0} ms; in the daemon: {:.0} ms for {} tasks",
        median(&mut noop.clone()),
        noop.iter().cloned().fold(f64::MAX, f64::min),
        noop.iter().cloned().fold(0.0, f64::max),
        last["duration_ms"].as_f64().unwrap_or_default(),
        last["totals"]["total"]
    );
    let slowest = slowest_tasks(&last);
    println!("no-op, slowest tasks: {slowest}");

    call(&client, "service.stop", "demo").await;
    daemon.abort();
}

/// Calls `method` on every service of `catalog`; panics when it fails.
async fn call(client: &RpcClient, method: &str, catalog: &str) -> Value {
    client
        .call(method, json!({ "all": true, "catalog": catalog }))
        .await
        .unwrap_or_else(|e| panic!("{method} on {catalog} failed: {e}"))
}

/// Eight services in a line, each on the previous one.
fn chain(source: &Source) -> Catalog {
    let mut c = Catalog::new("chain");
    for (i, name) in BINARIES.iter().enumerate() {
        let deps: Vec<&str> = if i == 0 {
            vec![]
        } else {
            vec![BINARIES[i - 1]]
        };
        c = c.service(
            DemoService::new(name, "a link of the chain", source.clone())
                .depends_on(&deps)
                .ready_after_ms(READY_MS)
                .built_with(&BINARIES),
        );
    }
    c
}

/// One root and seven services on it.
fn fan(source: &Source) -> Catalog {
    let mut c = Catalog::new("fan");
    for (i, name) in BINARIES.iter().enumerate() {
        let deps: Vec<&str> = if i == 0 { vec![] } else { vec![BINARIES[0]] };
        c = c.service(
            DemoService::new(name, "a blade of the fan", source.clone())
                .depends_on(&deps)
                .ready_after_ms(READY_MS)
                .built_with(&BINARIES),
        );
    }
    c
}

struct Readiness {
    /// Spawn to healthy, per service.
    each: BTreeMap<String, f64>,
    /// Start, wait healthy, next — for all of them, in dependency order.
    sequential_ms: f64,
}

/// Starts the installed binaries one after another in dependency order, each with its
/// service's environment, and times each until healthy (probing every 0.5 ms).
async fn standalone(catalog: &Catalog, paths: &HeroPaths) -> Readiness {
    let ctx = hero_svc::services::ServiceContext::new(
        paths.clone(),
        hero_svc::forge::ForgeConfig::from_env().expect("forge config"),
    );
    let order = catalog
        .with_dependencies(
            &catalog
                .services()
                .iter()
                .map(|s| s.name().to_string())
                .collect::<Vec<_>>(),
        )
        .expect("valid catalog");
    let mut children: Vec<Child> = Vec::new();
    let mut each = BTreeMap::new();
    let all = Instant::now();
    for name in &order {
        let svc = catalog.get(name).expect("listed");
        let spec = svc.processes(&ctx).expect("processes").remove(0);
        let t = Instant::now();
        let child = Command::new(&spec.executable)
            .args(&spec.args)
            .env_clear()
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("demo binary starts");
        children.push(child);
        let probe = Probe::health(svc.rpc_socket(&ctx));
        while !probe.check().await.healthy {
            tokio::time::sleep(Duration::from_micros(500)).await;
        }
        each.insert(name.clone(), t.elapsed().as_secs_f64() * 1000.0);
    }
    let sequential_ms = all.elapsed().as_secs_f64() * 1000.0;
    for mut c in children {
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
        let _ = c.wait();
    }
    Readiness {
        each,
        sequential_ms,
    }
}

/// The longest chain of readiness times along the dependency DAG.
fn lower_bound(catalog: &Catalog, readiness: &BTreeMap<String, f64>) -> f64 {
    let mut done: BTreeMap<String, f64> = BTreeMap::new();
    let names: Vec<String> = catalog
        .services()
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    for name in catalog.with_dependencies(&names).expect("valid catalog") {
        let svc = catalog.get(&name).expect("listed");
        let start = svc
            .dependencies()
            .iter()
            .map(|d| done[d])
            .fold(0.0, f64::max);
        done.insert(name.clone(), start + readiness[&name]);
    }
    done.values().cloned().fold(0.0, f64::max)
}

fn describe_critical(report: &Value) -> String {
    let steps = report["critical_path"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    steps
        .iter()
        .filter(|s| s["duration_ms"].as_f64().unwrap_or_default() >= 1.0)
        .map(|s| {
            format!(
                "{} {:.0}",
                s["key"].as_str().unwrap_or_default(),
                s["duration_ms"].as_f64().unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

fn slowest_tasks(report: &Value) -> String {
    let mut tasks: Vec<(f64, String)> = report["tasks"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            (
                t["duration_ms"].as_f64().unwrap_or_default(),
                t["key"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    tasks.sort_by(|a, b| b.0.total_cmp(&a.0));
    tasks
        .iter()
        .take(5)
        .map(|(d, k)| format!("{k} {d:.1} ms"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
