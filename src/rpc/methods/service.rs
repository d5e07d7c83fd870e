//! `service.*`: the services of a catalog — what they are, how they are doing, and the
//! operations that change them (each compiled into a plan and run by the executor).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::daemon::{Daemon, DaemonError, Freshness, HealthView};
use crate::forge::ForgeToken;
use crate::graph::{ExecutionReport, PlanFormat, RunStatus};
use crate::health::ProbeResult;
use crate::rpc::jsonrpc::{RpcError, codes};
use crate::services::{
    Catalog, CatalogError, InstallMode, Operation, OperationError, OperationOptions,
    OperationRequest, Selection, Service, ServiceContext, ServiceError, plan_operation,
};
use crate::supervisor::{ProcessState, ProcessStatus, Supervisor, SupervisorError};

/// Maps a catalog error to its JSON-RPC error.
pub fn catalog_error(e: CatalogError) -> RpcError {
    let code = match &e {
        CatalogError::UnknownService { .. } => codes::UNKNOWN_SERVICE,
        CatalogError::UnknownGroup { .. } => codes::UNKNOWN_GROUP,
        CatalogError::UnknownCatalog { .. } => codes::INVALID_PARAMS,
        _ => codes::INTERNAL_ERROR,
    };
    RpcError::new(code, e.to_string())
}

fn operation_error(e: OperationError) -> RpcError {
    match e {
        OperationError::Catalog(c) => catalog_error(c),
        OperationError::Service(s @ ServiceError::MissingSecret { .. }) => {
            RpcError::new(codes::INVALID_PARAMS, s.to_string())
        }
        OperationError::Service(s) => RpcError::new(codes::INVALID_PARAMS, s.to_string()),
        OperationError::Lock(l) => RpcError::new(codes::INVALID_PARAMS, l),
        OperationError::Plan(p) => RpcError::new(
            codes::INVALID_PLAN,
            format!("the operation compiled into an invalid plan: {p}"),
        ),
    }
}

fn daemon_error(e: DaemonError) -> RpcError {
    RpcError::internal(
        crate::tasks::TaskError::with_source("daemon failure", e)
            .chain()
            .join(": "),
    )
}

fn supervisor_error(e: SupervisorError) -> RpcError {
    RpcError::internal(format!("the supervisor failed: {e}"))
}

/// Which services: `name`, `services`, `group` or `all` (exactly one).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationParams {
    /// One service.
    #[serde(default)]
    pub name: Option<String>,
    /// Several services.
    #[serde(default)]
    pub services: Vec<String>,
    /// A group of the catalog.
    #[serde(default)]
    pub group: Option<String>,
    /// Every service of the catalog.
    #[serde(default)]
    pub all: bool,
    /// The catalog (the daemon's default when absent).
    #[serde(default)]
    pub catalog: Option<String>,
    /// `download` or `source`.
    #[serde(default)]
    pub mode: Option<InstallMode>,
    /// A release tag or a git ref.
    #[serde(default)]
    pub version: Option<String>,
    /// Wait for the end and return the report (default), or return the execution id at
    /// once.
    #[serde(default = "yes")]
    pub wait: bool,
    /// Leave the dependencies out (deploy, start).
    #[serde(default)]
    pub no_deps: bool,
    /// Also restart what depends on the services (restart).
    #[serde(default)]
    pub with_dependents: bool,
    /// Also remove the binaries (delete).
    #[serde(default)]
    pub purge: bool,
    /// Install (or verify) exactly what the lock file pins (install, upgrade, deploy,
    /// verify).
    #[serde(default)]
    pub locked: bool,
    /// With `locked`: a source build with other bytes than the lock's fails.
    #[serde(default)]
    pub strict: bool,
    /// Only say whether the lock file would change (lock).
    #[serde(default)]
    pub check: bool,
    /// The lock file, an absolute path (default `$HERO_ROOT/cfg/hero_svc.lock`).
    #[serde(default)]
    pub lock_file: Option<std::path::PathBuf>,
    /// The forge for this call (`FORGE_URL` of the caller); the daemon's when absent.
    #[serde(default)]
    pub forge_url: Option<String>,
    /// The forge token for this call (`FORGE_TOKEN` of the caller); the daemon's when
    /// absent. Never logged or stored.
    #[serde(default)]
    pub forge_token: Option<ForgeToken>,
}

