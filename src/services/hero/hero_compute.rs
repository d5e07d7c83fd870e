//! `hero_compute`: compute nodes (VMs, workloads), with an explorer across nodes reached
//! through hero_router.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_compute/issues/69> (binaries
//! `hero_compute_server`, `hero_compute_explorer`; sockets `hero_compute/rpc.sock`,
//! `admin.sock`, `explorer_rpc.sock`; the old TCP bridges 9002/9003 are being removed);
//! the hero_router README.
//!
//! Quirk: a second runnable binary that is not an admin: the explorer serves
//! `explorer_rpc.sock` in the same socket folder, started after the server is healthy.
//! Unverified: the explorer's arguments (`--socket`, like a server); which binary serves
//! `admin.sock` (none is run for it here).

use super::support::foundation;
use crate::services::hero_shape;
use crate::services::{Binary, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::ProcessSpec;

/// `hero_compute`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroCompute;

impl Service for HeroCompute {
    fn name(&self) -> &str {
        "hero_compute"
    }

    fn description(&self) -> &str {
        "compute nodes and workloads, with an explorer across nodes"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_compute")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_compute_server"),
            Binary::cli("hero_compute_explorer"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }

    /// The server the common way, and the explorer on `explorer_rpc.sock`.
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let mut specs = hero_shape::processes(self, ctx)?;
        let socket = self.socket_dir(ctx).join("explorer_rpc.sock");
        let mut explorer = ProcessSpec::new(
            "hero_compute_explorer",
            ctx.paths.binary("hero_compute_explorer"),
        )
        .args(["--socket".to_string(), socket.display().to_string()])
        .socket(&socket)
        .working_dir(ctx.paths.root.clone());
        for (k, v) in self.env(ctx)? {
            explorer = explorer.env(k, v);
        }
        specs.push(explorer);
        Ok(specs)
    }
}
