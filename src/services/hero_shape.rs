//! The common Hero shape: the default behaviour of [`Service`], as plain functions a
//! service with a quirk can also call from its own overrides.
//!
//! - environment: `HERO_ROOT`, `PATH_SOCKET` (and the legacy `HERO_SOCKET_DIR`),
//!   `RUST_LOG=info`, `HOME`, `PATH` — nothing else is inherited;
//! - processes: each server binary runs as `<bin> --socket <rpc.sock>`, each admin binary
//!   as `<bin> --hero-socket <rpc.sock> --socket <admin.sock>`; CLIs are not run;
//! - install: `resolve release → download → verify ELF → install` per binary (one resolve
//!   per repository), or `checkout → cargo build (all binaries at once) → verify → install`;
//!   for the `download or source` policy without `--mode`, the source way is a dormant
//!   fallback that builds only if the release cannot be had;
//! - start: write config files, register each process, start the servers after the
//!   installs and the dependencies' readiness, wait until healthy, then start the admins;
//! - stop: admins before servers; restart: stop, then start; upgrade: install, then a
//!   verified restart that rolls back; verify: check each binary (against the newest
//!   release in download mode); delete: stop, forget, optionally remove the binaries;
//! - release feed: in download mode, the release of the service's repository an upgrade
//!   would install (what the installed binaries are compared with).

use super::{
    BinaryRole, InstallMode, InstallPolicy, ReleaseFeed, Service, ServiceContext, ServiceError,
};
use crate::forge::{ForgeConfig, ReleaseSource, ReleaseVersion};
use crate::lockfile::LockedService;
use crate::recipes::{
    Pinned, ReleaseInstall, SourceInstall, add_release_fetch, add_release_install_pinned,
    add_release_install_with_source_fallback, add_source_build, add_source_install_pinned,
};
use crate::supervisor::ProcessSpec;
use crate::tasks::PlanBuilder;
use crate::tasks::{
    GitRef, LockSource, RegisterProcess, RemoveBinary, RemoveProcess, ResolveRelease,
    RestartVerified, StartProcess, StopProcess, SystemBinary, TaskKey, VerifyBinary, VerifyElf,
    WaitHealthy,
};

/// The base environment of every Hero process.
pub fn base_env(ctx: &ServiceContext) -> Vec<(String, String)> {
    let sockets = ctx.paths.sockets.display().to_string();
    let mut env = vec![
        (
            "HERO_ROOT".to_string(),
            ctx.paths.root.display().to_string(),
        ),
        ("PATH_SOCKET".to_string(), sockets.clone()),
        ("HERO_SOCKET_DIR".to_string(), sockets),
        ("RUST_LOG".to_string(), "info".to_string()),
    ];
    for name in ["HOME", "PATH"] {
        if let Some(v) = std::env::var_os(name) {
            env.push((name.to_string(), v.to_string_lossy().into_owned()));
        }
    }
    env
}

