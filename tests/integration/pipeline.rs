//! The whole install pipeline (resolve ► download ► ELF check ► install) as services add it
//! with `install::add_release_install`, run by the real executor against the stand-in
//! Forgejo with real ELF assets: first install, the up-to-date second run, an upgrade, and
//! every way a release can be bad — each must leave the installed binary as it was and no
//! staging file behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use hero_svc::forge::{
    ForgeClient, ForgeConfig, MinRate, ReleaseSource, ReleaseVersion, asset_name, is_staging_file,
};
use hero_svc::graph::{ExecutionReport, ExecutorConfig, RunRequest, TaskStatus};
use hero_svc::install::{AvailableBinary, BinaryStatus, binary_status, host_machine};
use hero_svc::recipes::{ReleaseInstall, add_release_install, release_key};
use hero_svc::state::StateStore;
use hero_svc::tasks::{Executor, PlanBuilder};

use crate::support::forge::{StandInForge, asset, sha256_hex};

const OWNER: &str = "lhumina_code";
const REPO: &str = "hero_pipe";

/// A real ELF executable.
fn elf() -> Vec<u8> {
    std::fs::read("/bin/true").unwrap()
}

/// A second real ELF executable.
fn other_elf() -> Vec<u8> {
    std::fs::read("/bin/false").unwrap()
}

/// `/bin/true` with `n` bytes of padding: still a valid ELF file, other bytes.
fn padded_elf(n: usize, fill: u8) -> Vec<u8> {
    let mut v = elf();
    v.extend(std::iter::repeat_n(fill, n));
    v
}

/// `/bin/true` claiming to be for the other architecture.
fn foreign_elf() -> Vec<u8> {
    let mut v = elf();
    let machine: u16 = if host_machine().1 == "aarch64" {
        62
    } else {
        183
    };
    v[18..20].copy_from_slice(&machine.to_le_bytes());
    v
}

fn host_asset(bin: &str) -> String {
    asset_name::for_host(bin, "")
}

/// A `SHA256SUMS` file for `files`.
fn sums(files: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    let text: String = files
        .iter()
        .map(|(n, d)| format!("{}  {n}\n", sha256_hex(d)))
        .collect();
    asset("SHA256SUMS", text.as_bytes())
}

/// One Hero root with a state store, against one stand-in forge.
struct Setup {
    forge: StandInForge,
    tmp: tempfile::TempDir,
    bin: PathBuf,
    cfg: ForgeConfig,
}

impl Setup {
    async fn new() -> Self {
        let forge = StandInForge::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("hero/bin");
        let cfg = forge
            .config()
            .timeouts(Duration::from_secs(5), Duration::from_millis(300))
            .retries(1, Duration::ZERO);
        Self {
            forge,
            tmp,
            bin,
            cfg,
        }
    }

    fn store(&self) -> StateStore {
        StateStore::open(self.tmp.path().join("state.db")).unwrap()
    }

    fn install_of(&self, binary: &str) -> ReleaseInstall {
        ReleaseInstall {
            forge: self.cfg.clone(),
            owner: OWNER.into(),
            repo: REPO.into(),
            version: ReleaseVersion::Latest,
            binary: binary.into(),
            asset_suffix: String::new(),
            bin_dir: self.bin.clone(),
            service: "hero_pipe".into(),
        }
    }

    /// Runs the release install of `binaries` (latest) through the executor.
    async fn run(&self, binaries: &[&str]) -> ExecutionReport {
        let mut plan = PlanBuilder::new();
        for b in binaries {
            add_release_install(&mut plan, &self.install_of(b));
        }
        let plan = plan.build().unwrap();
        Executor::new(ExecutorConfig::default(), self.store())
            .run(&plan, RunRequest::new("install"))
            .await
    }

    /// Requests for binary assets (not checksum files) that reached the forge.
    fn download_requests(&self) -> usize {
        self.forge
            .requests()
            .iter()
            .filter(|r| r.server == "forge" && r.uri.contains("/releases/download/"))
            .filter(|r| !r.uri.contains("SHA256SUMS"))
            .count()
    }

    fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.bin)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn installed(&self, binary: &str) -> Vec<u8> {
        std::fs::read(self.bin.join(binary)).unwrap()
    }

    fn status(&self, binary: &str, available: Option<&AvailableBinary>) -> BinaryStatus {
        binary_status(&self.store(), &self.bin, binary, available).unwrap()
    }

    /// What the forge offers now for `binary`, as `service.verify` would ask.
    async fn available(&self, binary: &str) -> AvailableBinary {
        let client = ForgeClient::new(self.cfg.clone()).unwrap();
        let release = client
            .resolve_release(
                &ReleaseSource::release(OWNER, REPO, ReleaseVersion::Latest),
                &mut |_| {},
            )
            .await
            .unwrap();
        AvailableBinary {
            version: release.tag.clone(),
            sha256: release
                .asset(&host_asset(binary))
                .and_then(|a| a.sha256.clone()),
        }
    }
}

