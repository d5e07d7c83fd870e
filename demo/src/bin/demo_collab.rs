//! `demo_collab`: a collaboration service on the media server and the database — a `hero_demo` server with its own name and version, one of the
//! services of hero_svc's demo catalog.

/// This service's version; changing it changes the binary (an upgrade).
const VERSION: &str = "1.0.0";

fn main() -> std::process::ExitCode {
    hero_demo::main_as("demo_collab", VERSION)
}
