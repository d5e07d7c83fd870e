//! [`InstallError`]: failures of installing or rolling back a binary.

use std::path::PathBuf;

/// Installing a binary into the bin dir (or restoring the previous one) failed. The binary
/// that was installed before is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// A file system step failed.
    #[error("could not {action} {path}")]
    Io {
        /// What was being done (`create the bin dir`, `copy the binary to`, …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not the ones that were checked.
    #[error(
        "{path} changed since it was checked: sha256 {actual}, expected {expected}; download or build it again"
    )]
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
        /// The sha256 it should have.
        expected: String,
        /// The sha256 it has.
        actual: String,
    },
    /// There is no previous binary to roll back to.
    #[error("no previous binary to roll back to: {path} does not exist")]
    NoPrevious {
        /// Where the previous binary would be.
        path: PathBuf,
    },
    /// The install record could not be written or read.
    #[error("could not record the install of {binary}")]
    Record {
        /// The binary.
        binary: String,
        /// Why.
        #[source]
        source: crate::state::StateError,
    },
}

impl InstallError {
    /// An [`InstallError::Io`] builder for `map_err`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}