fn resolve_key(s: &Setup) -> String {
    release_key(&s.install_of("x")).as_str().to_string()
}

fn download_key(binary: &str) -> String {
    format!("download:{OWNER}/{REPO}@latest/{}", host_asset(binary))
}

fn install_key(s: &Setup, binary: &str) -> String {
    format!("install:{}", s.bin.join(binary).display())
}

fn status_of(report: &ExecutionReport, key: &str) -> TaskStatus {
    report
        .task(key)
        .unwrap_or_else(|| panic!("no task {key} in {report:#?}"))
        .status
}

#[tokio::test]
async fn two_binaries_install_then_are_up_to_date_then_upgrade_keeping_the_previous() {
    let s = Setup::new().await;
    let v1 = vec![
        asset(&host_asset("pipe_server"), &elf()),
        asset(&host_asset("pipe_admin"), &other_elf()),
    ];
    let mut files = v1.clone();
    files.push(sums(&v1));
    s.forge.release(OWNER, REPO, "v1.0.0", false, files);

    // First run: one resolve, two downloads, two checks, two installs.
    let first = s.run(&["pipe_server", "pipe_admin"]).await;
    assert_eq!(first.failed().count(), 0, "{first:#?}");
    assert_eq!(first.tasks.len(), 7);
    let resolves: Vec<_> = first
        .tasks
        .iter()
        .filter(|t| t.kind == "resolve_release")
        .collect();
    assert_eq!(resolves.len(), 1);
    assert_eq!(resolves[0].key.as_str(), resolve_key(&s));
    assert_eq!(s.download_requests(), 2);
    assert_eq!(s.entries(), vec!["pipe_admin", "pipe_server"]);
    assert_eq!(s.installed("pipe_server"), elf());
    assert_eq!(s.installed("pipe_admin"), other_elf());
    assert!(
        std::process::Command::new(s.bin.join("pipe_server"))
            .status()
            .unwrap()
            .success()
    );
    let record = s.store().installed("pipe_server").unwrap().unwrap();
    assert_eq!(record.version, "v1.0.0");
    assert_eq!(record.service, "hero_pipe");
    assert!(s.status("pipe_server", None).is_up_to_date());

    // Second run: resolve asks the forge again (its freshness check) and finds the same
    // release; everything is up to date and no asset byte is requested.
    let before = s.download_requests();
    let second = s.run(&["pipe_server", "pipe_admin"]).await;
    assert_eq!(second.failed().count(), 0, "{second:#?}");
    for t in &second.tasks {
        assert_eq!(t.status, TaskStatus::UpToDate, "{t:#?}");
    }
    assert_eq!(
        second
            .task(&download_key("pipe_server"))
            .unwrap()
            .reason
            .as_deref(),
        Some("up to date: installed binary matches the release asset")
    );
    assert_eq!(
        second
            .task(&install_key(&s, "pipe_admin"))
            .unwrap()
            .reason
            .as_deref(),
        Some("up to date: installed sha256 matches")
    );
    assert_eq!(s.download_requests(), before);
    assert_eq!(s.entries(), vec!["pipe_admin", "pipe_server"]);
    assert_eq!(s.store().install_history("pipe_server").unwrap().len(), 1);

    // A new release with new bytes for the server: verify says outdated.
    let server_v2 = padded_elf(4096, 0x5a);
    let v2 = vec![
        asset(&host_asset("pipe_server"), &server_v2),
        asset(&host_asset("pipe_admin"), &other_elf()),
    ];
    let mut files = v2.clone();
    files.push(sums(&v2));
    s.forge.release(OWNER, REPO, "v2.0.0", false, files);
    let offered = s.available("pipe_server").await;
    assert_eq!(
        offered.sha256.as_deref(),
        Some(sha256_hex(&server_v2).as_str())
    );
    assert_eq!(
        s.status("pipe_server", Some(&offered)),
        BinaryStatus::Outdated {
            installed: "v1.0.0".into(),
            available: "v2.0.0".into()
        }
    );

    // Third run: both assets come from the new release; the server is replaced (the
    // previous kept), the admin's bytes are the same and nothing of it is replaced.
    let third = s.run(&["pipe_server", "pipe_admin"]).await;
    assert_eq!(third.failed().count(), 0, "{third:#?}");
    assert_eq!(
        status_of(&third, &download_key("pipe_server")),
        TaskStatus::Succeeded
    );
    assert_eq!(
        status_of(&third, &install_key(&s, "pipe_server")),
        TaskStatus::Succeeded
    );
    assert_eq!(s.installed("pipe_server"), server_v2);
    assert_eq!(
        std::fs::read(s.bin.join(".pipe_server.previous")).unwrap(),
        elf()
    );
    assert_eq!(s.installed("pipe_admin"), other_elf());
    assert_eq!(
        s.entries(),
        vec![".pipe_server.previous", "pipe_admin", "pipe_server"]
    );
    assert_eq!(
        s.store().installed("pipe_server").unwrap().unwrap().version,
        "v2.0.0"
    );
    assert!(s.status("pipe_server", Some(&offered)).is_up_to_date());

    // Tampering is seen by verify, and the next install puts the release's bytes back.
    std::fs::write(s.bin.join("pipe_server"), b"tampered").unwrap();
    assert!(matches!(
        s.status("pipe_server", Some(&offered)),
        BinaryStatus::Modified { recorded, .. } if recorded == "v2.0.0"
    ));
    let fourth = s.run(&["pipe_server", "pipe_admin"]).await;
    assert_eq!(fourth.failed().count(), 0, "{fourth:#?}");
    assert_eq!(
        status_of(&fourth, &download_key("pipe_server")),
        TaskStatus::Succeeded
    );
    assert_eq!(
        status_of(&fourth, &install_key(&s, "pipe_admin")),
        TaskStatus::UpToDate
    );
    assert_eq!(s.installed("pipe_server"), server_v2);
    assert!(s.status("pipe_server", Some(&offered)).is_up_to_date());
    assert!(
        !s.entries()
            .iter()
            .any(|e| is_staging_file(Path::new(e), "pipe_server"))
    );
}

