//! The built-in catalogs, by name: `hero` (the Hero stack) and `demo` (offline demo).

use super::{Catalog, CatalogError, demo, hero};

/// The built-in catalog `name`.
pub fn builtin_catalog(name: &str) -> Result<Catalog, CatalogError> {
    match name {
        "hero" => Ok(hero::catalog()),
        "demo" => Ok(demo::catalog(demo::default_source())),
        other => Err(CatalogError::UnknownCatalog(other.to_string())),
    }
}
