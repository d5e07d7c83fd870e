//! Release install throughput and memory: resolve ► download (sha256 while streaming) ►
//! ELF check ► atomic install of a 16 MiB and a 256 MiB asset from a loopback HTTP server,
//! through the real executor and tasks (`install::add_release_install`), against
//! `curl -o` + `sha256sum` and `curl -o` alone on the same file from the same server.
//!
//! Run with `cargo bench --bench install` (optional: `-- 16 256` sizes in MiB,
//! `HERO_BENCH_RUNS=7` runs per measure; `HERO_BENCH_DETAIL=1` prints each task's time,
//! `HERO_BENCH_PERF=<file>` records the pipeline runs with `perf record -g`). Method and
//! results are in `docs/benchmarks.md`.
//!
//! The orchestrating process serves the assets from memory on 127.0.0.1 (axum). Every
//! pipeline run happens in a child process (this binary re-executed with `__child`) with
//! a fresh bin dir and state store, so its peak RSS (`VmHWM`) is the pipeline's alone; the
//! child times the executor run itself and prints `<seconds> <VmHWM kB>`. Medians and bests
//! (minimum: the least disturbed run on a shared machine) are printed. Dirty pages are
//! flushed (`sync`) before every timed run so no run pays for the previous one's writeback.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use hero_svc::forge::{ForgeConfig, ReleaseVersion, asset_name};
use hero_svc::graph::{ExecutorConfig, RunRequest};
use hero_svc::recipes::{ReleaseInstall, add_release_install};
use hero_svc::state::StateStore;
use hero_svc::tasks::{Executor, PlanBuilder};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;
const OWNER: &str = "bench";
const REPO: &str = "bench";
const BINARY: &str = "bench_tool";

/// One published asset: the release tag is `s<MiB>`.
struct Published {
    tag: String,
    data: Bytes,
    sha256: String,
}

struct Server {
    root: String,
    assets: Vec<Published>,
}

fn asset() -> String {
    asset_name::for_host(BINARY, "")
}

/// `/bin/true` padded with pseudo-random bytes to `size`: a valid ELF file (the padding is
/// after everything its headers describe).
fn elf_of_size(size: usize) -> Vec<u8> {
    let mut data = std::fs::read("/bin/true").expect("/bin/true");
    assert!(data.len() < size);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while data.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let take = (size - data.len()).min(8);
        data.extend_from_slice(&x.to_le_bytes()[..take]);
    }
    data
}

async fn handler(State(server): State<Arc<Server>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let find = |tag: &str| server.assets.iter().find(|a| a.tag == tag);
    let bytes = |status: StatusCode, ctype: &str, body: Body| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, ctype)
            .body(body)
            .unwrap()
    };
    match segs.as_slice() {
        ["api", "v1", "repos", OWNER, REPO, "releases", "tags", tag] => match find(tag) {
            Some(a) => {
                let dl = format!("{}/{OWNER}/{REPO}/releases/download/{tag}", server.root);
                let sums = format!("{}  {}\n", a.sha256, asset());
                let json = serde_json::json!({
                    "tag_name": tag, "name": tag, "draft": false, "prerelease": false,
                    "created_at": "2025-01-01T00:00:00Z", "published_at": "2025-01-01T00:00:00Z",
                    "assets": [
                        {"name": asset(), "size": a.data.len(),
                         "browser_download_url": format!("{dl}/{}", asset())},
                        {"name": "SHA256SUMS", "size": sums.len(),
                         "browser_download_url": format!("{dl}/SHA256SUMS")},
                    ],
                });
                bytes(
                    StatusCode::OK,
                    "application/json",
                    Body::from(json.to_string()),
                )
            }
            None => bytes(StatusCode::NOT_FOUND, "text/plain", Body::empty()),
        },
        [OWNER, REPO, "releases", "download", tag, name] => match find(tag) {
            Some(a) if *name == asset() => bytes(
                StatusCode::OK,
                "application/octet-stream",
                Body::from(a.data.clone()),
            ),
            Some(a) if *name == "SHA256SUMS" => bytes(
                StatusCode::OK,
                "text/plain",
                Body::from(format!("{}  {}\n", a.sha256, asset())),
            ),
            _ => bytes(StatusCode::NOT_FOUND, "text/plain", Body::empty()),
        },
        _ => bytes(StatusCode::NOT_FOUND, "text/plain", Body::empty()),
    }
}

/// Child: one pipeline run of release `tag` from `root`, in a fresh dir under `work`.
/// Prints `<seconds> <VmHWM kB>`.
fn child(root: &str, tag: &str, size: u64, work: &Path) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir_in(work).expect("temp dir");
    let bin_dir = dir.path().join("bin");
    let store = StateStore::open(dir.path().join("state.db")).expect("state store");
    let install = ReleaseInstall {
        forge: ForgeConfig::forgejo(root).expect("forge url"),
        owner: OWNER.into(),
        repo: REPO.into(),
        version: ReleaseVersion::Tag(tag.into()),
        binary: BINARY.into(),
        asset_suffix: String::new(),
        bin_dir: bin_dir.clone(),
        service: "bench".into(),
    };
    let mut plan = PlanBuilder::new();
    add_release_install(&mut plan, &install);
    let plan = plan.build().expect("plan");
    let executor = Executor::new(ExecutorConfig::default(), store);
    let started = Instant::now();
    let report = rt.block_on(executor.run(&plan, RunRequest::new("install")));
    let secs = started.elapsed().as_secs_f64();
    if let Some(failed) = report.failed().next() {
        panic!("{}: {}", failed.key, failed.error.join(": "));
    }
    if std::env::var_os("HERO_BENCH_DETAIL").is_some() {
        for t in &report.tasks {
            eprintln!(
                "  {:<60} {:>8.1} ms",
                t.key.as_str(),
                t.duration_ms.unwrap_or(0.0)
            );
        }
    }
    let installed = std::fs::metadata(bin_dir.join(BINARY)).expect("installed");
    assert_eq!(installed.len(), size);
    println!("{secs} {}", vm_hwm_kib());
}

