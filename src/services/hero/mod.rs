//! The Hero catalog: one file per service, each a unit struct implementing
//! [`Service`](super::Service), with a module doc that cites its sources and says what is
//! unverified. `support.rs` holds the helpers shared by these files (the foundation
//! dependencies, data and config directories, optional env-file settings).
//!
//! Dependency graph (start order; every Hero service also depends on the foundation
//! `hero_proc` → `hero_router`):
//!
//! ```text
//! hero_proc ──► hero_router ──► (every hero_* service)
//! hero_embedder ──► hero_books ──► hero_agent ◄── hero_aibroker, hero_embedder
//! hero_osis, hero_aibroker, hero_proxy ──► hero_os
//! hero_osis ──► hero_biz          hero_livekit ──► hero_collab
//! hero_onlyoffice ──► hero_office  mycelium ──► hero_codescalers
//! ```
//!
//! Groups: `base` (the nu `service_os start_base`) and `full` (`start_full`).

mod hero_agent;
mod hero_aibroker;
mod hero_biz;
mod hero_books;
mod hero_browser;
mod hero_codescalers;
mod hero_collab;
mod hero_compute;
mod hero_db;
mod hero_embedder;
mod hero_foundry;
mod hero_indexer;
mod hero_inspector;
mod hero_livekit;
mod hero_office;
mod hero_onlyoffice;
mod hero_orchestrator;
mod hero_os;
mod hero_osis;
mod hero_proc;
mod hero_proxy;
mod hero_router;
mod hero_shrimp;
mod hero_voice;
mod hero_whiteboard;
mod mycelium;
mod support;

pub use hero_agent::HeroAgent;
pub use hero_aibroker::HeroAibroker;
pub use hero_biz::HeroBiz;
pub use hero_books::HeroBooks;
pub use hero_browser::HeroBrowser;
pub use hero_codescalers::HeroCodescalers;
pub use hero_collab::HeroCollab;
pub use hero_compute::HeroCompute;
pub use hero_db::HeroDb;
pub use hero_embedder::HeroEmbedder;
pub use hero_foundry::HeroFoundry;
pub use hero_indexer::HeroIndexer;
pub use hero_inspector::HeroInspector;
pub use hero_livekit::HeroLivekit;
pub use hero_office::HeroOffice;
pub use hero_onlyoffice::HeroOnlyoffice;
pub use hero_orchestrator::HeroOrchestrator;
pub use hero_os::HeroOs;
pub use hero_osis::HeroOsis;
pub use hero_proc::HeroProc;
pub use hero_proxy::HeroProxy;
pub use hero_router::HeroRouter;
pub use hero_shrimp::HeroShrimp;
pub use hero_voice::HeroVoice;
pub use hero_whiteboard::HeroWhiteboard;
pub use mycelium::Mycelium;

use super::Catalog;

/// The `base` group: what `service_os start_base` started.
pub const BASE: &[&str] = &["hero_os", "hero_osis", "hero_aibroker", "hero_proxy"];

/// The `full` group: `base` and what `service_os start_full` added.
pub const FULL: &[&str] = &[
    "hero_os",
    "hero_osis",
    "hero_aibroker",
    "hero_proxy",
    "hero_livekit",
    "hero_collab",
    "hero_voice",
    "hero_books",
    "hero_biz",
    "hero_foundry",
    "hero_indexer",
    "hero_embedder",
    "hero_codescalers",
    "hero_browser",
];

/// The Hero stack, foundation first.
pub fn catalog() -> Catalog {
    Catalog::new("hero")
        .service(HeroProc)
        .service(HeroRouter)
        .service(Mycelium)
        .service(HeroDb)
        .service(HeroEmbedder)
        .service(HeroBooks)
        .service(HeroAibroker)
        .service(HeroVoice)
        .service(HeroLivekit)
        .service(HeroCollab)
        .service(HeroCodescalers)
        .service(HeroOnlyoffice)
        .service(HeroOffice)
        .service(HeroShrimp)
        .service(HeroBiz)
        .service(HeroOsis)
        .service(HeroOs)
        .service(HeroFoundry)
        .service(HeroIndexer)
        .service(HeroBrowser)
        .service(HeroProxy)
        .service(HeroInspector)
        .service(HeroWhiteboard)
        .service(HeroAgent)
        .service(HeroCompute)
        .service(HeroOrchestrator)
        .group("base", BASE)
        .group("full", FULL)
}
