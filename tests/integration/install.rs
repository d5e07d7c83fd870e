//! Install pipeline tests: the ELF check on real files, atomic installs through the real
//! executor, rollback, binary status, source builds with real git and cargo, and installs
//! killed at random points.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use hero_svc::graph::{EventKind, ExecutionReport, ExecutorConfig, RunRequest, TaskStatus};
use hero_svc::install::{
    AvailableBinary, BinaryStatus, ElfError, InstallTarget, binary_status, host_machine,
    inspect_elf, rollback, rollback_recorded,
};
use hero_svc::recipes::{SourceInstall, add_source_install};
use hero_svc::state::StateStore;
use hero_svc::tasks::{
    CargoBuild, FileDigest, GitCheckout, GitRef, InstallBinary, LocalBinary, TaskKey, VerifyElf,
};
use hero_svc::tasks::{Executor, PlanBuilder};

use crate::support::events::Collector;

// ---------------------------------------------------------------- helpers

fn copy_of(src: &str, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(src, &path).unwrap();
    path
}

fn sha(path: &Path) -> String {
    FileDigest::of_path(path).unwrap().sha256
}

fn task<'a>(report: &'a ExecutionReport, key: &str) -> &'a hero_svc::graph::TaskReport {
    report
        .task(key)
        .unwrap_or_else(|| panic!("no task {key} in {report:#?}"))
}

/// The other architecture than this host's, for a patched copy: (e_machine, name).
fn foreign_machine() -> (u16, &'static str) {
    if host_machine().1 == "aarch64" {
        (62, "x86_64")
    } else {
        (183, "aarch64")
    }
}

/// The shared C library of this host (a real shared object).
fn libc_path() -> PathBuf {
    let out = std::process::Command::new("ldd").arg("/bin/true").output();
    if let Ok(out) = out {
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((_, rest)) = line.split_once("libc.so.6 => ") {
                let path = rest.split_whitespace().next().unwrap_or_default();
                return PathBuf::from(path);
            }
        }
    }
    PathBuf::from("/lib/x86_64-linux-gnu/libc.so.6")
}

/// The plan local file → ELF check → install for one binary.
fn local_install_plan(
    src: &Path,
    binary: &str,
    bin_dir: &Path,
    version: &str,
) -> hero_svc::tasks::Plan {
    let mut plan = PlanBuilder::new();
    let local = plan.add(LocalBinary::new(binary, src).version(version));
    let verify = plan.add_after(VerifyElf::new(binary), [&local]);
    plan.add_after(InstallBinary::new("demo", binary, bin_dir), [&verify]);
    plan.build().unwrap()
}

fn executor(store: &StateStore) -> Executor {
    Executor::new(ExecutorConfig::default(), store.clone())
}

// ---------------------------------------------------------------- ELF checks

#[test]
fn elf_check_accepts_a_host_executable_and_names_its_libc() {
    let info = inspect_elf(Path::new("/bin/true")).unwrap();
    assert_eq!(info.machine, host_machine().1);
    assert!(!info.is_static);
    let interp = info.interpreter.clone().unwrap();
    assert!(
        interp.contains("ld-linux") || interp.contains("ld-musl"),
        "{interp}"
    );
    assert_eq!(
        info.libc,
        if interp.contains("musl") {
            "musl"
        } else {
            "glibc"
        }
    );
}

#[test]
fn elf_check_rejects_wrong_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_of("/bin/true", dir.path(), "foreign");
    let mut bytes = std::fs::read(&path).unwrap();
    let (machine, name) = foreign_machine();
    bytes[18..20].copy_from_slice(&machine.to_le_bytes());
    std::fs::write(&path, bytes).unwrap();
    let err = inspect_elf(&path).unwrap_err();
    assert!(matches!(err, ElfError::WrongArchitecture { .. }));
    let msg = err.to_string();
    let want = format!(
        "wrong architecture: {name} binary, this host is {}",
        host_machine().1
    );
    assert!(msg.starts_with(&want), "{msg}");
}

#[test]
fn elf_check_rejects_truncated_copies() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read("/bin/true").unwrap();
    for len in [10, 63, 100, full.len() / 2, full.len() - 1] {
        let path = dir.path().join(format!("cut{len}"));
        std::fs::write(&path, &full[..len]).unwrap();
        let err = inspect_elf(&path).unwrap_err();
        assert!(
            matches!(err, ElfError::Truncated { .. }),
            "{len} bytes: {err}"
        );
        assert!(err.to_string().starts_with("truncated binary"), "{err}");
    }
}

