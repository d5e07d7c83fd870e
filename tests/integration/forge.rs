//! Resolving releases and downloading assets against a stand-in Forgejo (and its storage
//! host), directly through the client and through the executor.

use std::path::Path;
use std::time::Duration;

use hero_svc::forge::{
    DownloadRequest, Downloaded, ForgeClient, ForgeConfig, ForgeError, ForgeEvent, MinRate,
    ReleaseSource, ReleaseVersion, ResolvedRelease, asset_name,
};
use hero_svc::graph::{EventKind, ExecutionReport, ExecutorConfig, RunRequest, TaskStatus};
use hero_svc::state::StateStore;
use hero_svc::tasks::{DownloadAsset, ResolveRelease, TaskOutput};
use hero_svc::tasks::{Executor, PlanBuilder};

use crate::support::events::Collector;
use crate::support::forge::{Echo, StandInForge, asset, sha256_hex};

const OWNER: &str = "lhumina_code";
const REPO: &str = "hero_tool";
const TOKEN: &str = "t0k3n-very-secret";

/// A real ELF file to publish.
fn elf() -> Vec<u8> {
    std::fs::read("/bin/true").unwrap()
}

/// Another real ELF file (a different binary).
fn other_elf() -> Vec<u8> {
    std::fs::read("/bin/false").unwrap()
}

fn host_asset(bin: &str) -> String {
    asset_name::for_host(bin, "")
}

async fn resolve(cfg: &ForgeConfig, version: &str) -> Result<ResolvedRelease, ForgeError> {
    let client = ForgeClient::new(cfg.clone()).unwrap();
    client
        .resolve_release(
            &ReleaseSource::release(OWNER, REPO, ReleaseVersion::parse(version)),
            &mut |_| {},
        )
        .await
}

/// Resolves `version` and downloads `asset` into `bin_dir` as `tool`.
async fn fetch(
    cfg: &ForgeConfig,
    version: &str,
    asset: &str,
    bin_dir: &Path,
) -> Result<Downloaded, ForgeError> {
    let release = resolve(cfg, version).await?;
    let a = release.asset(asset).unwrap().clone();
    let expected = a.expected_sha256()?;
    let client = ForgeClient::new(cfg.clone()).unwrap();
    let request = DownloadRequest {
        url: &a.url,
        asset: &a.name,
        dest_dir: bin_dir,
        file_name: "tool",
        expected_sha256: expected.map(|(sha, _)| sha),
        sha256_source: expected.map(|(_, source)| source),
        expected_size: Some(a.size),
        expect_binary: true,
    };
    client.download(&request, &mut |_| {}).await
}

/// An error and its causes, joined as the reports show them.
fn chain(err: &ForgeError) -> String {
    hero_svc::util::error_chain(err).join(": ")
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A bin dir holding a previous `tool`.
fn bin_dir_with_previous(root: &Path) -> std::path::PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("tool"), b"previous binary").unwrap();
    bin
}

/// After a failure: only the previous binary, unchanged.
fn assert_untouched(bin: &Path) {
    assert_eq!(
        entries(bin),
        vec!["tool".to_string()],
        "no staging file left"
    );
    assert_eq!(std::fs::read(bin.join("tool")).unwrap(), b"previous binary");
}

#[tokio::test]
async fn resolves_latest_by_tag_and_latest_dev() {
    let forge = StandInForge::start().await;
    forge.release(
        OWNER,
        REPO,
        "v0.1.0",
        false,
        vec![asset(&host_asset("tool"), &elf())],
    );
    forge.release(
        OWNER,
        REPO,
        "v0.2.0",
        false,
        vec![asset(&host_asset("tool"), &elf())],
    );
    forge.release(
        OWNER,
        REPO,
        "latest-dev",
        true,
        vec![asset(&host_asset("tool"), &other_elf())],
    );
    forge.draft(OWNER, REPO, "v0.3.0-draft", vec![]);
    let cfg = forge.config();

    let latest = resolve(&cfg, "latest").await.unwrap();
    assert_eq!(latest.tag, "v0.2.0");
    assert!(!latest.prerelease);
    assert_eq!(latest.repo, format!("{OWNER}/{REPO}"));
    let a = latest.asset(&host_asset("tool")).unwrap();
    assert_eq!(a.size, elf().len() as u64);
    assert_eq!(
        a.url,
        format!(
            "{}/{OWNER}/{REPO}/releases/download/v0.2.0/{}",
            forge.url,
            host_asset("tool")
        )
    );
    assert!(latest.published_at.is_some());

    assert_eq!(resolve(&cfg, "v0.1.0").await.unwrap().tag, "v0.1.0");
    let dev = resolve(&cfg, "latest-dev").await.unwrap();
    assert_eq!(dev.tag, "latest-dev");
    assert!(dev.prerelease);

    let err = resolve(&cfg, "v9.9.9").await.unwrap_err().to_string();
    assert!(
        err.contains("release `v9.9.9` of lhumina_code/hero_tool not found"),
        "{err}"
    );
    assert!(err.contains("latest-dev, v0.2.0, v0.1.0"), "{err}");

    let paths: Vec<String> = forge.requests().iter().map(|r| r.uri.clone()).collect();
    assert!(paths.contains(&format!("/api/v1/repos/{OWNER}/{REPO}/releases/latest")));
    assert!(paths.contains(&format!(
        "/api/v1/repos/{OWNER}/{REPO}/releases/tags/latest-dev"
    )));
}

