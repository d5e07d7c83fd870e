//! Shared helpers of the integration tests.

// Each helper serves several test modules; one that no current test uses is not an error.
#![allow(dead_code)]

pub mod events;
pub mod procs;