fn yes() -> bool {
    true
}

impl OperationParams {
    fn selection(&self) -> Result<Selection, RpcError> {
        let mut names = self.services.clone();
        names.extend(self.name.clone());
        match (names.is_empty(), &self.group, self.all) {
            (false, None, false) => Ok(Selection::Services(names)),
            (true, Some(g), false) => Ok(Selection::Group(g.clone())),
            (true, None, true) => Ok(Selection::All),
            _ => Err(RpcError::invalid_params(
                "say which services: `services` (or `name`), a `group`, or `all: true` — exactly one",
            )),
        }
    }

    /// Refuses the options that mean nothing to `operation` (`purge` on a stop), naming the
    /// operations they belong to.
    fn check_options(&self, operation: Operation) -> Result<(), RpcError> {
        // A build is a source install: `--mode source` only says so again.
        let redundant_mode =
            operation == Operation::Build && self.mode == Some(InstallMode::Source);
        let given = [
            ("mode", self.mode.is_some() && !redundant_mode),
            ("version", self.version.is_some()),
            ("no_deps", self.no_deps),
            ("with_dependents", self.with_dependents),
            ("purge", self.purge),
            ("locked", self.locked),
            ("strict", self.strict),
            ("check", self.check),
            ("lock_file", self.lock_file.is_some()),
        ];
        for (option, set) in given {
            if set && !operation.accepts().contains(&option) {
                let owners: Vec<&str> = Operation::ALL
                    .iter()
                    .filter(|o| o.accepts().contains(&option))
                    .map(|o| o.as_str())
                    .collect();
                return Err(RpcError::invalid_params(format!(
                    "`{option}` (--{}) is not an option of {}; it belongs to {}",
                    option.replace('_', "-"),
                    operation.as_str(),
                    owners.join(", ")
                )));
            }
        }
        if self.strict && !self.locked {
            return Err(RpcError::invalid_params(
                "`strict` (--strict) only means something with `locked` (--locked)",
            ));
        }
        if let Some(path) = &self.lock_file
            && !path.is_absolute()
        {
            return Err(RpcError::invalid_params(format!(
                "`lock_file` must be an absolute path, not {}",
                path.display()
            )));
        }
        Ok(())
    }

    fn request(&self, operation: Operation) -> Result<OperationRequest, RpcError> {
        self.check_options(operation)?;
        Ok(OperationRequest {
            operation,
            selection: self.selection()?,
            options: OperationOptions {
                no_deps: self.no_deps,
                with_dependents: self.with_dependents,
                purge: self.purge,
                locked: self.locked,
                strict: self.strict,
                check: self.check,
                lock_file: self.lock_file.clone(),
            },
        })
    }
}

async fn context(daemon: &Daemon, p: &OperationParams) -> Result<ServiceContext, RpcError> {
    let mut ctx = daemon.service_context().await.map_err(daemon_error)?;
    ctx.mode = p.mode;
    ctx.version = p.version.clone();
    if let Some(url) = &p.forge_url {
        ctx.forge = ctx.forge.clone().base_url(url).map_err(|e| {
            RpcError::invalid_params(format!(
                "forge_url (FORGE_URL) {url:?} is not usable: {}",
                crate::tasks::TaskError::with_source("", e).chain()[1..].join(": ")
            ))
        })?;
        ctx.forge_problem = None;
    }
    if let Some(token) = &p.forge_token {
        ctx.forge.token = Some(token.clone());
    }
    Ok(ctx)
}

