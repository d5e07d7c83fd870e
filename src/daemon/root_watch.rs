//! A daemon's root can be deleted under it (a test's temp dir, an `rm -rf` of an old
//! root): [`watch_root`] notices, and [`Daemon::stop_everything`] stops the services that
//! nobody could find to stop later.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use super::Daemon;

/// How often the daemon checks that its Hero root still exists.
const ROOT_CHECK_EVERY: Duration = Duration::from_secs(2);

/// Resolves when the lock file at `lock` (in the Hero root's state directory) is gone or was
/// replaced: the root was deleted, and nothing this daemon does can be found any more.
pub async fn watch_root(lock: &Path) {
    let identity = |p: &Path| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let Some(mine) = identity(lock) else {
        return std::future::pending().await;
    };
    loop {
        tokio::time::sleep(ROOT_CHECK_EVERY).await;
        if identity(lock) != Some(mine) {
            return;
        }
    }
}

impl Daemon {
    /// Stops every supervised process: what a daemon does when its root is gone (nobody
    /// could find them to stop them later).
    pub async fn stop_everything(&self) {
        use crate::supervisor::Supervisor;
        let Ok(processes) = self.supervisor().list().await else {
            return;
        };
        for p in processes.iter().filter(|p| p.state.is_active()) {
            if let Err(e) = self.supervisor().stop(&p.name).await {
                tracing::warn!(process = %p.name, error = %e, "could not stop");
            }
        }
    }
}