#[test]
fn elf_check_rejects_scripts_html_text_archives_and_libraries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: Vec<(PathBuf, &str)> = vec![
        {
            let p = d.join("script.sh");
            std::fs::write(&p, "#!/bin/sh\nexec true\n").unwrap();
            (p, "is a script (#!/bin/sh)")
        },
        {
            let p = d.join("page.html");
            std::fs::write(&p, "<!DOCTYPE html>\n<html><body>Sign in</body></html>\n").unwrap();
            (p, "is an HTML page")
        },
        {
            let p = d.join("notes.txt");
            std::fs::write(&p, "404 page not found\n").unwrap();
            (p, "is a text file")
        },
        {
            let p = d.join("bin.tar.gz");
            std::fs::write(&p, b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03").unwrap();
            (p, "is a gzip archive")
        },
        (libc_path(), "is a shared library"),
    ];
    for (path, want) in cases {
        let err = inspect_elf(&path).unwrap_err().to_string();
        assert!(err.contains(want), "{}: {err}", path.display());
    }
}

// ---------------------------------------------------------------- installs

#[tokio::test]
async fn install_then_reinstall_same_bytes_is_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("hero/bin");
    let src = copy_of("/bin/true", dir.path(), "true_build");
    let store = StateStore::in_memory().unwrap();
    let exec = executor(&store);
    let plan = local_install_plan(&src, "hero_true", &bin_dir, "v1");

    let first = exec.run(&plan, RunRequest::new("install")).await;
    assert_eq!(first.failed().count(), 0, "{first:#?}");
    let installed = bin_dir.join("hero_true");
    assert_eq!(sha(&installed), sha(&src));
    let mode = std::fs::metadata(&installed).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
    assert!(
        std::process::Command::new(&installed)
            .status()
            .unwrap()
            .success()
    );
    let record = store.installed("hero_true").unwrap().unwrap();
    assert_eq!(record.version, "v1");
    assert_eq!(record.service, "demo");
    assert_eq!(record.sha256, sha(&src));
    assert_eq!(record.path, installed);
    assert!(record.origin.contains("true_build"));

    let second = exec.run(&plan, RunRequest::new("install")).await;
    let install = task(&second, &format!("install:{}", installed.display()));
    assert_eq!(install.status, TaskStatus::UpToDate);
    assert_eq!(
        install.reason.as_deref(),
        Some("up to date: installed sha256 matches")
    );
    assert_eq!(
        task(&second, "verify_elf:hero_true").status,
        TaskStatus::UpToDate
    );
    assert_eq!(store.install_history("hero_true").unwrap().len(), 1);

    // Someone replaces the file: the install runs again and restores it.
    std::fs::write(&installed, b"tampered").unwrap();
    let third = exec.run(&plan, RunRequest::new("install")).await;
    let install = task(&third, &format!("install:{}", installed.display()));
    assert_eq!(install.status, TaskStatus::Succeeded, "{install:#?}");
    assert_eq!(sha(&installed), sha(&src));
}

#[tokio::test]
async fn a_foreign_binary_fails_permanently_and_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("bin");
    let src = copy_of("/bin/true", dir.path(), "foreign");
    let mut bytes = std::fs::read(&src).unwrap();
    bytes[18..20].copy_from_slice(&foreign_machine().0.to_le_bytes());
    std::fs::write(&src, bytes).unwrap();
    let store = StateStore::in_memory().unwrap();
    let report = executor(&store)
        .run(
            &local_install_plan(&src, "x", &bin_dir, "v1"),
            RunRequest::new("install"),
        )
        .await;
    let verify = task(&report, "verify_elf:x");
    assert_eq!(verify.status, TaskStatus::Failed);
    assert_eq!(verify.attempts, 1);
    assert!(
        verify.error.join(": ").contains("wrong architecture"),
        "{verify:#?}"
    );
    let install = task(&report, &format!("install:{}", bin_dir.join("x").display()));
    assert_eq!(install.status, TaskStatus::Skipped);
    assert!(!bin_dir.join("x").exists());
    assert_eq!(store.installed("x").unwrap(), None);
}

