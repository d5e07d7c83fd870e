//! The admin dashboard: server-rendered pages on the daemon's state, for a person in a
//! browser.
//!
//! Served by the daemon on the admin socket beside its RPC socket
//! (`$PATH_SOCKET/hero_svc/admin.sock`, announced by `/.well-known/heroservice.json` with
//! protocol `ui`, under the RPC socket's peer rules), and when asked on a loopback TCP port
//! guarded by a random token (`http://127.0.0.1:PORT/?token=…`).
//!
//! - `state.rs`: [`Dashboard`], the shared state, and the routes.
//! - `listen.rs`: the admin socket and the loopback TCP port.
//! - `access.rs`: the token gate of the TCP port, the same-origin rule of actions.
//! - `body_limit.rs`: request bodies within a size and a time limit.
//! - `secret.rs`: the random token, the form token, the 0600 token file.
//! - `pages.rs`, `views.rs`: the pages (askama templates in `templates/dashboard/`).
//! - `links.rs`: every URL and redirect relative to the page, so a proxy may mount it
//!   under a prefix.
//! - `run_picture.rs`: a run's DAG with each task's status.
//! - `live.rs`: the stack's JSON and the server-sent event streams of runs and logs.
//! - `actions.rs`: confirmed actions through the RPC methods' own code path.
//! - `assets.rs`: the embedded stylesheet and script.
//! - `client.rs`: asking a running daemon to open the TCP port (`hero_svc dashboard`).
//!
//! Floor: above [`rpc`](crate::rpc), whose method handlers it calls (one code path for
//! the CLI, agents and the dashboard) and whose connection handling it serves both the
//! admin socket and the TCP port with; below the CLI, whose composition root starts it
//! beside the RPC server.

mod access;
mod actions;
mod assets;
mod body_limit;
mod client;
mod error;
mod links;
mod listen;
mod live;
mod pages;
mod run_picture;
mod secret;
mod state;
mod views;

pub use client::ask_to_listen;
pub use error::DashboardError;
pub use links::Links;
pub use listen::{parse_addr, serve_admin};
pub use secret::{Secret, TokenFile};
pub use state::{Dashboard, HttpEndpoint, Surface};
