//! The offline demo catalog: eight Hero-shaped services, each a binary of this repository's
//! `demo` crate (`demo/src/bin/<name>.rs`), built from source with cargo, installed into
//! the Hero root, and started in dependency order gated on health — no network needed.
//!
//! ```text
//! demo_db ─────┬──► demo_index ──► demo_books ──┐
//!              ├──► demo_auth ──────────────────┼──► demo_router
//!              └──► demo_collab ────────────────┘
//! demo_cache ──────────────────► demo_books
//! demo_media ──────► demo_collab
//! ```
//!
//! The source is a git repository: by default the one this binary was built from, at its
//! current branch; `HERO_SVC_DEMO_SOURCE` (a path or URL) and `HERO_SVC_DEMO_REF` (a
//! branch) point it elsewhere.

mod demo_service;

pub use demo_service::DemoService;

use std::path::Path;

use super::{Catalog, Source};
use crate::tasks::GitRef;

/// The binaries of the demo services (built together).
pub const BINARIES: [&str; 8] = [
    "demo_db",
    "demo_cache",
    "demo_media",
    "demo_index",
    "demo_auth",
    "demo_books",
    "demo_collab",
    "demo_router",
];

/// The demo catalog, built from `source`.
pub fn catalog(source: Source) -> Catalog {
    let svc = |name: &str, description: &str, deps: &[&str], ready_ms: u64| {
        DemoService::new(name, description, source.clone())
            .depends_on(deps)
            .ready_after_ms(ready_ms)
            .built_with(&BINARIES)
    };
    Catalog::new("demo")
        .service(svc("demo_db", "the database of the demo stack", &[], 150))
        .service(svc("demo_cache", "a cache beside the database", &[], 80))
        .service(svc("demo_media", "a media server", &[], 200))
        .service(svc(
            "demo_index",
            "a search index over the database",
            &["demo_db"],
            120,
        ))
        .service(svc(
            "demo_auth",
            "an identity service on the database",
            &["demo_db"],
            100,
        ))
        .service(svc(
            "demo_books",
            "a library served from the index and the cache",
            &["demo_index", "demo_cache"],
            150,
        ))
        .service(svc(
            "demo_collab",
            "a collaboration service on the media server and the database",
            &["demo_media", "demo_db"],
            120,
        ))
        .service(svc(
            "demo_router",
            "the front door: routes to books, collab and auth",
            &["demo_books", "demo_collab", "demo_auth"],
            100,
        ))
        .group("base", &["demo_db", "demo_cache", "demo_media"])
        .group("library", &["demo_db", "demo_index", "demo_books"])
}

/// The demo source from the environment: `HERO_SVC_DEMO_SOURCE` / `HERO_SVC_DEMO_REF`, or
/// the repository this binary was built from, at its current branch.
pub fn default_source() -> Source {
    let repo = std::env::var("HERO_SVC_DEMO_SOURCE")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").to_string());
    let git_ref = std::env::var("HERO_SVC_DEMO_REF")
        .ok()
        .filter(|s| !s.is_empty())
        .map(GitRef::Branch)
        .unwrap_or_else(|| current_ref(Path::new(&repo)));
    Source::git(&repo, git_ref)
}

/// The branch checked out in `repo` (its commit when detached; `main` when unknown).
fn current_ref(repo: &Path) -> GitRef {
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--abbrev-ref", "HEAD"]) {
        Some(b) if b != "HEAD" && !b.is_empty() => GitRef::Branch(b),
        _ => git(&["rev-parse", "HEAD"])
            .map(GitRef::Commit)
            .unwrap_or_else(|| GitRef::Branch("main".to_string())),
    }
}
