//! `hero_codescalers`: a coding workspace service (HTTP per instance), one instance here.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_codescalers> and
//! <https://git.threefold.info/lhumina_code/hero_codescalers> (READMEs: binaries
//! `hero_codescalers_server`, `hero_codescalers_admin` (earlier `_ui`), `hero_codescalers`;
//! per-instance socket folders `hero_codescalers_server/`, `hero_codescalers_server1/` …;
//! HTTP on 5000+N with `--port` and `--instance`; secret `SECRET_CODESCALERS` (a hero_proc
//! secret); runs as the lab `driver` user; uses mycelium; the rename to `PATH_SOCKET` /
//! `FORGE_TOKEN` on 2026-05-26).
//!
//! Quirks:
//! - Instances: the upstream service can run N instances, each with its own socket folder
//!   and port. This catalog runs **one**, instance 0: sockets in
//!   `$PATH_SOCKET/hero_codescalers_server/` (an override of `socket_dir`), HTTP on 5000.
//!   More instances would be more services in the catalog — e.g. a struct holding the
//!   instance number, registered once per instance under `hero_codescalers_<N>` — with
//!   the folder `hero_codescalers_server<N>/` and port 5000+N.
//! - The secret `SECRET_CODESCALERS` comes from the env file (or the daemon's environment);
//!   planning fails with a clear message when it is not set.
//! - The `driver` user: hero_svc runs every service as the daemon's user and does not set up
//!   accounts or sudoers; `lab flow driver` remains the way to prepare that account.
//!
//! Unverified: that instance 0 needs no `--instance` flag; that the server takes `--port`
//! together with `--socket`.

use super::support::foundation;
use crate::services::hero_shape;
use crate::services::{Binary, BinaryRole, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::{ProcessSpec, SecretEnv};

/// The instance this catalog runs.
const INSTANCE_PORT: u16 = 5000;

/// `hero_codescalers` (instance 0).
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroCodescalers;

impl Service for HeroCodescalers {
    fn name(&self) -> &str {
        "hero_codescalers"
    }

    fn description(&self) -> &str {
        "coding workspaces over HTTP (instance 0, port 5000)"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_codescalers")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_codescalers_server"),
            Binary::admin("hero_codescalers_admin"),
            Binary::cli("hero_codescalers"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&["mycelium"])
    }

    /// Instance 0's folder is named after the server binary.
    fn socket_dir(&self, ctx: &ServiceContext) -> std::path::PathBuf {
        ctx.paths.service_socket_dir("hero_codescalers_server")
    }

    fn ports(&self) -> Vec<u16> {
        vec![INSTANCE_PORT]
    }

    fn secrets(&self) -> Vec<SecretEnv> {
        vec![SecretEnv {
            var: "SECRET_CODESCALERS".to_string(),
            secret: "SECRET_CODESCALERS".to_string(),
        }]
    }

    /// The common shape, with the instance's HTTP port on the server.
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let servers: Vec<String> = self
            .binaries()
            .into_iter()
            .filter(|b| b.role == BinaryRole::Server)
            .map(|b| b.name)
            .collect();
        Ok(hero_shape::processes(self, ctx)?
            .into_iter()
            .map(|p| {
                if servers.contains(&p.name) {
                    p.args(["--port".to_string(), INSTANCE_PORT.to_string()])
                } else {
                    p
                }
            })
            .collect())
    }
}
