//! [`ResourceClass`]: which concurrency limit a task counts against.

use serde::{Deserialize, Serialize};

/// The kind of resource a task mostly uses. The executor bounds how many tasks of each class
/// run at once (see [`ExecutorConfig`](crate::graph::ExecutorConfig)), on top of a global
/// bound: one cargo build at a time, a handful of downloads, many health probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceClass {
    /// Cheap in-process work: bookkeeping, small files, barriers.
    Light,
    /// CPU-heavy work such as `cargo build`.
    Build,
    /// Network transfers: release look-ups and downloads.
    Network,
    /// Starting, stopping and running child processes.
    Process,
    /// Health probes and waits; mostly idle.
    Probe,
}

impl ResourceClass {
    /// Every class, in a fixed order (used to index per-class counters).
    pub const ALL: [ResourceClass; 5] = [
        ResourceClass::Light,
        ResourceClass::Build,
        ResourceClass::Network,
        ResourceClass::Process,
        ResourceClass::Probe,
    ];

    /// Position in [`ResourceClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The class's name as shown to people and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceClass::Light => "light",
            ResourceClass::Build => "build",
            ResourceClass::Network => "network",
            ResourceClass::Process => "process",
            ResourceClass::Probe => "probe",
        }
    }
}
