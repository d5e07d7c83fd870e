//! Shared helpers of the integration tests.

pub mod events;
pub mod procs;
