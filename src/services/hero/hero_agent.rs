//! `hero_agent`: an agent that answers with tools from every service (MCP through
//! hero_router), AI through the broker, knowledge from books and the embedder.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/home/issues/159> (binary
//! `hero_agent_server`; `HERO_AGENT_ROUTING_MODE` = pattern | semantic | hybrid; uses
//! hero_aibroker, hero_embedder, hero_books, and MCP via `hero_router /mcp/{svc}`).
//!
//! Quirk: `HERO_AGENT_ROUTING_MODE` is passed from the env file when set (the service's
//! own default applies otherwise).
//! Unverified: whether it ships an admin binary (none is run here).

use super::support::{foundation, optional_env};
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};

/// `hero_agent`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroAgent;

impl Service for HeroAgent {
    fn name(&self) -> &str {
        "hero_agent"
    }

    fn description(&self) -> &str {
        "an agent using every service's tools (MCP via the router) and the AI broker"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_agent")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("hero_agent_server")]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&["hero_aibroker", "hero_embedder", "hero_books"])
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.extend(optional_env(ctx, &["HERO_AGENT_ROUTING_MODE"]));
        Ok(env)
    }
}
