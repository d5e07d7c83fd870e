//! `hero_proc`: the Hero process supervisor (successor of zinit), with its SDK for logs,
//! secrets and service registration.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/home/issues/50> (zinit → hero_proc;
//! binaries register themselves with `--start`); hero_proc issues #34, #38, #83, #104;
//! `threefoldtech/mycelium` `scripts/build_lib.sh` (binaries `hero_proc`,
//! `hero_proc_server`, `hero_proc_ui`; `hero_proc --socket S health|shutdown`); the
//! hero_router README (socket `hero_proc/rpc.sock`).
//!
//! How hero_svc treats it: hero_svc is itself the supervisor of the services it manages
//! (its builtin supervisor), so it never registers services with hero_proc and never runs
//! a binary's `--start`/`--stop` (that would make two supervisors fight over one process).
//! hero_proc is managed like any other service: installed, run and health-checked, so the
//! services that use its SDK at runtime (logs, secrets) find it. It is the root of the
//! dependency graph, together with hero_router.
//! Unverified: the `_ui` → `_admin` rename for hero_proc's UI binary (we follow the newest
//! convention); whether `hero_proc_server` serves `GET /health` on `rpc.sock` (the CLI's
//! `health` command suggests it does).

use crate::services::{Binary, Service, Source};

/// `hero_proc`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroProc;

impl Service for HeroProc {
    fn name(&self) -> &str {
        "hero_proc"
    }

    fn description(&self) -> &str {
        "the Hero process supervisor and its SDK (logs, secrets); run here as a plain service"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_proc")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_proc_server"),
            Binary::admin("hero_proc_admin"),
            Binary::cli("hero_proc"),
        ]
    }
}
