//! [`LockError`]: why a lock file could not be read or written.

use std::path::PathBuf;

/// Why a lock file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// There is no lock file where one was asked for.
    #[error("no lock file at {path}: write one with `hero_svc lock`")]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// It could not be read.
    #[error("could not read the lock file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// It is not a lock file this version understands.
    #[error("{path} is not a valid lock file: {problem}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it (the TOML error, with its line).
        problem: String,
    },
    /// It could not be written (nothing was changed: the old file, if any, is intact).
    #[error("could not write the lock file {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}