/// Plans and runs `operation`; with `wait`, returns the report (or the operation-failed
/// error carrying it), else the execution id.
pub async fn run_operation(
    daemon: Arc<Daemon>,
    operation: Operation,
    p: OperationParams,
) -> Result<Value, RpcError> {
    let ctx = context(&daemon, &p).await?;
    let request = p.request(operation)?;
    let started = daemon
        .start_operation(p.catalog.as_deref(), &ctx, &request)
        .map_err(operation_error)?;
    let (execution, services) = (started.execution, started.services);
    if !p.wait {
        return Ok(json!({
            "execution_id": execution.id(),
            "operation": operation.as_str(),
            "services": services,
        }));
    }
    let report = execution.wait().await;
    let data = serde_json::to_value(&report)
        .map_err(|e| RpcError::internal(format!("could not encode the report: {e}")))?;
    match report.status {
        RunStatus::Succeeded => Ok(data),
        RunStatus::Failed => {
            let first = report
                .failed()
                .next()
                .map(|t| format!(": {} — {}", t.label, t.error.join(": ")))
                .unwrap_or_default();
            Err(RpcError::new(
                codes::OPERATION_FAILED,
                format!("{} failed{first}", operation.as_str()),
            )
            .with_data(data))
        }
        RunStatus::Cancelled | RunStatus::Interrupted => Err(RpcError::new(
            codes::CANCELLED,
            format!("{} was cancelled", operation.as_str()),
        )
        .with_data(data)),
    }
}

macro_rules! operation_methods {
    ($($fn_name:ident => $op:expr),* $(,)?) => {
        $(
            #[doc = concat!("`service.", stringify!($fn_name), "`.")]
            pub async fn $fn_name(daemon: Arc<Daemon>, p: OperationParams) -> Result<Value, RpcError> {
                run_operation(daemon, $op, p).await
            }
        )*
    };
}

operation_methods! {
    build => Operation::Build,
    install => Operation::Install,
    start => Operation::Start,
    stop => Operation::Stop,
    restart => Operation::Restart,
    upgrade => Operation::Upgrade,
    verify => Operation::Verify,
    delete => Operation::Delete,
    deploy => Operation::Deploy,
    lock => Operation::Lock,
}

/// Params of `service.plan`.
#[derive(Debug, Deserialize)]
pub struct PlanParams {
    /// The operation to plan.
    pub operation: Operation,
    /// Also render it (`tree`, `dot`).
    #[serde(default)]
    pub format: Option<String>,
    /// Which services, and the operation's options.
    #[serde(flatten)]
    pub target: PlanTarget,
}

/// `service.plan`'s selection and options (like the operation's, without `wait`).
#[derive(Debug, Default, Deserialize)]
pub struct PlanTarget {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    all: bool,
    #[serde(default)]
    catalog: Option<String>,
    #[serde(default)]
    mode: Option<InstallMode>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    no_deps: bool,
    #[serde(default)]
    with_dependents: bool,
    #[serde(default)]
    purge: bool,
    #[serde(default)]
    locked: bool,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    check: bool,
    #[serde(default)]
    lock_file: Option<std::path::PathBuf>,
    #[serde(default)]
    forge_url: Option<String>,
    #[serde(default)]
    forge_token: Option<ForgeToken>,
}

/// `service.plan`: the DAG an operation would run; nothing is executed.
pub async fn plan(daemon: Arc<Daemon>, p: PlanParams) -> Result<Value, RpcError> {
    let t = p.target;
    let params = OperationParams {
        name: t.name,
        services: t.services,
        group: t.group,
        all: t.all,
        catalog: t.catalog,
        mode: t.mode,
        version: t.version,
        wait: true,
        no_deps: t.no_deps,
        with_dependents: t.with_dependents,
        purge: t.purge,
        locked: t.locked,
        strict: t.strict,
        check: t.check,
        lock_file: t.lock_file,
        forge_url: t.forge_url,
        forge_token: t.forge_token,
    };
    let catalog = daemon
        .catalog(params.catalog.as_deref())
        .map_err(catalog_error)?;
    let ctx = context(&daemon, &params).await?;
    let planned =
        plan_operation(catalog, &ctx, &params.request(p.operation)?).map_err(operation_error)?;
    let rendered = match p.format.as_deref() {
        None | Some("json") => None,
        Some(f) => Some(
            planned
                .plan
                .render(f.parse::<PlanFormat>().map_err(RpcError::invalid_params)?),
        ),
    };
    Ok(json!({
        "operation": p.operation.as_str(),
        "services": planned.services,
        "plan": planned.plan.to_json(),
        "rendered": rendered,
    }))
}

