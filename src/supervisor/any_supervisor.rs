//! [`AnySupervisor`]: the closed set of supervisor backends, as one type.
//!
//! [`Supervisor`] returns `impl Future`, so it is not object-safe; this enum is how the
//! daemon and the task kinds hold "whichever backend is configured" without boxing. Adding
//! a backend: a variant here and one arm per method in the `delegate!` macro below.

use super::{
    BuiltinSupervisor, LogLines, ProcessSpec, ProcessStatus, Supervisor, SupervisorError,
    ZinitSupervisor,
};

/// The configured supervisor backend.
pub enum AnySupervisor {
    /// The builtin supervisor, embedded in the daemon.
    Builtin(BuiltinSupervisor),
    /// A client of an external `zinit-server` (boxed: it is much larger than the builtin
    /// handle).
    Zinit(Box<ZinitSupervisor>),
}

/// Calls the same method on whichever backend `self` holds.
macro_rules! delegate {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            AnySupervisor::Builtin($s) => $body,
            AnySupervisor::Zinit($s) => $body,
        }
    };
}

impl AnySupervisor {
    /// What the backend cannot do now (see [`BuiltinSupervisor::faults`]); none for zinit,
    /// whose own health is zinit's.
    pub fn faults(&self) -> Vec<super::SupervisorFault> {
        match self {
            AnySupervisor::Builtin(s) => s.faults(),
            AnySupervisor::Zinit(_) => Vec::new(),
        }
    }

    /// The backend's name (`builtin`, `zinit`).
    pub fn backend(&self) -> &'static str {
        match self {
            AnySupervisor::Builtin(_) => "builtin",
            AnySupervisor::Zinit(_) => "zinit",
        }
    }
}

impl From<BuiltinSupervisor> for AnySupervisor {
    fn from(s: BuiltinSupervisor) -> Self {
        AnySupervisor::Builtin(s)
    }
}

impl From<ZinitSupervisor> for AnySupervisor {
    fn from(s: ZinitSupervisor) -> Self {
        AnySupervisor::Zinit(Box::new(s))
    }
}

impl Supervisor for AnySupervisor {
    async fn register(&self, spec: ProcessSpec) -> Result<ProcessStatus, SupervisorError> {
        delegate!(self, s => s.register(spec).await)
    }

    async fn start(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        delegate!(self, s => s.start(name).await)
    }

    async fn stop(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        delegate!(self, s => s.stop(name).await)
    }

    async fn restart(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        delegate!(self, s => s.restart(name).await)
    }

    async fn status(&self, name: &str) -> Result<ProcessStatus, SupervisorError> {
        delegate!(self, s => s.status(name).await)
    }

    async fn list(&self) -> Result<Vec<ProcessStatus>, SupervisorError> {
        delegate!(self, s => s.list().await)
    }

    async fn logs(&self, name: &str, lines: usize) -> Result<Vec<String>, SupervisorError> {
        delegate!(self, s => s.logs(name, lines).await)
    }

    async fn follow(&self, name: &str) -> Result<LogLines, SupervisorError> {
        delegate!(self, s => s.follow(name).await)
    }

    async fn remove(&self, name: &str) -> Result<(), SupervisorError> {
        delegate!(self, s => s.remove(name).await)
    }

    async fn spec(&self, name: &str) -> Result<Option<ProcessSpec>, SupervisorError> {
        delegate!(self, s => s.spec(name).await)
    }
}
