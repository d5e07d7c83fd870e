//! Health probes and waiting for a service to become healthy.
//!
//! A Hero service answers `GET /health`, `GET /openrpc.json`,
//! `GET /.well-known/heroservice.json` and `POST /rpc` on a unix socket
//! (`$PATH_SOCKET/hero_X/rpc.sock`). This module checks such endpoints without any service
//! knowledge:
//!
//! 1. A [`Probe`] says what to check (HTTP over a unix socket or loopback TCP, a TCP connect,
//!    an OpenRPC document, a socket file, or a program that speaks the service's own
//!    protocol — `redis-cli ping`); [`Probe::check`] runs it once under a short
//!    timeout and returns a [`ProbeResult`] (healthy or not, latency, status, a body
//!    snippet and a line for people).
//! 2. [`wait_healthy`] repeats a probe until it passes or a deadline expires, polling fast
//!    at first and backing off ([`Backoff`]); for unix-socket probes it also wakes up the
//!    moment the socket file appears ([`SocketWatch`]). A timeout is a [`WaitError`] that
//!    says what was seen last. [`wait_healthy_while`] also gives up early when the caller
//!    says waiting is pointless (the process that should answer failed).
//!
//! The [`WaitHealthy`](crate::tasks::WaitHealthy) task kind puts a wait into a plan.
//!
//! Floor: a mechanism, on [`paths`](crate::paths) and [`util`](crate::util); it builds no
//! plans.

mod backoff;
mod exec_probe;
mod http_get;
mod probe;
mod probe_error;
mod probe_result;
mod socket_watch;
mod wait_error;
mod wait_healthy;

pub use backoff::Backoff;
pub use probe::{PROBE_TIMEOUT, Probe};
pub use probe_error::ProbeError;
pub use probe_result::ProbeResult;
pub use socket_watch::SocketWatch;
pub use wait_error::WaitError;
pub use wait_healthy::{Healthy, wait_healthy, wait_healthy_while};
