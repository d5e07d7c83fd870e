//! [`TaskEnv`]: what every task of a run can reach beyond its own fields and inputs.

use std::sync::Arc;

use super::TaskError;
use crate::state::StateStore;
use crate::supervisor::AnySupervisor;

/// The shared environment of a run: the state store, and the supervisor when the run is
/// hosted by the daemon (lifecycle tasks need it). Cheap to clone.
#[derive(Clone)]
pub struct TaskEnv {
    inner: Arc<Inner>,
}

struct Inner {
    store: StateStore,
    supervisor: Option<Arc<AnySupervisor>>,
}

impl TaskEnv {
    /// An environment with a state store and no supervisor.
    pub fn new(store: StateStore) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                supervisor: None,
            }),
        }
    }

    /// The same environment with a supervisor.
    pub fn with_supervisor(self, supervisor: Arc<AnySupervisor>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: self.inner.store.clone(),
                supervisor: Some(supervisor),
            }),
        }
    }

    /// The state store.
    pub fn store(&self) -> &StateStore {
        &self.inner.store
    }

    /// The supervisor, or an error for runs without one.
    pub fn supervisor(&self) -> Result<&AnySupervisor, TaskError> {
        self.inner.supervisor.as_deref().ok_or_else(|| {
            TaskError::new(
                "this run has no process supervisor: lifecycle tasks run inside the daemon (`hero_svc serve`)",
            )
            .permanent()
        })
    }
}

impl std::fmt::Debug for TaskEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEnv")
            .field("store", &self.inner.store)
            .field(
                "supervisor",
                &self.inner.supervisor.as_ref().map(|s| s.backend()),
            )
            .finish()
    }
}

impl crate::graph::Executor<super::Task> {
    /// An executor of hero_svc tasks with `config` that caches in `store` (its tasks see no
    /// supervisor).
    pub fn new(config: crate::graph::ExecutorConfig, store: StateStore) -> Self {
        Self::with_env(config, TaskEnv::new(store))
    }

    /// An executor of hero_svc tasks whose tasks see `env` (e.g. with the daemon's
    /// supervisor); it caches in `env`'s store.
    pub fn with_env(config: crate::graph::ExecutorConfig, env: TaskEnv) -> Self {
        Self::with_parts(config, env.store().clone(), env)
    }
}