#[tokio::test]
async fn upgrade_keeps_the_previous_binary_and_rollback_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("bin");
    let v1 = copy_of("/bin/true", dir.path(), "v1");
    let v2 = copy_of("/bin/false", dir.path(), "v2");
    let store = StateStore::in_memory().unwrap();
    let exec = executor(&store);
    for (src, version) in [(&v1, "v1"), (&v2, "v2")] {
        let report = exec
            .run(
                &local_install_plan(src, "svc", &bin_dir, version),
                RunRequest::new("install"),
            )
            .await;
        assert_eq!(report.failed().count(), 0, "{report:#?}");
    }
    let target = InstallTarget::new(&bin_dir, "svc");
    assert_eq!(sha(&target.path()), sha(&v2));
    assert_eq!(sha(&target.previous_path()), sha(&v1));
    assert_eq!(store.installed("svc").unwrap().unwrap().version, "v2");

    let restored = rollback(&bin_dir, "svc").unwrap();
    assert_eq!(restored.sha256, sha(&v1));
    assert_eq!(sha(&target.path()), sha(&v1));
    assert!(!target.previous_path().exists());
    assert!(
        std::process::Command::new(target.path())
            .status()
            .unwrap()
            .success()
    );

    // The recorded variant also brings the record back to v1.
    exec.run(
        &local_install_plan(&v2, "svc", &bin_dir, "v2"),
        RunRequest::new("install"),
    )
    .await;
    assert_eq!(sha(&target.path()), sha(&v2));
    let record = rollback_recorded(&store, "demo", &bin_dir, "svc").unwrap();
    assert_eq!(record.version, "v1");
    assert_eq!(store.installed("svc").unwrap().unwrap().version, "v1");
    let status = binary_status(&store, &bin_dir, "svc", None).unwrap();
    assert!(status.is_up_to_date(), "{}", status.reason());
}

#[tokio::test]
async fn binary_status_tells_missing_modified_unrecorded_up_to_date_and_outdated() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = dir.path().join("bin");
    let src = copy_of("/bin/true", dir.path(), "build");
    let store = StateStore::in_memory().unwrap();

    let status = binary_status(&store, &bin_dir, "svc", None).unwrap();
    assert_eq!(status, BinaryStatus::Missing { recorded: None });

    // Present but put there by someone else.
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::copy(&src, bin_dir.join("svc")).unwrap();
    let status = binary_status(&store, &bin_dir, "svc", None).unwrap();
    assert!(
        matches!(status, BinaryStatus::Unrecorded { .. }),
        "{status:?}"
    );

    let report = executor(&store)
        .run(
            &local_install_plan(&src, "svc", &bin_dir, "v1"),
            RunRequest::new("install"),
        )
        .await;
    assert_eq!(report.failed().count(), 0, "{report:#?}");
    let status = binary_status(&store, &bin_dir, "svc", None).unwrap();
    assert!(status.is_up_to_date(), "{status:?}");
    assert_eq!(status.reason(), "up to date: installed sha256 matches v1");

    let same = AvailableBinary {
        version: "v1".into(),
        sha256: Some(sha(&src)),
    };
    assert!(
        binary_status(&store, &bin_dir, "svc", Some(&same))
            .unwrap()
            .is_up_to_date()
    );
    let newer = AvailableBinary {
        version: "v2".into(),
        sha256: Some("ab".repeat(32)),
    };
    let status = binary_status(&store, &bin_dir, "svc", Some(&newer)).unwrap();
    assert_eq!(
        status,
        BinaryStatus::Outdated {
            installed: "v1".into(),
            available: "v2".into()
        }
    );
    assert_eq!(status.reason(), "outdated: v1 installed, v2 available");

    std::fs::write(bin_dir.join("svc"), b"patched by hand").unwrap();
    let status = binary_status(&store, &bin_dir, "svc", Some(&newer)).unwrap();
    assert!(
        matches!(status, BinaryStatus::Modified { .. }),
        "{status:?}"
    );
    assert!(
        status.reason().starts_with("modified: sha256"),
        "{}",
        status.reason()
    );

    std::fs::remove_file(bin_dir.join("svc")).unwrap();
    let status = binary_status(&store, &bin_dir, "svc", None).unwrap();
    assert_eq!(
        status,
        BinaryStatus::Missing {
            recorded: Some("v1".into())
        }
    );
}

// ---------------------------------------------------------------- source builds

fn run_git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.org")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.org")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

