//! Shared helpers of the integration tests.

// Each helper serves several test modules; one that no current test uses is not an error.
#![allow(dead_code)]

pub mod daemon;
pub mod demo;
pub mod demo_repo;
pub mod events;
pub mod forge;
pub mod fresh_root;
pub mod http;
pub mod http_server;
pub mod output;
pub mod prefix_proxy;
pub mod procs;
pub mod supervised;
pub mod tmpfs;
pub mod wait;