/// Checks that every secret of `svc`'s processes is set (in the env file, else the
/// daemon's environment): operations that start a service call it, so a missing secret
/// fails the operation before anything runs. Stopping, status and delete never need one.
pub fn check_secrets<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
) -> Result<(), ServiceError> {
    for spec in svc.processes(ctx)? {
        for s in &spec.secrets {
            let set = ctx
                .env_file
                .get(&s.secret)
                .map(str::to_string)
                .or_else(|| std::env::var(&s.secret).ok())
                .is_some_and(|v| !v.is_empty());
            if !set {
                return Err(ServiceError::MissingSecret {
                    service: svc.name().to_string(),
                    name: s.secret.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The Hero way of running a service's server and admin binaries.
pub fn processes<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
) -> Result<Vec<ProcessSpec>, ServiceError> {
    let env = svc.env(ctx)?;
    let rpc = svc.rpc_socket(ctx);
    let admin = svc.admin_socket(ctx);
    let mut out = Vec::new();
    for bin in svc.binaries() {
        let exe = bin.installed_path(&ctx.paths);
        let spec = match bin.role {
            BinaryRole::Cli => continue,
            BinaryRole::Server => ProcessSpec::new(&bin.name, exe)
                .args(["--socket".to_string(), rpc.display().to_string()])
                .socket(&rpc),
            BinaryRole::Admin => ProcessSpec::new(&bin.name, exe)
                .args([
                    "--hero-socket".to_string(),
                    rpc.display().to_string(),
                    "--socket".to_string(),
                    admin.display().to_string(),
                ])
                .socket(&admin),
        };
        let mut spec = spec.working_dir(ctx.paths.root.clone());
        for (k, v) in &env {
            spec = spec.env(k, v);
        }
        for s in svc.secrets() {
            spec = spec.secret(s.var, s.secret);
        }
        if bin.role == BinaryRole::Server {
            for port in svc.ports() {
                spec = spec.tcp_port(port);
            }
        }
        out.push(spec);
    }
    Ok(out)
}

/// The forge a service's releases are on; an error when that is the configured forge and
/// its configuration is unusable.
fn forge_of<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
) -> Result<ForgeConfig, ServiceError> {
    let source = svc.source();
    if let (None, Some(problem)) = (&source.forge_url, &ctx.forge_problem) {
        return Err(ServiceError::Forge {
            service: svc.name().to_string(),
            problem: problem.clone(),
        });
    }
    let mut forge = ctx.forge.clone().kind(source.forge_kind);
    if let Some(url) = &source.forge_url {
        // A URL in the catalog is a literal; should it not parse, the configured forge
        // stays and the resolve task reports what it finds there.
        if let Ok(f) = forge.clone().base_url(url) {
            forge = f;
        }
    }
    Ok(forge)
}

/// The install mode of `svc` in this operation.
pub fn install_mode<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
) -> Result<InstallMode, ServiceError> {
    svc.install_policy()
        .mode(ctx.mode)
        .map_err(|reason| ServiceError::UnsupportedMode {
            service: svc.name().to_string(),
            reason,
            allowed: match (svc.install_policy(), ctx.mode) {
                (InstallPolicy::System, _) => "system (or no --mode)",
                (_, Some(InstallMode::Source)) => "download",
                _ => "source",
            },
        })
}

/// The default release feed: the release of the service's repository that an upgrade
/// installs (`--tag`, else `latest`), when it ships binaries of its own and its install mode
/// is `download`.
pub fn release_feed<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
) -> Result<Option<ReleaseFeed>, ServiceError> {
    let source = svc.source();
    let binaries = svc.binaries();
    if source.is_none() || binaries.is_empty() || binaries.iter().all(|b| b.path.is_some()) {
        return Ok(None);
    }
    if install_mode(svc, ctx)? != InstallMode::Download {
        return Ok(None);
    }
    Ok(Some(ReleaseFeed {
        forge: forge_of(svc, ctx)?,
        source: ReleaseSource::release(
            &source.owner,
            &source.repo,
            ReleaseVersion::parse(ctx.release_version()),
        ),
        asset_suffix: source.asset_suffix.clone(),
    }))
}

/// The default install: see the module docs.
pub fn add_install<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
) -> Result<Vec<TaskKey>, ServiceError> {
    // A service that ships no binary (it runs what it does not install) installs nothing.
    if svc.binaries().is_empty() {
        install_mode(svc, ctx)?;
        return Ok(Vec::new());
    }
    let mut installs = Vec::new();
    let locked = locked_pin(svc, ctx)?;
    let fallback = locked.is_none()
        && ctx.mode.is_none()
        && svc.install_policy() == InstallPolicy::DownloadOrSource;
    let mode = match locked {
        Some(pin) => locked_mode(svc, ctx, pin)?,
        None => install_mode(svc, ctx)?,
    };
    match mode {
        InstallMode::Download if fallback => {
            let source_install = source_install_of(svc, ctx, &[])?;
            for bin in svc.binaries() {
                installs.push(add_release_install_with_source_fallback(
                    plan,
                    &release_install_of(svc, ctx, &bin.name)?,
                    &source_install,
                ));
            }
        }
        InstallMode::Download => {
            for bin in svc.binaries() {
                let pinned = locked.and_then(|pin| pinned(pin, &bin.name, false));
                installs.push(add_release_install_pinned(
                    plan,
                    &release_install_of(svc, ctx, &bin.name)?,
                    pinned.as_ref(),
                ));
            }
        }
        InstallMode::Source => {
            let names: Vec<String> = svc.binaries().into_iter().map(|b| b.name).collect();
            installs = add_source_install(svc, ctx, plan, &names)?;
        }
        InstallMode::System => {
            for bin in svc.binaries() {
                let path = bin.installed_path(&ctx.paths);
                installs.push(plan.add(SystemBinary::new(svc.name(), &bin.name, path)));
            }
        }
    }
    Ok(installs)
}

/// Checks out `svc`'s repository, builds `build` (its binaries, or more: every binary the
/// repository's services need, so that one cargo invocation serves them all), then checks
/// and installs `svc`'s own binaries. Returns the install tasks.
pub fn add_source_install<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    build: &[String],
) -> Result<Vec<TaskKey>, ServiceError> {
    let install = source_install_of(svc, ctx, build)?;
    let pins: Vec<(String, Pinned)> = match locked_pin(svc, ctx)? {
        Some(pin) if locked_mode(svc, ctx, pin)? != InstallMode::Source => {
            return Err(ServiceError::UnsupportedMode {
                service: svc.name().to_string(),
                reason: format!("is locked to {}, not to a source build", pin.pin()),
                allowed: "source",
            });
        }
        Some(pin) => install
            .binaries
            .iter()
            .filter_map(|b| pinned(pin, b, !ctx.strict).map(|p| (b.clone(), p)))
            .collect(),
        None => Vec::new(),
    };
    Ok(add_source_install_pinned(plan, &install, &pins))
}

