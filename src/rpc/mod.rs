//! The daemon's JSON-RPC 2.0 API on a unix socket, and the client the CLI uses.
//!
//! - `jsonrpc.rs`: framing, batches, notifications, error codes.
//! - `server.rs`: the routes on the unix socket (Hero standard endpoints, body limit, event
//!   and log streams).
//! - `connections.rs`: serving connections within limits (timeouts, a cap that keeps file
//!   descriptors for supervision, peer check, drain on shutdown).
//! - `methods/`: the methods, one file per group, and the dispatcher.
//! - `request_body.rs`: request bodies read within a size and a time limit.
//! - `client.rs`: the client the CLI (and anyone) uses on the same socket.
//!
//! Floor: above the [`daemon`](crate::daemon) it serves; the CLI is built on it.

pub mod client;
pub mod connections;
pub mod jsonrpc;
pub mod methods;
pub mod request_body;
pub mod server;

pub use client::{ClientError, RpcClient};
pub use connections::{ConnectionLimits, ConnectionStats};
pub use jsonrpc::{Request, RpcError, codes};
pub use server::{router, serve};
