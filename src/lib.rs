//! hero_svc: a service manager for the Hero stack.
//!
//! The module list is the architecture (see `docs/architecture.md`). It has floors: a module
//! uses only the modules on its own floor or below it, and no two modules use each other.
//! From the ground up:
//!
//! - [`paths`], [`util`]: the Hero directories and the user's env file; small helpers
//!   (error chains, file digests).
//! - [`state`]: the embedded SQLite store. It persists the rows and serialized values it
//!   is handed and knows none of the types above it. [`lockfile`]: the lock file's
//!   format, which pins every service to exact bytes.
//! - [`forge`], [`health`], [`supervisor`]: the mechanisms — releases and verified
//!   downloads; probes and waits; the `Supervisor` seam with its builtin and zinit
//!   backends. They build no plans.
//! - [`install`]: ELF checks, atomic installs with rollback, binary status.
//! - [`graph`]: the engine — plans (a DAG of tasks), the parallel executor, events,
//!   fingerprints, execution reports; generic over the tasks it runs, it knows no concrete
//!   task.
//! - [`tasks`]: the closed set of task kinds, one file each, on the engine's interface.
//! - [`recipes`]: plan fragments — how a binary gets installed, how a process is started
//!   and waited for.
//! - [`services`]: services as code — the `Service` trait, the Hero shape, catalogs (hero,
//!   demo), and the planner that compiles operations into plans.
//! - [`daemon`]: the daemon's state — the store, the supervisor, the executor, the runs.
//! - [`rpc`]: its JSON-RPC 2.0 API (framing, methods, the server, the client).
//! - [`dashboard`]: the admin UI in a browser — pages on the daemon's state, live runs and
//!   logs, confirmed actions — on the admin socket and, when asked, a loopback TCP port.
//! - [`cli`]: the command line (a client of the daemon), the terminal reporters, and the
//!   composition root that wires a daemon to its servers (`hero_svc serve`).
//!
//! The binary is a thin wrapper around [`cli::main`]; tests and other programs call the same
//! library API.

pub mod cli;
pub mod daemon;
pub mod dashboard;
pub mod forge;
pub mod graph;
pub mod health;
pub mod install;
pub mod lockfile;
pub mod paths;
pub mod recipes;
pub mod rpc;
pub mod services;
pub mod state;
pub mod supervisor;
pub mod tasks;
pub mod util;