fn real_cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// A git repository with a crate `name` whose binaries print their own names, a committed
/// Cargo.lock, on branch `main`.
fn crate_repo(root: &Path, name: &str, bins: &[(&str, &str)]) -> PathBuf {
    let repo = root.join("upstream").join(name);
    std::fs::create_dir_all(repo.join("src/bin")).unwrap();
    std::fs::write(
        repo.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"
        ),
    )
    .unwrap();
    for (bin, body) in bins {
        std::fs::write(repo.join(format!("src/bin/{bin}.rs")), body).unwrap();
    }
    // The lock file of a crate without dependencies, as cargo writes it (written here so
    // nothing needs the package registry).
    std::fs::write(
        repo.join("Cargo.lock"),
        format!(
            "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 4\n\n[[package]]\nname = \"{name}\"\nversion = \"0.1.0\"\n"
        ),
    )
    .unwrap();
    run_git(&repo, &["init", "--quiet", "-b", "main"]);
    run_git(&repo, &["add", "."]);
    run_git(&repo, &["commit", "--quiet", "-m", "initial"]);
    repo
}

/// A cargo that counts its invocations in `counter`, then runs the real cargo.
fn counting_cargo(dir: &Path, counter: &Path) -> PathBuf {
    let path = dir.join("cargo-wrapper");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        "#!/bin/sh\necho run >> '{}'\nexec '{}' \"$@\"",
        counter.display(),
        real_cargo()
    )
    .unwrap();
    drop(f);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn invocations(counter: &Path) -> usize {
    std::fs::read_to_string(counter)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[tokio::test]
async fn source_build_checks_out_builds_verifies_installs_and_then_is_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bins = [
        ("tiny_a", "fn main() { println!(\"tiny_a\"); }\n"),
        ("tiny_b", "fn main() { println!(\"tiny_b\"); }\n"),
    ];
    let repo = crate_repo(root, "tinyhero", &bins);
    let url = format!("file://{}", repo.display());
    let code_root = root.join("code");
    let bin_dir = root.join("hero/bin");
    let counter = root.join("cargo-runs");
    let cargo = counting_cargo(root, &counter);

    // The plan as a service builds it: one checkout, one build, verify + install each.
    let mut b = PlanBuilder::new();
    let installs = add_source_install(
        &mut b,
        &SourceInstall {
            git_url: url.clone(),
            git_ref: GitRef::Branch("main".into()),
            code_root: code_root.clone(),
            target_dir: root.join("target"),
            binaries: bins.iter().map(|(b, _)| b.to_string()).collect(),
            bin_dir: bin_dir.clone(),
            service: "tinyhero".into(),
            cargo: Some(cargo.clone()),
            profile: "release".to_string(),
            also_build: Vec::new(),
            cargo_options: Default::default(),
        },
    );
    assert_eq!(
        installs,
        [
            TaskKey::new(format!("install:{}", bin_dir.join("tiny_a").display())),
            TaskKey::new(format!("install:{}", bin_dir.join("tiny_b").display())),
        ]
    );
    let plan = b.build().unwrap();
    assert_eq!(plan.len(), 6);
    let store = StateStore::in_memory().unwrap();
    let exec = executor(&store);

    let events = Collector::new();
    let first = exec
        .run(&plan, RunRequest::new("install").sink(events.sink()))
        .await;
    assert_eq!(first.failed().count(), 0, "{first:#?}");
    assert_eq!(
        invocations(&counter),
        1,
        "one cargo invocation for both binaries"
    );
    let logged_compile = events.events().iter().any(|e| {
        matches!(&e.kind, EventKind::TaskLogged { task, line, .. }
            if task.as_str() == "build:tiny_a,tiny_b" && line.contains("Compiling tinyhero"))
    });
    assert!(logged_compile, "cargo's output is streamed as log events");
    let checkout_dir = code_root.join("local/upstream/tinyhero");
    assert!(checkout_dir.join("Cargo.toml").exists());
    for (bin, _) in bins {
        let out = std::process::Command::new(bin_dir.join(bin))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), bin);
        let record = store.installed(bin).unwrap().unwrap();
        assert_eq!(record.version.len(), 40, "the version is the commit");
        assert!(record.origin.contains("tinyhero"), "{}", record.origin);
    }

    let second = exec.run(&plan, RunRequest::new("install")).await;
    assert_eq!(second.failed().count(), 0, "{second:#?}");

    assert_eq!(
        invocations(&counter),
        1,
        "an unchanged rebuild does not run cargo: {second:#?}"
    );
    for t in &second.tasks {
        if t.kind != "git_checkout" {
            assert_eq!(t.status, TaskStatus::UpToDate, "{t:#?}");
        }
    }
    assert_eq!(
        task(&second, "build:tiny_a,tiny_b").reason.as_deref(),
        Some("up to date: same commit, built binaries unchanged")
    );

    // A new upstream commit: checkout moves on, cargo runs again, the installs follow.
    std::fs::write(
        repo.join("src/bin/tiny_b.rs"),
        "fn main() { println!(\"tiny_b v2\"); }\n",
    )
    .unwrap();
    run_git(&repo, &["commit", "--quiet", "-am", "v2"]);
    let third = exec.run(&plan, RunRequest::new("install")).await;
    assert_eq!(third.failed().count(), 0, "{third:#?}");
    assert_eq!(invocations(&counter), 2);
    let out = std::process::Command::new(bin_dir.join("tiny_b"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "tiny_b v2");
    assert!(bin_dir.join(".tiny_b.previous").exists());
}

