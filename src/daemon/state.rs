//! [`Daemon`]: the daemon's shared state — what it owns — paths, state store, executor, runs.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::{DaemonError, Executions};
use crate::graph::{Executor, ExecutorConfig};
use crate::paths::HeroPaths;
use crate::state::StateStore;

/// How to set up a daemon.
#[derive(Clone, Debug)]
pub struct DaemonOptions {
    /// The Hero directories it serves.
    pub paths: HeroPaths,
    /// The executor's limits.
    pub executor: ExecutorConfig,
}

impl DaemonOptions {
    /// Defaults for `paths`.
    pub fn new(paths: HeroPaths) -> Self {
        Self {
            paths,
            executor: ExecutorConfig::default(),
        }
    }
}

/// The daemon's state, shared by every connection.
pub struct Daemon {
    paths: HeroPaths,
    store: StateStore,
    executor: Executor,
    executions: Executions,
    started: Instant,
    started_at: DateTime<Utc>,
}

impl Daemon {
    /// Opens the state store of `options.paths` and sets everything up (nothing is bound:
    /// see [`run`](super::run) for the whole daemon).
    pub fn open(options: DaemonOptions) -> Result<Arc<Self>, DaemonError> {
        let store = StateStore::open(options.paths.state_db())?;
        let executor = Executor::new(options.executor, store.clone());
        Ok(Arc::new(Self {
            paths: options.paths,
            store,
            executor,
            executions: Executions::new(),
            started: Instant::now(),
            started_at: Utc::now(),
        }))
    }

    /// The Hero directories.
    pub fn paths(&self) -> &HeroPaths {
        &self.paths
    }

    /// The state store.
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    /// The executor.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// The runs.
    pub fn executions(&self) -> &Executions {
        &self.executions
    }

    /// How long the daemon has been up, in ms.
    pub fn uptime_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// When it started.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }
}