#[tokio::test]
async fn latest_on_a_prerelease_only_repo_says_what_to_do() {
    let forge = StandInForge::start().await;
    forge.release(
        OWNER,
        REPO,
        "latest-dev",
        true,
        vec![asset(&host_asset("tool"), &elf())],
    );
    let err = resolve(&forge.config(), "latest").await.unwrap_err();
    assert!(matches!(err, ForgeError::OnlyPrereleases { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("only prereleases (latest-dev)"), "{msg}");
    assert!(msg.contains("--tag latest-dev"), "{msg}");

    let empty = StandInForge::start().await;
    empty.private_repo("someone", "norel", "x");
    let cfg = empty.config_with_token("x");
    let err = ForgeClient::new(cfg)
        .unwrap()
        .resolve_release(
            &ReleaseSource::release("someone", "norel", ReleaseVersion::Latest),
            &mut |_| {},
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::NoReleases { .. }), "{err:?}");
}

#[tokio::test]
async fn private_repo_needs_the_token_and_never_shows_it() {
    let forge = StandInForge::start().await;
    forge.private_repo(OWNER, REPO, TOKEN);
    forge.release(
        OWNER,
        REPO,
        "v1.0.0",
        false,
        vec![asset(&host_asset("tool"), &elf())],
    );

    let err = resolve(&forge.config(), "latest").await.unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("repository lhumina_code/hero_tool not found"),
        "{msg}"
    );
    assert!(msg.contains("set FORGE_TOKEN"), "{msg}");

    let wrong = forge.config_with_token("wrong-token");
    let err = resolve(&wrong, "latest").await.unwrap_err();
    assert!(matches!(err, ForgeError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("user does not exist"), "{err}");
    assert!(err.to_string().contains("check FORGE_TOKEN"), "{err}");

    let cfg = forge.config_with_token(TOKEN);
    assert!(!format!("{cfg:?}").contains(TOKEN));
    let release = resolve(&cfg, "latest").await.unwrap();
    assert_eq!(release.tag, "v1.0.0");
    let sent = forge
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect::<Vec<_>>();
    assert!(sent.contains(&format!("token {TOKEN}")));
}

#[tokio::test]
async fn missing_asset_lists_the_assets_there_are() {
    let forge = StandInForge::start().await;
    forge.release(
        OWNER,
        REPO,
        "v1.0.0",
        false,
        vec![
            asset("tool-darwin-arm64", b"x"),
            asset("tool-linux-riscv64", b"y"),
        ],
    );
    let tmp = tempfile::tempdir().unwrap();
    let (report, _) = run_plan(
        &forge.config(),
        "latest",
        &tmp.path().join("bin"),
        tmp.path(),
    )
    .await;
    let failed = report.task(&download_key("latest")).unwrap();
    assert_eq!(failed.status, TaskStatus::Failed);
    let msg = failed.error.join(": ");
    assert!(
        msg.contains(&format!("has no asset `{}`", host_asset("tool"))),
        "{msg}"
    );
    assert!(
        msg.contains("it has: tool-darwin-arm64, tool-linux-riscv64"),
        "{msg}"
    );
    assert_eq!(failed.attempts, 1, "a missing asset is not retried");
}

/// The resolve → download plan for `tool` from `version`.
fn plan_for(cfg: &ForgeConfig, version: &str, bin: &Path) -> hero_svc::tasks::Plan {
    let mut plan = PlanBuilder::new();
    let resolve = ResolveRelease::new(cfg.clone(), OWNER, REPO, ReleaseVersion::parse(version));
    let download = DownloadAsset::new(&resolve, "tool", bin);
    let r = plan.add(resolve);
    plan.add_after(download, [&r]);
    plan.build().unwrap()
}

fn download_key(version: &str) -> String {
    format!("download:{OWNER}/{REPO}@{version}/{}", host_asset("tool"))
}

async fn run_plan(
    cfg: &ForgeConfig,
    version: &str,
    bin: &Path,
    state_dir: &Path,
) -> (ExecutionReport, Collector) {
    let store = StateStore::open(state_dir.join("state.db")).unwrap();
    let executor = Executor::new(ExecutorConfig::default(), store);
    let events = Collector::new();
    let plan = plan_for(cfg, version, bin);
    let report = executor
        .run(&plan, RunRequest::new("install").sink(events.sink()))
        .await;
    (report, events)
}

fn recorded_artifact(state_dir: &Path, key: &str) -> hero_svc::tasks::Artifact {
    let store = StateStore::open(state_dir.join("state.db")).unwrap();
    let cached = store.cached(key).unwrap().unwrap();
    match serde_json::from_str::<TaskOutput>(&cached.output).unwrap() {
        TaskOutput::Artifact(a) => a,
        other => panic!("not an artifact: {other:?}"),
    }
}

#[tokio::test]
async fn plan_downloads_through_a_redirect_without_leaking_the_token_then_is_up_to_date() {
    let forge = StandInForge::start().await;
    forge.private_repo(OWNER, REPO, TOKEN);
    let data: Vec<u8> = elf().repeat(4); // large enough for several progress events
    forge.release(
        OWNER,
        REPO,
        "v1.0.0",
        false,
        vec![asset(&host_asset("tool"), &data)],
    );
    let cfg = forge.config_with_token(TOKEN);
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");

    let (report, events) = run_plan(&cfg, "latest", &bin, tmp.path()).await;
    assert!(report.failed().next().is_none(), "{report:#?}");
    let artifact = recorded_artifact(tmp.path(), &download_key("latest"));
    assert_eq!(artifact.binary, "tool");
    assert_eq!(artifact.sha256, sha256_hex(&data));
    assert_eq!(artifact.bytes, data.len() as u64);
    assert_eq!(artifact.version, "v1.0.0");
    assert!(
        artifact
            .origin
            .contains("release v1.0.0 of lhumina_code/hero_tool")
    );
    assert_eq!(artifact.path.parent().unwrap(), bin);
    let staging = artifact
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(staging.starts_with(".tool.download-"), "{staging}");
    assert_eq!(std::fs::read(&artifact.path).unwrap(), data);
    assert_eq!(entries(&bin), vec![staging.clone()]);

    // Progress: byte counts rising to the total.
    let progress: Vec<(u64, Option<u64>)> = events
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskProgressed {
                task, done, total, ..
            } if task.as_str() == download_key("latest") => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert!(progress.len() >= 2, "{progress:?}");
    assert_eq!(
        progress.last().unwrap(),
        &(data.len() as u64, Some(data.len() as u64))
    );
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));

    // The forge got the token, the storage host never did.
    let requests = forge.requests();
    let to_forge = requests
        .iter()
        .find(|r| r.server == "forge" && r.uri.contains("/releases/download/"))
        .unwrap();
    assert_eq!(
        to_forge.header("authorization"),
        Some(format!("token {TOKEN}").as_str())
    );
    let to_storage: Vec<_> = requests.iter().filter(|r| r.server == "storage").collect();
    assert_eq!(to_storage.len(), 1);
    assert!(to_storage[0].header("authorization").is_none());
    assert!(
        requests
            .iter()
            .all(|r| r.server == "forge" || r.headers.iter().all(|(_, v)| !v.contains(TOKEN)))
    );

    // Nothing the run reports holds the token.
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(TOKEN));
    assert!(
        events
            .events()
            .iter()
            .all(|e| !serde_json::to_string(e).unwrap().contains(TOKEN))
    );

    // Install it the way the install task does, then run again: up to date, no download.
    std::fs::rename(&artifact.path, bin.join("tool")).unwrap();
    let before = forge.requests().len();
    let (second, _) = run_plan(&cfg, "latest", &bin, tmp.path()).await;
    let d = second.task(&download_key("latest")).unwrap();
    assert_eq!(d.status, TaskStatus::UpToDate, "{second:#?}");
    assert_eq!(
        d.reason.as_deref(),
        Some("up to date: installed binary matches the release asset")
    );
    let new_requests = &forge.requests()[before..];
    assert!(
        new_requests
            .iter()
            .all(|r| !r.uri.contains("/releases/download/"))
    );
    assert_eq!(entries(&bin), vec!["tool".to_string()]);

    // A changed installed binary makes the download run again.
    std::fs::write(bin.join("tool"), b"tampered").unwrap();
    let (third, _) = run_plan(&cfg, "latest", &bin, tmp.path()).await;
    assert_eq!(
        third.task(&download_key("latest")).unwrap().status,
        TaskStatus::Succeeded
    );
}

