//! The catalogs as a whole: both validate; every Hero service plans every operation (or
//! refuses a mode with the clear error); plans render as tree, DOT and JSON; seeded config
//! files are written once and never overwritten.

use std::path::Path;

use hero_svc::forge::ForgeConfig;
use hero_svc::graph::{ExecutorConfig, PlanFormat, RunRequest, TaskStatus};
use hero_svc::paths::HeroPaths;
use hero_svc::services::hero::{HeroAibroker, HeroLivekit};
use hero_svc::services::{
    Catalog, EnvFile, InstallMode, Operation, OperationError, OperationOptions, OperationRequest,
    Selection, Service, ServiceContext, ServiceError, builtin_catalog, demo, hero, plan_operation,
};
use hero_svc::state::StateStore;
use hero_svc::tasks::{Executor, PlanBuilder};

/// The secrets the Hero services need, as an env file would hold them.
fn env_file() -> EnvFile {
    EnvFile::from_vars([
        ("ONLYOFFICE_JWT_SECRET".to_string(), "test-jwt".to_string()),
        (
            "SECRET_CODESCALERS".to_string(),
            "test-codescalers".to_string(),
        ),
        (
            "MYCELIUM_PEERS".to_string(),
            "tcp://127.0.0.1:1".to_string(),
        ),
    ])
}

fn context(root: &Path) -> ServiceContext {
    let mut ctx = ServiceContext::new(
        HeroPaths::with_root(root),
        ForgeConfig::forgejo("http://127.0.0.1:1/").unwrap(),
    );
    ctx.env_file = env_file();
    ctx
}

fn request(operation: Operation, service: &str) -> OperationRequest {
    OperationRequest {
        operation,
        selection: Selection::Services(vec![service.to_string()]),
        options: OperationOptions {
            purge: true,
            ..OperationOptions::default()
        },
    }
}

/// Plans `op` on `service` and checks the plan renders in every format.
fn plan_and_render(catalog: &Catalog, ctx: &ServiceContext, op: Operation, service: &str) {
    let planned = plan_operation(catalog, ctx, &request(op, service))
        .unwrap_or_else(|e| panic!("{} {service}: {e}", op.as_str()));
    assert!(
        !planned.plan.is_empty(),
        "{} {service}: empty plan",
        op.as_str()
    );
    let tree = planned.plan.render(PlanFormat::Tree);
    assert!(!tree.trim().is_empty());
    let dot = planned.plan.render(PlanFormat::Dot);
    assert!(dot.starts_with("digraph plan {"), "{dot}");
    let json: serde_json::Value =
        serde_json::from_str(&planned.plan.render(PlanFormat::Json)).unwrap();
    assert_eq!(
        json["tasks"].as_array().unwrap().len(),
        planned.plan.len(),
        "{} {service}",
        op.as_str()
    );
}

#[test]
fn hero_and_demo_catalogs_validate_and_groups_resolve() {
    for catalog in [hero::catalog(), demo::catalog(demo::default_source())] {
        catalog.validate().unwrap();
        for group in catalog.groups().keys() {
            let members = catalog.select(&Selection::Group(group.clone())).unwrap();
            assert!(!members.is_empty(), "{group}");
            catalog.with_dependencies(&members).unwrap();
        }
    }
    assert_eq!(builtin_catalog("hero").unwrap().services().len(), 26);
}

#[test]
fn hero_groups_are_the_nu_bundles() {
    let catalog = hero::catalog();
    let base = catalog.select(&Selection::Group("base".into())).unwrap();
    let mut sorted = base.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["hero_aibroker", "hero_os", "hero_osis", "hero_proxy"]
    );
    let full = catalog.select(&Selection::Group("full".into())).unwrap();
    assert_eq!(full.len(), 14);
    assert!(base.iter().all(|b| full.contains(b)));
    // Deploying the base group starts the foundation first.
    let order = catalog.with_dependencies(&base).unwrap();
    assert_eq!(&order[..2], ["hero_proc", "hero_router"]);
}

