//! `hero_orchestrator`: runs coding sessions; the successor of the archived hero_claude.
//!
//! Sources: <https://git.threefold.info/lhumina_code/hero_orchestrator> (binaries `_server`,
//! `_admin`, a CLI with `doctor` and `login`; `hero_orchestrator/admin.sock`; database
//! `~/hero/var/hero_orchestrator/db.sqlite`; lifecycle per binary, one supervised process
//! each); hero_skills#99 (hero_claude needed the `claude` CLI).
//!
//! Not checked here: that the `claude` CLI is installed and logged in — run
//! `hero_orchestrator doctor` (installed with it) to check.
//! Unverified: that the server serves `GET /health` on `rpc.sock`.

use super::support::foundation;
use crate::services::{Binary, Service, Source};

/// `hero_orchestrator`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroOrchestrator;

impl Service for HeroOrchestrator {
    fn name(&self) -> &str {
        "hero_orchestrator"
    }

    fn description(&self) -> &str {
        "runs coding sessions (successor of hero_claude)"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_orchestrator")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("hero_orchestrator_server"),
            Binary::admin("hero_orchestrator_admin"),
            Binary::cli("hero_orchestrator"),
        ]
    }

    fn dependencies(&self) -> Vec<String> {
        foundation(&[])
    }
}
