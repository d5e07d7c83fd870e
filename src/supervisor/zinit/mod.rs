//! The zinit backend: hero_svc's processes run under an external `zinit-server`.
//!
//! 1. [`ZinitClient`] speaks zinit's JSON-RPC 2.0 (one JSON object per line) over its
//!    unix socket, one connection per call, with a timeout.
//! 2. `service_config` turns a [`ProcessSpec`](crate::supervisor::ProcessSpec) into a
//!    zinit service config: the command line clears the environment (`env -i`) so the
//!    process sees exactly its spec's variables, and `exec`s so the process zinit
//!    supervises is the program itself; restart policy, stop signal and timeout map to
//!    zinit's `lifecycle`; backoff and the restart budget come from [`ZinitConfig`].
//! 3. `service_state` reads zinit's states back into
//!    [`ProcessStatus`](crate::supervisor::ProcessStatus) (zinit has no "waiting to
//!    restart" state; it is derived from the restart count).
//! 4. `stable_slots` is the only way services are added to or removed from zinit: one
//!    change at a time, re-definitions as delete-then-set, and a placeholder appended
//!    before any removal that would make zinit move another service to a new index
//!    (zinit 0.3.9 then loses track of that service's process).
//! 5. [`ZinitSupervisor`] implements the trait: specs are handed to zinit at their first
//!    start; `stop` stops the running instance through zinit, deletes from zinit only a
//!    service that may have a restart pending, and makes sure no process of any of its
//!    instance groups is left; logs come from zinit's in-memory buffer, `follow` polls it.

mod service_config;
mod service_state;
mod stable_slots;
mod zinit_client;
mod zinit_config;
mod zinit_error;
mod zinit_supervisor;

pub use zinit_client::ZinitClient;
pub use zinit_config::ZinitConfig;
pub use zinit_error::ZinitError;
pub use zinit_supervisor::ZinitSupervisor;