#[tokio::test]
async fn checksums_from_sha256sums_and_sidecars_are_verified() {
    let forge = StandInForge::start().await;
    let data = elf();
    let name = host_asset("tool");
    let sums = format!(
        "{}  ./{name}\n{}  other\n",
        sha256_hex(&data),
        sha256_hex(b"z")
    );
    forge.release(
        OWNER,
        REPO,
        "v1.0.0",
        false,
        vec![asset(&name, &data), asset("SHA256SUMS", sums.as_bytes())],
    );
    let cfg = forge.config();
    let release = resolve(&cfg, "v1.0.0").await.unwrap();
    let a = release.asset(&name).unwrap();
    assert_eq!(a.sha256.as_deref(), Some(sha256_hex(&data).as_str()));
    assert_eq!(a.sha256_source.as_deref(), Some("SHA256SUMS"));
    assert_eq!(release.checksum_files, vec!["SHA256SUMS".to_string()]);
    let (_tmp, bin) = bin_dir();
    let got = fetch(&cfg, "v1.0.0", &name, &bin).await.unwrap();
    assert_eq!(got.sha256, sha256_hex(&data));
    std::fs::remove_file(&got.path).unwrap();

    // A sidecar that disagrees with the bytes: refused, nothing left behind.
    forge.release(
        OWNER,
        REPO,
        "v1.0.1",
        false,
        vec![
            asset(&name, &data),
            asset(
                &format!("{name}.sha256"),
                format!("{}  {name}\n", sha256_hex(b"not it")).as_bytes(),
            ),
        ],
    );
    let err = fetch(&cfg, "v1.0.1", &name, &bin).await.unwrap_err();
    assert!(
        matches!(err, ForgeError::ChecksumMismatch { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "{name}.sha256 says sha256 {}",
            sha256_hex(b"not it")
        )),
        "{msg}"
    );
    assert!(msg.contains("nothing was installed"), "{msg}");
    assert_untouched(&bin);
}

