//! [`DemoService`]: one service of the demo catalog.

use super::super::{
    Binary, InstallPolicy, Service, ServiceContext, ServiceError, Source, hero_shape,
};

/// A `hero_demo` server with its own name, dependencies, environment and readiness delay.
#[derive(Clone, Debug)]
pub struct DemoService {
    name: String,
    description: String,
    source: Source,
    dependencies: Vec<String>,
    ready_after_ms: u64,
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
        }
    }

    /// The services it needs.
    pub fn depends_on(mut self, deps: &[&str]) -> Self {
        self.dependencies = deps.iter().map(|d| d.to_string()).collect();
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
