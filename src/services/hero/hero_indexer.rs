//! `hero_indexer`: the global search index (it ignores contexts).
//!
//! Sources: <https://git.threefold.info/lhumina_code/hero_skills/issues/92>
//! (`service_indexer.nu`, the canonical minimal two-binary module: server + UI); home#27;
//! home#34.
//!
//! Unverified: the binary names (`hero_indexer_server`, `hero_indexer_admin`).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_indexer`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroIndexer;

impl Service for HeroIndexer {
    fn name(&self) -> &str {
        "hero_indexer"
    }

    fn description(&self) -> &str {
        "the global search index (ignores contexts)"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_indexer")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_indexer_server"),
            Binary::admin("hero_indexer_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
