//! `hero_osis`: the OSIS object store, serving context-scoped domains (identity and
//! others) over `hero_osis_<domain>/rpc.sock`; proposed to be renamed `hero_core`.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_skills/issues/86> (hero_biz needs
//! `hero_osis_identity/rpc.sock`; the UI at `http://127.0.0.1:6666/hero_osis/ui`);
//! <https://git.ourworld.tf/lhumina_code/home/issues/27>, `/issues/34`;
//! <https://git.threefold.info/lhumina_code/hero_rpc/issues/13> (hero_osis → hero_core).
//!
//! Unverified: the binary names (`hero_osis_server`, `hero_osis_admin`) — sources mention
//! 18 domain variants such as `hero_osis_identity` and a `hero_osis_openrpc` tool; we run one
//! server, which is assumed to bind its domain sockets itself.

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_osis`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroOsis;

impl Service for HeroOsis {
    fn name(&self) -> &str {
        "hero_osis"
    }

    fn description(&self) -> &str {
        "the OSIS object store: context-scoped domains such as identity"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_osis")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_osis_server"),
            Binary::admin("hero_osis_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
