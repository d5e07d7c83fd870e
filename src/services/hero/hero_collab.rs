//! `hero_collab`: real-time collaboration, next to LiveKit in the full stack.
//!
//! Sources: <https://git.ourworld.tf/lhumina_code/hero_skills/issues/162> (part of
//! `service_os start_full` next to livekit); hero_router issue 90 (its web binary is
//! `hero_collab_web`, not `_admin`; the earlier manager declared a LiveKit bootstrap for
//! it).
//!
//! Dependencies: the foundation and hero_livekit. That collab needs livekit is not stated
//! in any source found (**unverified**); it is the safe order (livekit first).
//! Unverified: the binary names (`hero_collab_server`, `hero_collab_web`); we run the web
//! binary the way admins run (`--hero-socket rpc.sock --socket admin.sock`).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_collab`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroCollab;

impl Service for HeroCollab {
    fn name(&self) -> &str {
        "hero_collab"
    }

    fn description(&self) -> &str {
        "real-time collaboration (calls, rooms) on top of LiveKit"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_collab")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_collab_server"),
            Binary::admin("hero_collab_web"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&["hero_livekit"])
    }
}
