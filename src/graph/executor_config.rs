//! [`ExecutorConfig`]: concurrency limits and failure policy of the executor.

use std::time::Duration;

use super::ResourceClass;

/// How the executor schedules: a global bound on running tasks, a bound per
/// [`ResourceClass`], whether the first failure stops the run, and the timeout for tasks
/// that declare none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutorConfig {
    /// At most this many tasks run at once.
    pub max_parallel: usize,
    /// At most this many tasks of each class run at once, indexed by
    /// [`ResourceClass::index`].
    pub class_limits: [usize; ResourceClass::ALL.len()],
    /// Stop starting tasks after the first failure (running ones finish).
    pub fail_fast: bool,
    /// Per-attempt timeout of tasks that declare none.
    pub default_timeout: Option<Duration>,
}

impl Default for ExecutorConfig {
    /// 64 tasks at once; per class: light unbounded, one build, four network transfers,
    /// eight process operations, 64 probes.
    fn default() -> Self {
        let mut class_limits = [usize::MAX; ResourceClass::ALL.len()];
        class_limits[ResourceClass::Build.index()] = 1;
        class_limits[ResourceClass::Network.index()] = 4;
        class_limits[ResourceClass::Process.index()] = 8;
        class_limits[ResourceClass::Probe.index()] = 64;
        Self {
            max_parallel: 64,
            class_limits,
            fail_fast: false,
            default_timeout: None,
        }
    }
}

impl ExecutorConfig {
    /// Sets the global bound (at least 1).
    pub fn max_parallel(mut self, n: usize) -> Self {
        self.max_parallel = n.max(1);
        self
    }

    /// Sets the bound of one class (at least 1).
    pub fn limit(mut self, class: ResourceClass, n: usize) -> Self {
        self.class_limits[class.index()] = n.max(1);
        self
    }

    /// Turns fail-fast on or off.
    pub fn fail_fast(mut self, on: bool) -> Self {
        self.fail_fast = on;
        self
    }

    /// Sets the default per-attempt timeout.
    pub fn default_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// The bound of `class`.
    pub fn class_limit(&self, class: ResourceClass) -> usize {
        self.class_limits[class.index()]
    }
}
