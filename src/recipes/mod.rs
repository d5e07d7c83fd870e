//! Plan fragments: the shapes of tasks that recur in every plan, put into a
//! [`PlanBuilder`](crate::tasks::PlanBuilder) for services to call.
//!
//! - [`install_pipeline`]: how a binary gets installed — `resolve ► download ► verify ELF ►
//!   install` from a release, `checkout ► cargo build ► verify ► install` from source, or
//!   the release with the build as a dormant fallback.
//! - [`process_lifecycle`]: how a process is started and waited for — `register ► start ►
//!   wait healthy` in dependency order — and how stops are ordered (dependents first).
//!
//! Floor: above the task kinds they are made of; services are built on them.

pub mod install_pipeline;
pub mod process_lifecycle;

pub use install_pipeline::{
    Pinned, ReleaseInstall, SourceInstall, add_release_fetch, add_release_install,
    add_release_install_pinned, add_release_install_with_source_fallback, add_source_build,
    add_source_install, add_source_install_pinned, release_key,
};
pub use process_lifecycle::{LifecycleService, StartKeys, add_start_order, add_stop_order};
