//! [`DemoService`]: one service of the demo catalog.

use super::super::{
    Binary, InstallPolicy, Service, ServiceContext, ServiceError, Source, hero_shape,
};
use crate::tasks::PlanBuilder;
use crate::tasks::{LockSource, TaskKey};

/// A `hero_demo` server with its own name, dependencies, environment and readiness delay.
#[derive(Clone, Debug)]
pub struct DemoService {
    name: String,
    description: String,
    source: Source,
    dependencies: Vec<String>,
    ready_after_ms: u64,
    built_with: Vec<String>,
}

impl DemoService {
    /// The demo service `name` (also its binary's name), built from `source`.
    pub fn new(name: &str, description: &str, source: Source) -> Self {
        Self {
            name: name.to_string(),
            description: description.to_string(),
            source,
            dependencies: Vec::new(),
            ready_after_ms: 0,
            built_with: vec![name.to_string()],
        }
    }

    /// The services it needs.
    pub fn depends_on(mut self, deps: &[&str]) -> Self {
        self.dependencies = deps.iter().map(|d| d.to_string()).collect();
        self
    }

    /// Builds its binary together with `binaries` (the other demo services of the same
    /// repository): one cargo invocation for all of them.
    pub fn built_with(mut self, binaries: &[&str]) -> Self {
        self.built_with = binaries.iter().map(|b| b.to_string()).collect();
        self
    }

    /// How long after its start it reports healthy.
    pub fn ready_after_ms(mut self, ms: u64) -> Self {
        self.ready_after_ms = ms;
        self
    }
}

impl Service for DemoService {
    fn name(&self) -> &str {
        &self.name
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn source(&self) -> Source {
        self.source.clone()
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server(&self.name)]
    }

    fn install_policy(&self) -> InstallPolicy {
        InstallPolicy::Source
    }

    fn dependencies(&self) -> Vec<String> {
        self.dependencies.clone()
    }

    /// The quirk of the demo: every demo service lives in the same repository, so their
    /// binaries are built by one shared cargo task instead of one build per service.
    fn add_install(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::add_source_install(self, ctx, plan, &self.built_with)
    }

    /// Locked with the same shared build as its install.
    fn add_lock(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        staging: &std::path::Path,
    ) -> Result<Option<LockSource>, ServiceError> {
        hero_shape::add_lock(self, ctx, plan, &self.built_with, staging)
    }

    /// The Hero base, its readiness delay, and the sockets of what it depends on (the way a
    /// real service is told where its dependencies are).
    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.push((
            "HERO_DEMO_READY_DELAY_MS".to_string(),
            self.ready_after_ms.to_string(),
        ));
        for dep in &self.dependencies {
            env.push((
                format!("{}_SOCKET", dep.to_uppercase()),
                ctx.paths
                    .service_socket_dir(dep)
                    .join("rpc.sock")
                    .display()
                    .to_string(),
            ));
        }
        Ok(env)
    }
}
