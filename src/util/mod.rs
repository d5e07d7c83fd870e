//! Small helpers every floor may use: rendering an error and its causes, digests of files
//! (read once, then known by their stamp) and their short forms, the builder methods of a
//! program's invocation, identical concurrent reads coalesced.
//!
//! The ground floor, beside [`paths`](crate::paths): it uses no other module of the crate.

mod coalesce;
mod digest_memo;
mod error_chain;
mod file_digest;
mod invocation_builders;
mod short_hash;

pub use coalesce::Coalescer;
pub use error_chain::{error_chain, error_line};
pub use file_digest::FileDigest;
pub use invocation_builders::invocation_builders;
pub use short_hash::short_hash;
