//! `hero_biz`: business records (contacts, deals, …) on top of the OSIS identity domain.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_skills/issues/86> (binaries
//! `hero_biz` — the server, run **without arguments** — and `hero_biz_ui`; sockets
//! `hero_biz/rpc.sock`, `ui.sock`; UI env `BASE_PATH=/hero_biz/ui`,
//! `HERO0_BASE_URL=http://127.0.0.1:6666/hero_osis/ui`; needs `hero_osis_identity`, soft
//! `hero_proxy_ui`; the old TOML definition was wrong);
//! <https://git.threefold.info/lhumina_code/hero_skills/issues/89> (preflight
//! `svx_check_osis_identity` warns but does not fail).
//!
//! Quirks: the server binary takes no `--socket` (it finds `hero_biz/rpc.sock` through
//! `PATH_SOCKET`), so its process is written here; the admin runs the common way. The
//! identity preflight is a real dependency on hero_osis here: hero_biz starts after hero_osis
//! is healthy.
//!
//! Unverified: `hero_biz_admin` / `admin.sock` and `BASE_PATH=/hero_biz/admin` after the
//! `_ui` → `_admin` rename; `HERO0_BASE_URL` (port 6666) is kept as documented and can be
//! overridden in the env file.

use super::support::{env_or, foundation};
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::ProcessSpec;

/// `hero_biz`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroBiz;

impl Service for HeroBiz {
    fn name(&self) -> &str {
        "hero_biz"
    }

    fn description(&self) -> &str {
        "business records on the OSIS identity domain"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_biz")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("hero_biz"), Binary::admin("hero_biz_admin")]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&["hero_osis"])
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.push(("BASE_PATH".to_string(), "/hero_biz/admin".to_string()));
        env.push((
            "HERO0_BASE_URL".to_string(),
            env_or(
                ctx,
                "HERO0_BASE_URL",
                "http://127.0.0.1:6666/hero_osis/admin",
            ),
        ));
        Ok(env)
    }

    /// The server runs without arguments; the admin the common way.
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        Ok(hero_shape::processes(self, ctx)?
            .into_iter()
            .map(|mut p| {
                if p.name == "hero_biz" {
                    p.args.clear();
                }
                p
            })
            .collect())
    }
}
