//! `hero_foundry`: files and documents per context; its `rpc.sock` also serves
//! `/api/files/...`.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_proc/issues/83> (binaries
//! `hero_foundry_server`, `hero_foundry_ui`); home#34; hero_skills#97 (a soft dependency of
//! hero_office).
//!
//! Unverified: `hero_foundry_admin` (the `_ui` → `_admin` rename).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_foundry`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroFoundry;

impl Service for HeroFoundry {
    fn name(&self) -> &str {
        "hero_foundry"
    }

    fn description(&self) -> &str {
        "files and documents per context (`/api/files/...`)"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_foundry")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_foundry_server"),
            Binary::admin("hero_foundry_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
