//! [`DemoRepo`]: a git repository holding a copy of this repository's `demo` crate, for the
//! tests and the benches (which include this file with `#[path]`), so a source build has a
//! real repository to check out and a test can change a service's source and commit.
//!
//! The repository's `Cargo.lock` is this workspace's, trimmed to the packages the demo
//! crate depends on, as the demo repository's own lock file would be (a build must not
//! leave the checkout modified). See [`trim_lock_file`] for why that needs no network and
//! nothing a fresh machine's build did not fetch.

// Shared by the tests and the benches; each uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// A git repository with a copy of the demo crate (a one-member workspace).
pub struct DemoRepo {
    dir: TempDir,
    crate_dir: String,
}

/// How many demo repositories this process made (names their crate folders).
static REPOS: AtomicUsize = AtomicUsize::new(0);

/// A folder name for the demo crate of a new repository, unique in this process and this
/// checkout of hero_svc. Cargo derives the hash of a path package's artifacts from its path
/// *inside* its workspace: two repositories with the crate at the same relative path would
/// share (and overwrite) each other's artifacts in a shared build dir.
fn unique_crate_dir() -> String {
    let here = env!("CARGO_MANIFEST_DIR");
    let checkout = hex::encode(&Sha256::digest(here.as_bytes())[..4]);
    let n = REPOS.fetch_add(1, Ordering::SeqCst);
    format!("demo_{checkout}_{}_{n}", std::process::id())
}

impl DemoRepo {
    /// Copies `demo/` (into a uniquely named folder), the trimmed `Cargo.lock` and a
    /// workspace manifest into a new repository and commits them on branch `main`.
    pub fn create() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir for the demo repository");
        let crate_dir = unique_crate_dir();
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&here.join("demo"), &dir.path().join(&crate_dir));
        std::fs::copy(here.join("Cargo.lock"), dir.path().join("Cargo.lock"))
            .expect("copy Cargo.lock");
        std::fs::write(
            dir.path().join("Cargo.toml"),
            format!("[workspace]\nmembers = [\"{crate_dir}\"]\nresolver = \"3\"\n"),
        )
        .expect("write Cargo.toml");
        trim_lock_file(dir.path());
        let repo = Self { dir, crate_dir };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.commit("the demo services");
        repo
    }

    /// The repository's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The path of the demo crate's file `rel` inside the repository (`src/bin/demo_db.rs`
    /// → `demo_…/src/bin/demo_db.rs`), for [`write`](Self::write).
    pub fn demo_file(&self, rel: &str) -> String {
        format!("{}/{rel}", self.crate_dir)
    }

    /// Writes `contents` to the file at `rel` (relative to the repository).
    pub fn write(&self, rel: &str, contents: &str) {
        std::fs::write(self.path().join(rel), contents).expect("write a repository file");
    }

    /// Sets the version constant of demo service `name` (changes its binary).
    pub fn set_version(&self, name: &str, version: &str) {
        const MARK: &str = "const VERSION: &str = \"";
        let rel = self.demo_file(&format!("src/bin/{name}.rs"));
        let text = std::fs::read_to_string(self.path().join(&rel)).expect("the service's source");
        let start = text.find(MARK).expect("a VERSION constant") + MARK.len();
        let end = start + text[start..].find('"').expect("the constant's end");
        let new = format!("{}{version}{}", &text[..start], &text[end..]);
        self.write(&rel, &new);
    }

    /// Makes demo service `name` (at `version`) run with the demo program's `args`
    /// (`["--unhealthy"]`, `["--crash-after-ms", "50"]`).
    pub fn set_behaviour(&self, name: &str, version: &str, args: &[&str]) {
        let args: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
        let source = format!(
            "//! `{name}` {version}, with {args}.\n\n\
             fn main() -> std::process::ExitCode {{\n    \
             hero_demo::main_with_args(\"{name}\", \"{version}\", &[{args}])\n}}\n",
            args = args.join(", ")
        );
        self.write(&self.demo_file(&format!("src/bin/{name}.rs")), &source);
    }

    /// Commits everything.
    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&[
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "commit",
            "--quiet",
            "-m",
            message,
        ]);
    }

    /// The commit `HEAD` points at.
    pub fn head(&self) -> String {
        let out = Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(self.path())
            .output()
            .expect("git rev-parse");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn git(&self, args: &[&str]) {
        let status = Command::new("git")
            .args(args)
            .current_dir(self.path())
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?} failed");
    }
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// The cargo build dir (intermediate artifacts) that the source builds of one target dir
/// share: `<target>/hero_svc_demo_builds`, found from the running test or bench binary
/// (`<target>/<profile>/deps/<binary>`).
pub fn shared_build_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the path of this binary");
    exe.parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("the binary lives in <target>/<profile>/deps")
        .join("hero_svc_demo_builds")
}

/// The host's target triple (`x86_64-unknown-linux-gnu`), from `rustc -vV`.
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_string()
}

/// Trims the `Cargo.lock` in `dir` to the packages of the workspace there, as cargo itself
/// would on the first build: `cargo metadata` rewrites the lock file. Which packages a
/// lock holds depends on the features the workspace turns on, so only cargo can say; it
/// is asked offline and for the host platform only, which needs nothing but what a build
/// of this workspace already fetched (the registry index and the host's packages; the
/// packages of other platforms, never downloaded by a build, are not read).
fn trim_lock_file(dir: &Path) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--filter-platform"])
        .arg(host_triple())
        .env("CARGO_NET_OFFLINE", "true")
        .current_dir(dir)
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed in the demo repository: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