/// What the lock pins `svc` to in a `--locked` operation: `None` without a lock, an error
/// naming the service when the lock does not pin it.
pub fn locked_pin<'c, S: Service + ?Sized>(
    svc: &S,
    ctx: &'c ServiceContext,
) -> Result<Option<&'c LockedService>, ServiceError> {
    let Some((lock, path)) = &ctx.lock else {
        return Ok(None);
    };
    lock.services
        .get(svc.name())
        .map(Some)
        .ok_or_else(|| ServiceError::NotLocked {
            service: svc.name().to_string(),
            lock: path.display().to_string(),
        })
}

/// The install mode a pin means; an error when `--mode` asks for another.
fn locked_mode<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    pin: &LockedService,
) -> Result<InstallMode, ServiceError> {
    let mode = match pin {
        LockedService::Release(_) => InstallMode::Download,
        LockedService::Source(_) => InstallMode::Source,
        LockedService::System(_) => InstallMode::System,
    };
    match ctx.mode {
        Some(asked) if asked != mode => Err(ServiceError::UnsupportedMode {
            service: svc.name().to_string(),
            reason: format!(
                "is locked to {}, which --mode {} contradicts",
                pin.pin(),
                asked.as_str()
            ),
            allowed: mode.as_str(),
        }),
        _ => Ok(mode),
    }
}

/// The pin of `binary` for an install step.
fn pinned(pin: &LockedService, binary: &str, warn_only: bool) -> Option<Pinned> {
    pin.sha256_of(binary).map(|sha256| Pinned {
        sha256: sha256.to_string(),
        pin: pin.pin(),
        warn_only,
    })
}