#[tokio::test]
async fn github_digest_is_verified() {
    let forge = StandInForge::start().await;
    let data = elf();
    let name = host_asset("tool");
    forge.release(OWNER, REPO, "v2.0.0", false, vec![asset(&name, &data)]);
    let cfg = forge.github_config();
    let release = resolve(&cfg, "latest").await.unwrap();
    let a = release.asset(&name).unwrap();
    assert_eq!(
        a.digest.as_deref(),
        Some(format!("sha256:{}", sha256_hex(&data)).as_str())
    );
    assert_eq!(a.sha256_source.as_deref(), Some("digest"));
    assert!(
        forge
            .requests()
            .iter()
            .any(|r| r.uri == format!("/repos/{OWNER}/{REPO}/releases/latest"))
    );
    let tmp = tempfile::tempdir().unwrap();
    let got = fetch(&cfg, "latest", &name, tmp.path()).await.unwrap();
    assert_eq!(got.bytes, data.len() as u64);
}

#[tokio::test]
async fn an_html_page_with_200_is_refused() {
    let forge = tool_release().await;
    forge.set_mode(|m| m.html = true);
    let (_tmp, bin) = bin_dir();
    let err = fetch(&forge.config(), "latest", &host_asset("tool"), &bin)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("the server returned an HTML page instead of a binary"),
        "{msg}"
    );
    assert!(
        !msg.contains("X-Amz-Signature"),
        "no query strings in messages: {msg}"
    );
    assert_untouched(&bin);
}

#[tokio::test]
async fn a_truncated_body_is_refused_after_retries() {
    let forge = tool_release().await;
    forge.set_mode(|m| m.truncate = true);
    let (_tmp, bin) = bin_dir();
    let err = fetch(&forge.config(), "latest", &host_asset("tool"), &bin)
        .await
        .unwrap_err();
    assert!(
        matches!(err.last_attempt(), ForgeError::Truncated { .. }),
        "{err:?}"
    );
    assert!(chain(&err).contains("ended early"), "{err}");
    assert!(
        chain(&err).starts_with("failed after 3 attempts in "),
        "{err}"
    );
    let storage_hits = storage_hits(&forge);
    assert_eq!(storage_hits, 3, "retried up to max_attempts");
    assert_untouched(&bin);
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let data = elf();
    let forge = tool_release_with(&data).await;
    forge.set_mode(|m| m.fail_next = 2);
    let tmp = tempfile::tempdir().unwrap();
    let got = fetch(&forge.config(), "latest", &host_asset("tool"), tmp.path())
        .await
        .unwrap();
    assert_eq!(std::fs::read(&got.path).unwrap(), data);
    let storage_hits = storage_hits(&forge);
    assert_eq!(storage_hits, 3);
    assert_eq!(entries(tmp.path()).len(), 1);

    // More failures than attempts: the 500 is reported.
    forge.set_mode(|m| m.fail_next = 10);
    let bin = bin_dir_with_previous(tmp.path());
    let err = fetch(&forge.config(), "latest", &host_asset("tool"), &bin)
        .await
        .unwrap_err();
    assert!(chain(&err).contains("500"), "{err}");
    assert_untouched(&bin);
}

#[tokio::test]
async fn a_stalled_server_hits_the_idle_timeout() {
    let forge = tool_release().await;
    forge.set_mode(|m| m.stall = true);
    let (_tmp, bin) = bin_dir();
    let cfg = forge.config().retries(1, std::time::Duration::ZERO);
    let err = fetch(&cfg, "latest", &host_asset("tool"), &bin)
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::IdleTimeout { .. }), "{err:?}");
    assert!(err.to_string().contains("idle timeout"), "{err}");
    assert_untouched(&bin);
}

