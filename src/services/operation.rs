//! [`Operation`]: what a user asks of services, and how it compiles into a plan.
//!
//! [`plan_operation`] turns a request into one [`Plan`]: the selected services (and, for
//! deploy and start, what they depend on) each add their tasks; the planner adds the edges
//! between services — a dependency's readiness before a dependent's start, a dependent's
//! stop before its dependency's stop.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Catalog, CatalogError, InstallMode, Selection, ServiceContext, ServiceError};
use crate::graph::PlanError;
use crate::lockfile::LockFile;
use crate::tasks::{Plan, PlanBuilder};
use crate::tasks::{TaskKey, WriteLock};

/// An operation on services.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Build from source and install.
    Build,
    /// Install (download or build, per `--mode`).
    Install,
    /// Start (dependencies first, each gated on the previous one's health).
    Start,
    /// Stop (dependents first).
    Stop,
    /// Stop, then start.
    Restart,
    /// Install a new version, restart on it, roll back if it is not healthy.
    Upgrade,
    /// Check the installed binaries.
    Verify,
    /// Stop and forget (and with `purge`, remove the binaries).
    Delete,
    /// Install what is not up to date, (re)start what changed or is not running, wait
    /// until healthy — dependencies first.
    Deploy,
    /// Pin the services to exact bytes in the lock file (or, with `check`, say whether
    /// that would change it).
    Lock,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 10] = [
        Operation::Build,
        Operation::Install,
        Operation::Start,
        Operation::Stop,
        Operation::Restart,
        Operation::Upgrade,
        Operation::Verify,
        Operation::Delete,
        Operation::Deploy,
        Operation::Lock,
    ];

    /// Its name (`deploy`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Build => "build",
            Operation::Install => "install",
            Operation::Start => "start",
            Operation::Stop => "stop",
            Operation::Restart => "restart",
            Operation::Upgrade => "upgrade",
            Operation::Verify => "verify",
            Operation::Delete => "delete",
            Operation::Deploy => "deploy",
            Operation::Lock => "lock",
        }
    }

    /// The options (by their RPC name) that mean something to it.
    pub fn accepts(self) -> &'static [&'static str] {
        match self {
            Operation::Build => &["version"],
            Operation::Install | Operation::Upgrade => {
                &["mode", "version", "locked", "strict", "lock_file"]
            }
            Operation::Verify => &["mode", "version", "locked", "lock_file"],
            Operation::Deploy => &[
                "mode",
                "version",
                "no_deps",
                "locked",
                "strict",
                "lock_file",
            ],
            Operation::Lock => &["mode", "version", "check", "lock_file"],
            Operation::Start => &["no_deps"],
            Operation::Stop => &["with_dependents"],
            Operation::Restart => &["with_dependents"],
            Operation::Delete => &["purge"],
        }
    }

    /// Whether it changes anything (and so takes the services' locks).
    pub fn is_mutating(self) -> bool {
        !matches!(self, Operation::Verify | Operation::Lock)
    }
}

impl std::str::FromStr for Operation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Operation::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown operation `{s}` ({})",
                    Operation::ALL.map(Operation::as_str).join(", ")
                )
            })
    }
}

/// Options of an operation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationOptions {
    /// Do not include the dependencies of the selected services (deploy, start).
    #[serde(default)]
    pub no_deps: bool,
    /// Also restart (or stop) the services that depend on the selected ones (restart,
    /// stop).
    #[serde(default)]
    pub with_dependents: bool,
    /// Also remove the binaries (delete).
    #[serde(default)]
    pub purge: bool,
    /// Install (or verify) exactly what the lock file pins (install, upgrade, deploy,
    /// verify).
    #[serde(default)]
    pub locked: bool,
    /// With `locked`: a source build whose bytes differ from the lock fails instead of
    /// warning.
    #[serde(default)]
    pub strict: bool,
    /// Only say whether the lock file would change (lock).
    #[serde(default)]
    pub check: bool,
    /// The lock file (default `$HERO_ROOT/cfg/hero_svc.lock`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_file: Option<PathBuf>,
}

