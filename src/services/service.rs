//! [`Service`]: one service of a catalog, as Rust code.
//!
//! A service says what it is (name, description, source, binaries, dependencies) and how
//! it runs (sockets, environment, processes, config files, health probe). Default methods
//! give the common Hero shape — `hero_X_server` on `$PATH_SOCKET/hero_X/rpc.sock`, an
//! optional `hero_X_admin` on `admin.sock`, health on `GET /health` — and add the tasks of
//! every operation to a plan (see [`hero_shape`](super::hero_shape)). A service with a
//! quirk overrides the one method that differs, in its own file. The engine knows nothing
//! about any particular service.

use std::path::PathBuf;

use super::{Binary, InstallPolicy, ReleaseFeed, ServiceContext, ServiceError, Source, hero_shape};
use crate::health::Probe;
use crate::supervisor::{ProcessSpec, SecretEnv};
use crate::tasks::PlanBuilder;
use crate::tasks::{LockSource, TaskKey, WriteFile};

/// A service of a catalog. Object-safe: catalogs hold `Arc<dyn Service>`.
pub trait Service: Send + Sync {
    // --- identity ------------------------------------------------------------------

    /// The name (`hero_db`): the socket folder, the key of every task, what users type.
    fn name(&self) -> &str;

    /// One line saying what it is.
    fn description(&self) -> &str;

    /// Where its code and releases live (nowhere, by default: a service whose binaries the
    /// system has needs none).
    fn source(&self) -> Source {
        Source::none()
    }

    /// The executables it ships.
    fn binaries(&self) -> Vec<Binary>;

    /// How its binaries may be installed: [`System`](InstallPolicy::System) when every
    /// binary says where the system has it, else from a release with a source build as
    /// the fallback.
    fn install_policy(&self) -> InstallPolicy {
        let binaries = self.binaries();
        if !binaries.is_empty() && binaries.iter().all(|b| b.path.is_some()) {
            InstallPolicy::System
        } else {
            InstallPolicy::DownloadOrSource
        }
    }

    /// Where newer releases of its binaries appear: what `upgrade` would install, to tell
    /// whether the installed binaries are the newest. `None` when it is not installed from
    /// releases (built from source, the system's binaries, nothing installed). The default:
    /// the Hero shape's release of its repository when its install mode is `download`.
    fn release_feed(&self, ctx: &ServiceContext) -> Result<Option<ReleaseFeed>, ServiceError> {
        hero_shape::release_feed(self, ctx)
    }

    /// The services that must be healthy before it starts.
    fn dependencies(&self) -> Vec<String> {
        Vec::new()
    }

    // --- how it runs ----------------------------------------------------------------

    /// Its socket folder (`$PATH_SOCKET/<name>`).
    fn socket_dir(&self, ctx: &ServiceContext) -> PathBuf {
        ctx.paths.service_socket_dir(self.name())
    }

    /// Its RPC socket.
    fn rpc_socket(&self, ctx: &ServiceContext) -> PathBuf {
        self.socket_dir(ctx).join("rpc.sock")
    }

    /// Its admin socket.
    fn admin_socket(&self, ctx: &ServiceContext) -> PathBuf {
        self.socket_dir(ctx).join("admin.sock")
    }

    /// TCP ports it listens on (reclaimed from stray instances before a start).
    fn ports(&self) -> Vec<u16> {
        Vec::new()
    }

    /// The environment of its processes: exactly this, nothing inherited. The default is
    /// the Hero base (`HERO_ROOT`, `PATH_SOCKET` and its legacy name, `RUST_LOG`, `PATH`,
    /// `HOME`).
    fn env(&self, ctx: &ServiceContext) -> Result<Vec<(String, String)>, ServiceError> {
        Ok(hero_shape::base_env(ctx))
    }

    /// The secrets its processes get, by name: `(variable, secret)`, e.g. `("JWT_SECRET",
    /// "ONLYOFFICE_JWT_SECRET")`. Their values are read from the user's env file when a
    /// process is spawned and never stored; an operation that starts the service fails at
    /// once (nothing runs) when one is set nowhere.
    fn secrets(&self) -> Vec<SecretEnv> {
        Vec::new()
    }

    /// The processes to supervise. The default runs each server and admin binary the Hero
    /// way (`--socket`, and `--hero-socket` for the admin), with [`secrets`](Self::secrets).
    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        hero_shape::processes(self, ctx)
    }

    /// The names of the processes it runs: what `status`, `logs` and the supervisor know
    /// it by. From [`processes`](Self::processes); should those not be computable, its
    /// binaries that run.
    fn process_names(&self, ctx: &ServiceContext) -> Vec<String> {
        match self.processes(ctx) {
            Ok(specs) => specs.into_iter().map(|s| s.name).collect(),
            Err(_) => self
                .binaries()
                .into_iter()
                .filter(|b| b.runs())
                .map(|b| b.name)
                .collect(),
        }
    }

    /// Files that must be written before it starts (written idempotently).
    fn config_files(&self, _ctx: &ServiceContext) -> Result<Vec<WriteFile>, ServiceError> {
        Ok(Vec::new())
    }

    /// How to tell it is healthy (`None`: running is enough).
    fn health_probe(&self, ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::health(self.rpc_socket(ctx)))
    }

    // --- plans ------------------------------------------------------------------------

    /// Adds the tasks that install its binaries; returns the final install task of each.
    fn add_install(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::add_install(self, ctx, plan)
    }

    /// Adds the tasks that pin its binaries for the lock file without installing them
    /// (resolve and download a release into `staging`, build a source, take the system's),
    /// and says which tasks hold what the lock needs; `None` when it has nothing to pin.
    fn add_lock(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        staging: &std::path::Path,
    ) -> Result<Option<LockSource>, ServiceError> {
        hero_shape::add_lock(self, ctx, plan, &[], staging)
    }

    /// Adds the tasks that start it after `after` (its installs and its dependencies'
    /// readiness); returns the task after which it counts as ready.
    fn add_start(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        after: &[TaskKey],
    ) -> Result<TaskKey, ServiceError> {
        hero_shape::add_start(self, ctx, plan, after)
    }

    /// Adds the tasks that stop it; returns them (the planner orders them against other
    /// services' stops).
    fn add_stop(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::add_stop(self, ctx, plan)
    }

    /// Adds the tasks that restart it after `after`; returns its readiness task.
    fn add_restart(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        after: &[TaskKey],
    ) -> Result<TaskKey, ServiceError> {
        hero_shape::add_restart(self, ctx, plan, after)
    }

    /// Adds the tasks that install a new version, restart on it and roll back if it does
    /// not become healthy; returns its readiness task.
    fn add_upgrade(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        after: &[TaskKey],
    ) -> Result<TaskKey, ServiceError> {
        hero_shape::add_upgrade(self, ctx, plan, after)
    }

    /// Adds the tasks that restart it on its installed binaries, check that it becomes
    /// healthy, and roll the binaries back if it does not; returns the last of them. The
    /// end of an upgrade, and how a daemon finishes an upgrade its predecessor was killed
    /// in.
    fn add_verified_restart(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        after: &[TaskKey],
    ) -> Result<TaskKey, ServiceError> {
        hero_shape::add_verified_restart(self, ctx, plan, after)
    }

    /// Adds the tasks that check its installed binaries.
    fn add_verify(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::add_verify(self, ctx, plan)
    }

    /// Adds the tasks that stop it, forget it, and (with `purge`) remove its binaries.
    fn add_delete(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        purge: bool,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::add_delete(self, ctx, plan, purge)
    }
}
