//! The integration tests: one binary, one module per subsystem. Every test works in its
//! own temp dir (its own Hero root); nothing touches the user's `~/hero` or the network.

mod support;

mod catalog;
mod cli_edges;
mod daemon;
mod dashboard;
mod demo;
mod deploy;
mod executor;
mod exhaustion;
mod faults;
mod forge;
mod health;
mod install;
mod interrupted;
mod leftovers;
mod lifecycle;
mod lock;
mod pipeline;
mod reporter;
mod rpc;
mod secrets;
mod seen;
mod shapes;
mod supervisor;
mod supervisor_conformance;
mod web_stack;