/// How a new release goes wrong.
enum Bad {
    /// `SHA256SUMS` lists other bytes.
    ChecksumMismatch,
    /// `SHA256SUMS` answers 200 with an HTML sign-in page.
    ChecksumHtml,
    /// The download trickles: one byte every 50 ms, never idle, far below the minimum rate.
    Trickle,
    /// The download answers 200 with an HTML sign-in page.
    Html,
    /// The asset is an ELF file for another machine.
    WrongArch,
    /// The download URL answers 404.
    Gone,
    /// The server sends the headers and 1 KiB, then nothing.
    Stalled,
}

/// Installs v1 of `tool`, publishes a v2 that fails as `bad`, runs the install again and
/// checks that nothing changed. Returns the failed task's error chain, joined.
async fn failing_upgrade(bad: Bad) -> (String, String) {
    let mut s = Setup::new().await;
    if matches!(bad, Bad::Trickle) {
        s.cfg = s
            .cfg
            .clone()
            .timeouts(Duration::from_secs(5), Duration::from_secs(2))
            .min_rate(Some(MinRate {
                bytes_per_sec: 1024,
                window: Duration::from_millis(400),
            }));
    }
    let v1 = padded_elf(300_000, 1);
    s.forge.release(
        OWNER,
        REPO,
        "v1.0.0",
        false,
        vec![asset(&host_asset("tool"), &v1)],
    );
    let first = s.run(&["tool"]).await;
    assert_eq!(first.failed().count(), 0, "{first:#?}");
    assert_eq!(s.installed("tool"), v1);

    let v2 = padded_elf(300_000, 2);
    let name = host_asset("tool");
    let files = match bad {
        Bad::ChecksumMismatch => {
            let lie = sums(&[asset(&name, &v1)]);
            vec![asset(&name, &v2), lie]
        }
        Bad::ChecksumHtml => {
            let honest = sums(&[asset(&name, &v2)]);
            vec![asset(&name, &v2), honest]
        }
        Bad::WrongArch => vec![asset(&name, &foreign_elf())],
        Bad::Html | Bad::Gone | Bad::Stalled | Bad::Trickle => vec![asset(&name, &v2)],
    };
    s.forge.release(OWNER, REPO, "v2.0.0", false, files);
    s.forge.set_mode(|m| match bad {
        Bad::Html => m.html = true,
        Bad::ChecksumHtml => m.html_for = Some("SHA256SUMS".to_string()),
        Bad::Gone => m.not_found = true,
        Bad::Stalled => m.stall = true,
        Bad::Trickle => m.trickle = Some(Duration::from_millis(50)),
        Bad::ChecksumMismatch | Bad::WrongArch => {}
    });

    let report = s.run(&["tool"]).await;
    let failed: Vec<_> = report.failed().collect();
    assert_eq!(failed.len(), 1, "{report:#?}");
    let install = report.task(&install_key(&s, "tool")).unwrap();
    assert_eq!(install.status, TaskStatus::Skipped, "{report:#?}");

    // Nothing installed, the previous binary intact, no staging file, the record unchanged.
    assert_eq!(s.entries(), vec!["tool"]);
    assert_eq!(s.installed("tool"), v1);
    let record = s.store().installed("tool").unwrap().unwrap();
    assert_eq!(record.version, "v1.0.0");
    assert!(matches!(
        s.status("tool", None),
        BinaryStatus::UpToDate { version, .. } if version == "v1.0.0"
    ));
    (
        failed[0].key.as_str().to_string(),
        failed[0].error.join(": "),
    )
}

