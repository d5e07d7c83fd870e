//! `hero_demo`: a small server that behaves like a Hero service. hero_svc's tests run it
//! to supervise something real, and its offline demo catalog runs several instances.
//!
//! It serves the standard Hero endpoints (`/health`, `/openrpc.json`,
//! `/.well-known/heroservice.json`, `POST /rpc`) over HTTP/1.1 on
//! `$PATH_SOCKET/<name>/rpc.sock`, and misbehaves on request (slow start, crash, ignoring
//! SIGTERM, noisy logs, a stray grandchild) so a supervisor can be tested against it.
//!
//! - [`options`]: the command line.
//! - [`socket_paths`], [`socket_file`]: where the sockets go, binding them safely.
//! - [`service`], [`openrpc`], [`rpc`], [`routes`], [`server`]: what is served, and how.
//! - [`behaviour`], [`stop`]: test behaviours, and why the process stops.
//! - [`run`]: one run, from arguments to exit code.

pub mod behaviour;
pub mod console;
pub mod error;
pub mod openrpc;
pub mod options;
pub mod routes;
pub mod rpc;
pub mod run;
pub mod server;
pub mod service;
pub mod socket_file;
pub mod socket_paths;
pub mod stop;

pub use error::DemoError;
pub use run::{main, main_as, main_with_args};
