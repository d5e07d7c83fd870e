//! [`TaskKey`]: the stable identity of a task in a plan and in the fingerprint cache.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The stable identity of a task, e.g. `download:hero_db_server@v0.3.2`.
///
/// Keys dedupe tasks in a [`PlanBuilder`](super::PlanBuilder) and index the
/// fingerprint cache, so a key must name *what* the task produces, not *who* asked for it.
/// Cheap to clone (a shared string).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskKey(Arc<str>);

impl TaskKey {
    /// A key from any string.
    pub fn new(key: impl AsRef<str>) -> Self {
        Self(Arc::from(key.as_ref()))
    }

    /// The key as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

impl From<&str> for TaskKey {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for TaskKey {
    fn from(s: String) -> Self {
        Self(Arc::from(s))
    }
}

impl From<&TaskKey> for TaskKey {
    fn from(k: &TaskKey) -> Self {
        k.clone()
    }
}