/// A process as the API shows it.
#[derive(Debug, Serialize)]
pub struct ProcessView {
    /// Its name.
    pub name: String,
    /// `running`, `stopped`, `exited`, `backoff`, `failed`, `starting`, or `unknown` when
    /// the supervisor never saw it.
    pub state: String,
    /// Its pid while it runs.
    pub pid: Option<u32>,
    /// How long it has been running.
    pub uptime_ms: Option<u64>,
    /// Automatic restarts since it was last started on request.
    pub restart_count: u32,
    /// How its previous instance ended.
    pub last_exit: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Its last log lines, when it failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub last_log_lines: Vec<String>,
    /// Why it is not running, or what is wrong while it runs; for people.
    pub reason: Option<String>,
    /// What is wrong around it although it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn ms(d: Option<Duration>) -> Option<u64> {
    d.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl ProcessView {
    fn of(s: ProcessStatus) -> Self {
        let reason = reason_of(&s);
        Self {
            name: s.name,
            state: s.state.as_str().to_string(),
            pid: s.pid,
            uptime_ms: ms(s.uptime),
            restart_count: s.restart_count,
            last_exit: s.last_exit.map(|e| e.to_string()),
            error: s.error,
            last_log_lines: s.last_log_lines,
            reason,
            warnings: s.warnings,
        }
    }

    fn unknown(name: &str) -> Self {
        Self {
            name: name.to_string(),
            state: "unknown".to_string(),
            pid: None,
            uptime_ms: None,
            restart_count: 0,
            last_exit: None,
            error: None,
            last_log_lines: Vec::new(),
            reason: Some("not registered with the supervisor (never started)".to_string()),
            warnings: Vec::new(),
        }
    }
}

/// Why a process is not running, or what is wrong while it runs: the supervisor's reason
/// first, then what its state and last exit say.
fn reason_of(s: &ProcessStatus) -> Option<String> {
    let exit = s.last_exit.map(|e| e.to_string());
    match s.state {
        ProcessState::Running | ProcessState::Starting => {
            (!s.warnings.is_empty()).then(|| s.warnings.join("; "))
        }
        ProcessState::Backoff => Some(match (&s.error, &exit, s.backoff) {
            (Some(e), _, _) => e.clone(),
            (None, Some(x), Some(d)) => format!(
                "{x}; restarting in {:.1}s (restart {})",
                d.as_secs_f64(),
                s.restart_count + 1
            ),
            (None, Some(x), None) => format!("{x}; restarting"),
            _ => "restarting".to_string(),
        }),
        ProcessState::Failed => s.error.clone().or(exit),
        ProcessState::Exited => exit.map(|x| format!("{x} (not restarted by its policy)")),
        ProcessState::Stopped => exit.map(|x| format!("stopped; its last instance: {x}")),
    }
}

/// A service's status.
#[derive(Debug, Serialize)]
pub struct ServiceStatus {
    /// The service.
    pub name: String,
    /// `running` (every process runs), `stopped`, `failed`, `partial`, or `not started`.
    pub state: String,
    /// Its processes.
    pub processes: Vec<ProcessView>,
    /// Its health: the last probe (made now when the last is more than a few seconds old).
    pub health: HealthView,
    /// Whether its installed binaries are the bytes installed and the newest release (from
    /// what the daemon knows now: it never waits on the forge here).
    pub freshness: Freshness,
}

/// The state of each process `svc` runs (its identity comes from its processes, not from
/// the binaries it ships).
pub(crate) async fn status_of(
    daemon: &Daemon,
    svc: &dyn Service,
) -> Result<ServiceStatus, RpcError> {
    let shape = daemon.service_shape(svc);
    let mut processes = Vec::new();
    for name in &shape.process_names {
        processes.push(match daemon.supervisor().status(name).await {
            Ok(s) => ProcessView::of(s),
            Err(SupervisorError::UnknownProcess { .. }) => ProcessView::unknown(name),
            Err(e) => return Err(supervisor_error(e)),
        });
    }
    let running = processes
        .iter()
        .filter(|p| p.state == ProcessState::Running.as_str())
        .count();
    let state = if processes.is_empty() {
        "not started"
    } else if running == processes.len() {
        "running"
    } else if processes
        .iter()
        .any(|p| p.state == ProcessState::Failed.as_str())
    {
        "failed"
    } else if running > 0 {
        "partial"
    } else if processes.iter().all(|p| p.state == "unknown") {
        "not started"
    } else {
        "stopped"
    };
    // Health is asked of what runs: the probe's verdict, with the youngest server's
    // uptime to tell a service still starting from one that stopped answering.
    let uptime = processes
        .iter()
        .filter(|p| p.state == ProcessState::Running.as_str())
        .filter_map(|p| p.uptime_ms)
        .min()
        .map(Duration::from_millis);
    let health = daemon
        .health()
        .view(svc.name(), shape.probe.as_ref(), uptime, shape.grace)
        .await;
    let freshness = daemon.freshness(svc).await;
    Ok(ServiceStatus {
        name: svc.name().to_string(),
        state: state.to_string(),
        processes,
        health,
        freshness,
    })
}

/// Params naming services (all of them when empty).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamesParams {
    /// One service.
    #[serde(default)]
    pub name: Option<String>,
    /// Several services.
    #[serde(default)]
    pub services: Vec<String>,
    /// The catalog.
    #[serde(default)]
    pub catalog: Option<String>,
}

