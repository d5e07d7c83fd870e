//! The Hero root and its environment: where things are ([`HeroPaths`]: `HERO_ROOT`, the bin
//! dir, `PATH_SOCKET`, `CODEROOT`, …) and the user's environment file
//! (`$HERO_ROOT/cfg/env/env.sh`, read by a real shell: [`EnvFile`]).
//!
//! The ground floor: it uses no other module of the crate, and every other may use it.

mod env_file;
mod hero_paths;

pub use env_file::{EnvFile, EnvFileError};
pub use hero_paths::{DEFAULT_PROGRAM, HeroPaths, NoHomeError};
