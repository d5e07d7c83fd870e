//! The daemon's JSON-RPC 2.0 API on a unix socket, and the client the CLI uses.
//!
//! - `jsonrpc.rs`: framing, batches, notifications, error codes.

pub mod jsonrpc;

pub use jsonrpc::{Request, RpcError, codes};
