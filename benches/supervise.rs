//! Supervision costs, with real `hero_demo` processes and the builtin supervisor:
//!
//! - (a) start → healthy of a service with a readiness delay D, through
//!   `Supervisor::start` and `wait_healthy`: the time over D;
//! - (b) stop of a service that exits on SIGTERM: the time `Supervisor::stop` takes over the
//!   process's own exit time (measured on an unsupervised instance: SIGTERM → reaped);
//! - (c) a process hosting the supervisor (2 worker threads, like the daemon) with 30 idle
//!   supervised services: its CPU time over 10 s and its memory.
//!
//! Run with `cargo bench --bench supervise` (release); `SUPERVISE_TRACE=1` also prints every
//! probe of (a) (time since the start call, latency, answer). `HERO_DEMO_BIN` points at a prebuilt
//! `hero_demo`; otherwise it is built. Results and method are in `docs/benchmarks.md`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use hero_svc::health::{Probe, wait_healthy};
use hero_svc::state::StateStore;
use hero_svc::supervisor::{BuiltinConfig, BuiltinSupervisor, ProcessSpec, Supervisor};

const RUNS: usize = 20;
const READY_DELAY: Duration = Duration::from_millis(100);
const IDLE_SERVICES: usize = 30;
const IDLE_FOR: Duration = Duration::from_secs(10);

fn main() {
    // `cargo bench` passes `--bench`; a name filter is not supported.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(run());
}

async fn run() {
    let demo = demo_bin();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = StateStore::open(dir.path().join("state.db")).expect("state store");
    let sup = BuiltinSupervisor::open(BuiltinConfig::new(dir.path().join("logs")), store)
        .await
        .expect("supervisor");
    let sockets = dir.path().join("s");

    println!("supervise: hero_demo = {}", demo.display());
    start_to_healthy(&sup, &demo, &sockets).await;
    stop_overhead(&sup, &demo, &sockets).await;
    idle_cost(&sup, &demo, &sockets).await;
    for status in sup.list().await.expect("list") {
        let _ = sup.remove(&status.name).await;
    }
}

fn spec(demo: &Path, sockets: &Path, name: &str, extra: &[&str]) -> ProcessSpec {
    let socket = sockets.join(name).join("rpc.sock");
    ProcessSpec::new(name, demo)
        .args(["--name", name, "--socket"])
        .args([socket.to_string_lossy().to_string()])
        .args(extra.iter().copied())
        .socket(socket)
}

/// (a) start → healthy over the readiness delay.
async fn start_to_healthy(sup: &BuiltinSupervisor, demo: &Path, sockets: &Path) {
    let delay = READY_DELAY.as_millis().to_string();
    let name = "bench_ready";
    let probe = Probe::health(sockets.join(name).join("rpc.sock"));
    sup.register(spec(demo, sockets, name, &["--ready-delay-ms", &delay]))
        .await
        .expect("register");
    let mut overhead = Vec::new();
    let mut start_call = Vec::new();
    let mut probes = Vec::new();
    for _ in 0..RUNS {
        let t0 = Instant::now();
        sup.start(name).await.expect("start");
        start_call.push(t0.elapsed());
        let mut trace = Vec::new();
        let healthy = wait_healthy(&probe, Duration::from_secs(10), |r, _| {
            trace.push((
                t0.elapsed().as_micros(),
                r.latency.as_micros(),
                r.detail.clone(),
            ))
        })
        .await
        .expect("healthy");
        if std::env::var_os("SUPERVISE_TRACE").is_some() {
            println!("{trace:?}");
        }
        overhead.push(t0.elapsed().saturating_sub(READY_DELAY));
        probes.push(Duration::from_millis(u64::from(healthy.attempts)));
        sup.stop(name).await.expect("stop");
    }
    println!(
        "(a) start → healthy, D = {} ms, {RUNS} runs: overhead over D median {} p90 {} \
         (start call median {}, probes median {})",
        READY_DELAY.as_millis(),
        ms(percentile(&mut overhead, 50)),
        ms(percentile(&mut overhead, 90)),
        ms(percentile(&mut start_call, 50)),
        percentile(&mut probes, 50).as_millis(),
    );
}

