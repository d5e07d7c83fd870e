//! The command line: clap commands and the terminal reporters.

pub mod reporter;

/// Entry point of the `hero_svc` binary.
pub fn main() {}
