//! [`ServiceError`]: why a service could not add its tasks to a plan.

/// A service could not plan an operation. Found before anything runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError {
    /// The install mode asked for is not one the service supports.
    #[error("{service} {reason}; use --mode {allowed}")]
    UnsupportedMode {
        /// The service.
        service: String,
        /// Why.
        reason: String,
        /// The mode that works.
        allowed: &'static str,
    },
    /// A secret the service needs is not set.
    #[error(
        "{service} needs the secret {name}: export it in $HERO_ROOT/cfg/env/env.sh (or the daemon's environment)"
    )]
    MissingSecret {
        /// The service.
        service: String,
        /// The variable.
        name: String,
    },
    /// The configured forge is unusable and the service needs it.
    #[error(
        "{service} needs the forge, and the configured one is unusable: {problem}; fix FORGE_URL"
    )]
    Forge {
        /// The service.
        service: String,
        /// What is wrong with the configuration.
        problem: String,
    },
    /// The service cannot do this operation (e.g. a service without binaries to verify).
    #[error("{service} cannot {operation}: {reason}")]
    Unsupported {
        /// The service.
        service: String,
        /// The operation.
        operation: &'static str,
        /// Why.
        reason: String,
    },
    /// A `--locked` operation on a service the lock file does not pin.
    #[error("{service} is not in the lock file {lock}; run `hero_svc lock {service}` first")]
    NotLocked {
        /// The service.
        service: String,
        /// The lock file.
        lock: String,
    },
    /// The system's random source failed while generating a key the service needs.
    #[error("{service} could not generate {what}; the system's random source failed")]
    Randomness {
        /// The service.
        service: String,
        /// What was being generated.
        what: &'static str,
        /// Why.
        #[source]
        source: getrandom::Error,
    },
}
