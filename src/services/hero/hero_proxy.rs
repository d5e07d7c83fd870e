//! `hero_proxy`: the TCP front door that forwards to the services' admin sockets
//! ("hero_proxy (TCP) ──► …_ui.sock").
//!
//! Sources: the hero_router README (`hero_proxy/rpc.sock`,
//! <https://git.threefold.info/lhumina_code/hero_router>); hero_skills#86 (a `hero_proxy_ui`
//! action); <https://git.threefold.info/lhumina_code/hero_archive_claude>.
//!
//! Unverified: the binary names (`hero_proxy_server`, `hero_proxy_admin`) and its TCP port
//! (not declared, so it is not reclaimed before a start).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_proxy`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroProxy;

impl Service for HeroProxy {
    fn name(&self) -> &str {
        "hero_proxy"
    }

    fn description(&self) -> &str {
        "the TCP front door in front of the admin sockets"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_proxy")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_proxy_server"),
            Binary::admin("hero_proxy_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