fn selected<'c>(
    catalog: &'c Catalog,
    p: &NamesParams,
) -> Result<Vec<&'c Arc<dyn Service>>, RpcError> {
    let mut names = p.services.clone();
    names.extend(p.name.clone());
    if names.is_empty() {
        return Ok(catalog.services().iter().collect());
    }
    names
        .iter()
        .map(|n| catalog.get(n).map_err(catalog_error))
        .collect()
}

/// `service.list`: every service of the catalog, with its state.
pub async fn list(daemon: Arc<Daemon>, p: NamesParams) -> Result<Vec<Value>, RpcError> {
    let catalog = daemon
        .catalog(p.catalog.as_deref())
        .map_err(catalog_error)?;
    let services = selected(catalog, &p)?;
    let statuses =
        futures::future::try_join_all(services.iter().map(|svc| status_of(&daemon, svc.as_ref())))
            .await?;
    let mut out = Vec::new();
    for (svc, status) in services.into_iter().zip(statuses) {
        // The version of the first binary that is installed (a service with none has none).
        let installed = svc
            .binaries()
            .iter()
            .find_map(|b| daemon.store().installed(&b.name).ok().flatten())
            .map(|r| r.version);
        out.push(json!({
            "name": svc.name(),
            "description": svc.description(),
            "dependencies": svc.dependencies(),
            "binaries": svc.binaries().into_iter().map(|b| b.name).collect::<Vec<_>>(),
            "state": status.state,
            "installed_version": installed,
        }));
    }
    Ok(out)
}

/// `service.status`: the state of each process of the services (all when none named).
pub async fn status(daemon: Arc<Daemon>, p: NamesParams) -> Result<Vec<ServiceStatus>, RpcError> {
    let catalog = daemon
        .catalog(p.catalog.as_deref())
        .map_err(catalog_error)?;
    let services = selected(catalog, &p)?;
    // Concurrently: a service whose probe hangs costs its probe's timeout once, not once
    // per service.
    futures::future::try_join_all(services.iter().map(|svc| status_of(&daemon, svc.as_ref()))).await
}

