//! `hero_browser`: the browser service of the full stack.
//!
//! Sources: <https://git.ourworld.tf/lhumina_code/hero_skills/issues/162> (part of
//! `service_os start_full`; name only); hero_router issue 90 (a "plain server+ui" service,
//! musl release assets).
//!
//! Unverified: everything beyond the name — we assume the common shape
//! (`hero_browser_server`, `hero_browser_admin`).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_browser`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroBrowser;

impl Service for HeroBrowser {
    fn name(&self) -> &str {
        "hero_browser"
    }

    fn description(&self) -> &str {
        "the browser service of the full stack"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_browser")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_browser_server"),
            Binary::admin("hero_browser_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
