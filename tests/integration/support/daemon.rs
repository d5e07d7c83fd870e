//! A real `hero_svc serve` in a temp Hero root, and the real `hero_svc` CLI pointed at it.
//!
//! The daemon runs the demo catalog from a [`DemoRepo`]: a git repository the test owns,
//! holding a copy of this repository's `demo` crate, so a test can change a service's
//! source and commit. Source builds use the `dev` profile and one cargo build dir shared by
//! every test of the run (`<target>/hero_svc_demo_builds`, cargo's intermediate artifacts),
//! so dependencies compile once; each daemon has its own target dir for the final binaries,
//! so tests building the same binary names from different repositories never race.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use hero_svc::rpc::RpcClient;
use tempfile::TempDir;

pub use super::demo_repo::{DemoRepo, shared_build_dir};
use super::procs::poll_until;

/// How long the daemon may take to come up.
const DEADLINE: Duration = Duration::from_secs(15);

/// The environment of a daemon (and its CLI) serving the demo catalog built from the
/// repository at `repo`, in the Hero root `root`: its own sockets, checkouts and target
/// dir under the root, cargo's intermediate artifacts in the run's shared build dir, the
/// `dev` profile, and a forge nobody answers at.
pub fn demo_env(root: &Path, repo: &Path) -> Vec<(String, String)> {
    [
        ("HERO_ROOT", root.display().to_string()),
        (
            "PATH_SOCKET",
            root.join("var/sockets").display().to_string(),
        ),
        ("CODEROOT", root.join("code").display().to_string()),
        ("HERO_SVC_CATALOG", "demo".to_string()),
        ("HERO_SVC_DEMO_SOURCE", repo.display().to_string()),
        ("HERO_SVC_DEMO_REF", "main".to_string()),
        (
            "HERO_SVC_TARGET_DIR",
            root.join("target").display().to_string(),
        ),
        (
            "CARGO_BUILD_BUILD_DIR",
            shared_build_dir().display().to_string(),
        ),
        ("HERO_SVC_BUILD_PROFILE", "dev".to_string()),
        ("FORGE_URL", "http://127.0.0.1:9/".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Where a test daemon's Hero root is: a temp dir it owns, or a dir the test gives (a
/// tmpfs it mounted).
enum Root {
    Owned(TempDir),
    Given(PathBuf),
}

impl Root {
    fn path(&self) -> &Path {
        match self {
            Root::Owned(d) => d.path(),
            Root::Given(p) => p,
        }
    }
}

/// A daemon in a temp root. Dropping it stops every service it started, then the daemon.
pub struct TestDaemon {
    root: Root,
    child: Option<Child>,
    env: Vec<(String, String)>,
    nofile: Option<u64>,
}

impl TestDaemon {
    /// Starts `hero_svc serve` on the demo catalog built from `repo`.
    pub fn start(repo: &DemoRepo) -> Self {
        Self::start_with(repo, &[])
    }

    /// Like [`start`](Self::start), with extra `serve` arguments.
    pub fn start_with(repo: &DemoRepo, serve_args: &[&str]) -> Self {
        Self::start_full(repo, serve_args, &[])
    }

    /// Like [`start`](Self::start), with extra environment variables for the daemon and
    /// the CLI (`HERO_SVC_HEALTH_TIMEOUT_MS`, …).
    pub fn start_with_env(repo: &DemoRepo, extra_env: &[(&str, &str)]) -> Self {
        Self::start_full(repo, &[], extra_env)
    }

    /// Like [`start_with_env`](Self::start_with_env), with the daemon's limit of open files
    /// set to `nofile` (soft and hard).
    pub fn start_with_fd_limit(repo: &DemoRepo, extra_env: &[(&str, &str)], nofile: u64) -> Self {
        Self::start_inner(repo, &[], extra_env, Some(nofile))
    }

    /// Like [`start`](Self::start), with extra `serve` arguments and extra environment
    /// variables for the daemon and the CLI.
    pub fn start_full(repo: &DemoRepo, serve_args: &[&str], extra_env: &[(&str, &str)]) -> Self {
        Self::start_inner(repo, serve_args, extra_env, None)
    }

    /// Like [`start_with_env`](Self::start_with_env), with the Hero root at `root` (which
    /// the test keeps): a small tmpfs, say. Checkouts and the cargo target dir stay on disk.
    pub fn start_in(repo: &DemoRepo, root: &Path, extra_env: &[(&str, &str)]) -> Self {
        Self::start_rooted(repo, Root::Given(root.to_path_buf()), &[], extra_env, None)
    }

    fn start_inner(
        repo: &DemoRepo,
        serve_args: &[&str],
        extra_env: &[(&str, &str)],
        nofile: Option<u64>,
    ) -> Self {
        let root = Root::Owned(tempfile::tempdir().unwrap());
        Self::start_rooted(repo, root, serve_args, extra_env, nofile)
    }

    fn start_rooted(
        repo: &DemoRepo,
        root: Root,
        serve_args: &[&str],
        extra_env: &[(&str, &str)],
        nofile: Option<u64>,
    ) -> Self {
        let env = demo_env(root.path(), repo.path());
        let mut env = env;
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let mut daemon = Self {
            root,
            child: None,
            env,
            nofile,
        };
        daemon.spawn(serve_args);
        daemon
    }

    fn spawn(&mut self, serve_args: &[&str]) {
        // Appended to (a restarted daemon's log follows its predecessor's), never
        // truncated: a test that filled the disk keeps it full.
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.path().join("daemon.log"))
            .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hero_svc"));
        cmd.arg("serve")
            .args(serve_args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("HERO_SOCKET_DIR")
            .env_remove("HERO_SVC_SOCKET")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        if let Some(n) = self.nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe and touches only the child.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit {
                        rlim_cur: n,
                        rlim_max: n,
                    };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        self.child = Some(cmd.spawn().unwrap());
        let socket = self.socket();
        // Connectable, not only present: the file appears at bind(), before listen().
        assert!(
            poll_until(DEADLINE, || std::os::unix::net::UnixStream::connect(
                &socket
            )
            .is_ok()),
            "daemon did not start: {}",
            self.log()
        );
    }

    /// Starts the daemon again on the same root (after [`kill`](Self::kill)).
    pub fn restart(&mut self) {
        self.spawn(&[]);
    }

    /// SIGKILLs the daemon (services under the builtin supervisor keep running).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_file(self.socket());
    }

    /// Stops the daemon with SIGTERM and waits for it (at most 10 s); its exit status.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        // SAFETY: kill on a pid we own.
        unsafe {
            libc::kill(c.id() as i32, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = c.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = c.kill();
        let _ = c.wait();
        None
    }

    /// Forgets the daemon process (it ended by itself): dropping this does nothing more.
    pub fn forget(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }

    /// The environment the daemon and the CLI get.
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// The daemon's pid.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The Hero root.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The daemon's socket.
    pub fn socket(&self) -> PathBuf {
        self.root.path().join("var/sockets/hero_svc/rpc.sock")
    }

    /// A JSON-RPC client of the daemon (whose calls may wait for whole operations).
    pub fn client(&self) -> RpcClient {
        RpcClient::new(self.socket()).timeout(None)
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("daemon.log")).unwrap_or_default()
    }

    /// The `hero_svc` CLI with this daemon's environment and socket.
    pub fn cli(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hero_svc"));
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("HERO_SVC_SOCKET", self.socket())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs the CLI with `args` (plain progress) and returns its output.
    pub fn run_cli(&self, args: &[&str]) -> Output {
        self.cli()
            .args(["--progress", "plain"])
            .args(args)
            .output()
            .unwrap()
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self
                .cli()
                .args(["--progress", "quiet", "stop", "--all"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if let Some(mut c) = self.child.take() {
            // SIGTERM: a clean shutdown.
            // SAFETY: kill on a pid we own.
            unsafe {
                libc::kill(c.id() as i32, libc::SIGTERM);
            }
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl TestDaemon {
    /// The state of service `name` and the pid of its first process, as `service.status`
    /// says.
    pub async fn state_of(&self, name: &str) -> (String, Option<u32>) {
        let status = self
            .client()
            .call("service.status", serde_json::json!({ "name": name }))
            .await
            .unwrap();
        let svc = &status[0];
        (
            svc["state"].as_str().unwrap_or_default().to_string(),
            svc["processes"][0]["pid"].as_u64().map(|p| p as u32),
        )
    }
}

/// Asserts that a CLI run exited 0, showing its output otherwise.
pub fn assert_ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