/// (b) stop duration over the process's own exit time.
async fn stop_overhead(sup: &BuiltinSupervisor, demo: &Path, sockets: &Path) {
    // The process's own exit time: SIGTERM to an unsupervised instance → reaped.
    let mut exit = Vec::new();
    for i in 0..RUNS {
        let name = format!("bench_exit_{i}");
        let socket = sockets.join(&name).join("rpc.sock");
        let mut child = tokio::process::Command::new(demo)
            .args(["--name", &name, "--socket"])
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn hero_demo");
        wait_healthy(&Probe::health(&socket), Duration::from_secs(10), |_, _| {})
            .await
            .expect("healthy");
        let pid = child.id().expect("pid") as libc::pid_t;
        let t0 = Instant::now();
        // SAFETY: kill only sends a signal to our own child.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        child.wait().await.expect("wait");
        exit.push(t0.elapsed());
    }
    let name = "bench_stop";
    let probe = Probe::health(sockets.join(name).join("rpc.sock"));
    sup.register(spec(demo, sockets, name, &[]))
        .await
        .expect("register");
    let mut stop = Vec::new();
    for _ in 0..RUNS {
        sup.start(name).await.expect("start");
        wait_healthy(&probe, Duration::from_secs(10), |_, _| {})
            .await
            .expect("healthy");
        let t0 = Instant::now();
        sup.stop(name).await.expect("stop");
        stop.push(t0.elapsed());
    }
    let exit_median = percentile(&mut exit, 50);
    let stop_median = percentile(&mut stop, 50);
    println!(
        "(b) stop, {RUNS} runs: own exit time median {} p90 {}; stop call median {} p90 {}; \
         overhead (median) {}",
        ms(exit_median),
        ms(percentile(&mut exit, 90)),
        ms(stop_median),
        ms(percentile(&mut stop, 90)),
        ms(stop_median.saturating_sub(exit_median)),
    );
}

/// (c) CPU and memory of the hosting process with 30 idle services.
async fn idle_cost(sup: &BuiltinSupervisor, demo: &Path, sockets: &Path) {
    let mut probes = Vec::new();
    for i in 0..IDLE_SERVICES {
        let name = format!("bench_idle_{i}");
        sup.register(spec(demo, sockets, &name, &[]))
            .await
            .expect("register");
        sup.start(&name).await.expect("start");
        probes.push(Probe::health(sockets.join(&name).join("rpc.sock")));
    }
    for probe in &probes {
        wait_healthy(probe, Duration::from_secs(10), |_, _| {})
            .await
            .expect("healthy");
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = cpu_ticks();
    let t0 = Instant::now();
    tokio::time::sleep(IDLE_FOR).await;
    let ticks = cpu_ticks() - before;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let (rss, hwm) = memory_kib();
    println!(
        "(c) {IDLE_SERVICES} idle services for {:.1} s: CPU {:.0} ms ({ticks} ticks of {:.0} ms); \
         VmRSS {:.1} MiB, VmHWM {:.1} MiB",
        t0.elapsed().as_secs_f64(),
        ticks as f64 * 1000.0 / hz,
        1000.0 / hz,
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
    );
}

/// utime + stime of this process, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    let rest = &stat[stat.rfind(')').expect("comm") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

/// VmRSS and VmHWM of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(samples: &mut [Duration], p: usize) -> Duration {
    samples.sort();
    let i = (samples.len() * p).div_ceil(100).saturating_sub(1);
    samples[i.min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The `hero_demo` binary: `HERO_DEMO_BIN`, or built into this bench's target dir.
fn demo_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("HERO_DEMO_BIN") {
        return PathBuf::from(bin);
    }
    // <target>/release/deps/supervise-xxx → <target>/release/hero_demo
    let exe = std::env::current_exe().expect("path of the bench binary");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("bench binary lives in <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("profile dir has a parent");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let status = std::process::Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "hero_demo",
            "--bin",
            "hero_demo",
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .status()
        .expect("run cargo build -p hero_demo");
    assert!(
        status.success(),
        "cargo build -p hero_demo failed: {status}"
    );
    profile_dir.join("hero_demo")
}
