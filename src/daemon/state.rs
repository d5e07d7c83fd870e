//! [`Daemon`]: the daemon's shared state — paths, state store, supervisor, executor,
//! catalogs and runs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::{BinaryDigests, DaemonError, Executions, Interruptions, ReleaseChecks, ServiceLocks};
use crate::forge::ForgeConfig;
use crate::graph::ExecutorConfig;
use crate::paths::HeroPaths;
use crate::services::{
    BUILTIN_CATALOGS, Catalog, CatalogError, EnvFile, ServiceContext, builtin_catalog,
};
use crate::state::StateStore;
use crate::supervisor::{AnySupervisor, BuiltinConfig, SecretSource, SupervisorBackend};
use crate::tasks::Executor;
use crate::tasks::TaskEnv;

/// How to set up a daemon.
#[derive(Clone, Debug)]
pub struct DaemonOptions {
    /// The Hero directories it serves.
    pub paths: HeroPaths,
    /// The executor's limits.
    pub executor: ExecutorConfig,
    /// The catalog used when a request names none (`hero` unless configured).
    pub default_catalog: String,
    /// Whether the built-in catalogs (`hero`, `demo`) are served (yes, unless another
    /// stack's program serves only its own).
    pub builtin_catalogs: bool,
    /// Catalogs beside (or, without `builtin_catalogs`, instead of) the built-in ones:
    /// another stack compiles its own.
    pub catalogs: Vec<Catalog>,
    /// Which supervisor runs the services (builtin unless configured).
    pub backend: SupervisorBackend,
    /// The builtin supervisor's settings (`None`: defaults under the Hero root).
    pub supervisor: Option<BuiltinConfig>,
    /// The forge (`None`: from the environment, `FORGE_URL` / `FORGE_TOKEN`).
    pub forge: Option<ForgeConfig>,
}

impl DaemonOptions {
    /// Defaults for `paths`: the `hero` catalog, the builtin supervisor, the forge from the
    /// environment.
    pub fn new(paths: HeroPaths) -> Self {
        Self {
            paths,
            executor: ExecutorConfig::default(),
            default_catalog: "hero".to_string(),
            builtin_catalogs: true,
            catalogs: Vec::new(),
            backend: SupervisorBackend::Builtin,
            supervisor: None,
            forge: None,
        }
    }
}

