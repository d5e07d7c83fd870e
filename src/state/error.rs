//! [`StateError`]: failures of the state store.

use std::path::PathBuf;

/// The state store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Opening (or creating) the database failed.
    #[error("could not open the state store at {path}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// Its directory could not be created.
    #[error("could not create the state directory {path}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A query failed.
    #[error("state store query failed")]
    Query(#[from] rusqlite::Error),
    /// A stored value could not be decoded.
    #[error("stored {what} is not valid")]
    Decode {
        /// What was being read.
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}
