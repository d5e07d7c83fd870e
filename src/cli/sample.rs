//! [`sample_plan`]: a small, real plan that shows the engine at work without a catalog.
//!
//! Three services in miniature — `db`, `index` (needs db) and `books` (needs index) — each
//! fetched, built and installed with real commands into one directory, with the builds
//! limited to one at a time and the fetches running in parallel. Every command declares
//! its output, so a second run is all *up to date*.

use std::path::Path;

use crate::graph::PlanError;
use crate::tasks::{Command, ResourceClass, TaskKey, WriteFile};
use crate::tasks::{Plan, PlanBuilder};

/// The sample plan, writing into `dir`.
pub fn sample_plan(dir: &Path) -> Result<Plan, PlanError> {
    let mut plan = PlanBuilder::new();
    let mut previous: Option<TaskKey> = None;
    for (service, needs) in [
        ("db", None),
        ("index", Some("db")),
        ("books", Some("index")),
    ] {
        let src = dir.join(format!("src/{service}.rs"));
        let bin = dir.join(format!("build/{service}"));
        let installed = dir.join(format!("bin/{service}"));
        let fetch = plan.add(
            Command::new(format!("fetch:{service}"), "sh")
                .label(format!("fetch {service}"))
                .args([
                    "-c".to_string(),
                    format!(
                        "mkdir -p \"$(dirname \"$1\")\"; for i in 1 2 3; do echo \"receiving objects: $i/3\"; sleep 0.1; done; echo 'fn main() {{}} // {service}' > \"$1\""
                    ),
                    "fetch".to_string(),
                    src.display().to_string(),
                ])
                .output(&src)
                .resource(ResourceClass::Network),
        );
        let build = plan.add_after(
            Command::new(format!("build:{service}"), "sh")
                .label(format!("build {service}"))
                .args([
                    "-c".to_string(),
                    "mkdir -p \"$(dirname \"$2\")\"; for i in 1 2 3 4; do echo \"   Compiling $3 step $i/4\"; sleep 0.1; done; cp \"$1\" \"$2\"".to_string(),
                    "build".to_string(),
                    src.display().to_string(),
                    bin.display().to_string(),
                    service.to_string(),
                ])
                .output(&bin)
                .resource(ResourceClass::Build),
            [&fetch],
        );
        let config = plan.add(WriteFile::new(
            dir.join(format!("cfg/{service}.toml")),
            format!("name = \"{service}\"\nsocket = \"{service}/rpc.sock\"\n"),
        ));
        let install = plan.add_after(
            Command::new(format!("install:{service}"), "sh")
                .label(format!("install {service}"))
                .args([
                    "-c".to_string(),
                    "mkdir -p \"$(dirname \"$2\")\"; cp \"$1\" \"$2\"".to_string(),
                    "install".to_string(),
                    bin.display().to_string(),
                    installed.display().to_string(),
                ])
                .output(&installed),
            [&build, &config],
        );
        // A service is installed after what it needs.
        if let (Some(_), Some(prev)) = (needs, &previous) {
            plan.edge(prev, &install);
        }
        previous = Some(install);
    }
    plan.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_plan_is_valid() {
        let plan = sample_plan(Path::new("/tmp/x")).unwrap();
        assert_eq!(plan.len(), 12);
        let tree = plan.to_tree();
        assert!(tree.contains("fetch db [fetch:db]"), "{tree}");
    }
}
