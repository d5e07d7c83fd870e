//! [`ElfError`]: why a file is not a binary this host can run.

use std::path::PathBuf;

/// A file failed the ELF check. Every variant says what the file is instead, so the person
/// reading it knows whether the release asset, the download or the build is at fault.
#[derive(Debug, thiserror::Error)]
pub enum ElfError {
    /// The file could not be opened or read.
    #[error("could not read {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is empty.
    #[error("empty file: {path} has no bytes; download or build it again")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file ends before the data its headers describe.
    #[error(
        "truncated binary: {path} has {size} bytes but its headers need {needed}; the download or build was cut short"
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The size its headers need at least.
        needed: u64,
    },
    /// A script (`#!…`), not a compiled binary.
    #[error("not a binary: {path} is a script ({shebang}); expected an ELF executable")]
    Script {
        /// The file.
        path: PathBuf,
        /// Its first line.
        shebang: String,
    },
    /// A compressed file or an archive: the release asset must be unpacked first.
    #[error("not a binary: {path} is a {format} archive; expected an ELF executable")]
    Archive {
        /// The file.
        path: PathBuf,
        /// `gzip`, `zip`, `tar`, …
        format: &'static str,
    },
    /// An HTML page: usually an error or login page served instead of the asset.
    #[error("not a binary: {path} is an HTML page (an error or login page instead of the asset?)")]
    Html {
        /// The file.
        path: PathBuf,
    },
    /// Plain text.
    #[error("not a binary: {path} is a text file")]
    Text {
        /// The file.
        path: PathBuf,
    },
    /// Not ELF and nothing else recognised.
    #[error("not a binary: {path} has no ELF header")]
    NotElf {
        /// The file.
        path: PathBuf,
    },
    /// A 32-bit ELF file.
    #[error("not a 64-bit binary: {path} is a 32-bit ELF file")]
    Not64Bit {
        /// The file.
        path: PathBuf,
    },
    /// An ELF file whose headers cannot be parsed.
    #[error("malformed ELF file: {path}: {detail}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Built for another processor.
    #[error(
        "wrong architecture: {found} binary, this host is {host} ({path}); install a build for {host}"
    )]
    WrongArchitecture {
        /// The file.
        path: PathBuf,
        /// Its machine.
        found: String,
        /// This host's machine.
        host: String,
    },
    /// An ELF file that cannot be run: a shared library, an object file, a core dump.
    #[error("not an executable: {path} is {what}")]
    NotExecutable {
        /// The file.
        path: PathBuf,
        /// `a shared library`, `a relocatable object file`, …
        what: &'static str,
    },
}