/// The default lock of a service: the tasks that resolve and fetch (a release) or build (a
/// source) its binaries without installing them, or take the system's, and what the lock
/// file's writer reads from them. `build` as for [`add_source_install`]. A release's assets
/// are downloaded into `staging` to be hashed.
pub fn add_lock<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    build: &[String],
    staging: &std::path::Path,
) -> Result<Option<LockSource>, ServiceError> {
    if svc.binaries().is_empty() {
        install_mode(svc, ctx)?;
        return Ok(None);
    }
    let source = match install_mode(svc, ctx)? {
        InstallMode::Download => {
            let mut resolve = None;
            let mut binaries = Vec::new();
            for bin in svc.binaries() {
                let install = release_install_of(svc, ctx, &bin.name)?;
                let (r, download, asset) = add_release_fetch(plan, &install, staging);
                resolve = Some(r);
                binaries.push((bin.name.clone(), asset, download));
            }
            let Some(resolve) = resolve else {
                return Ok(None);
            };
            LockSource::Release {
                forge: forge_of(svc, ctx)?.base_url.to_string(),
                asked: ctx.release_version().to_string(),
                resolve,
                binaries,
            }
        }
        InstallMode::Source => {
            let install = source_install_of(svc, ctx, build)?;
            let (checkout, build) = add_source_build(plan, &install);
            let binaries = install
                .binaries
                .iter()
                .map(|b| {
                    (
                        b.clone(),
                        plan.add_after(VerifyElf::new(b.clone()), [&build]),
                    )
                })
                .collect();
            LockSource::Source {
                asked: install.git_ref.to_string(),
                checkout,
                profile: install.profile.clone(),
                features: install.cargo_options.features.clone(),
                no_default_features: install.cargo_options.no_default_features,
                binaries,
            }
        }
        InstallMode::System => LockSource::System {
            binaries: svc
                .binaries()
                .into_iter()
                .map(|bin| {
                    let path = bin.installed_path(&ctx.paths);
                    (
                        bin.name.clone(),
                        plan.add(SystemBinary::new(svc.name(), &bin.name, path)),
                    )
                })
                .collect(),
        },
    };
    Ok(Some(source))
}

/// What installing `binary` of `svc` from its release takes.
fn release_install_of<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    binary: &str,
) -> Result<ReleaseInstall, ServiceError> {
    let source = svc.source();
    let version = match locked_pin(svc, ctx)? {
        Some(LockedService::Release(r)) => ReleaseVersion::parse(&r.tag),
        _ => ReleaseVersion::parse(ctx.release_version()),
    };
    Ok(ReleaseInstall {
        forge: forge_of(svc, ctx)?,
        owner: source.owner,
        repo: source.repo,
        version,
        binary: binary.to_string(),
        asset_suffix: source.asset_suffix,
        bin_dir: ctx.paths.bin.clone(),
        service: svc.name().to_string(),
    })
}

/// What building `svc`'s binaries (with `also_build`) from source takes.
fn source_install_of<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    also_build: &[String],
) -> Result<SourceInstall, ServiceError> {
    let source = svc.source();
    if let (None, None, Some(problem)) = (&source.git_url, &source.forge_url, &ctx.forge_problem) {
        return Err(ServiceError::Forge {
            service: svc.name().to_string(),
            problem: problem.clone(),
        });
    }
    let (git_url, git_ref) = match locked_pin(svc, ctx)? {
        Some(LockedService::Source(s)) => (s.git_url.clone(), GitRef::Commit(s.commit.clone())),
        _ => (
            source.git_url_on(ctx.forge.base_url.as_str()),
            match &ctx.version {
                Some(v) if v != "latest" => GitRef::Tag(v.clone()),
                _ => source.git_ref.clone(),
            },
        ),
    };
    Ok(SourceInstall {
        git_url,
        git_ref,
        code_root: ctx.paths.code.clone(),
        target_dir: ctx.target_dir.clone(),
        binaries: svc.binaries().into_iter().map(|b| b.name).collect(),
        bin_dir: ctx.paths.bin.clone(),
        service: svc.name().to_string(),
        cargo: None,
        profile: ctx.build_profile.clone(),
        also_build: also_build.to_vec(),
        cargo_options: source.cargo.clone(),
    })
}

/// Config files and registrations of `svc`; returns the keys a start must wait for.
fn add_prepare<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    specs: &[ProcessSpec],
) -> Result<Vec<TaskKey>, ServiceError> {
    let mut ready = Vec::new();
    for file in svc.config_files(ctx)? {
        ready.push(plan.add(file));
    }
    for spec in with_ports(svc, specs.to_vec()) {
        ready.push(plan.add(RegisterProcess::new(spec)));
    }
    Ok(ready)
}

