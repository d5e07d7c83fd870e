//! `hero_books`: the Hero library service — the reference ("gold standard") Hero service.
//!
//! Sources: hero_skills issue 86 ("books had only embedder"); home issue 34 (hero_books as
//! the reference of the four pillars); hero_aibroker issue 63 (AI through the broker).
//! Dependencies: the foundation, and hero_embedder ("books had only embedder",
//! hero_skills#86); its AI calls go through hero_aibroker at runtime, which is not a
//! start-order dependency.
//! Unverified: the exact binary names (`hero_books_server`, `hero_books_admin`) of current
//! releases.

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_books`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroBooks;

impl Service for HeroBooks {
    fn name(&self) -> &str {
        "hero_books"
    }

    fn description(&self) -> &str {
        "books and documents, searchable through the embedder"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_books")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_books_server"),
            Binary::admin("hero_books_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&["hero_embedder"])
    }
}