#[tokio::test]
async fn unsafe_asset_names_are_refused() {
    let forge = StandInForge::start().await;
    forge.release(OWNER, REPO, "v1.0.0", false, vec![asset("tool", &elf())]);
    let (_tmp, bin) = bin_dir();
    for bad in ["../tool", "sub/tool", "a\\b"] {
        let mut plan = PlanBuilder::new();
        let resolve = ResolveRelease::new(forge.config(), OWNER, REPO, ReleaseVersion::Latest);
        let download = DownloadAsset::new(&resolve, "tool", &bin).asset(bad);
        let dk = download_key_of(&download);
        let r = plan.add(resolve);
        plan.add_after(download, [&r]);
        let store = StateStore::in_memory().unwrap();
        let report = Executor::new(ExecutorConfig::default(), store)
            .run(&plan.build().unwrap(), RunRequest::new("install"))
            .await;
        let t = report.task(&dk).unwrap();
        assert_eq!(t.status, TaskStatus::Failed);
        assert!(
            t.error.join(": ").contains("refusing asset name"),
            "{:?}",
            t.error
        );
    }
    let err = ForgeClient::new(forge.config())
        .unwrap()
        .resolve_release(
            &ReleaseSource::GenericPackage {
                owner: OWNER.into(),
                package: "p".into(),
                version: "1".into(),
                files: vec!["../../etc/passwd".into()],
            },
            &mut |_| {},
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ForgeError::UnsafeAssetName { .. }), "{err:?}");
    assert!(!forge.requests().iter().any(|r| r.uri.contains("..")));
    assert_untouched(&bin);
}

fn download_key_of(d: &DownloadAsset) -> String {
    use hero_svc::tasks::TaskKind;
    d.key().to_string()
}

#[tokio::test]
async fn generic_package_files_download() {
    let forge = StandInForge::start().await;
    let data = elf();
    let name = host_asset("tool");
    forge.package_file(OWNER, "hero_tool", "0.7.7", &name, &data);
    let cfg = forge.config();
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let mut plan = PlanBuilder::new();
    let resolve =
        ResolveRelease::generic_package(cfg, OWNER, "hero_tool", "0.7.7", vec![name.clone()]);
    let download = DownloadAsset::new(&resolve, "tool", &bin);
    let dk = download_key_of(&download);
    let r = plan.add(resolve);
    plan.add_after(download, [&r]);
    let store = StateStore::open(tmp.path().join("state.db")).unwrap();
    let report = Executor::new(ExecutorConfig::default(), store)
        .run(&plan.build().unwrap(), RunRequest::new("install"))
        .await;
    assert!(report.failed().next().is_none(), "{report:#?}");
    let artifact = recorded_artifact(tmp.path(), &dk);
    assert_eq!(artifact.version, "0.7.7");
    assert_eq!(std::fs::read(&artifact.path).unwrap(), data);
    assert!(
        forge
            .requests()
            .iter()
            .any(|r| r.uri == format!("/api/packages/{OWNER}/generic/hero_tool/0.7.7/{name}"))
    );
}

#[tokio::test]
async fn a_cancelled_download_leaves_nothing() {
    let forge = tool_release().await;
    forge.set_mode(|m| m.stall = true);
    let (_tmp, bin) = bin_dir();
    let cfg = forge.config().timeouts(
        std::time::Duration::from_secs(5),
        std::time::Duration::from_secs(60),
    );
    let task = {
        let bin = bin.clone();
        tokio::spawn(async move { fetch(&cfg, "latest", &host_asset("tool"), &bin).await })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while entries(&bin).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no staging file appeared"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_untouched(&bin);
}

/// The log lines a run's task logged.
fn logged(events: &Collector, key: &str) -> Vec<String> {
    events
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskLogged { task, line, .. } if task.as_str() == key => Some(line.clone()),
            _ => None,
        })
        .collect()
}

/// The progress messages a run's task reported.
fn progress_messages(events: &Collector, key: &str) -> Vec<String> {
    events
        .events()
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TaskProgressed {
                task,
                message: Some(m),
                ..
            } if task.as_str() == key => Some(m.clone()),
            _ => None,
        })
        .collect()
}

/// A stand-in forge with release v1.0.0 of `OWNER/REPO` holding the host's `tool` (an ELF).
async fn tool_release() -> StandInForge {
    tool_release_with(&elf()).await
}

/// [`tool_release`] with `data` as the tool.
async fn tool_release_with(data: &[u8]) -> StandInForge {
    let forge = StandInForge::start().await;
    forge.release(
        OWNER,
        REPO,
        "v1.0.0",
        false,
        vec![asset(&host_asset("tool"), data)],
    );
    forge
}

/// A temp dir with a bin dir holding a previous `tool` (see [`bin_dir_with_previous`]).
fn bin_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let bin = bin_dir_with_previous(tmp.path());
    (tmp, bin)
}

/// Requests that reached the storage server (where assets redirect to).
fn storage_hits(forge: &StandInForge) -> usize {
    forge
        .requests()
        .iter()
        .filter(|r| r.server == "storage")
        .count()
}

