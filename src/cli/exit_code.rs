//! [`ExitCode`]: what `hero_svc` exits with.

/// The documented exit codes (see the README).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ExitCode {
    /// Everything succeeded.
    Success = 0,
    /// The operation ran and failed (or was cancelled): the summary and the report say why.
    OperationFailed = 1,
    /// Bad arguments or an invalid plan; nothing ran.
    Usage = 2,
    /// The daemon could not be reached or started.
    DaemonUnreachable = 3,
    /// A local failure: the state store, the home directory, a socket.
    Local = 4,
}
