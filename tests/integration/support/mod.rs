//! Shared helpers of the integration tests.

pub mod events;
pub mod http_server;
pub mod process;
