//! The `hero_demo` binary for tests: building it once per test process, and running an
//! instance of it in a temp Hero root.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

use super::http;
use super::wait::{DEADLINE, wait_until};

/// The path of the built `hero_demo` binary, built with `cargo build -p hero_demo` into
/// the test binary's own target dir the first time it is asked for.
///
/// `HERO_DEMO_BIN` points at a prebuilt binary instead.
pub fn demo_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(build_demo).clone()
}

fn build_demo() -> PathBuf {
    if let Some(bin) = std::env::var_os("HERO_DEMO_BIN") {
        return PathBuf::from(bin);
    }
    // <target>/<profile>/deps/integration-xxx → <target>/<profile>/hero_demo
    let exe = std::env::current_exe().expect("path of the test binary");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("profile dir has a parent");
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .expect("profile dir name");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut command = std::process::Command::new(cargo);
    command
        .args(["build", "--quiet", "-p", "hero_demo", "--bin", "hero_demo"])
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target_dir);
    match profile {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    let status = command.status().expect("run cargo build -p hero_demo");
    assert!(
        status.success(),
        "cargo build -p hero_demo failed: {status}"
    );
    let bin = profile_dir.join("hero_demo");
    assert!(bin.is_file(), "{} missing after build", bin.display());
    bin
}

/// A running `hero_demo` with piped output, killed when dropped.
pub struct Demo {
    pub child: Child,
    /// Its RPC socket.
    pub socket: PathBuf,
    /// The Hero root it runs in (`PATH_SOCKET` is `<root>/var/sockets`).
    pub root: PathBuf,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Lines<BufReader<ChildStderr>>,
    _temp: Option<TempDir>,
}

impl Demo {
    /// Starts `hero_demo --name <name> <args>` in a fresh temp Hero root.
    pub fn start(name: &str, args: &[&str]) -> Self {
        Self::start_with(name, args, |_| {})
    }

    /// Like [`start`](Self::start), letting `configure` change the command (env, …).
    pub fn start_with(name: &str, args: &[&str], configure: impl FnOnce(&mut Command)) -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let mut demo = Self::start_in(temp.path(), name, args, configure);
        demo._temp = Some(temp);
        demo
    }

    /// Starts an instance in the Hero root `root` (shared with other instances).
    pub fn start_in(
        root: &Path,
        name: &str,
        args: &[&str],
        configure: impl FnOnce(&mut Command),
    ) -> Self {
        let sockets = root.join("var").join("sockets");
        let mut command = Command::new(demo_bin());
        command
            .arg("--name")
            .arg(name)
            .args(args)
            .env("HERO_ROOT", root)
            .env("PATH_SOCKET", &sockets)
            .env_remove("HERO_SOCKET_DIR")
            .env_remove("HERO_DEMO_READY_DELAY_MS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        configure(&mut command);
        let mut child = command.spawn().expect("spawn hero_demo");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let stderr = BufReader::new(child.stderr.take().expect("piped stderr")).lines();
        Self {
            child,
            socket: sockets.join(name).join("rpc.sock"),
            root: root.to_path_buf(),
            stdout,
            stderr,
            _temp: None,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> i32 {
        self.child.id().expect("process still running") as i32
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`).
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) with a pid we spawned and have not reaped yet.
        let rc = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(rc, 0, "kill({}, {signal})", self.pid());
    }

    /// Waits for its RPC socket to answer `/health` with any status; returns it and the body.
    pub async fn wait_answering(&self) -> (u16, Value) {
        let socket = self.socket.clone();
        wait_until("hero_demo to answer /health", DEADLINE, || {
            let socket = socket.clone();
            async move {
                let (status, body) = http::try_get(&socket, "/health").await.ok()?;
                Some((status, serde_json::from_str(&body).expect("health is JSON")))
            }
        })
        .await
    }

    /// Waits for `/health` to answer 200; returns the body.
    pub async fn wait_healthy(&self) -> Value {
        let socket = self.socket.clone();
        wait_until("hero_demo to become healthy", DEADLINE, || {
            let socket = socket.clone();
            async move {
                match http::try_get(&socket, "/health").await {
                    Ok((200, body)) => Some(serde_json::from_str(&body).expect("health is JSON")),
                    _ => None,
                }
            }
        })
        .await
    }

    /// Reads stdout until a line containing `needle`; returns that line.
    pub async fn stdout_line(&mut self, needle: &str) -> String {
        read_until(&mut self.stdout, needle, "stdout").await
    }

    /// Reads stderr until a line containing `needle`; returns that line.
    pub async fn stderr_line(&mut self, needle: &str) -> String {
        read_until(&mut self.stderr, needle, "stderr").await
    }

    /// Waits for the process to exit.
    pub async fn wait_exit(&mut self) -> ExitStatus {
        tokio::time::timeout(DEADLINE, self.child.wait())
            .await
            .expect("hero_demo did not exit in time")
            .expect("wait for hero_demo")
    }
}

async fn read_until<R>(lines: &mut Lines<R>, needle: &str, stream: &str) -> String
where
    R: tokio::io::AsyncBufRead + Unpin,
{
    let found = tokio::time::timeout(DEADLINE, async {
        while let Some(line) = lines.next_line().await.expect("read output") {
            if line.contains(needle) {
                return Some(line);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(line)) => line,
        Ok(None) => panic!("{stream} closed without a line containing {needle:?}"),
        Err(_) => panic!("no line containing {needle:?} on {stream} in {DEADLINE:?}"),
    }
}