#[tokio::test]
async fn a_build_error_carries_the_compilers_last_lines() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = crate_repo(
        root,
        "brokenhero",
        &[(
            "broken",
            "fn main() {\n    let x: u32 = \"not a number\";\n    println!(\"{x}\");\n}\n",
        )],
    );
    let mut b = PlanBuilder::new();
    let checkout = b.add(GitCheckout::new(
        repo.display().to_string(),
        GitRef::Branch("main".into()),
        root.join("code"),
    ));
    let build = b.add_after(
        CargoBuild::new(["broken"], root.join("target")),
        [&checkout],
    );
    let verify = b.add_after(VerifyElf::new("broken"), [&build]);
    b.add_after(
        InstallBinary::new("brokenhero", "broken", root.join("bin")),
        [&verify],
    );
    let plan = b.build().unwrap();
    let store = StateStore::in_memory().unwrap();
    let report = executor(&store)
        .run(&plan, RunRequest::new("install"))
        .await;

    let build = task(&report, "build:broken");
    assert_eq!(build.status, TaskStatus::Failed);
    assert_eq!(build.attempts, 1, "a compile error is not retried");
    assert!(build.error[0].contains("cargo build"), "{:?}", build.error);
    let tail = build.log_tail.join("\n");
    assert!(tail.contains("mismatched types"), "{tail}");
    assert!(tail.contains("error[E0308]"), "{tail}");
    assert_eq!(
        task(&report, "verify_elf:broken").status,
        TaskStatus::Skipped
    );
    assert!(!root.join("bin/broken").exists());
}

#[tokio::test]
async fn checkout_refuses_to_overwrite_local_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let repo = crate_repo(root, "dirtyhero", &[("d", "fn main() {}\n")]);
    let checkout = GitCheckout::new(
        repo.display().to_string(),
        GitRef::Branch("main".into()),
        root.join("code"),
    );
    let mut b = PlanBuilder::new();
    b.add(checkout.clone());
    let plan = b.build().unwrap();
    let store = StateStore::in_memory().unwrap();
    let exec = executor(&store);
    let first = exec.run(&plan, RunRequest::new("checkout")).await;
    assert_eq!(first.failed().count(), 0, "{first:#?}");

    std::fs::write(checkout.dir().join("src/bin/d.rs"), "// local work\n").unwrap();
    let second = exec.run(&plan, RunRequest::new("checkout")).await;
    let t = &second.tasks[0];
    assert_eq!(t.status, TaskStatus::Failed);
    assert_eq!(t.attempts, 1);
    assert!(t.error[0].contains("uncommitted changes"), "{:?}", t.error);
    assert_eq!(
        std::fs::read_to_string(checkout.dir().join("src/bin/d.rs")).unwrap(),
        "// local work\n"
    );
}

// ---------------------------------------------------------------- kill test

/// Set in a child copy of this test binary: the directory of the kill test.
const PROBE_ENV: &str = "HERO_SVC_INSTALL_PROBE_DIR";

/// Not a test on its own: when the kill test re-executes this binary with [`PROBE_ENV`]
/// set, this installs two big files in turn, forever, until it is killed.
#[test]
fn install_probe_loop() {
    let Some(dir) = std::env::var_os(PROBE_ENV).map(PathBuf::from) else {
        return;
    };
    let target = InstallTarget::new(dir.join("bin"), "big");
    loop {
        for src in ["a", "b"] {
            target.install_from(&dir.join(src), None).unwrap();
        }
    }
}

fn big_file(path: &Path, seed: u8) -> String {
    let mut bytes = vec![0u8; 32 * 1024 * 1024];
    for (i, chunk) in bytes.chunks_mut(4096).enumerate() {
        chunk.fill(seed.wrapping_add(i as u8));
    }
    std::fs::write(path, &bytes).unwrap();
    sha(path)
}