impl OperationOptions {
    /// The lock file these options name: theirs, else `$HERO_ROOT/cfg/hero_svc.lock`.
    pub fn lock_path(&self, ctx: &ServiceContext) -> PathBuf {
        self.lock_file
            .clone()
            .unwrap_or_else(|| crate::lockfile::default_path(&ctx.paths))
    }
}

/// An operation, on a selection, with options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationRequest {
    /// What to do.
    pub operation: Operation,
    /// To which services.
    pub selection: Selection,
    /// How.
    pub options: OperationOptions,
}

/// The operation could not be planned. Nothing ran.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OperationError {
    /// A name is unknown or the catalog is broken.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A service could not plan its part.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The tasks do not form a valid plan.
    #[error("the plan is invalid")]
    Plan(#[from] PlanError),
    /// The lock file of a `--locked` operation is missing or unusable.
    #[error("{0}")]
    Lock(String),
}

/// A plan and the services it is about.
#[derive(Debug)]
pub struct PlannedOperation {
    /// The plan.
    pub plan: Plan,
    /// The services it touches, in dependency order.
    pub services: Vec<String>,
    /// What the run is given besides its plan, for its report: `lock_file` and
    /// `lock_sha256` when it obeys a lock file.
    pub inputs: std::collections::BTreeMap<String, String>,
}

/// Compiles `request` into a plan (see the module docs).
pub fn plan_operation(
    catalog: &Catalog,
    ctx: &ServiceContext,
    request: &OperationRequest,
) -> Result<PlannedOperation, OperationError> {
    let selected = catalog.select(&request.selection)?;
    let opts = &request.options;
    let mut plan = PlanBuilder::new();
    let locked_ctx;
    let mut inputs = std::collections::BTreeMap::new();
    let ctx = if opts.locked {
        let path = opts.lock_path(ctx);
        let lock = LockFile::read(&path).map_err(|e| OperationError::Lock(e.to_string()))?;
        if lock.catalog != catalog.name() {
            return Err(OperationError::Lock(format!(
                "{} locks the catalog {}, not {}; use --catalog {} or another --lock file",
                path.display(),
                lock.catalog,
                catalog.name(),
                lock.catalog
            )));
        }
        inputs.insert("lock_file".to_string(), path.display().to_string());
        inputs.insert("lock_sha256".to_string(), lock.digest());
        let mut c = ctx.clone();
        c.lock = Some((Arc::new(lock), path));
        c.strict = opts.strict;
        locked_ctx = c;
        &locked_ctx
    } else {
        ctx
    };
    let services = match request.operation {
        Operation::Deploy | Operation::Start => {
            let services = if opts.no_deps {
                catalog
                    .with_dependencies(&selected)?
                    .into_iter()
                    .filter(|s| selected.contains(s))
                    .collect()
            } else {
                catalog.with_dependencies(&selected)?
            };
            let install = request.operation == Operation::Deploy;
            let mut ctx = ctx.clone();
            ctx.starts_after_install = install;
            add_starts(catalog, &ctx, &mut plan, &services, install, &[])?;
            services
        }
        Operation::Install | Operation::Build => {
            let mut ctx = ctx.clone();
            if request.operation == Operation::Build {
                ctx.mode = Some(InstallMode::Source);
            }
            for name in &selected {
                let svc = catalog.get(name)?;
                plan.in_group(name, |p| svc.add_install(&ctx, p))?;
            }
            selected
        }
        Operation::Stop => {
            let mut targets = selected.clone();
            if opts.with_dependents {
                for d in catalog.dependents_of(&selected) {
                    if !targets.contains(&d) {
                        targets.push(d);
                    }
                }
            }
            let ordered = catalog.with_dependencies(&targets)?;
            add_stops(catalog, ctx, &mut plan, &ordered, &targets)?;
            ordered
                .into_iter()
                .filter(|s| targets.contains(s))
                .collect()
        }
        Operation::Delete => {
            let ordered = catalog.with_dependencies(&selected)?;
            let stops = add_stops(catalog, ctx, &mut plan, &ordered, &selected)?;
            for name in &selected {
                let svc = catalog.get(name)?;
                let keys = plan.in_group(name, |p| svc.add_delete(ctx, p, opts.purge))?;
                for k in &keys {
                    for s in stops.values().flatten() {
                        plan.edge(s, k);
                    }
                }
            }
            selected
        }
        Operation::Restart => {
            let mut targets = selected.clone();
            if opts.with_dependents {
                targets.extend(catalog.dependents_of(&selected));
            }
            let ordered: Vec<String> = catalog
                .with_dependencies(&targets)?
                .into_iter()
                .filter(|s| targets.contains(s))
                .collect();
            let stops = add_stops(catalog, ctx, &mut plan, &ordered, &ordered)?;
            let all_stops: Vec<TaskKey> = stops.values().flatten().cloned().collect();
            let mut ctx = ctx.clone();
            ctx.starts_after_install = false;
            add_starts(catalog, &ctx, &mut plan, &ordered, false, &all_stops)?;
            ordered
        }
        Operation::Upgrade => {
            for name in &selected {
                let svc = catalog.get(name)?;
                plan.in_group(name, |p| svc.add_upgrade(ctx, p, &[]))?;
            }
            selected
        }
        Operation::Verify => {
            for name in &selected {
                let svc = catalog.get(name)?;
                plan.in_group(name, |p| svc.add_verify(ctx, p))?;
            }
            selected
        }
        Operation::Lock => {
            let staging = ctx
                .paths
                .state_dir()
                .join("lock-staging")
                .join(uuid::Uuid::now_v7().to_string());
            let mut sources = Vec::new();
            for name in &selected {
                let svc = catalog.get(name)?;
                if let Some(source) = plan.in_group(name, |p| svc.add_lock(ctx, p, &staging))? {
                    sources.push((name.clone(), source));
                }
            }
            let inputs: Vec<TaskKey> = sources.iter().flat_map(|(_, s)| s.tasks()).collect();
            let path = opts.lock_path(ctx);
            // The file has its own line in the progress, under its name.
            let group = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "lock file".to_string());
            let write = WriteLock {
                path,
                catalog: catalog.name().to_string(),
                services: sources,
                merge: request.selection != Selection::All,
                check: opts.check,
                staging: Some(staging),
            };
            plan.in_group(&group, |p| p.add_after(write, inputs.iter()));
            selected
        }
    };
    Ok(PlannedOperation {
        plan: plan.build()?,
        services,
        inputs,
    })
}

