//! The built-in catalogs, by name: `hero` (the Hero stack) and `demo` (offline demo).

use super::{Catalog, CatalogError, demo, hero};

/// The names of the built-in catalogs.
pub const BUILTIN_CATALOGS: [&str; 2] = ["hero", "demo"];

/// The built-in catalog `name`.
pub fn builtin_catalog(name: &str) -> Result<Catalog, CatalogError> {
    match name {
        "hero" => Ok(hero::catalog()),
        "demo" => Ok(demo::catalog(demo::default_source())),
        other => Err(CatalogError::UnknownCatalog {
            name: other.to_string(),
            known: BUILTIN_CATALOGS.iter().map(|c| c.to_string()).collect(),
        }),
    }
}
