//! The lock file end to end, with the real daemon and CLI: a release from the stand-in
//! forge and a source build from a git repository, each locked, then installed exactly as
//! locked on a fresh root — also after the forge re-tags the release or the branch moves.

use std::path::Path;
use std::process::Output;

use hero_svc::lockfile::{LockFile, LockedService};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::forge::{StandInForge, asset};

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report on stdout ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

fn lock_of(daemon: &TestDaemon) -> LockFile {
    LockFile::read(&daemon.root().join("cfg/hero_svc.lock")).unwrap()
}

/// The asset name of `binary` on this host (`hero_router-linux-amd64`).
fn host_asset(binary: &str) -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{binary}-linux-{arch}")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_release_installs_the_same_bytes_and_refuses_a_retagged_one() {
    let forge = StandInForge::start().await;
    let v1 = std::fs::read("/usr/bin/true").unwrap();
    let other = std::fs::read("/usr/bin/false").unwrap();
    let name = host_asset("hero_router");
    forge.release(
        "lhumina_code",
        "hero_router",
        "v1.0.0",
        false,
        vec![asset(&name, &v1)],
    );
    let repo = DemoRepo::create();
    let env = [
        ("FORGE_URL", forge.url.as_str()),
        ("HERO_SVC_CATALOG", "hero"),
    ];

    // Lock on one root: `latest` resolves to v1.0.0, the bytes hashed by downloading them.
    let first = TestDaemon::start_with_env(&repo, &env);
    let out = first.run_cli(&["lock", "hero_router", "--json"]);
    assert_ok(&out);
    assert_eq!(report(&out)["status"], "succeeded");
    let lock = lock_of(&first);
    let Some(LockedService::Release(r)) = lock.services.get("hero_router") else {
        panic!("hero_router is not locked as a release: {lock:?}");
    };
    assert_eq!((r.tag.as_str(), r.asked.as_str()), ("v1.0.0", "latest"));
    assert_eq!(r.binaries[0].asset, name);
    assert_eq!(r.binaries[0].sha256, hex::encode(Sha256::digest(&v1)));
    assert_eq!(r.binaries[0].sha256_source, "downloaded");
    // Locking installs nothing and leaves no download behind.
    assert!(!first.root().join("bin/hero_router").exists());
    let staging = first.root().join("var/hero_svc/lock-staging");
    let left: Vec<_> = std::fs::read_dir(&staging)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    let lock_text = std::fs::read_to_string(first.root().join("cfg/hero_svc.lock")).unwrap();

    // A newer release: the lock is out of date (exit 1), and it is not rewritten.
    forge.release(
        "lhumina_code",
        "hero_router",
        "v1.1.0",
        false,
        vec![asset(&name, &other)],
    );
    let check = first.run_cli(&["lock", "--check", "hero_router"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("v1.0.0 of lhumina_code/hero_router → release v1.1.0"),
        "{}",
        stderr(&check)
    );
    assert_eq!(
        std::fs::read_to_string(first.root().join("cfg/hero_svc.lock")).unwrap(),
        lock_text
    );

    // On a fresh root with the lock: exactly v1.0.0's bytes, although v1.1.0 is the latest.
    let second = TestDaemon::start_with_env(&repo, &env);
    std::fs::create_dir_all(second.root().join("cfg")).unwrap();
    let lock_file = second.root().join("cfg/stack.lock");
    std::fs::write(&lock_file, &lock_text).unwrap();
    let lock_arg = lock_file.display().to_string();
    let out = second.run_cli(&[
        "install",
        "hero_router",
        "--locked",
        "--lock",
        &lock_arg,
        "--json",
    ]);
    assert_ok(&out);
    // The report names the lock it obeyed; inspect, which run installed the binary.
    let installed = report(&out);
    assert_eq!(
        installed["inputs"]["lock_file"],
        lock_arg.as_str(),
        "{installed:#}"
    );
    assert_eq!(installed["inputs"]["lock_sha256"], lock.digest().as_str());
    let inspect = second.run_cli(&["inspect", "hero_router", "--json"]);
    let v: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(v["installed"][0]["run_id"], installed["run_id"], "{v:#}");
    let bin = second.root().join("bin/hero_router");
    assert_eq!(sha256(&bin), r.binaries[0].sha256);
    let verify = second.run_cli(&["verify", "hero_router", "--locked", "--lock", &lock_arg]);
    assert_ok(&verify);

    // The forge moves v1.0.0 to other bytes: refused with both hashes, nothing changed.
    forge.retag(
        "lhumina_code",
        "hero_router",
        "v1.0.0",
        vec![asset(&name, &other)],
    );
    let third = TestDaemon::start_with_env(&repo, &env);
    std::fs::create_dir_all(third.root().join("cfg")).unwrap();
    std::fs::write(third.root().join("cfg/hero_svc.lock"), &lock_text).unwrap();
    let out = third.run_cli(&["install", "hero_router", "--locked", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let failed = report(&out);
    let text = failed.to_string();
    assert!(
        text.contains(&hex::encode(Sha256::digest(&other))),
        "{failed:#}"
    );
    assert!(text.contains(&r.binaries[0].sha256), "{failed:#}");
    assert!(!third.root().join("bin/hero_router").exists());
    let bin_dir: Vec<_> = std::fs::read_dir(third.root().join("bin"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(bin_dir.is_empty(), "leftovers in bin: {bin_dir:?}");

    // A service the lock does not pin is an error naming it; a bad lock file is refused.
    let out = third.run_cli(&["install", "hero_proc", "--locked"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hero_proc is not in the lock file"),
        "{}",
        stderr(&out)
    );
    std::fs::write(third.root().join("cfg/hero_svc.lock"), "version = 7\n").unwrap();
    let out = third.run_cli(&["install", "hero_router", "--locked"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a valid lock file"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_source_build_stays_on_its_commit_when_the_branch_moves() {
    let repo = DemoRepo::create();
    let daemon = TestDaemon::start(&repo);
    let commit_a = repo.head();

    let out = daemon.run_cli(&["lock", "demo_db", "--json"]);
    assert_ok(&out);
    let lock = lock_of(&daemon);
    let Some(LockedService::Source(s)) = lock.services.get("demo_db") else {
        panic!("demo_db is not locked as a source build: {lock:?}");
    };
    assert_eq!(s.commit, commit_a);
    assert_eq!(s.asked, "branch main");
    assert!(s.rustc.starts_with("rustc "), "{}", s.rustc);
    assert!(s.cargo_lock_sha256.is_some());
    let locked_sha = s.binaries[0].sha256.clone();

    // The branch moves on: the lock is out of date, but --locked still builds commit A.
    repo.set_behaviour("demo_db", "9.9.9", &[]);
    repo.commit("demo_db 9.9.9");
    let check = daemon.run_cli(&["lock", "--check", "demo_db"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert!(
        stderr(&check).contains("demo_db: commit"),
        "{}",
        stderr(&check)
    );

    let out = daemon.run_cli(&["deploy", "demo_db", "--locked", "--json"]);
    assert_ok(&out);
    let bin = daemon.root().join("bin/demo_db");
    assert_eq!(
        sha256(&bin),
        locked_sha,
        "the locked build is not commit A's bytes"
    );
    assert_ok(&daemon.run_cli(&["verify", "demo_db", "--locked"]));
    // Provenance: inspect says what the lock pins and that these are its bytes.
    let inspect = daemon.run_cli(&["inspect", "demo_db", "--json"]);
    assert_ok(&inspect);
    let v: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    let pinned = &v["installed"][0]["lock"];
    assert_eq!(pinned["matches"], true, "{v:#}");
    assert_eq!(pinned["sha256"], locked_sha.as_str());
    let human = daemon.run_cli(&["inspect", "demo_db"]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("the locked bytes"),
        "{human:?}"
    );

    // --strict needs --locked; --locked with another mode than the lock's is refused.
    let out = daemon.run_cli(&["deploy", "demo_db", "--strict"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = daemon.run_cli(&["deploy", "demo_db", "--locked", "--mode", "download"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("locked to commit"),
        "{}",
        stderr(&out)
    );

    // A lock --update of demo_db keeps it alone; a lock of another service keeps demo_db.
    assert_ok(&daemon.run_cli(&["lock", "--update", "demo_cache"]));
    let both = lock_of(&daemon);
    assert!(both.services.contains_key("demo_db") && both.services.contains_key("demo_cache"));
    assert_eq!(both.services["demo_db"], lock.services["demo_db"]);
}
