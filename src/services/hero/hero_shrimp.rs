//! `hero_shrimp`: an assistant daemon (engine, channels, RPC and admin socket in one
//! process) with a thin client.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_shrimp> and
//! <https://git.ourworld.tf/lhumina_code/hero_shrimp> (binaries `shrimpd` — the daemon — and
//! `shrimp` — the client; config `shrimp.yml`, `.env.example`, `SECRETS.md`; SQLite).
//!
//! Quirks: its binaries do not follow the `hero_X_server` naming; `shrimpd` runs with no
//! arguments in `$HERO_ROOT/var/hero_shrimp` (where it finds `shrimp.yml` and keeps its
//! database) and binds its sockets itself, so the socket paths are not passed. Since those
//! paths are not documented, the health check is the socket file
//! `$PATH_SOCKET/hero_shrimp/rpc.sock` accepting a connection.
//!
//! Unverified: the socket path; that `shrimpd` reads `shrimp.yml` from its working
//! directory. hero_svc writes no `shrimp.yml`: copy the repository's example there.

use super::support::{foundation, var_dir};
use crate::health::Probe;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::ProcessSpec;

/// `hero_shrimp`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroShrimp;

impl Service for HeroShrimp {
    fn name(&self) -> &str {
        "hero_shrimp"
    }

    fn description(&self) -> &str {
        "assistant daemon (shrimpd) with a thin client (shrimp)"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_shrimp")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("shrimpd"), Binary::cli("shrimp")]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }

    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let mut spec = ProcessSpec::new("shrimpd", ctx.paths.binary("shrimpd"))
            .working_dir(var_dir(ctx, self.name()))
            .socket(self.rpc_socket(ctx));
        for (k, v) in self.env(ctx)? {
            spec = spec.env(k, v);
        }
        Ok(vec![spec])
    }

    fn health_probe(&self, ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::SocketFile {
            path: self.rpc_socket(ctx),
        })
    }
}
