//! `hero_onlyoffice`: the OnlyOffice Document Server that hero_office edits documents
//! with — a Docker container, not a Hero binary.
//!
//! Sources: <https://forge.ourworld.tf/lhumina_code/hero_demo/issues/57> (the nu module
//! `service_onlyoffice` bakes a `docker run` into the hero_proc action; only `--reset`
//! regenerated it; the JWT secret `ONLYOFFICE_JWT_SECRET` is exported in
//! `~/hero/cfg/env/env.sh`, whose `source` lines the nu loader did not follow; the demo
//! placeholder secret must not be used in production);
//! <https://forge.ourworld.tf/lhumina_code/hero_office/issues/31> (one shared engine, JWT);
//! OnlyOffice's documented container settings (`JWT_ENABLED`, `JWT_SECRET`, the data and log
//! volumes, `GET /healthcheck`).
//!
//! How it runs (overrides in this file):
//! - No binaries. *Install* pulls the image (`docker pull onlyoffice/documentserver:<tag>`,
//!   tag from `--tag`, default `latest`) with a command task; there is nothing to build,
//!   so `--mode source` is refused with a clear error.
//! - The supervised process is `docker run --rm --name hero_onlyoffice …` in the foreground:
//!   the supervisor's SIGTERM reaches the container through docker's signal proxy, and
//!   `--rm` removes it. A container left behind by a killed client is removed (`docker rm
//!   -f`) after every stop and before every start, so the spec is regenerated on every start
//!   from code — the nu module's `--reset` is not needed.
//! - The JWT secret is passed **by reference**: the argument is `-e JWT_SECRET` (a name,
//!   never the value, so it does not show in `ps`), and the value — declared by name in
//!   [`Service::secrets`] and read from the env file only when the process is spawned — is
//!   in the docker client's environment. Without it, planning fails and says where to
//!   export it.
//! - Health: `GET /healthcheck` on `127.0.0.1:8088` (published from the container's port
//!   80), with up to 3 minutes to come up (the server starts slowly).
//! - Verify inspects the local image; upgrade pulls and restarts (no rollback: the previous
//!   image is not kept under a name); delete `--purge` removes the image.
//!
//! Not checked here: that docker is installed and its daemon reachable (`DOCKER_HOST` is
//! passed through); the pull fails with docker's own message otherwise.
//! Unverified: port 8088 (the nu module's host networking is replaced by a loopback port
//! mapping, which `hero_office` is pointed at via `OO_SERVER_URL`).

use std::path::PathBuf;
use std::time::Duration;

use super::support::{var_dir, which};
use crate::health::Probe;
use crate::services::hero_shape;
use crate::services::{Binary, InstallPolicy, Service, ServiceContext, ServiceError, Source};
use crate::supervisor::{ProcessSpec, SecretEnv};
use crate::tasks::PlanBuilder;
use crate::tasks::{Command, LockSource, ResourceClass, TaskKey};

/// The published port of the document server.
pub const ONLYOFFICE_PORT: u16 = 8088;

/// The container's (and the process's) name.
const CONTAINER: &str = "hero_onlyoffice";

/// The image, without its tag.
const IMAGE: &str = "onlyoffice/documentserver";

/// How long the document server may take to answer its health check.
const STARTUP: Duration = Duration::from_secs(180);

/// `hero_onlyoffice`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HeroOnlyoffice;

impl HeroOnlyoffice {
    fn image(ctx: &ServiceContext) -> String {
        format!("{IMAGE}:{}", ctx.release_version())
    }

    fn docker() -> PathBuf {
        which("docker")
    }

    /// `docker rm -f hero_onlyoffice`, tolerating "no such container".
    fn remove_container(when: &str) -> Command {
        Command::new(format!("docker-rm:{CONTAINER}:{when}"), "sh")
            .args([
                "-c".to_string(),
                format!("docker rm -f {CONTAINER} >/dev/null 2>&1 || true"),
            ])
            .label(format!("remove a leftover {CONTAINER} container ({when})"))
    }
}

impl Service for HeroOnlyoffice {
    fn name(&self) -> &str {
        CONTAINER
    }

    fn description(&self) -> &str {
        "OnlyOffice Document Server in Docker (JWT from the env file), for hero_office"
    }

    fn source(&self) -> Source {
        Source::forge("lhumina_code", "hero_onlyoffice")
    }

    fn binaries(&self) -> Vec<Binary> {
        Vec::new()
    }

    fn install_policy(&self) -> InstallPolicy {
        InstallPolicy::Download
    }

    fn ports(&self) -> Vec<u16> {
        vec![ONLYOFFICE_PORT]
    }

    fn secrets(&self) -> Vec<SecretEnv> {
        vec![SecretEnv {
            var: "JWT_SECRET".to_string(),
            secret: "ONLYOFFICE_JWT_SECRET".to_string(),
        }]
    }

