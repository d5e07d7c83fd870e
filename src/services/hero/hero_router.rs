//! `hero_router`: the front door of the stack — it scans `$PATH_SOCKET`, routes
//! `/{service}/rpc/*` to `{service}/rpc.sock` and `/{service}/admin/*` to
//! `{service}/admin.sock`, and serves the stack's OpenRPC and MCP views on TCP 9988.
//!
//! Sources: <https://git.threefold.info/lhumina_code/hero_router> (README: one binary
//! `hero_router` since v0.2.0 — server, admin and CLI; subcommand `serve`; sockets
//! `hero_router/rpc.sock` and `admin.sock`); <https://cm50.cstevens.xyz/docs> and
//! `/docs/architecture` (TCP 9988, bind address from `--bind`, else `HERO_MYCELIUM_IP`, else
//! the mycelium address of `~/hero/cfg/hero_cfg.toml`, else 127.0.0.1); hero_skills#162
//! (hero_proc and hero_router are the foundation of everything).
//!
//! Quirk: a single binary, run as `hero_router serve`; it finds its socket folder through
//! `PATH_SOCKET` (set by the base environment).
//! Unverified: that `serve` needs no further arguments; that it depends on hero_proc at
//! runtime (we order it after hero_proc, as the foundation pair is documented).

use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::ProcessSpec;

use super::support::optional_env;

/// `hero_router`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroRouter;

impl Service for HeroRouter {
    fn name(&self) -> &str {
        "hero_router"
    }

    fn description(&self) -> &str {
        "routes HTTP to every service socket; the stack's front door (TCP 9988)"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_router")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("hero_router")]
    }

    fn dependencies(&self) -> Vec<String> {
        vec!["hero_proc".to_string()]
    }

    fn ports(&self) -> Vec<u16> {
        vec![9988]
    }

    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        env.extend(optional_env(ctx, &["HERO_MYCELIUM_IP"]));
        Ok(env)
    }

    /// `hero_router serve`: the one binary binds both of its sockets itself.
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let mut spec = ProcessSpec::new("hero_router", ctx.paths.binary("hero_router"))
            .args(["serve"])
            .working_dir(ctx.paths.root.clone())
            .socket(self.rpc_socket(ctx))
            .socket(self.admin_socket(ctx));
        for port in self.ports() {
            spec = spec.tcp_port(port);
        }
        for (k, v) in self.env(ctx)? {
            spec = spec.env(k, v);
        }
        Ok(vec![spec])
    }
}