/// Params naming one service.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameParams {
    /// The service.
    pub name: String,
    /// The catalog.
    #[serde(default)]
    pub catalog: Option<String>,
    /// Log lines (`service.logs`, `service.troubleshoot`).
    #[serde(default)]
    pub lines: Option<usize>,
}

fn one<'c>(daemon: &'c Daemon, p: &NameParams) -> Result<&'c Arc<dyn Service>, RpcError> {
    daemon
        .catalog(p.catalog.as_deref())
        .and_then(|c| c.get(&p.name))
        .map_err(catalog_error)
}

/// How long `service.inspect` waits for a freshness not known yet (a release never checked).
pub const INSPECT_FRESHNESS_WAIT: Duration = Duration::from_secs(5);

/// `service.inspect`: what the service is, how it runs, and how it is doing; its freshness
/// settled first (its binaries hashed if they changed, a first release check waited for,
/// at most [`INSPECT_FRESHNESS_WAIT`]).
pub async fn inspect(daemon: Arc<Daemon>, p: NameParams) -> Result<Value, RpcError> {
    let svc = one(&daemon, &p)?;
    daemon
        .settled_freshness(svc.as_ref(), INSPECT_FRESHNESS_WAIT)
        .await;
    inspect_now(daemon.clone(), p).await
}

/// [`inspect`] with the freshness known now (what a page shows without waiting).
pub async fn inspect_now(daemon: Arc<Daemon>, p: NameParams) -> Result<Value, RpcError> {
    let svc = one(&daemon, &p)?;
    let ctx = daemon.service_context().await.map_err(daemon_error)?;
    let source = svc.source();
    let specs = svc
        .processes(&ctx)
        .map_err(|e| RpcError::invalid_params(e.to_string()))?;
    let specs = crate::services::hero_shape::with_ports(svc.as_ref(), specs);
    // What its processes really listen on, not what a Hero-shaped service would.
    let mut sockets: Vec<&std::path::Path> = Vec::new();
    let mut ports = svc.ports();
    for spec in &specs {
        sockets.extend(spec.sockets.iter().map(|s| s.as_path()));
        ports.extend(spec.tcp_ports.iter().copied());
    }
    sockets.dedup();
    ports.sort_unstable();
    ports.dedup();
    let source_view = if source.is_none() {
        Value::Null
    } else {
        json!({
            "owner": source.owner,
            "repo": source.repo,
            "git_url": source.git_url_on(ctx.forge.base_url.as_str()),
            "git_ref": source.git_ref.to_string(),
            "cargo": source.cargo,
        })
    };
    let processes: Vec<Value> = specs
        .iter()
        .map(|s| {
            json!({
                "name": &s.name,
                "executable": &s.executable,
                "args": &s.args,
                // Values may be secrets: names only.
                "env": s.env.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
                "sockets": &s.sockets,
                "tcp_ports": &s.tcp_ports,
            })
        })
        .collect();
    // Provenance: each installed binary with what the lock file (if there is one) pins.
    let lock_path = crate::lockfile::default_path(&ctx.paths);
    let lock = crate::lockfile::LockFile::read(&lock_path).ok();
    let pin = lock.as_ref().and_then(|l| l.services.get(svc.name()));
    let installed: Vec<Value> = svc
        .binaries()
        .iter()
        .filter_map(|b| daemon.store().installed(&b.name).ok().flatten())
        .map(|r| {
            let mut v = serde_json::to_value(&r).unwrap_or(Value::Null);
            let locked = pin.and_then(|p| p.sha256_of(&r.binary).map(|sha| (p, sha)));
            if let (Some(map), Some((p, sha))) = (v.as_object_mut(), locked) {
                map.insert(
                    "lock".to_string(),
                    json!({
                        "file": &lock_path,
                        "pins": p.pin(),
                        "sha256": sha,
                        "matches": sha == r.sha256,
                    }),
                );
            }
            v
        })
        .collect();
    Ok(json!({
        "name": svc.name(),
        "description": svc.description(),
        "source": source_view,
        "install_policy": svc.install_policy(),
        "binaries": svc.binaries(),
        "dependencies": svc.dependencies(),
        "sockets": sockets,
        "ports": ports,
        "processes": processes,
        "health_probe": svc.health_probe(&ctx).map(|p| p.target()),
        "installed": installed,
        "status": status_of(&daemon, svc.as_ref()).await?,
    }))
}