    fn processes(&self, ctx: &ServiceContext) -> Result<Vec<ProcessSpec>, ServiceError> {
        let data = var_dir(ctx, self.name());
        let mut spec = ProcessSpec::new(CONTAINER, Self::docker())
            .args([
                "run".to_string(),
                "--rm".to_string(),
                "--name".to_string(),
                CONTAINER.to_string(),
                "-p".to_string(),
                format!("127.0.0.1:{ONLYOFFICE_PORT}:80"),
                "-e".to_string(),
                "JWT_ENABLED=true".to_string(),
                "-e".to_string(),
                "JWT_SECRET".to_string(),
                "-v".to_string(),
                format!("{}:/var/www/onlyoffice/Data", data.join("data").display()),
                "-v".to_string(),
                format!("{}:/var/log/onlyoffice", data.join("logs").display()),
                Self::image(ctx),
            ])
            .working_dir(ctx.paths.root.clone())
            .pass_env("DOCKER_HOST")
            .stop_with(libc::SIGTERM, Duration::from_secs(60));
        for (k, v) in self.env(ctx)? {
            spec = spec.env(k, v);
        }
        for s in self.secrets() {
            spec = spec.secret(s.var, s.secret);
        }
        Ok(vec![spec])
    }

    fn health_probe(&self, _ctx: &ServiceContext) -> Option<Probe> {
        Some(Probe::HttpTcp {
            url: format!("http://127.0.0.1:{ONLYOFFICE_PORT}/healthcheck"),
        })
    }

    /// A docker image: nothing the lock file pins.
    fn add_lock(
        &self,
        ctx: &ServiceContext,
        _plan: &mut PlanBuilder,
        _staging: &std::path::Path,
    ) -> Result<Option<LockSource>, ServiceError> {
        hero_shape::install_mode(self, ctx)?;
        Ok(None)
    }

    /// `docker pull` of the image (`--mode source` is refused by the policy).
    fn add_install(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::install_mode(self, ctx)?;
        if ctx.lock.is_some() {
            return Err(ServiceError::Unsupported {
                service: self.name().to_string(),
                operation: "install with --locked",
                reason: "it runs a docker image, which the lock file does not pin; install it \
                         without --locked"
                    .to_string(),
            });
        }
        let image = Self::image(ctx);
        let pull = Command::new(format!("docker-pull:{image}"), Self::docker())
            .args(["pull".to_string(), image.clone()])
            .label(format!("docker pull {image}"))
            .resource(ResourceClass::Network)
            .timeout(Duration::from_secs(1800));
        Ok(vec![plan.add(pull)])
    }

    /// Removes a leftover container, then the common start with a longer health wait.
    fn add_start(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        after: &[TaskKey],
    ) -> Result<TaskKey, ServiceError> {
        let clean = plan.add_after(Self::remove_container("before start"), after.iter());
        let mut ctx = ctx.clone();
        ctx.health_timeout = ctx.health_timeout.max(STARTUP);
        hero_shape::add_start(self, &ctx, plan, &[clean])
    }

    /// Stops the docker client (which stops the container), then removes what is left.
    fn add_stop(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        let mut stops = hero_shape::add_stop(self, ctx, plan)?;
        stops.push(plan.add_after(Self::remove_container("after stop"), stops.iter()));
        Ok(stops)
    }

    /// Pull, then restart on the new image. No rollback: the old image is not kept by name.
    fn add_upgrade(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        after: &[TaskKey],
    ) -> Result<TaskKey, ServiceError> {
        let mut before = after.to_vec();
        before.extend(self.add_install(ctx, plan)?);
        hero_shape::add_restart(self, ctx, plan, &before)
    }

    /// The image is present locally.
    fn add_verify(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        hero_shape::install_mode(self, ctx)?;
        let image = Self::image(ctx);
        let inspect = Command::new(format!("docker-inspect:{image}"), Self::docker())
            .args(["image", "inspect", "--format", "{{.Id}}", image.as_str()])
            .label(format!("docker image {image} is present"));
        Ok(vec![plan.add(inspect)])
    }

    /// The common delete; `--purge` also removes the image.
    fn add_delete(
        &self,
        ctx: &ServiceContext,
        plan: &mut PlanBuilder,
        purge: bool,
    ) -> Result<Vec<TaskKey>, ServiceError> {
        let mut keys = hero_shape::add_delete(self, ctx, plan, purge)?;
        if purge {
            let image = Self::image(ctx);
            let rmi = Command::new(format!("docker-rmi:{image}"), Self::docker())
                .args(["image", "rm", image.as_str()])
                .label(format!("docker image rm {image}"));
            let removed = plan.add_after(rmi, keys.iter());
            keys.push(removed);
        }
        Ok(keys)
    }
}
