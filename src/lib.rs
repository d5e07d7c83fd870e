//! hero_svc: a service manager for the Hero stack.
//!
//! The module list is the architecture:
//!
//! - [`graph`]: plans (a DAG of typed tasks), the parallel executor that runs them, events,
//!   fingerprints and execution reports. The executor knows nothing about services or
//!   terminals.
//! - [`tasks`]: the closed set of task kinds a plan is made of; one file per kind.
//! - [`install`]: the ELF check, atomic installs with rollback, and the status of installed
//!   binaries.
//! - [`state`]: the embedded SQLite store (fingerprints, reports, and later installed
//!   versions, the operation log and supervisor state).
//! - [`cli`]: the command line and the terminal reporters that turn events into progress.
//!
//! The binary is a thin wrapper around [`cli::main`]; tests and other programs call the same
//! library API.

pub mod cli;
pub mod graph;
pub mod install;
pub mod state;
pub mod tasks;
