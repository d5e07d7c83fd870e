//! [`ServiceShapes`]: what reading a service's status needs of its definition — the names
//! of its processes, its health probe and the release its binaries are compared with —
//! computed once per service for the daemon's life.
//!
//! A service's processes, probe and release feed are functions of the service (compiled into a catalog
//! the daemon holds unchanged until it exits) and of the daemon's context (its paths and
//! settings, also fixed), so they cannot change while the daemon runs. Building them means
//! building every process spec (arguments, environment) only to read the names back; the
//! `status` of 30 services called by many clients at once would spend most of its time
//! doing that again and again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::health::Probe;
use crate::services::{ReleaseFeed, Service, ServiceContext};

/// Hero CI's moving prerelease tag: installed under it, a binary is compared with the
/// release that has the tag now.
pub const MOVING_PRERELEASE_TAG: &str = "latest-dev";

/// What `status` needs of one service.
#[derive(Debug)]
pub struct ServiceShape {
    /// The processes it runs, by supervisor name.
    pub process_names: Vec<String>,
    /// How to tell it is healthy (`None`: running is enough).
    pub probe: Option<Probe>,
    /// How long after its start it may take to become healthy (the context's health
    /// timeout): a failing probe within it means "starting".
    pub grace: std::time::Duration,
    /// The release an upgrade would install (`None`: none, as for a source build), or why
    /// it cannot be named.
    pub release_feed: Result<Option<ReleaseFeed>, String>,
    /// The same for binaries installed under [`MOVING_PRERELEASE_TAG`].
    pub prerelease_feed: Result<Option<ReleaseFeed>, String>,
}

impl ServiceShape {
    /// The release to compare with: [`prerelease_feed`](Self::prerelease_feed) for binaries
    /// installed under the moving prerelease tag, else [`release_feed`](Self::release_feed).
    pub fn feed_for(&self, prerelease: bool) -> &Result<Option<ReleaseFeed>, String> {
        if prerelease {
            &self.prerelease_feed
        } else {
            &self.release_feed
        }
    }
}

/// The shapes of the services of the daemon's catalogs, filled on first use.
#[derive(Debug, Default)]
pub struct ServiceShapes {
    /// Keyed by the address of the service value: the daemon's catalogs own every service
    /// for the daemon's life, so an address names one service of one catalog (two catalogs
    /// may hold different services of the same name).
    shapes: Mutex<HashMap<usize, Arc<ServiceShape>>>,
}

impl ServiceShapes {
    /// An empty memo.
    pub fn new() -> Self {
        Self::default()
    }

    /// The shape of `svc` (a service of one of the daemon's catalogs) in `ctx`, the daemon's
    /// context.
    pub fn of(&self, svc: &dyn Service, ctx: impl FnOnce() -> ServiceContext) -> Arc<ServiceShape> {
        let key = (svc as *const dyn Service).cast::<()>() as usize;
        if let Some(shape) = self.lock().get(&key) {
            return shape.clone();
        }
        let ctx = ctx();
        let mut prerelease = ctx.clone();
        prerelease.version = Some(MOVING_PRERELEASE_TAG.to_string());
        let feed = |ctx: &ServiceContext| svc.release_feed(ctx).map_err(|e| e.to_string());
        let shape = Arc::new(ServiceShape {
            process_names: svc.process_names(&ctx),
            probe: svc.health_probe(&ctx),
            grace: ctx.health_timeout,
            release_feed: feed(&ctx),
            prerelease_feed: feed(&prerelease),
        });
        self.lock().entry(key).or_insert(shape).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Arc<ServiceShape>>> {
        self.shapes.lock().unwrap_or_else(|e| e.into_inner())
    }
}