/// `specs` with the service's [`ports`](Service::ports) on the processes that listen on
/// them, also when the service wrote its own [`processes`](Service::processes): on its
/// only process, or on its server processes. A spec that already declares a port is left
/// as it is (a service with several listening processes says which port is whose on their
/// specs).
pub fn with_ports<S: Service + ?Sized>(svc: &S, mut specs: Vec<ProcessSpec>) -> Vec<ProcessSpec> {
    let ports = svc.ports();
    if ports.is_empty() || specs.iter().any(|s| !s.tcp_ports.is_empty()) {
        return specs;
    }
    let single = specs.len() == 1;
    for spec in &mut specs {
        if single || is_server(svc, &spec.name) {
            spec.tcp_ports.extend(ports.iter().copied());
        }
    }
    specs
}

/// Whether a process runs a server binary (started before the health wait).
fn is_server<S: Service + ?Sized>(svc: &S, process: &str) -> bool {
    svc.binaries()
        .iter()
        .any(|b| b.name == process && b.role == BinaryRole::Server)
}

/// The start of process `name` in this operation (see
/// [`ServiceContext::starts_after_install`]).
pub fn start_task(ctx: &ServiceContext, name: &str) -> StartProcess {
    if ctx.starts_after_install {
        StartProcess::new(name)
    } else {
        StartProcess::ensure_running(name)
    }
}

/// The default start: see the module docs.
pub fn add_start<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    after: &[TaskKey],
) -> Result<TaskKey, ServiceError> {
    check_secrets(svc, ctx)?;
    let specs = svc.processes(ctx)?;
    let mut before_start: Vec<TaskKey> = after.to_vec();
    before_start.extend(add_prepare(svc, ctx, plan, &specs)?);
    let (servers, others): (Vec<_>, Vec<_>) = specs
        .iter()
        .partition(|s| is_server(svc, &s.name) || specs.len() == 1);
    let mut started = Vec::new();
    for spec in &servers {
        started.push(plan.add_after(start_task(ctx, &spec.name), before_start.iter()));
    }
    let ready = match svc.health_probe(ctx) {
        Some(probe) => plan.add_after(
            WaitHealthy::new(svc.name(), probe, ctx.health_timeout)
                .watching(servers.iter().map(|s| s.name.clone())),
            started.iter(),
        ),
        None => match started.last() {
            Some(k) => k.clone(),
            None => {
                return Err(ServiceError::Unsupported {
                    service: svc.name().to_string(),
                    operation: "start",
                    reason: "it has no process to run".to_string(),
                });
            }
        },
    };
    for spec in &others {
        let mut deps = before_start.clone();
        deps.push(ready.clone());
        plan.add_after(start_task(ctx, &spec.name), deps.iter());
    }
    Ok(ready)
}

/// The default stop: admins (and other non-servers) before servers.
pub fn add_stop<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
) -> Result<Vec<TaskKey>, ServiceError> {
    let specs = svc.processes(ctx)?;
    let (servers, others): (Vec<_>, Vec<_>) = specs
        .iter()
        .partition(|s| is_server(svc, &s.name) || specs.len() == 1);
    let first: Vec<TaskKey> = others
        .iter()
        .map(|s| plan.add(StopProcess::new(&s.name)))
        .collect();
    let mut keys = first.clone();
    for s in servers {
        keys.push(plan.add_after(StopProcess::new(&s.name), first.iter()));
    }
    Ok(keys)
}

/// The default restart: stop, then start.
pub fn add_restart<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    after: &[TaskKey],
) -> Result<TaskKey, ServiceError> {
    let mut before = svc.add_stop(ctx, plan)?;
    before.extend_from_slice(after);
    svc.add_start(ctx, plan, &before)
}

/// The default upgrade: install, then a verified restart that rolls back.
pub fn add_upgrade<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    after: &[TaskKey],
) -> Result<TaskKey, ServiceError> {
    check_secrets(svc, ctx)?;
    if install_mode(svc, ctx)? == InstallMode::System {
        return add_system_upgrade(svc, ctx, plan, after);
    }
    let specs = svc.processes(ctx)?;
    let mut before: Vec<TaskKey> = after.to_vec();
    before.extend(svc.add_install(ctx, plan)?);
    before.extend(add_prepare(svc, ctx, plan, &specs)?);
    add_verified_restart(svc, ctx, plan, &before)
}