/// Requests for `name` (a release file) that reached either server.
fn requests_for(forge: &StandInForge, name: &str) -> usize {
    forge
        .requests()
        .iter()
        .filter(|r| r.server == "forge" && r.uri.ends_with(&format!("/{name}")))
        .count()
}

#[tokio::test]
async fn a_checksum_file_that_cannot_vouch_for_the_asset_fails_the_download() {
    let name = host_asset("tool");
    let sidecar = format!("{name}.sha256");
    let data = elf();
    // (case, the checksum file published beside the asset, whether it is served as an
    // HTML page, what the error must say)
    let cases = [
        (
            "SHA256SUMS is an HTML page",
            asset("SHA256SUMS", b""),
            true,
            "SHA256SUMS cannot verify",
        ),
        (
            "the sidecar is an HTML page",
            asset(&sidecar, b""),
            true,
            "it is an HTML page, not a checksum list",
        ),
        (
            "SHA256SUMS lists other files only",
            asset(
                "SHA256SUMS",
                format!("{}  tool-darwin-arm64\n", sha256_hex(b"x")).as_bytes(),
            ),
            false,
            "it has no line for that asset",
        ),
        (
            "the sidecar holds text, not a hash",
            asset(&sidecar, b"Not Found\n"),
            false,
            "it is malformed: it holds `Not Found`",
        ),
        (
            "the sidecar holds a short hash",
            asset(&sidecar, b"9f86d08188\n"),
            false,
            "holds `9f86d08188` where a 64-digit sha256 belongs",
        ),
    ];
    for (case, checksum_file, as_html, says) in cases {
        let forge = StandInForge::start().await;
        let html_for = as_html.then(|| checksum_file.0.clone());
        forge.release(
            OWNER,
            REPO,
            "v1.0.0",
            false,
            vec![asset(&name, &data), checksum_file],
        );
        forge.set_mode(|m| m.html_for = html_for);
        let tmp = tempfile::tempdir().unwrap();
        let bin = bin_dir_with_previous(tmp.path());
        let (report, events) = run_plan(&forge.config(), "latest", &bin, tmp.path()).await;

        let failed = report.task(&download_key("latest")).unwrap();
        assert_eq!(failed.status, TaskStatus::Failed, "{case}: {report:#?}");
        assert_eq!(failed.attempts, 1, "{case}: permanent, not retried");
        let msg = failed.error.join(": ");
        assert!(
            msg.starts_with(&format!("could not download {name}")),
            "{case}: {msg}"
        );
        assert!(msg.contains("checksum file"), "{case}: {msg}");
        assert!(
            msg.contains(&format!("cannot verify {name}")),
            "{case}: {msg}"
        );
        assert!(msg.contains(says), "{case}: {msg}");
        assert!(
            logged(&events, &download_key("latest"))
                .iter()
                .all(|l| !l.contains("publishes no sha256")),
            "{case}"
        );
        assert_eq!(
            requests_for(&forge, &name),
            0,
            "{case}: not a byte downloaded"
        );
        assert_untouched(&bin);
    }
}

#[tokio::test]
async fn a_release_without_checksum_files_is_guarded_by_its_size_and_the_elf_check_only() {
    // Today's behaviour, kept: nothing to verify against, so the download says so and goes
    // on; the listed size, the HTML check and (in an install) the ELF check still apply.
    let data = elf();
    let forge = tool_release_with(&data).await;
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin");
    let (report, events) = run_plan(&forge.config(), "latest", &bin, tmp.path()).await;
    assert!(report.failed().next().is_none(), "{report:#?}");
    let lines = logged(&events, &download_key("latest"));
    assert!(
        lines.iter().any(|l| l.contains(&format!(
            "v1.0.0 of {OWNER}/{REPO} publishes no sha256 for {}; only the ELF check guards it",
            host_asset("tool")
        ))),
        "{lines:?}"
    );
    let artifact = recorded_artifact(tmp.path(), &download_key("latest"));
    assert_eq!(artifact.sha256, sha256_hex(&data));
}

/// A configuration whose stall limits are short enough for a test: idle 2 s (the trickle
/// below never stays silent that long), at least 1 KiB/s over 500 ms.
fn trickle_config(forge: &StandInForge) -> ForgeConfig {
    forge
        .config()
        .timeouts(Duration::from_secs(5), Duration::from_secs(2))
        .min_rate(Some(MinRate {
            bytes_per_sec: 1024,
            window: Duration::from_millis(500),
        }))
        .retries(3, Duration::from_millis(20))
}