/// Peak resident set size of this process, in KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn flush_disks() {
    // SAFETY: sync(2) has no preconditions.
    unsafe { libc::sync() };
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn curl(url: &str, out: &Path) -> f64 {
    flush_disks();
    let t = Instant::now();
    let ok = Command::new("curl")
        .args(["-s", "-f", "-o"])
        .arg(out)
        .arg(url)
        .status()
        .expect("curl")
        .success();
    let secs = t.elapsed().as_secs_f64();
    assert!(ok, "curl failed");
    secs
}

fn curl_sha256sum(url: &str, out: &Path, want: &str) -> f64 {
    flush_disks();
    let t = Instant::now();
    let ok = Command::new("curl")
        .args(["-s", "-f", "-o"])
        .arg(out)
        .arg(url)
        .status()
        .expect("curl")
        .success();
    let sum = Command::new("sha256sum")
        .arg(out)
        .stderr(Stdio::inherit())
        .output()
        .expect("sha256sum");
    let secs = t.elapsed().as_secs_f64();
    assert!(ok && sum.status.success());
    assert!(String::from_utf8_lossy(&sum.stdout).starts_with(want));
    secs
}

fn pipeline(exe: &Path, root: &str, tag: &str, size: usize, work: &Path) -> (f64, u64) {
    flush_disks();
    // HERO_BENCH_PERF=<file>: record the pipeline runs with `perf record -g` (profiling).
    let mut cmd = match std::env::var_os("HERO_BENCH_PERF") {
        Some(file) => {
            let mut c = Command::new("perf");
            c.args(["record", "-q", "-F", "4000", "-g", "-o"])
                .arg(file)
                .arg("--")
                .arg(exe);
            c
        }
        None => Command::new(exe),
    };
    let out = cmd
        .args(["__child", root, tag, &size.to_string()])
        .arg(work)
        .stderr(Stdio::inherit())
        .output()
        .expect("child");
    assert!(out.status.success(), "pipeline child failed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let secs = parts.next().and_then(|s| s.parse().ok()).expect("seconds");
    let kib = parts.next().and_then(|s| s.parse().ok()).expect("VmHWM");
    (secs, kib)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("__child") {
        let size = args[4].parse().expect("size");
        child(&args[2], &args[3], size, Path::new(&args[5]));
        return;
    }
    let sizes: Vec<usize> = {
        let given: Vec<usize> = args[1..].iter().filter_map(|a| a.parse().ok()).collect();
        if given.is_empty() {
            vec![16, 256]
        } else {
            given
        }
    };
    let runs: usize = std::env::var("HERO_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let exe = std::env::current_exe().expect("current exe");
    let work = tempfile::tempdir().expect("work dir");
    let work_dir: PathBuf = work.path().to_path_buf();

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let root = format!("http://{}", listener.local_addr().expect("addr"));
    let assets = sizes
        .iter()
        .map(|&mib| {
            let data = elf_of_size(mib * MIB);
            Published {
                tag: format!("s{mib}"),
                sha256: hex::encode(Sha256::digest(&data)),
                data: Bytes::from(data),
            }
        })
        .collect();
    let server = Arc::new(Server {
        root: root.clone(),
        assets,
    });
    let app = Router::new().fallback(handler).with_state(server.clone());
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "install bench: {runs} runs per measure, medians; work dir {}; load {}",
        work_dir.display(),
        load().trim()
    );
    println!(
        "{:>15}  {:>22}  {:>22}  {:>22}  {:>9}  {:>9}  {:>10}",
        "size", "pipeline", "curl", "curl+sha256sum", "vs c+sha", "vs curl", "peak RSS"
    );
    for p in &server.assets {
        let size = p.data.len();
        let url = format!(
            "{root}/{OWNER}/{REPO}/releases/download/{}/{}",
            p.tag,
            asset()
        );
        let out = work_dir.join("curl.out");
        // One warm-up of each.
        pipeline(&exe, &root, &p.tag, size, &work_dir);
        curl(&url, &out);
        let (mut ours, mut c, mut cs, mut rss) = (vec![], vec![], vec![], 0u64);
        for _ in 0..runs {
            let (secs, kib) = pipeline(&exe, &root, &p.tag, size, &work_dir);
            ours.push(secs);
            rss = rss.max(kib);
            c.push(curl(&url, &out));
            let _ = std::fs::remove_file(&out);
            cs.push(curl_sha256sum(&url, &out, &p.sha256));
            let _ = std::fs::remove_file(&out);
        }
        let mibs = |secs: f64| size as f64 / MIB as f64 / secs;
        let cell = |secs: f64| format!("{:.0} ms {:>6.0} MiB/s", secs * 1e3, mibs(secs));
        let rows = [
            ("median", median(&mut ours), median(&mut c), median(&mut cs)),
            ("best", ours[0], c[0], cs[0]),
        ];
        for (what, ours, c, cs) in rows {
            println!(
                "{:>5} MiB {:<6}  {:>22}  {:>22}  {:>22}  {:>8.2}×  {:>8.2}×  {:>7} MiB",
                size / MIB,
                what,
                cell(ours),
                cell(c),
                cell(cs),
                cs / ours,
                ours / c,
                rss / 1024
            );
        }
    }
    println!("load after: {}", load().trim());
    drop(rt);
}
