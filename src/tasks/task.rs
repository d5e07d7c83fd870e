//! [`Task`]: the closed enum of every task kind.

use std::time::Duration;

use super::{
    CargoBuild, Command, Freshness, GitCheckout, InstallBinary, LocalBinary, Noop, ResourceClass,
    RetryPolicy, TaskContext, TaskError, TaskKey, TaskKind, TaskOutput, VerifyElf, WriteFile,
};
use crate::graph::Fingerprint;

/// Any task a plan can hold. See the [module docs](super) for how to add a kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Task {
    /// Does nothing (optionally for a while): barriers, grouping, simulations.
    Noop(Noop),
    /// Runs a program.
    Command(Command),
    /// Writes a file atomically.
    WriteFile(WriteFile),
    /// Hands a binary already on disk to an install pipeline.
    LocalBinary(LocalBinary),
    /// Checks that a binary is an executable for this host.
    VerifyElf(VerifyElf),
    /// Installs a binary into the bin dir atomically and records it.
    InstallBinary(InstallBinary),
    /// Clones or fetches a git repository at a branch, tag or commit.
    GitCheckout(GitCheckout),
    /// Builds binaries of a checked-out repository with cargo.
    CargoBuild(CargoBuild),
}

/// Calls the same method on whichever kind `self` holds.
macro_rules! dispatch {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            Task::Noop($t) => $body,
            Task::Command($t) => $body,
            Task::WriteFile($t) => $body,
            Task::LocalBinary($t) => $body,
            Task::VerifyElf($t) => $body,
            Task::InstallBinary($t) => $body,
            Task::GitCheckout($t) => $body,
            Task::CargoBuild($t) => $body,
        }
    };
}

/// The kind name of `T`, a helper for the dispatch below.
fn kind_of<T: TaskKind>(_: &T) -> &'static str {
    T::KIND
}

impl Task {
    /// The kind's stable name (`noop`, `command`, …).
    pub fn kind(&self) -> &'static str {
        dispatch!(self, t => kind_of(t))
    }

    /// See [`TaskKind::key`].
    pub fn key(&self) -> TaskKey {
        dispatch!(self, t => t.key())
    }

    /// See [`TaskKind::label`].
    pub fn label(&self) -> String {
        dispatch!(self, t => t.label())
    }

    /// See [`TaskKind::resource`].
    pub fn resource(&self) -> ResourceClass {
        dispatch!(self, t => t.resource())
    }

    /// See [`TaskKind::fingerprint`].
    pub fn fingerprint(&self, ctx: &TaskContext) -> Option<Fingerprint> {
        dispatch!(self, t => t.fingerprint(ctx))
    }

    /// See [`TaskKind::check_fresh`].
    pub async fn check_fresh(&self, ctx: &TaskContext, recorded: &TaskOutput) -> Freshness {
        dispatch!(self, t => t.check_fresh(ctx, recorded).await)
    }

    /// See [`TaskKind::retry`].
    pub fn retry(&self) -> RetryPolicy {
        dispatch!(self, t => t.retry())
    }

    /// See [`TaskKind::timeout`].
    pub fn timeout(&self) -> Option<Duration> {
        dispatch!(self, t => t.timeout())
    }

    /// See [`TaskKind::run`].
    pub async fn run(&self, ctx: &TaskContext) -> Result<TaskOutput, TaskError> {
        dispatch!(self, t => t.run(ctx).await)
    }
}

impl From<Noop> for Task {
    fn from(t: Noop) -> Self {
        Task::Noop(t)
    }
}

impl From<Command> for Task {
    fn from(t: Command) -> Self {
        Task::Command(t)
    }
}

impl From<WriteFile> for Task {
    fn from(t: WriteFile) -> Self {
        Task::WriteFile(t)
    }
}

impl From<VerifyElf> for Task {
    fn from(t: VerifyElf) -> Self {
        Task::VerifyElf(t)
    }
}

impl From<InstallBinary> for Task {
    fn from(t: InstallBinary) -> Self {
        Task::InstallBinary(t)
    }
}

impl From<GitCheckout> for Task {
    fn from(t: GitCheckout) -> Self {
        Task::GitCheckout(t)
    }
}

impl From<CargoBuild> for Task {
    fn from(t: CargoBuild) -> Self {
        Task::CargoBuild(t)
    }
}

impl From<LocalBinary> for Task {
    fn from(t: LocalBinary) -> Self {
        Task::LocalBinary(t)
    }
}