/// The upgrade of a service on the system's binaries: hero_svc cannot fetch a new version
/// (the package manager does) nor roll one back, so it checks the binaries again and
/// restarts the service only when the system changed them (a deploy's start), and says so.
fn add_system_upgrade<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    after: &[TaskKey],
) -> Result<TaskKey, ServiceError> {
    if let Some(version) = &ctx.version {
        return Err(ServiceError::Unsupported {
            service: svc.name().to_string(),
            operation: "upgrade",
            reason: format!(
                "it runs the system's binaries, whose version ({version} asked) is the \
                 package manager's: upgrade the package, then `upgrade` without --tag \
                 restarts the service on it"
            ),
        });
    }
    let mut before: Vec<TaskKey> = after.to_vec();
    before.extend(svc.add_install(ctx, plan)?);
    let mut start_ctx = ctx.clone();
    start_ctx.starts_after_install = true;
    svc.add_start(&start_ctx, plan, &before)
}

/// The default verified restart: restart every process on the installed binaries, wait
/// until healthy, roll the binaries back if it is not (what an upgrade promises, and what
/// finishing an interrupted upgrade does).
pub fn add_verified_restart<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    after: &[TaskKey],
) -> Result<TaskKey, ServiceError> {
    let specs = svc.processes(ctx)?;
    let verified = RestartVerified {
        service: svc.name().to_string(),
        processes: specs.iter().map(|s| s.name.clone()).collect(),
        binaries: svc.binaries().into_iter().map(|b| b.name).collect(),
        bin_dir: ctx.paths.bin.clone(),
        probe: svc.health_probe(ctx),
        timeout: ctx.health_timeout,
    };
    Ok(plan.add_after(verified, after.iter()))
}

/// The default verify: each binary, against the newest release in download mode.
pub fn add_verify<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
) -> Result<Vec<TaskKey>, ServiceError> {
    let source = svc.source();
    if svc.binaries().is_empty() {
        install_mode(svc, ctx)?;
        return Ok(Vec::new());
    }
    if let Some(pin) = locked_pin(svc, ctx)? {
        let mut keys = Vec::new();
        for b in svc.binaries() {
            let Some(sha256) = pin.sha256_of(&b.name) else {
                return Err(ServiceError::Unsupported {
                    service: svc.name().to_string(),
                    operation: "verify",
                    reason: format!(
                        "the lock file pins no binary {}; run `hero_svc lock {}`",
                        b.name,
                        svc.name()
                    ),
                });
            };
            let mut task =
                VerifyBinary::new(svc.name(), &b.name, &ctx.paths.bin).locked(sha256, pin.pin());
            if let Some(path) = &b.path {
                task = task.at(path);
            }
            keys.push(plan.add(task));
        }
        return Ok(keys);
    }
    let release = match install_mode(svc, ctx)? {
        InstallMode::Download => Some(plan.add(ResolveRelease::new(
            forge_of(svc, ctx)?,
            &source.owner,
            &source.repo,
            ReleaseVersion::parse(ctx.release_version()),
        ))),
        InstallMode::Source | InstallMode::System => None,
    };
    Ok(svc
        .binaries()
        .iter()
        .map(|b| {
            let mut task = VerifyBinary::new(svc.name(), &b.name, &ctx.paths.bin)
                .asset_suffix(&source.asset_suffix);
            if let Some(path) = &b.path {
                task = task.at(path);
            }
            plan.add_after(task, release.iter())
        })
        .collect())
}

/// The default delete: stop, forget, and with `purge` remove the binaries.
pub fn add_delete<S: Service + ?Sized>(
    svc: &S,
    ctx: &ServiceContext,
    plan: &mut PlanBuilder,
    purge: bool,
) -> Result<Vec<TaskKey>, ServiceError> {
    let stops = svc.add_stop(ctx, plan)?;
    let mut keys = Vec::new();
    for spec in svc.processes(ctx)? {
        keys.push(plan.add_after(RemoveProcess::new(&spec.name), stops.iter()));
    }
    if purge {
        let removed = keys.clone();
        // The system's binaries are the system's: never removed.
        for bin in svc.binaries().into_iter().filter(|b| b.path.is_none()) {
            keys.push(plan.add_after(RemoveBinary::new(&bin.name, &ctx.paths.bin), removed.iter()));
        }
    }
    Ok(keys)
}
