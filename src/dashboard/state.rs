//! [`Dashboard`]: the admin UI's shared state — the daemon it shows, its secret, and where
//! its loopback TCP port listens — and the routes, the same on both surfaces.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the stack: every service of the catalog, by group |
//! | `GET /stack.json` | the stack's rows as JSON (what the stack page polls) |
//! | `GET /services/{name}` | one service: inspect, dependencies, log tail, troubleshoot |
//! | `GET /services/{name}/logs/sse` | new log lines of its processes, as server-sent events |
//! | `GET /executions` | the runs, newest first |
//! | `GET /executions/{id}` | one run: its DAG, its Gantt chart, its failures |
//! | `GET /executions/{id}/sse[?cursor=N]` | its events from `N`, as server-sent events |
//! | `GET /actions/confirm?operation=…[&service=…]` | the confirmation of an action |
//! | `POST /actions` | the action (a form with the form token) |
//! | `GET /health`, `GET /.well-known/heroservice.json` | the Hero standard endpoints |
//! | `GET /static/…` | the stylesheet and the script, embedded in the binary |
//! | `POST /listen[?addr=A]` | (admin socket only) open the loopback TCP port |

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tokio_util::task::TaskTracker;

use super::{Secret, TokenFile, access, actions, assets, body_limit, live, pages};
use crate::daemon::Daemon;
use crate::rpc::{ConnectionLimits, ConnectionStats};

/// Where the dashboard's TCP port listens.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct HttpEndpoint {
    /// The address.
    pub addr: SocketAddr,
    /// The URL to open, with the token.
    pub url: String,
}

/// Which surface a router serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// The admin unix socket (peers checked by uid, like the RPC socket).
    Admin,
    /// The loopback TCP port on `port` (the token required).
    Http {
        /// The port.
        port: u16,
    },
}

/// The admin UI of one daemon.
pub struct Dashboard {
    daemon: Arc<Daemon>,
    secret: Secret,
    token_file: TokenFile,
    http: Mutex<Option<HttpEndpoint>>,
    servers: TaskTracker,
    limits: ConnectionLimits,
    connections: ConnectionStats,
}

impl Dashboard {
    /// The dashboard of `daemon`, with a new random secret, within the connection limits
    /// of the environment ([`ConnectionLimits::from_env`], as the RPC socket).
    pub fn new(daemon: Arc<Daemon>) -> Result<Arc<Self>, super::DashboardError> {
        Self::with_limits(daemon, ConnectionLimits::from_env())
    }

    /// The dashboard of `daemon` whose servers (the admin socket, the TCP port) are held
    /// within `limits`, with one cap between them.
    pub fn with_limits(
        daemon: Arc<Daemon>,
        limits: ConnectionLimits,
    ) -> Result<Arc<Self>, super::DashboardError> {
        let token_file = TokenFile::in_dir(&daemon.paths().state_dir());
        Ok(Arc::new(Self {
            daemon,
            secret: Secret::random()?,
            token_file,
            http: Mutex::new(None),
            servers: TaskTracker::new(),
            limits,
            connections: ConnectionStats::default(),
        }))
    }

    /// The limits its servers keep.
    pub fn limits(&self) -> &ConnectionLimits {
        &self.limits
    }

    /// The connections of its servers (both surfaces: one cap).
    pub fn connections(&self) -> &ConnectionStats {
        &self.connections
    }

    /// The daemon it shows.
    pub fn daemon(&self) -> &Arc<Daemon> {
        &self.daemon
    }

    /// Its secret.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The file that holds the TCP port's URL while it listens.
    pub fn token_file(&self) -> &TokenFile {
        &self.token_file
    }

    pub(super) fn endpoint(&self) -> MutexGuard<'_, Option<HttpEndpoint>> {
        self.http.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Where the TCP port listens, if it does.
    pub fn http_endpoint(&self) -> Option<HttpEndpoint> {
        self.endpoint().clone()
    }

    pub(super) fn servers(&self) -> &TaskTracker {
        &self.servers
    }

    /// Waits (at most `limit`) for the TCP server to end after the daemon began to stop,
    /// and removes the token file.
    pub async fn stopped(&self, limit: std::time::Duration) {
        self.servers.close();
        let _ = tokio::time::timeout(limit, self.servers.wait()).await;
        self.token_file.remove();
    }

    /// The routes for `surface`.
    pub fn router(self: &Arc<Self>, surface: Surface) -> Router {
        let mut router = Router::new()
            .route("/", get(pages::stack))
            .route("/stack.json", get(live::stack_json))
            .route("/services/{name}", get(pages::service))
            .route("/services/{name}/logs/sse", get(live::log_events))
            .route("/executions", get(pages::executions))
            .route("/executions/{id}", get(pages::run))
            .route("/executions/{id}/sse", get(live::run_events))
            .route("/actions/confirm", get(actions::confirm))
            .route("/actions", post(actions::act))
            .route("/health", get(pages::health))
            .route("/.well-known/heroservice.json", get(pages::heroservice))
            .route("/static/{file}", get(assets::file));
        if surface == Surface::Admin {
            router = router.route("/listen", post(super::listen::listen_route));
        }
        let mut router = router
            .layer(middleware::from_fn_with_state(
                self.clone(),
                access::same_origin_actions,
            ))
            .layer(middleware::from_fn_with_state(
                self.clone(),
                body_limit::bounded_body,
            ));
        if let Surface::Http { .. } = surface {
            router = router.layer(middleware::from_fn_with_state(
                self.clone(),
                access::token_gate,
            ));
        }
        let router = router.layer(axum::Extension(surface));
        router.with_state(self.clone())
    }
}
