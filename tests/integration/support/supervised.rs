//! What the supervisor tests share: a temp dir to supervise in (with a `zinit-server` of its
//! own for the zinit backend), waiting on a supervisor's word, and small specs.
//!
//! Dropping a [`SupervisorFixture`] kills whatever a failed test may have left: every
//! process group the state store still knows, every process whose command line mentions
//! the temp dir, every group zinit-server started (it leaves its services running when it
//! dies), then zinit-server.

use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hero_svc::state::StateStore;
use hero_svc::supervisor::{
    BuiltinConfig, BuiltinSupervisor, ProcessSpec, ProcessStatus, Supervisor, ZinitConfig,
    ZinitSupervisor,
};

use super::procs;

/// How long a supervisor test waits for something that should happen soon.
pub const DEADLINE: Duration = Duration::from_secs(8);

/// A temp dir, and for zinit the `zinit-server` running in it.
pub struct SupervisorFixture {
    pub dir: tempfile::TempDir,
    zinit: Option<Child>,
}

impl Default for SupervisorFixture {
    fn default() -> Self {
        Self::new()
    }
}

impl SupervisorFixture {
    /// An empty temp dir.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            zinit: None,
        }
    }

    /// `rel` inside the temp dir.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The builtin supervisor's settings for tests: quick restarts (20 ms doubling to 2 s),
    /// stable after 30 s, a start limit of 100, housekeeping every 200 ms, logs in the
    /// temp dir.
    pub fn builtin_config(&self) -> BuiltinConfig {
        BuiltinConfig {
            backoff_initial: Duration::from_millis(20),
            backoff_max: Duration::from_secs(2),
            stable_after: Duration::from_secs(30),
            start_limit: 100,
            housekeeping_interval: Duration::from_millis(200),
            ..BuiltinConfig::new(self.path("var/logs"))
        }
    }

    /// A builtin supervisor with `config`, on the temp dir's state store.
    pub async fn builtin_with(&self, config: BuiltinConfig) -> BuiltinSupervisor {
        let store = StateStore::open(self.path("var/hero_svc/state.db")).unwrap();
        BuiltinSupervisor::open(config, store).await.unwrap()
    }

    /// A builtin supervisor with [`builtin_config`](Self::builtin_config).
    pub async fn builtin(&self) -> BuiltinSupervisor {
        self.builtin_with(self.builtin_config()).await
    }

    /// Starts a `zinit-server` in the temp dir and returns the client with `config`'s
    /// settings (its socket set to the server's).
    pub async fn zinit(
        &mut self,
        config: impl FnOnce(ZinitConfig) -> ZinitConfig,
    ) -> ZinitSupervisor {
        let socket = self.path("zinit.sock");
        let config_dir = self.path("services");
        std::fs::create_dir_all(&config_dir).unwrap();
        let log = std::fs::File::create(self.path("zinit-server.log")).unwrap();
        let child = Command::new(zinit_server())
            .arg("--config-dir")
            .arg(&config_dir)
            .arg("--socket")
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.zinit = Some(child);
        let config = config(ZinitConfig::new(&socket));
        eventually("zinit-server to answer", || async {
            ZinitSupervisor::open(config.clone()).await.ok()
        })
        .await
    }
}

impl Drop for SupervisorFixture {
    fn drop(&mut self) {
        if let Ok(store) = StateStore::open(self.path("var/hero_svc/state.db")) {
            for record in store.all_supervised().unwrap_or_default() {
                if let Some(pgid) = record.pgid {
                    // SAFETY: killpg only sends a signal.
                    unsafe { libc::killpg(pgid as libc::pid_t, libc::SIGKILL) };
                }
            }
        }
        let zinit = self.zinit.as_ref().map(Child::id);
        for pid in procs::with_arg(&self.dir.path().to_string_lossy()) {
            if Some(pid) != zinit {
                procs::signal(pid, libc::SIGKILL);
            }
        }
        let Some(mut zinit) = self.zinit.take() else {
            return;
        };
        for pid in children_of(zinit.id()) {
            // SAFETY: killpg only sends a signal; zinit makes every service a group leader.
            unsafe { libc::killpg(pid as libc::pid_t, libc::SIGKILL) };
        }
        let _ = zinit.kill();
        let _ = zinit.wait();
    }
}

/// `zinit-server` on PATH, or a failure saying how to install it.
pub fn zinit_server() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("zinit-server"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "zinit-server is not on PATH: the zinit conformance tests need it; install it \
             with `cargo install zinit --locked` (CI does, in .ci/run)"
        )
    })
}

/// The pids whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| {
                    let rest = s[s.rfind(')')? + 1..].to_string();
                    rest.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Polls `check` until it yields a value, or panics naming `what`.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The first status of `name` for which `pred` holds.
pub async fn status_until<S: Supervisor>(
    sup: &S,
    name: &str,
    pred: impl Fn(&ProcessStatus) -> bool,
) -> ProcessStatus {
    eventually(&format!("a status of {name}"), || async {
        let s = sup.status(name).await.unwrap();
        pred(&s).then_some(s)
    })
    .await
}

/// The last line of `name`'s log holding `needle`, once there is one.
pub async fn log_line<S: Supervisor>(sup: &S, name: &str, needle: &str) -> String {
    eventually(&format!("{needle:?} in the log of {name}"), || async {
        let lines = sup.logs(name, 1000).await.unwrap();
        lines.into_iter().rev().find(|l| l.contains(needle))
    })
    .await
}

/// A `sh -c script` spec with a minimal PATH.
pub fn sh(name: &str, script: &str) -> ProcessSpec {
    ProcessSpec::new(name, "/bin/sh")
        .args(["-c", script])
        .env("PATH", "/usr/bin:/bin")
}
