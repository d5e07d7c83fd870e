//! Another stack's catalog, compiled with hero_svc as a library.
//!
//! Two services: `acme_store`, a typical Hero-shaped service (the trait's defaults do
//! everything), and `acme_api`, which overrides three methods: it seeds a config file once,
//! tells its processes where the store's socket is, and is healthy when its OpenRPC
//! document is served. The example validates the catalog and prints the plan of
//! `deploy acme_api` as a tree. It plans only: nothing is downloaded, started or written,
//! so it runs without network.
//!
//! ```text
//! cargo run --example custom_catalog
//! ```

use hero_svc::forge::ForgeConfig;
use hero_svc::graph::PlanFormat;
use hero_svc::health::Probe;
use hero_svc::paths::HeroPaths;
use hero_svc::services::hero_shape;
use hero_svc::services::{
    Binary, Catalog, Operation, OperationOptions, OperationRequest, Selection, Service,
    ServiceContext, ServiceError, Source, plan_operation,
};
use hero_svc::tasks::WriteFile;

/// A typical service: server and admin binaries, released on the forge.
struct AcmeStore;

impl Service for AcmeStore {
    fn name(&self) -> &str {
        "acme_store"
    }

    fn description(&self) -> &str {
        "the Acme object store"
    }

    fn source(&self) -> Source {
        Source::forge("acme", "acme_store")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![
            Binary::server("acme_store_server"),
            Binary::admin("acme_store_admin"),
        ]
    }
}

/// A service with quirks, each an override.
struct AcmeApi;

impl Service for AcmeApi {
    fn name(&self) -> &str {
        "acme_api"
    }

    fn description(&self) -> &str {
        "the Acme public API, on top of the store"
    }

    fn source(&self) -> Source {
        Source::forge("acme", "acme_api")
    }

    fn binaries(&self) -> Vec<Binary> {
        vec![Binary::server("acme_api_server")]
    }

    fn dependencies(&self) -> Vec<String> {
        vec!["acme_store".to_string()]
    }

    /// The Hero base environment, plus where the store listens.
    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        let mut env = hero_shape::base_env(ctx);
        let store = ctx.paths.service_socket_dir("acme_store").join("rpc.sock");
        env.push(("ACME_STORE_SOCKET".into(), store.display().to_string()));
        Ok(env)
    }

    /// A default config, written only if missing: the user's edits stay.
    fn config_files(&self, ctx: &ServiceContext) -> Result<Vec<WriteFile>, ServiceError> {
        let path = ctx.paths.var.join("acme_api").join("api.toml");
        Ok(vec![
            WriteFile::new(path, "rate_limit = 100\n").if_missing(),
        ])
    }

    /// Healthy when the OpenRPC document is served.
    fn health_probe(&self, ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::openrpc(self.rpc_socket(ctx)))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let catalog = Catalog::new("acme").service(AcmeStore).service(AcmeApi);
    catalog.validate()?;

    let root = std::env::temp_dir().join("acme-hero-example");
    let ctx = ServiceContext::new(
        HeroPaths::with_root(&root),
        ForgeConfig::forgejo("https://forge.example.org/")?,
    );
    let request = OperationRequest {
        operation: Operation::Deploy,
        selection: Selection::Services(vec!["acme_api".to_string()]),
        options: OperationOptions::default(),
    };
    let planned = plan_operation(&catalog, &ctx, &request)?;
    println!(
        "deploy acme_api: {} tasks for {}",
        planned.plan.len(),
        planned.services.join(", ")
    );
    print!("{}", planned.plan.render(PlanFormat::Tree));
    Ok(())
}
