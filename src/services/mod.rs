//! Services as code: the [`Service`] trait, the common Hero shape, catalogs, and the
//! planner that compiles an [`Operation`] on a selection of services into a plan.
//!
//! - `service.rs`: the trait — identity, how a service runs, and the plan contributions of
//!   every operation (default methods in `hero_shape.rs`).
//! - `catalog.rs`: a named set of services and groups, validated as a whole.
//! - `operation.rs`: operations, options, and [`plan_operation`].
//! - `registry.rs`: the built-in catalogs (`hero`, `demo`).
//! - `release_feed.rs`: where newer releases of a service's binaries appear.
//! - `hero/`: one file per Hero service; `demo/`: the offline demo catalog.
//!
//! Floor: above the task kinds and the plan fragments ([`recipes`](crate::recipes)) it
//! assembles plans from; the daemon plans with it.

mod binary;
mod catalog;
pub mod demo;
pub mod hero;
pub mod hero_shape;
mod operation;
mod registry;
mod release_feed;
#[allow(clippy::module_inception)]
mod service;
mod service_context;
mod service_error;
mod source;

pub use crate::paths::{EnvFile, EnvFileError};
pub use binary::{Binary, BinaryRole};
pub use catalog::{Catalog, CatalogError, Selection};
pub use operation::{
    Operation, OperationError, OperationOptions, OperationRequest, PlannedOperation, plan_operation,
};
pub use registry::{BUILTIN_CATALOGS, builtin_catalog};
pub use release_feed::ReleaseFeed;
pub use service::Service;
pub use service_context::ServiceContext;
pub use service_error::ServiceError;
pub use source::{InstallMode, InstallPolicy, Source};
