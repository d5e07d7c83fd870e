//! `hero_inspector`: reads the services' OpenRPC documents and generates MCP from them; one
//! of the few services allowed a TCP port (2026-03).
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/home/issues/50>;
//! <https://forge.ourworld.tf/lhumina_code/hero_books/issues/74> (UDS-only except the
//! inspector); home#27.
//!
//! Unverified: the binary names (`hero_inspector_server`, `hero_inspector_admin`) and its
//! TCP port (not declared).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_inspector`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroInspector;

impl Service for HeroInspector {
    fn name(&self) -> &str {
        "hero_inspector"
    }

    fn description(&self) -> &str {
        "reads the services' OpenRPC documents and generates MCP"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_inspector")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_inspector_server"),
            Binary::admin("hero_inspector_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