/// `service.health`: one probe, now.
pub async fn health(daemon: Arc<Daemon>, p: NameParams) -> Result<Value, RpcError> {
    let svc = one(&daemon, &p)?;
    let ctx = daemon.base_context();
    let Some(probe) = svc.health_probe(&ctx) else {
        let status = status_of(&daemon, svc.as_ref()).await?;
        return Ok(json!({
            "name": svc.name(),
            "probe": null,
            "healthy": status.state == "running",
            "detail": format!("no health probe; the service is {}", status.state),
        }));
    };
    let r: ProbeResult = probe.check().await;
    daemon.health().record(svc.name(), &r);
    Ok(json!({
        "name": svc.name(),
        "probe": probe.target(),
        "healthy": r.healthy,
        "status": r.status,
        "latency_ms": (r.latency.as_micros() as f64) / 1000.0,
        "detail": r.detail,
        "snippet": r.snippet,
    }))
}

/// `service.logs`: the last lines of each of the service's processes.
pub async fn logs(daemon: Arc<Daemon>, p: NameParams) -> Result<Value, RpcError> {
    let svc = one(&daemon, &p)?;
    let lines = p.lines.unwrap_or(100).min(10_000);
    let mut out = Vec::new();
    for name in daemon.service_shape(svc.as_ref()).process_names.iter() {
        let l = match daemon.supervisor().logs(name, lines).await {
            Ok(l) => l,
            Err(SupervisorError::UnknownProcess { .. }) => Vec::new(),
            Err(e) => return Err(supervisor_error(e)),
        };
        out.push(json!({ "process": name, "lines": l }));
    }
    Ok(json!({ "name": svc.name(), "processes": out }))
}

/// `service.troubleshoot`: status, recent operations, the log tail and the last failed
/// report, in one answer.
pub async fn troubleshoot(daemon: Arc<Daemon>, p: NameParams) -> Result<Value, RpcError> {
    let svc = one(&daemon, &p)?.clone();
    let status = status_of(&daemon, svc.as_ref()).await?;
    // A process can run and not answer (stopped with SIGSTOP, deadlocked): probe now.
    let health_now = health(
        daemon.clone(),
        NameParams {
            name: p.name.clone(),
            catalog: p.catalog.clone(),
            lines: None,
        },
    )
    .await?;
    let logs = logs(
        daemon.clone(),
        NameParams {
            name: p.name.clone(),
            catalog: p.catalog.clone(),
            lines: Some(p.lines.unwrap_or(50)),
        },
    )
    .await?;
    let ops = daemon
        .store()
        .recent_ops(svc.name(), 10)
        .map_err(|e| RpcError::internal(e.to_string()))?;
    let last_failed = ops
        .iter()
        .filter(|op| op.result == RunStatus::Failed.as_str())
        .find_map(|op| op.report_id)
        .and_then(|id| ExecutionReport::load(daemon.store(), &id).ok().flatten())
        .and_then(|r| serde_json::to_value(r).ok())
        .unwrap_or(Value::Null);
    let recent: Vec<Value> = ops
        .iter()
        .map(|op| {
            json!({
                "run_id": op.report_id,
                "operation": op.operation,
                "status": op.result,
                "started_at": op.started_at,
                "duration_ms": op.duration_ms,
                "error": op.error,
            })
        })
        .collect();
    Ok(json!({
        "name": svc.name(),
        "status": status,
        "health": health_now,
        "recent_operations": recent,
        "logs": logs["processes"],
        "last_failed_report": last_failed,
    }))
}
