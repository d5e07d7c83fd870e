//! The embedded state store: one SQLite database per Hero root (WAL mode, bundled SQLite).
//!
//! It holds what must survive a process: task fingerprints and their recorded outputs (the
//! executor's cache), execution reports, the install records of binaries, the builtin
//! supervisor's processes, and the operation log. Each concern is a table created by a
//! numbered migration in `store.rs`.

mod error;
mod installs;
mod op_log;
mod runs;
mod store;
mod supervised;
mod task_groups;

pub use error::StateError;
pub use installs::InstallRecord;
pub use op_log::OpRecord;
pub use runs::{PendingUpgrade, RunRecord};
pub use store::{CachedTask, ReportSummary, StateStore};
pub use supervised::SupervisedRecord;
pub use task_groups::TaskGroup;
