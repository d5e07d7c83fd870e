//! The Hero catalog: one file per service, each citing its sources.

mod hero_books;
mod hero_db;

pub use hero_books::HeroBooks;
pub use hero_db::HeroDb;

use super::Catalog;

/// The Hero stack.
pub fn catalog() -> Catalog {
    Catalog::new("hero").service(HeroDb).service(HeroBooks)
}