/// `error: cause: cause`.
fn render_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Something that fails now (see [`Daemon::faults`]).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Fault {
    /// What does not work, and what that means.
    pub what: String,
    /// The error behind it.
    pub error: String,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// The daemon's state, shared by every connection.
pub struct Daemon {
    paths: HeroPaths,
    store: StateStore,
    executor: Executor,
    executions: Executions,
    interruptions: Interruptions,
    locks: ServiceLocks,
    supervisor: Arc<AnySupervisor>,
    catalogs: BTreeMap<String, Catalog>,
    default_catalog: String,
    forge: ForgeConfig,
    forge_problem: Option<String>,
    started: Instant,
    started_at: DateTime<Utc>,
    stopping: CancellationToken,
    health: super::HealthCache,
    shapes: super::ServiceShapes,
    release_checks: Arc<ReleaseChecks>,
    binary_digests: Arc<BinaryDigests>,
}

impl Daemon {
    /// Opens the state store, the supervisor (adopting processes still running from an
    /// earlier daemon) and the catalogs of `options.paths`. Nothing is bound: see
    /// [`run`](super::run) for the whole daemon.
    pub async fn open(options: DaemonOptions) -> Result<Arc<Self>, DaemonError> {
        let store = StateStore::open(options.paths.state_db())?;
        let interruptions = Interruptions::recover(&store);
        crate::tasks::end_leftover_groups(&store);
        // No download of this daemon runs yet: every staging file in the bin dir is stale.
        crate::forge::sweep_stale_staging(&options.paths.bin, None);
        let config = options.supervisor.unwrap_or_else(|| {
            let mut config = BuiltinConfig::new(options.paths.log_dir());
            config.secrets = SecretSource::env_file(options.paths.env_file());
            config
        });
        let supervisor = Arc::new(
            options
                .backend
                .open(config, store.clone())
                .await
                .map_err(DaemonError::Supervisor)?,
        );
        let env = TaskEnv::new(store.clone()).with_supervisor(supervisor.clone());
        let executor = Executor::with_env(options.executor, env);
        // An unusable FORGE_URL fails only what needs the forge, at once; the daemon serves.
        let (forge, forge_problem) = match options.forge {
            Some(f) => (f, None),
            None => match ForgeConfig::from_env() {
                Ok(f) => (f, None),
                Err(e) => {
                    tracing::warn!(error = %e, "FORGE_URL is unusable; operations that need the forge will fail");
                    let fallback = ForgeConfig::forgejo(crate::forge::DEFAULT_FORGE_URL)
                        .map_err(DaemonError::Forge)?;
                    (fallback, Some(render_chain(&e)))
                }
            },
        };
        let mut catalogs = BTreeMap::new();
        if options.builtin_catalogs {
            for name in BUILTIN_CATALOGS {
                let catalog = builtin_catalog(name).map_err(DaemonError::Catalog)?;
                catalogs.insert(name.to_string(), catalog);
            }
        }
        for c in options.catalogs {
            catalogs.insert(c.name().to_string(), c);
        }
        for c in catalogs.values() {
            c.validate().map_err(DaemonError::Catalog)?;
        }
        if !catalogs.contains_key(&options.default_catalog) {
            return Err(DaemonError::Catalog(CatalogError::UnknownCatalog {
                name: options.default_catalog,
                known: catalogs.keys().cloned().collect(),
            }));
        }
        let stopping = CancellationToken::new();
        Ok(Arc::new(Self {
            release_checks: ReleaseChecks::new(ReleaseChecks::ttl_from_env(), stopping.clone()),
            binary_digests: BinaryDigests::new(),
            paths: options.paths,
            store,
            executor,
            executions: Executions::new(),
            interruptions,
            locks: ServiceLocks::new(),
            supervisor,
            catalogs,
            default_catalog: options.default_catalog,
            forge,
            forge_problem,
            started: Instant::now(),
            started_at: Utc::now(),
            stopping,
            health: super::HealthCache::new(),
            shapes: super::ServiceShapes::new(),
        }))
    }

    /// The Hero directories.
    pub fn paths(&self) -> &HeroPaths {
        &self.paths
    }

    /// The state store.
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    /// The executor.
    pub fn executor(&self) -> &Executor {
        &self.executor
    }

    /// The runs.
    pub fn executions(&self) -> &Executions {
        &self.executions
    }

    /// The runs the previous daemon did not finish.
    pub fn interruptions(&self) -> &Interruptions {
        &self.interruptions
    }

    /// The per-service operation locks.
    pub fn locks(&self) -> &ServiceLocks {
        &self.locks
    }

    /// The supervisor.
    pub fn supervisor(&self) -> &AnySupervisor {
        &self.supervisor
    }

    /// The catalog `name` (the default one when `None`).
    pub fn catalog(&self, name: Option<&str>) -> Result<&Catalog, CatalogError> {
        let name = name.unwrap_or(&self.default_catalog);
        self.catalogs
            .get(name)
            .ok_or_else(|| CatalogError::UnknownCatalog {
                name: name.to_string(),
                known: self.catalogs.keys().cloned().collect(),
            })
    }

    /// The services' last probe results (what `status` shows as their health).
    pub fn health(&self) -> &super::HealthCache {
        &self.health
    }

    /// The process names and health probe of `svc`, a service of one of its catalogs,
    /// computed once (see [`ServiceShapes`](super::ServiceShapes)).
    pub fn service_shape(&self, svc: &dyn crate::services::Service) -> Arc<super::ServiceShape> {
        self.shapes.of(svc, || self.base_context())
    }

    /// The forge's last answers about the releases services would upgrade to.
    pub fn release_checks(&self) -> &Arc<ReleaseChecks> {
        &self.release_checks
    }

    /// The installed binaries' digests, without reading an unchanged one.
    pub fn binary_digests(&self) -> &Arc<BinaryDigests> {
        &self.binary_digests
    }

    /// The names of the catalogs it serves.
    pub fn catalog_names(&self) -> Vec<String> {
        self.catalogs.keys().cloned().collect()
    }

    /// The name of the default catalog.
    pub fn default_catalog(&self) -> &str {
        &self.default_catalog
    }

    /// A service context for one request: the Hero directories, the forge, and the user's
    /// env file read now (so edits apply without restarting the daemon). The daemon's
    /// environment can override the build (`HERO_SVC_TARGET_DIR`, `HERO_SVC_BUILD_PROFILE`)
    /// and how long a started service may take to become healthy
    /// (`HERO_SVC_HEALTH_TIMEOUT_MS`).
    pub async fn service_context(&self) -> Result<ServiceContext, DaemonError> {
        let env_file = EnvFile::load(&self.paths.env_file())
            .await
            .map_err(DaemonError::EnvFile)?;
        let mut ctx = self.base_context();
        ctx.env_file = env_file;
        Ok(ctx)
    }

    /// [`service_context`](Self::service_context) without the env file: for questions that
    /// need no secret (a health probe's socket), so they spawn no shell.
    pub fn base_context(&self) -> ServiceContext {
        let mut ctx = ServiceContext::new(self.paths.clone(), self.forge.clone());
        ctx.forge_problem = self.forge_problem.clone();
        if let Some(dir) = std::env::var_os("HERO_SVC_TARGET_DIR").filter(|d| !d.is_empty()) {
            ctx.target_dir = dir.into();
        }
        if let Ok(profile) = std::env::var("HERO_SVC_BUILD_PROFILE")
            && !profile.is_empty()
        {
            ctx.build_profile = profile;
        }
        if let Some(ms) = std::env::var("HERO_SVC_HEALTH_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|ms| *ms > 0)
        {
            ctx.health_timeout = Duration::from_millis(ms);
        }
        ctx
    }

    /// How long the daemon has been up, in ms.
    pub fn uptime_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// When it started.
    pub fn started_at(&self) -> DateTime<Utc> {
        self.started_at
    }

    /// What fails now and keeps the daemon from doing all its work: its log, its state
    /// store, the supervisor's bookkeeping or the service logs' filesystem. Each clears by
    /// itself once it works again.
    pub fn faults(&self) -> Vec<Fault> {
        let mut out = Vec::new();
        if let Some(f) = super::log_fault() {
            out.push(Fault {
                what: format!("the daemon's log cannot be written ({} lines lost)", f.lost),
                error: f.error,
                since: f.since,
            });
        }
        if let Some((since, error)) = self.store.write_failure() {
            out.push(Fault {
                what: "the state store cannot be written: results, reports and process \
                       records are not saved"
                    .to_string(),
                error,
                since,
            });
        }
        for f in self.supervisor.faults() {
            out.push(Fault {
                what: f.what,
                error: f.error,
                since: f.since,
            });
        }
        out
    }

    /// Cancelled when the daemon begins to stop: servers stop accepting, streams end.
    pub fn stopping(&self) -> &CancellationToken {
        &self.stopping
    }
}
