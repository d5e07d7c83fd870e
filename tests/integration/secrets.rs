//! Secrets and private files: a service's secrets are read from the user's env file when
//! its process is spawned and never stored; the daemon's own files are nobody else's; a
//! token a forge echoes back is never shown or kept (see `forge.rs`).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use hero_svc::state::StateStore;
use hero_svc::supervisor::{
    BuiltinConfig, BuiltinSupervisor, ProcessSpec, SecretSource, Supervisor,
};

use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::procs::poll_until;

const SECRET: &str = "s3cr3t-value-7f3a9";

#[tokio::test]
async fn secrets_are_read_when_a_process_is_spawned_and_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("cfg/env/env.sh");
    std::fs::create_dir_all(env_file.parent().unwrap()).unwrap();
    std::fs::write(&env_file, format!("export APP_SECRET='{SECRET}'\n")).unwrap();
    let db = dir.path().join("var/hero_svc/state.db");
    let store = StateStore::open(&db).unwrap();
    let mut config = BuiltinConfig::new(dir.path().join("logs"));
    config.secrets = SecretSource::env_file(&env_file);
    let sup = BuiltinSupervisor::open(config, store).await.unwrap();

    let out = dir.path().join("seen");
    let spec = ProcessSpec::new("svc", "/bin/sh")
        .args([
            "-c".to_string(),
            format!("echo \"$TOKEN\" > {}; exec sleep 300", out.display()),
        ])
        .env("PATH", "/usr/bin:/bin")
        .secret("TOKEN", "APP_SECRET");
    sup.register(spec).await.unwrap();
    sup.start("svc").await.unwrap();
    assert!(poll_until(Duration::from_secs(10), || {
        std::fs::read_to_string(&out).is_ok_and(|s| s.trim() == SECRET)
    }));
    // The spec it keeps names the secret; no stored byte holds its value.
    let stored = sup.spec("svc").await.unwrap().unwrap();
    assert_eq!(stored.secrets[0].secret, "APP_SECRET");
    sup.stop("svc").await.unwrap();
    drop(sup);
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                "{path} holds the secret"
            );
        }
    }

    // A secret set nowhere fails the start, naming it and where to set it.
    let store = StateStore::open(&db).unwrap();
    let mut config = BuiltinConfig::new(dir.path().join("logs"));
    config.secrets = SecretSource::env_file(dir.path().join("nowhere.sh"));
    let sup = BuiltinSupervisor::open(config, store).await.unwrap();
    let spec = ProcessSpec::new("svc2", "/bin/sleep")
        .args(["300"])
        .secret("TOKEN", "NOT_SET_ANYWHERE_42");
    sup.register(spec).await.unwrap();
    let err = sup.start("svc2").await.unwrap_err().to_string();
    assert!(
        err.contains("NOT_SET_ANYWHERE_42") && err.contains("nowhere.sh"),
        "{err}"
    );
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_makes_its_state_private_also_in_an_existing_root() {
    let repo = DemoRepo::create();
    let mut daemon = TestDaemon::start(&repo);
    assert_ok(&daemon.run_cli(&["deploy", "demo_cache", "--no-deps"]));
    let state = daemon.root().join("var/hero_svc");
    daemon.terminate();
    // An older root with loose modes.
    for dir in [state.clone(), state.join("logs")] {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for file in ["state.db", "daemon.lock"] {
        std::fs::set_permissions(state.join(file), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    daemon.restart();
    assert_eq!(mode(&state), 0o700);
    assert_eq!(mode(&state.join("logs")), 0o700);
    for file in ["state.db", "state.db-wal", "daemon.lock"] {
        let path = state.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
    assert_eq!(mode(&daemon.root().join("var/sockets/hero_svc")), 0o700);
}