/// Starts `services` (in dependency order), each after its installs (with `install`), the
/// readiness of its dependencies in the plan, and `after`.
fn add_starts(
    catalog: &Catalog,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    services: &[String],
    install: bool,
    after: &[TaskKey],
) -> Result<(), OperationError> {
    let mut ready: HashMap<String, TaskKey> = HashMap::new();
    for name in services {
        let svc = catalog.get(name)?;
        let mut before: Vec<TaskKey> = after.to_vec();
        if install {
            before.extend(plan.in_group(name, |p| svc.add_install(ctx, p))?);
        }
        for dep in svc.dependencies() {
            if let Some(k) = ready.get(&dep) {
                before.push(k.clone());
            }
        }
        let key = plan.in_group(name, |p| svc.add_start(ctx, p, &before))?;
        ready.insert(name.clone(), key);
    }
    Ok(())
}

/// Stops `targets`; `ordered` lists them (and possibly more) dependencies first. Every stop
/// of a service comes after every stop of the services that depend on it.
fn add_stops(
    catalog: &Catalog,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    ordered: &[String],
    targets: &[String],
) -> Result<HashMap<String, Vec<TaskKey>>, OperationError> {
    let mut stops: HashMap<String, Vec<TaskKey>> = HashMap::new();
    for name in ordered.iter().filter(|n| targets.contains(n)) {
        let svc = catalog.get(name)?;
        stops.insert(name.clone(), plan.in_group(name, |p| svc.add_stop(ctx, p))?);
    }
    for name in stops.keys() {
        let svc = catalog.get(name)?;
        for dep in transitive_deps(catalog, &svc.dependencies())? {
            if let Some(dep_stops) = stops.get(&dep) {
                for a in &stops[name] {
                    for b in dep_stops {
                        plan.edge(a, b);
                    }
                }
            }
        }
    }
    Ok(stops)
}

fn transitive_deps(catalog: &Catalog, deps: &[String]) -> Result<Vec<String>, CatalogError> {
    catalog.with_dependencies(deps)
}
