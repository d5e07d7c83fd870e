//! `hero_db`: the Hero key-value database (successor of herodb / hero_redis).
//!
//! Sources: hero_router issue 90 (the earlier service manager drove `hero_db_server`
//! v0.3.2 and `hero_db_ui`); herolib `lib/installers/db/herodb/herodb_actions.v`; a
//! third-party "respload" README for `hero_db/resp.sock` and TCP 6378.
//! Unverified: the RESP socket and port (third-party source); whether current releases
//! ship `hero_db_admin` (the `_ui` → `_admin` rename) — we follow the newest convention.

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_db`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroDb;

impl Service for HeroDb {
    fn name(&self) -> &str {
        "hero_db"
    }

    fn description(&self) -> &str {
        "key-value database with a RESP and a JSON-RPC interface"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_db")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_db_server"),
            Binary::admin("hero_db_admin"),
        ]
    }

    fn ports(&self) -> Vec<u16> {
        vec![6378]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
