//! `hero_os`: the Hero OS desktop — a server and a web UI that hosts the WASM islands
//! (hero_os_app and the hero_archipelagos islands).
//!
//! Sources: <https://git.ourworld.tf/lhumina_code/hero_skills/issues/162> (`service_os
//! start_base` = os + osis + aibroker + proxy; hero_proc and hero_router are the
//! foundation; `islands_build` runs `make install` in `hero_archipelagos`, which needs
//! wasm-pack); <https://forge.ourworld.tf/lhumina_code/hero_proc/issues/83>;
//! <https://git.ourworld.tf/lhumina_code/hero_os/issues/12> (`hero_os_ui` serves
//! `/islands` only if the directory exists when it starts).
//!
//! Not done here: building the islands (`service_os islands_build`); build them before a
//! start, or restart `hero_os` after building them.
//! Unverified: the binary names after the `_ui` → `_admin` rename (`hero_os_admin`).

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_os`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroOs;

impl Service for HeroOs {
    fn name(&self) -> &str {
        "hero_os"
    }

    fn description(&self) -> &str {
        "the Hero OS desktop: its server and the web UI that hosts the islands"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_os")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_os_server"),
            Binary::admin("hero_os_admin"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&["hero_osis", "hero_aibroker", "hero_proxy"])
    }
}
