//! hero_svc: a service manager for the Hero stack.
//!
//! The module list is the architecture (see `docs/architecture.md`):
//!
//! - [`graph`]: plans (a DAG of typed tasks), the parallel executor that runs them, events,
//!   fingerprints and execution reports. The executor knows nothing about services or
//!   terminals.
//! - [`tasks`]: the closed set of task kinds a plan is made of; one file per kind.
//! - [`services`]: services as code — the `Service` trait, the Hero shape, catalogs (hero,
//!   demo), and the planner that compiles operations into plans.
//! - [`supervisor`]: the `Supervisor` seam that starts and watches service processes; the
//!   builtin and zinit backends.
//! - [`forge`]: releases on a forge (Forgejo, GitHub): resolving them and downloading their
//!   assets safely.
//! - [`install`]: the ELF check, atomic installs with rollback, and the status of installed
//!   binaries.
//! - [`health`]: health probes of services (HTTP over unix sockets, loopback TCP, OpenRPC
//!   documents, socket files) and waiting until a service is healthy.
//! - [`state`]: the embedded SQLite store (fingerprints, reports, installs, supervised
//!   processes, the operation log).
//! - [`daemon`]: `hero_svc serve` — the lock, the socket, the runs it owns.
//! - [`rpc`]: the daemon's JSON-RPC 2.0 API (framing, methods, server, client).
//! - [`cli`]: the command line (a client of the daemon) and the terminal reporters.
//! - [`paths`]: the Hero directories (`HERO_ROOT`, `PATH_SOCKET`, `CODEROOT`, …).
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
pub mod services;
pub mod state;
pub mod supervisor;
pub mod tasks;