#[test]
fn every_hero_service_plans_every_operation() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = hero::catalog();
    for svc in catalog.services() {
        let name = svc.name();
        for mode in [InstallMode::Download, InstallMode::Source] {
            let mut ctx = context(dir.path());
            ctx.mode = Some(mode);
            let allowed = svc.install_policy().mode(Some(mode)).is_ok();
            let result = plan_operation(&catalog, &ctx, &request(Operation::Install, name));
            match result {
                Ok(planned) => {
                    assert!(allowed, "{name} planned a {mode:?} install it refuses");
                    assert!(!planned.plan.is_empty(), "{name}: empty install");
                }
                Err(OperationError::Service(ServiceError::UnsupportedMode {
                    service,
                    allowed: other,
                    ..
                })) => {
                    assert!(!allowed, "{name} refused {mode:?}, which its policy allows");
                    assert_eq!(service, name);
                    let e = plan_operation(&catalog, &ctx, &request(Operation::Install, name))
                        .unwrap_err()
                        .to_string();
                    assert!(e.contains(&format!("--mode {other}")), "{e}");
                }
                Err(e) => panic!("install {name} ({mode:?}): {e}"),
            }
        }
        let ctx = context(dir.path());
        for op in [
            Operation::Install,
            Operation::Start,
            Operation::Stop,
            Operation::Restart,
            Operation::Upgrade,
            Operation::Verify,
            Operation::Delete,
            Operation::Deploy,
        ] {
            plan_and_render(&catalog, &ctx, op, name);
        }
    }
    // Planning writes nothing: the root stays empty.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn groups_deploy_as_one_plan() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let catalog = hero::catalog();
    for group in ["base", "full"] {
        let req = OperationRequest {
            operation: Operation::Deploy,
            selection: Selection::Group(group.to_string()),
            options: OperationOptions::default(),
        };
        let planned = plan_operation(&catalog, &ctx, &req).unwrap();
        assert!(planned.services.contains(&"hero_proc".to_string()));
        let json = planned.plan.to_json();
        let waits = json["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "wait_healthy")
            .count();
        assert_eq!(
            waits,
            planned.services.len(),
            "{group}: one health wait each"
        );
    }
    let all = OperationRequest {
        operation: Operation::Deploy,
        selection: Selection::All,
        options: OperationOptions::default(),
    };
    plan_operation(&catalog, &ctx, &all).unwrap();
}

#[test]
fn modes_a_service_cannot_do_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = hero::catalog();
    let mut ctx = context(dir.path());
    ctx.mode = Some(InstallMode::Download);
    let e = plan_operation(&catalog, &ctx, &request(Operation::Install, "mycelium")).unwrap_err();
    assert!(
        matches!(
            e,
            OperationError::Service(ServiceError::UnsupportedMode {
                allowed: "source",
                ..
            })
        ),
        "{e}"
    );
    let ctx = context(dir.path());
    let e = plan_operation(
        &catalog,
        &ctx,
        &request(Operation::Build, "hero_onlyoffice"),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            OperationError::Service(ServiceError::UnsupportedMode {
                allowed: "download",
                ..
            })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("hero_onlyoffice"), "{e}");
}

#[test]
fn a_missing_secret_is_named_before_anything_runs() {
    if std::env::var_os("ONLYOFFICE_JWT_SECRET").is_some() {
        return; // the daemon's environment would supply it
    }
    let dir = tempfile::tempdir().unwrap();
    let mut ctx = context(dir.path());
    ctx.env_file = EnvFile::from_vars([("SECRET_CODESCALERS".to_string(), "x".to_string())]);
    let e = plan_operation(
        &hero::catalog(),
        &ctx,
        &request(Operation::Deploy, "hero_office"),
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("ONLYOFFICE_JWT_SECRET"), "{msg}");
    assert!(msg.contains("env.sh"), "{msg}");
}

