//! `hero_whiteboard`: a collaborative whiteboard.
//!
//! Sources: <https://git.threefold.info/lhumina_code/hero_skills/issues/82> (binaries
//! `hero_whiteboard`, `hero_whiteboard_server`, `hero_whiteboard_ui`; sockets
//! `hero_whiteboard/rpc.sock`, `ui.sock`; `RUST_LOG=info`; no dependencies).
//!
//! Unverified: `hero_whiteboard_admin` / `admin.sock` (the `_ui` → `_admin` rename).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_whiteboard`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroWhiteboard;

impl Service for HeroWhiteboard {
    fn name(&self) -> &str {
        "hero_whiteboard"
    }

    fn description(&self) -> &str {
        "a collaborative whiteboard"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_whiteboard")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_whiteboard_server"),
            Binary::admin("hero_whiteboard_admin"),
            Binary::cli("hero_whiteboard"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
