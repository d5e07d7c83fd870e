//! [`ServiceShapes`]: what reading a service's status needs of its definition — the names
//! of its processes and its health probe — computed once per service for the daemon's
//! life.
//!
//! A service's processes and probe are functions of the service (compiled into a catalog
//! the daemon holds unchanged until it exits) and of the daemon's context (its paths and
//! settings, also fixed), so they cannot change while the daemon runs. Building them means
//! building every process spec (arguments, environment) only to read the names back; the
//! `status` of 30 services called by many clients at once would spend most of its time
//! doing that again and again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::health::Probe;
use crate::services::{Service, ServiceContext};

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
        let shape = Arc::new(ServiceShape {
            process_names: svc.process_names(&ctx),
            probe: svc.health_probe(&ctx),
            grace: ctx.health_timeout,
        });
        self.lock().entry(key).or_insert(shape).clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Arc<ServiceShape>>> {
        self.shapes.lock().unwrap_or_else(|e| e.into_inner())
    }
}