#[tokio::test]
async fn a_checksum_mismatch_installs_nothing() {
    let (task, error) = failing_upgrade(Bad::ChecksumMismatch).await;
    assert_eq!(task, download_key("tool"));
    assert!(
        error.starts_with(&format!("could not download {}", host_asset("tool"))),
        "{error}"
    );
    assert!(error.contains("checksum mismatch"), "{error}");
    assert!(error.contains("SHA256SUMS says sha256"), "{error}");
    assert!(error.contains("nothing was installed"), "{error}");
}

#[tokio::test]
async fn a_checksum_file_that_is_an_html_page_installs_nothing() {
    let (task, error) = failing_upgrade(Bad::ChecksumHtml).await;
    assert_eq!(task, download_key("tool"));
    assert!(
        error.contains(&format!(
            "the release's checksum file SHA256SUMS cannot verify {}, so it is not installed",
            host_asset("tool")
        )),
        "{error}"
    );
    assert!(
        error.ends_with("it is an HTML page, not a checksum list"),
        "{error}"
    );
}

#[tokio::test]
async fn a_trickling_download_installs_nothing() {
    let (task, error) =
        tokio::time::timeout(Duration::from_secs(60), failing_upgrade(Bad::Trickle))
            .await
            .expect("the trickle was cut off");
    assert_eq!(task, download_key("tool"));
    assert!(
        error.contains("below the minimum rate of 1 KiB/s over 400ms"),
        "{error}"
    );
    assert!(error.contains("try again later"), "{error}");
}

#[tokio::test]
async fn an_html_page_installs_nothing() {
    let (task, error) = failing_upgrade(Bad::Html).await;
    assert_eq!(task, download_key("tool"));
    assert!(error.contains("HTML page instead of a binary"), "{error}");
    assert!(error.contains("set FORGE_TOKEN"), "{error}");
}

#[tokio::test]
async fn a_binary_for_another_machine_installs_nothing() {
    let (task, error) = failing_upgrade(Bad::WrongArch).await;
    assert_eq!(task, "verify_elf:tool");
    let host = host_machine().1;
    assert!(
        error.starts_with("tool v2.0.0 (release v2.0.0 of lhumina_code/hero_pipe"),
        "{error}"
    );
    assert!(error.contains("nothing was installed"), "{error}");
    assert!(error.contains(&format!("this host is {host}")), "{error}");
    assert!(
        error.contains(&format!("install a build for {host}")),
        "{error}"
    );
}

#[tokio::test]
async fn an_asset_that_is_gone_installs_nothing() {
    let (task, error) = failing_upgrade(Bad::Gone).await;
    assert_eq!(task, download_key("tool"));
    assert!(
        error.contains(&format!("release v2.0.0 lists {}", host_asset("tool"))),
        "{error}"
    );
    assert!(error.contains("404 Not Found"), "{error}");
    assert!(
        error.contains("run again, or pick another version"),
        "{error}"
    );
    assert!(!error.contains("X-Amz-Signature"), "{error}");
}

#[tokio::test]
async fn a_stalled_server_installs_nothing() {
    let (task, error) = failing_upgrade(Bad::Stalled).await;
    assert_eq!(task, download_key("tool"));
    assert!(error.contains("idle timeout"), "{error}");
    assert!(error.contains("try again later"), "{error}");
}

#[tokio::test]
async fn a_renamed_service_reinstalls_nothing_without_the_staging_file() {
    // The install task's fingerprint changes (another service name) while the download is
    // up to date: the install runs with an artifact whose staging file was consumed long
    // ago, and must see the bytes are already there.
    let s = Setup::new().await;
    s.forge.release(
        OWNER,
        REPO,
        "v1.0.0",
        false,
        vec![asset(&host_asset("tool"), &elf())],
    );
    assert_eq!(s.run(&["tool"]).await.failed().count(), 0);

    let mut install = s.install_of("tool");
    install.service = "hero_renamed".into();
    let mut plan = PlanBuilder::new();
    let key = add_release_install(&mut plan, &install);
    let plan = plan.build().unwrap();
    let report = Executor::new(ExecutorConfig::default(), s.store())
        .run(&plan, RunRequest::new("install"))
        .await;
    assert_eq!(report.failed().count(), 0, "{report:#?}");
    assert_eq!(
        status_of(&report, &download_key("tool")),
        TaskStatus::UpToDate
    );
    assert_eq!(status_of(&report, key.as_str()), TaskStatus::Succeeded);
    assert_eq!(s.entries(), vec!["tool"]);
    let record = s.store().installed("tool").unwrap().unwrap();
    assert_eq!(record.service, "hero_renamed");
}
