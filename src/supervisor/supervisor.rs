//! [`Supervisor`]: the seam between hero_svc and whatever keeps processes running.

use std::future::Future;
use std::pin::Pin;

use futures::Stream;

use super::{ProcessSpec, ProcessStatus, SupervisorError};

/// A stream of log lines as a process writes them (see [`Supervisor::follow`]).
pub type LogLines = Pin<Box<dyn Stream<Item = String> + Send + 'static>>;

/// A process manager. Arguments and results are owned values so that a backend can be a
/// client of another process (a JSON-RPC supervisor) as well as an embedded one.
///
/// Lifecycle: [`register`](Self::register) a spec, then [`start`](Self::start) it by name;
/// [`stop`](Self::stop) returns once no process of its group is left. `start` and `stop`
/// are idempotent.
pub trait Supervisor: Send + Sync {
    /// Stores (or replaces) the spec of a process. A running process keeps its current
    /// instance; the new spec applies from its next start.
    fn register(
        &self,
        spec: ProcessSpec,
    ) -> impl Future<Output = Result<ProcessStatus, SupervisorError>> + Send;

    /// Starts a registered process (a no-op when it is already running or restarting).
    fn start(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<ProcessStatus, SupervisorError>> + Send;

    /// Stops a process and everything in its process group.
    fn stop(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<ProcessStatus, SupervisorError>> + Send;

    /// Stops (if running) and starts a process, with its current spec.
    fn restart(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<ProcessStatus, SupervisorError>> + Send;

    /// The status of one process.
    fn status(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<ProcessStatus, SupervisorError>> + Send;

    /// The status of every registered process, by name.
    fn list(&self) -> impl Future<Output = Result<Vec<ProcessStatus>, SupervisorError>> + Send;

    /// The last `lines` lines of a process's output (stdout and stderr interleaved).
    fn logs(
        &self,
        name: &str,
        lines: usize,
    ) -> impl Future<Output = Result<Vec<String>, SupervisorError>> + Send;

    /// The lines a process writes from now on, until the stream is dropped.
    fn follow(&self, name: &str) -> impl Future<Output = Result<LogLines, SupervisorError>> + Send;

    /// Stops a process and forgets it (its log files stay).
    fn remove(&self, name: &str) -> impl Future<Output = Result<(), SupervisorError>> + Send;

    /// The spec process `name` is registered with: `None` when it is not registered, or
    /// when the backend cannot tell (the default). A plan's register step is up to date
    /// only when this returns a spec equal to the one it would register, so a backend that
    /// answers `None` simply gets its spec registered again on every run (harmless).
    fn spec(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<ProcessSpec>, SupervisorError>> + Send {
        let _ = name;
        async { Ok(None) }
    }
}
