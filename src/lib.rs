//! hero_svc: a service manager for the Hero stack.
//!
//! The module list is the architecture:
//!
//! - [`graph`]: plans (a DAG of typed tasks), the parallel executor that runs them, events,
//!   fingerprints and execution reports. The executor knows nothing about services or
//!   terminals.
//! - [`tasks`]: the closed set of task kinds a plan is made of; one file per kind.
//! - [`health`]: health probes of services (HTTP over unix sockets, loopback TCP, OpenRPC
//!   documents, socket files) and waiting until a service is healthy.
//! - [`forge`]: releases on a forge (Forgejo, GitHub): resolving them and downloading their
//!   assets safely.
//! - [`install`]: the ELF check, atomic installs with rollback, and the status of installed
//!   binaries.
//! - [`paths`]: the Hero directories (`HERO_ROOT`, `PATH_SOCKET`, `CODEROOT`, …).
//! - [`daemon`]: `hero_svc serve` — the lock, the socket, the runs it owns.
//! - [`rpc`]: the daemon's JSON-RPC 2.0 API (framing, methods, server, client).
//! - [`state`]: the embedded SQLite store (fingerprints, reports, supervisor state, installs
//!   and the operation log).
//! - [`supervisor`]: the `Supervisor` seam that starts and watches service processes, and
//!   its builtin backend.
//! - [`cli`]: the command line and the terminal reporters that turn events into progress.
//!
//! The binary is a thin wrapper around [`cli::main`]; tests and other programs call the same
//! library API.

pub mod cli;
pub mod daemon;
pub mod forge;
pub mod graph;
pub mod health;
pub mod install;
pub mod paths;
pub mod rpc;
pub mod state;
pub mod supervisor;
pub mod tasks;
