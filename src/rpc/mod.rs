//! The daemon's JSON-RPC 2.0 API on a unix socket, and the client the CLI uses.
//!
//! - `jsonrpc.rs`: framing, batches, notifications, error codes.
//! - `server.rs`: the axum server on the unix socket (Hero standard endpoints, peer check,
//!   body limit, event stream).
//! - `methods/`: the methods, one file per group, and the dispatcher.
//! - `client.rs`: the client the CLI (and anyone) uses on the same socket.

pub mod client;
pub mod jsonrpc;
pub mod methods;
pub mod server;

pub use client::{ClientError, RpcClient};
pub use jsonrpc::{Request, RpcError, codes};
pub use server::{router, serve};
