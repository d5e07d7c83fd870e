//! The embedded state store: one SQLite database per Hero root (WAL mode, bundled SQLite).
//!
//! It holds what must survive a process: task fingerprints and their recorded outputs (the
//! executor's cache), execution reports, the runs and their progress, the install records
//! of binaries, the builtin supervisor's processes, the process groups of running task
//! programs, and the operation log. Each concern is a table created by a numbered
//! migration in `store.rs`.
//!
//! The floor of the house (above [`paths`](crate::paths) and [`util`](crate::util)): the
//! store persists the rows and serialized values it is handed and knows none of the types
//! of the modules above it; each owner turns its types into rows (the engine its task
//! outputs and reports, the supervisor its specs).

mod error;
mod installs;
mod op_log;
mod runs;
mod store;
mod supervised;
mod task_groups;
mod work_sizes;

pub use error::StateError;
pub use installs::InstallRecord;
pub use op_log::OpRecord;
pub use runs::{PendingUpgrade, RunRecord};
pub use store::{CachedTask, ReportRow, ReportSummary, StateStore};
pub use supervised::SupervisedRecord;
pub use task_groups::TaskGroup;