/// Generous bound for operations that, before the minimum rate and the deadline, never
/// ended at all.
const NEVER_BEFORE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_trickling_download_fails_on_the_minimum_rate_and_is_retried() {
    let forge = tool_release().await;
    // One byte every 100 ms: the idle timeout never fires.
    forge.set_mode(|m| m.trickle = Some(Duration::from_millis(100)));
    let (_tmp, bin) = bin_dir();
    let cfg = trickle_config(&forge);
    let started = std::time::Instant::now();
    let err = tokio::time::timeout(
        NEVER_BEFORE,
        fetch(&cfg, "latest", &host_asset("tool"), &bin),
    )
    .await
    .expect("the trickle was cut off")
    .unwrap_err();
    eprintln!("trickling download failed after {:?}", started.elapsed());
    assert!(
        matches!(err.last_attempt(), ForgeError::TooSlow { .. }),
        "{err:?}"
    );
    assert!(err.is_transient(), "a stall is transient");
    let msg = chain(&err);
    assert!(msg.starts_with("failed after 3 attempts in "), "{msg}");
    assert!(
        msg.contains("below the minimum rate of 1 KiB/s over 500ms (HERO_SVC_DOWNLOAD_MIN_RATE)"),
        "{msg}"
    );
    let storage_hits = storage_hits(&forge);
    assert_eq!(storage_hits, 3, "retried like other stalls");
    assert_untouched(&bin);
}

#[tokio::test]
async fn an_attempt_deadline_bounds_a_download_whatever_its_rate() {
    let forge = tool_release().await;
    forge.set_mode(|m| m.trickle = Some(Duration::from_millis(20)));
    let (_tmp, bin) = bin_dir();
    let cfg = trickle_config(&forge)
        .min_rate(None)
        .attempt_timeout(Some(Duration::from_millis(700)))
        .retries(1, Duration::ZERO);
    let err = tokio::time::timeout(
        NEVER_BEFORE,
        fetch(&cfg, "latest", &host_asset("tool"), &bin),
    )
    .await
    .expect("the attempt was cut off")
    .unwrap_err();
    assert!(
        matches!(err, ForgeError::DeadlineExceeded { .. }),
        "{err:?}"
    );
    assert!(err.is_transient());
    let msg = err.to_string();
    assert!(
        msg.contains("did not finish within 700ms (HERO_SVC_DOWNLOAD_TIMEOUT, per attempt)"),
        "{msg}"
    );
    assert_untouched(&bin);
}

#[tokio::test]
async fn a_trickling_release_api_fails_the_resolve_and_says_so_while_retrying() {
    let forge = tool_release().await;
    forge.set_mode(|m| m.trickle_api = Some(Duration::from_millis(100)));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = trickle_config(&forge).retries(2, Duration::from_millis(20));
    let (report, events) = tokio::time::timeout(
        NEVER_BEFORE,
        run_plan(&cfg, "latest", &tmp.path().join("bin"), tmp.path()),
    )
    .await
    .expect("the resolve was cut off");
    let key = format!("release:{OWNER}/{REPO}@latest");
    let resolve = report.task(&key).unwrap();
    assert_eq!(resolve.status, TaskStatus::Failed, "{report:#?}");
    let msg = resolve.error.join(": ");
    assert!(
        msg.starts_with(&format!(
            "could not resolve {OWNER}/{REPO}@latest: failed after 2 attempts in "
        )),
        "{msg}"
    );
    assert!(msg.contains("below the minimum rate"), "{msg}");
    let lines = logged(&events, &key);
    let url = format!("{}/api/v1/repos/{OWNER}/{REPO}/releases/latest", forge.url);
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "GET {url}: attempt 1 of 2 failed: {url} sent only "
        )) && l.ends_with("; trying again in 20ms")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn retries_are_reported_while_they_happen_and_the_final_error_counts_them() {
    let forge = tool_release().await;
    forge.set_mode(|m| m.stall = true);
    let (tmp, bin) = bin_dir();
    // A long wait after the first stalled attempt: the notice must be out before it ends.
    let cfg = forge
        .config()
        .timeouts(Duration::from_secs(5), Duration::from_millis(300))
        .retries(2, Duration::from_secs(3));
    let store = StateStore::open(tmp.path().join("state.db")).unwrap();
    let executor = Executor::new(ExecutorConfig::default(), store);
    let events = Collector::new();
    let plan = plan_for(&cfg, "latest", &bin);
    let run = {
        let sink = events.sink();
        tokio::spawn(async move {
            executor
                .run(&plan, RunRequest::new("install").sink(sink))
                .await
        })
    };
    let key = download_key("latest");
    let notice = format!(
        "download of {}: attempt 1 of 2 failed: ",
        host_asset("tool")
    );
    let line = crate::support::wait::wait_until(
        "the first retry to be reported",
        crate::support::wait::DEADLINE,
        || {
            let line = logged(&events, &key)
                .into_iter()
                .find(|l| l.starts_with(&notice));
            async move { line }
        },
    )
    .await;
    // Reported while it waits: the download has not finished.
    assert!(
        !events.events().iter().any(|e| matches!(
            &e.kind,
            EventKind::TaskFinished { task, .. } if task.as_str() == key
        )),
        "reported only at the end"
    );
    assert!(line.contains("idle timeout"), "{line}");
    assert!(line.ends_with("; trying again in 3s"), "{line}");
    assert!(
        progress_messages(&events, &key).contains(&line),
        "the progress message shows it too"
    );

    let report = run.await.unwrap();
    let failed = report.task(&key).unwrap();
    assert_eq!(failed.status, TaskStatus::Failed);
    let msg = failed.error.join(": ");
    assert!(
        msg.starts_with(&format!(
            "could not download {}: failed after 2 attempts in 3.",
            host_asset("tool")
        )),
        "{msg}"
    );
    assert!(msg.contains("idle timeout"), "{msg}");
    assert_untouched(&bin);
}