#[test]
fn onlyoffice_passes_its_secret_by_reference() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let specs = hero::HeroOnlyoffice.processes(&ctx).unwrap();
    let spec = &specs[0];
    assert!(spec.args.iter().any(|a| a == "JWT_SECRET"));
    assert!(
        !spec.args.iter().any(|a| a.contains("test-jwt")),
        "the secret is not on the command line: {:?}",
        spec.args
    );
    // By name, resolved when the process is spawned: the spec (stored) holds no value.
    assert!(
        spec.secrets
            .iter()
            .any(|s| s.var == "JWT_SECRET" && s.secret == "ONLYOFFICE_JWT_SECRET")
    );
    assert!(!serde_json::to_string(spec).unwrap().contains("test-jwt"));
    assert_eq!(spec.args[0], "run");
    assert!(spec.args.iter().any(|a| a == "--rm"));
}

#[test]
fn deploy_hero_books_plan() {
    // A fixed root so the snapshot is stable; planning does not touch it.
    let ctx = context(Path::new("/srv/hero"));
    let planned = plan_operation(
        &hero::catalog(),
        &ctx,
        &request(Operation::Deploy, "hero_books"),
    )
    .unwrap();
    assert_eq!(
        planned.services,
        ["hero_proc", "hero_router", "hero_embedder", "hero_books"]
    );
    let platform = hero_svc::forge::asset_name::host_platform();
    let tree = planned
        .plan
        .render(PlanFormat::Tree)
        .replace(&platform, "<platform>");
    insta::assert_snapshot!(tree);
}

async fn run_config_files(
    files: Vec<hero_svc::tasks::WriteFile>,
    store: &StateStore,
) -> Vec<TaskStatus> {
    let mut b = PlanBuilder::new();
    let keys: Vec<_> = files.into_iter().map(|f| b.add(f)).collect();
    let plan = b.build().unwrap();
    let report = Executor::new(ExecutorConfig::default(), store.clone())
        .run(&plan, RunRequest::new("config"))
        .await;
    keys.iter()
        .map(|k| report.task(k.as_str()).unwrap().status)
        .collect()
}

#[tokio::test]
async fn seeded_models_config_is_written_once_and_user_edits_stay() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let store = StateStore::in_memory().unwrap();
    let path = dir.path().join("var/hero_aibroker/modelsconfig.yml");

    let first = run_config_files(HeroAibroker.config_files(&ctx).unwrap(), &store).await;
    assert_eq!(first, [TaskStatus::Succeeded]);
    assert!(std::fs::read_to_string(&path).unwrap().contains("models:"));

    std::fs::write(&path, "models: [mine]\n").unwrap();
    let again = run_config_files(HeroAibroker.config_files(&ctx).unwrap(), &store).await;
    assert_eq!(again, [TaskStatus::UpToDate]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "models: [mine]\n");

    // Even without a record (another state store), an existing file is kept.
    let fresh_store = StateStore::in_memory().unwrap();
    run_config_files(HeroAibroker.config_files(&ctx).unwrap(), &fresh_store).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "models: [mine]\n");

    std::fs::remove_file(&path).unwrap();
    let reseeded = run_config_files(HeroAibroker.config_files(&ctx).unwrap(), &store).await;
    assert_eq!(reseeded, [TaskStatus::Succeeded]);
    assert!(path.exists());
}

#[tokio::test]
async fn livekit_keys_are_generated_once_and_kept() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path());
    let store = StateStore::in_memory().unwrap();
    let keys = dir.path().join("var/hero_livekit/keys.yaml");
    let config = dir.path().join("cfg/hero_livekit/livekit.yaml");

    run_config_files(HeroLivekit.config_files(&ctx).unwrap(), &store).await;
    let generated = std::fs::read_to_string(&keys).unwrap();
    let (key, secret) = generated.trim().split_once(": ").unwrap();
    assert!(key.starts_with("API"));
    assert_eq!(secret.len(), 64);
    let mode = std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let yaml = std::fs::read_to_string(&config).unwrap();
    assert!(
        yaml.contains(&format!("key_file: {}", keys.display())),
        "{yaml}"
    );
    assert!(
        !yaml.contains(secret),
        "the config does not hold the secret"
    );

    // Every later plan generates other candidate keys; the file keeps the first ones.
    let statuses = run_config_files(HeroLivekit.config_files(&ctx).unwrap(), &store).await;
    assert_eq!(statuses, [TaskStatus::UpToDate, TaskStatus::UpToDate]);
    assert_eq!(std::fs::read_to_string(&keys).unwrap(), generated);
}