#[test]
fn an_install_killed_at_any_point_leaves_the_old_or_the_new_binary() {
    use rand::Rng;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = [big_file(&d.join("a"), 1), big_file(&d.join("b"), 2)];
    let target = InstallTarget::new(d.join("bin"), "big");
    target.install_from(&d.join("a"), None).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::thread_rng();

    for round in 0..50 {
        let mut child = std::process::Command::new(&exe)
            .args([
                "install::install_probe_loop",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(PROBE_ENV, d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until an install is under way (its temp file exists), then kill it after a
        // random delay that lands in the copy, the fsync, the link or the rename.
        let deadline = Instant::now() + Duration::from_secs(10);
        let busy = || {
            std::fs::read_dir(&target.bin_dir)
                .unwrap()
                .flatten()
                .any(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with(".big.installing.")
                })
        };
        while !busy() && Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                panic!("the install probe exited on its own");
            }
            std::thread::yield_now();
        }
        std::thread::sleep(Duration::from_micros(rng.gen_range(0..150_000)));
        // SIGKILL: no destructor, no cleanup runs.
        child.kill().unwrap();
        child.wait().unwrap();

        let now = sha(&target.path());
        assert!(
            good.contains(&now),
            "round {round}: the binary is neither old nor new"
        );
        if target.previous_path().exists() {
            assert!(
                good.contains(&sha(&target.previous_path())),
                "round {round}: bad .previous"
            );
        }
    }

    // The next install cleans up whatever the killed ones left.
    target.install_from(&d.join("b"), None).unwrap();
    target.install_from(&d.join("a"), None).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&target.bin_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec![".big.previous", "big"]);
}

#[tokio::test]
async fn a_release_that_cannot_be_had_is_built_from_source_instead() {
    use hero_svc::forge::ReleaseVersion;
    use hero_svc::graph::RunStatus;
    use hero_svc::recipes::{ReleaseInstall, add_release_install_with_source_fallback};

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bins = [("tiny_fb", "fn main() { println!(\"tiny_fb\"); }\n")];
    let repo = crate_repo(root, "tinyfallback", &bins);
    let bin_dir = root.join("hero/bin");
    // A forge that has no such repository: the release way fails at its first step.
    let forge = crate::support::forge::StandInForge::start().await;
    let release = ReleaseInstall {
        forge: forge
            .config()
            .timeouts(Duration::from_secs(5), Duration::from_millis(300))
            .retries(1, Duration::ZERO),
        owner: "nobody".into(),
        repo: "no_such_repo".into(),
        version: ReleaseVersion::Latest,
        binary: "tiny_fb".into(),
        asset_suffix: String::new(),
        bin_dir: bin_dir.clone(),
        service: "tinyfallback".into(),
    };
    let source = SourceInstall {
        git_url: format!("file://{}", repo.display()),
        git_ref: GitRef::Branch("main".into()),
        code_root: root.join("code"),
        target_dir: root.join("target"),
        binaries: vec!["tiny_fb".into()],
        bin_dir: bin_dir.clone(),
        service: "tinyfallback".into(),
        cargo: None,
        profile: "release".to_string(),
        also_build: Vec::new(),
        cargo_options: Default::default(),
    };
    let mut b = PlanBuilder::new();
    let install = add_release_install_with_source_fallback(&mut b, &release, &source);
    let plan = b.build().unwrap();
    let store = StateStore::open(root.join("state.db")).unwrap();
    let exec = Executor::new(ExecutorConfig::default(), store.clone());
    let report = exec.run(&plan, RunRequest::new("install")).await;

    assert_eq!(report.status, RunStatus::Succeeded, "{report:#?}");
    let resolve = report
        .tasks
        .iter()
        .find(|t| t.kind == "resolve_release")
        .unwrap();
    assert_eq!(resolve.status, TaskStatus::Failed);
    assert!(
        resolve.error.join(": ").contains("not found"),
        "{:?}",
        resolve.error
    );
    let built = task(&report, "verify_elf:tiny_fb@source");
    assert_eq!(built.status, TaskStatus::Succeeded);
    assert_eq!(
        task(&report, install.as_str()).status,
        TaskStatus::Succeeded
    );
    let out = std::process::Command::new(bin_dir.join("tiny_fb"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "tiny_fb\n");
    let record = store.installed("tiny_fb").unwrap().unwrap();
    assert_eq!(record.service, "tinyfallback");
}
