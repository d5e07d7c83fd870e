//! [`Task`]: the closed enum of every task kind, and its [`PlanTask`] implementation — how
//! the engine runs hero_svc's kinds.

use std::time::Duration;

use super::{
    CargoBuild, Command, DownloadAsset, Freshness, GitCheckout, InstallBinary, LocalBinary, Noop,
    RegisterProcess, ResolveRelease, ResourceClass, RetryPolicy, StartProcess, StopProcess,
    TaskContext, TaskEnv, TaskError, TaskKey, TaskKind, TaskOutput, VerifyElf, WaitHealthy,
    WriteFile,
};
use super::{MatchLock, WriteLock};
use super::{RemoveBinary, RemoveProcess, RestartVerified, SystemBinary, VerifyBinary};
use crate::graph::{Fingerprint, PlanTask};

/// Declares the [`Task`] enum from one list of kinds: its variants, a `dispatch!` macro
/// that calls the same method on whichever kind a task holds, and a `From` impl per kind.
macro_rules! task_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident,)*) => {
        /// Any task a plan can hold. See the [module docs](super) for how to add a kind.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Task {
            $($(#[doc = $doc])* $kind($kind),)*
        }

        /// Calls the same method on whichever kind `self` holds.
        macro_rules! dispatch {
            ($self:expr, $t:ident => $body:expr) => {
                match $self {
                    $(Task::$kind($t) => $body,)*
                }
            };
        }

        $(impl From<$kind> for Task {
            fn from(t: $kind) -> Self {
                Task::$kind(t)
            }
        })*
    };
}

task_kinds! {
    /// Does nothing (optionally for a while): barriers, grouping, simulations.
    Noop,
    /// Runs a program.
    Command,
    /// Writes a file atomically.
    WriteFile,
    /// Waits until a service passes a health probe.
    WaitHealthy,
    /// Looks a release up on a forge.
    ResolveRelease,
    /// Downloads a release asset into a staging file in the bin dir.
    DownloadAsset,
    /// Hands a binary already on disk to an install pipeline.
    LocalBinary,
    /// Checks that a binary is an executable for this host.
    VerifyElf,
    /// Installs a binary into the bin dir atomically and records it.
    InstallBinary,
    /// Clones or fetches a git repository at a branch, tag or commit.
    GitCheckout,
    /// Builds binaries of a checked-out repository with cargo.
    CargoBuild,
    /// Registers (or updates) a process spec with the supervisor.
    RegisterProcess,
    /// Starts a registered process (restarting it when its binary or spec changed).
    StartProcess,
    /// Stops a process and its whole process group.
    StopProcess,
    /// Checks an installed binary against its record and the newest release.
    VerifyBinary,
    /// Restarts a service on new binaries; rolls back when it is not healthy.
    RestartVerified,
    /// Stops a process and makes the supervisor forget it.
    RemoveProcess,
    /// Deletes an installed binary.
    RemoveBinary,
    /// Takes a binary the system already has: checked and recorded, never copied.
    SystemBinary,
    /// Checks that a binary has the bytes the lock file pins.
    MatchLock,
    /// Writes (or checks) the lock file from what the plan resolved and built.
    WriteLock,
}

/// The kind name of `T`, a helper for the dispatch below.
fn kind_of<T: TaskKind>(_: &T) -> &'static str {
    T::KIND
}

impl PlanTask for Task {
    type Output = TaskOutput;
    type Env = TaskEnv;

    fn kind(&self) -> &'static str {
        dispatch!(self, t => kind_of(t))
    }

    fn key(&self) -> TaskKey {
        dispatch!(self, t => t.key())
    }

    fn label(&self) -> String {
        dispatch!(self, t => t.label())
    }

    fn resource(&self) -> ResourceClass {
        dispatch!(self, t => t.resource())
    }

    fn fingerprint(&self, ctx: &TaskContext) -> Option<Fingerprint> {
        dispatch!(self, t => t.fingerprint(ctx))
    }

    async fn check_fresh(&self, ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        dispatch!(self, t => t.check_fresh(ctx, recorded).await)
    }

    fn retry(&self) -> RetryPolicy {
        dispatch!(self, t => t.retry())
    }

    fn timeout(&self) -> Option<Duration> {
        dispatch!(self, t => t.timeout())
    }

    async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        dispatch!(self, t => t.run(ctx).await)
    }
}