#[tokio::test]
async fn retried_api_requests_are_reported_too() {
    let forge = tool_release().await;
    forge.set_mode(|m| {
        m.api_fail_next = 1;
        m.fail_next = 1;
    });
    let tmp = tempfile::tempdir().unwrap();
    let (report, events) = run_plan(
        &forge.config(),
        "latest",
        &tmp.path().join("bin"),
        tmp.path(),
    )
    .await;
    assert!(report.failed().next().is_none(), "{report:#?}");
    let url = format!("{}/api/v1/repos/{OWNER}/{REPO}/releases/latest", forge.url);
    let resolve_lines = logged(&events, &format!("release:{OWNER}/{REPO}@latest"));
    assert_eq!(
        resolve_lines,
        vec![format!(
            "GET {url}: attempt 1 of 3 failed: {url} answered 502 Bad Gateway: Bad Gateway; trying again in 20ms"
        )]
    );
    let download_lines = logged(&events, &download_key("latest"));
    assert!(
        download_lines.iter().any(|l| l.starts_with(&format!(
            "download of {}: attempt 1 of 3 failed: {}/blobs/",
            host_asset("tool"),
            forge.storage_url
        )) && l.contains("answered 500 Internal Server Error")
            && !l.contains("X-Amz-Signature")),
        "{download_lines:?}"
    );
}

#[tokio::test]
async fn a_forge_that_echoes_the_token_never_gets_it_shown_logged_or_stored() {
    for echo in [
        // The API answers 502 with the header quoted in plain text: retried, then failed.
        Echo {
            status: axum::http::StatusCode::BAD_GATEWAY,
            json: false,
            downloads_only: false,
        },
        // The API answers, the download 403 with a JSON message quoting the header.
        Echo {
            status: axum::http::StatusCode::FORBIDDEN,
            json: true,
            downloads_only: true,
        },
        // The download answers 500 with the header quoted: retried, then failed.
        Echo {
            status: axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            json: false,
            downloads_only: true,
        },
    ] {
        let forge = StandInForge::start().await;
        forge.private_repo(OWNER, REPO, TOKEN);
        forge.release(
            OWNER,
            REPO,
            "v1.0.0",
            false,
            vec![asset(&host_asset("tool"), &elf())],
        );
        let case = format!("{echo:?}");
        forge.set_mode(|m| m.echo_auth = Some(echo));
        let tmp = tempfile::tempdir().unwrap();
        let bin = bin_dir_with_previous(tmp.path());
        let cfg = forge.config_with_token(TOKEN);
        let (report, events) = run_plan(&cfg, "latest", &bin, tmp.path()).await;

        let failed: Vec<_> = report.failed().collect();
        assert_eq!(failed.len(), 1, "{case}: {report:#?}");
        let msg = failed[0].error.join(": ");
        assert!(
            msg.contains("[redacted]"),
            "{case}: the echo is there, redacted: {msg}"
        );
        assert!(!msg.contains(TOKEN), "{case}: {msg}");
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains(TOKEN), "{case}: the report holds the token");
        for e in events.events() {
            let line = serde_json::to_string(&e).unwrap();
            assert!(
                !line.contains(TOKEN),
                "{case}: an event holds the token: {line}"
            );
        }
        // The forge did get the token (and echoed it).
        assert!(
            forge
                .requests()
                .iter()
                .any(|r| r.header("authorization") == Some(format!("token {TOKEN}").as_str())),
            "{case}"
        );
        assert_untouched(&bin);
    }

    // The client's own errors and notices, without an executor around them.
    let forge = StandInForge::start().await;
    forge.private_repo(OWNER, REPO, TOKEN);
    forge.set_mode(|m| {
        m.echo_auth = Some(Echo {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            json: true,
            downloads_only: false,
        })
    });
    let mut notices = Vec::new();
    let err = ForgeClient::new(forge.config_with_token(TOKEN))
        .unwrap()
        .resolve_release(
            &ReleaseSource::release(OWNER, REPO, ReleaseVersion::Latest),
            &mut |e| {
                if let ForgeEvent::Retrying(n) = e {
                    notices.push(n.to_string());
                }
            },
        )
        .await
        .unwrap_err();
    assert!(
        chain(&err).contains("invalid credentials: Authorization: token [redacted]"),
        "{err}"
    );
    assert!(!format!("{err:?}").contains(TOKEN));
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        notices
            .iter()
            .all(|n| n.contains("[redacted]") && !n.contains(TOKEN))
    );
}
