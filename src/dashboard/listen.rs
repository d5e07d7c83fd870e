//! Where the dashboard is served.
//!
//! - [`serve_admin`]: on the admin unix socket beside the RPC socket
//!   (`$PATH_SOCKET/hero_svc/admin.sock`), with the RPC socket's own connection handling
//!   ([`serve_unix`](crate::rpc::connections::serve_unix): peers of another uid refused,
//!   timeouts, a cap), until the daemon stops.
//! - [`Dashboard::listen_http`]: on a loopback TCP port, when asked (`serve --http ADDR`,
//!   or `POST /listen` on the admin socket, which `hero_svc dashboard` sends). Only
//!   loopback addresses are accepted; port 0 picks a free one. Once it listens, asking
//!   again answers the same endpoint. The URL, with the token, is written to the token
//!   file; the token gate ([`access`](super::access)) guards every request. It is served by
//!   the same connection loop ([`serve_tcp`](crate::rpc::connections::serve_tcp)): the
//!   header and body timeouts, idle connections closed, and the cap — one cap for both
//!   surfaces, so the dashboard as a whole never holds more than `max_connections`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::UnixListener;

use super::{Dashboard, DashboardError, HttpEndpoint, Surface};
use crate::rpc::connections::{ConnectionLimits, serve_tcp, serve_unix};

/// Serves the dashboard on the admin socket `listener` within `limits` (the cap shared
/// with the TCP port) until the daemon stops.
pub async fn serve_admin(
    listener: UnixListener,
    dashboard: Arc<Dashboard>,
    limits: ConnectionLimits,
) -> std::io::Result<()> {
    let stopping = dashboard.daemon().stopping().clone();
    let router = dashboard.router(Surface::Admin);
    let stats = dashboard.connections().clone();
    serve_unix(listener, router, limits, stats, stopping).await
}

/// `addr` as a socket address (`127.0.0.1:8080`; a bare port means 127.0.0.1).
pub fn parse_addr(addr: &str) -> Result<SocketAddr, DashboardError> {
    let addr = addr.trim();
    if let Ok(port) = addr.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Some(port) = addr
        .strip_prefix("localhost:")
        .and_then(|p| p.parse::<u16>().ok())
    {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    addr.parse().map_err(|_| DashboardError::BadAddress {
        given: addr.to_string(),
    })
}

impl Dashboard {
    /// Listens on the loopback address `addr` (port 0: a free one) and serves the dashboard
    /// there until the daemon stops; writes the URL to the token file. Already listening:
    /// the same endpoint (for port 0 or the same address), else an error.
    pub fn listen_http(self: &Arc<Self>, addr: SocketAddr) -> Result<HttpEndpoint, DashboardError> {
        if !addr.ip().is_loopback() {
            return Err(DashboardError::NotLoopback { addr });
        }
        let mut current = self.endpoint();
        if let Some(endpoint) = current.as_ref() {
            if addr.port() == 0 || endpoint.addr == addr {
                return Ok(endpoint.clone());
            }
            return Err(DashboardError::ListensElsewhere {
                current: endpoint.addr,
                asked: addr,
            });
        }
        let bind = |source| DashboardError::Bind { addr, source };
        let std_listener = std::net::TcpListener::bind(addr).map_err(bind)?;
        std_listener.set_nonblocking(true).map_err(bind)?;
        let bound = std_listener.local_addr().map_err(bind)?;
        let listener = tokio::net::TcpListener::from_std(std_listener).map_err(bind)?;
        let host = match bound {
            SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        };
        let endpoint = HttpEndpoint {
            addr: bound,
            url: format!("http://{host}/?token={}", self.secret().token()),
        };
        self.token_file()
            .write(&endpoint.url, bound, self.secret().token())?;
        let router = self.router(Surface::Http { port: bound.port() });
        let stopping = self.daemon().stopping().clone();
        let (limits, stats) = (self.limits().clone(), self.connections().clone());
        self.servers().spawn(async move {
            let served = serve_tcp(listener, router, limits, stats, stopping).await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "the dashboard's TCP server failed");
            }
        });
        tracing::info!(addr = %bound, "dashboard listening on loopback TCP");
        *current = Some(endpoint.clone());
        Ok(endpoint)
    }
}

/// `?addr=` of `POST /listen`.
#[derive(serde::Deserialize)]
pub struct ListenQuery {
    addr: Option<String>,
}

/// `POST /listen[?addr=127.0.0.1:PORT]` (admin socket only): listens on TCP, answers
/// `{"addr", "url"}`.
pub async fn listen_route(
    State(dashboard): State<Arc<Dashboard>>,
    Query(q): Query<ListenQuery>,
) -> Response {
    let result = parse_addr(q.addr.as_deref().unwrap_or("127.0.0.1:0"))
        .and_then(|addr| dashboard.listen_http(addr));
    let (status, body) = match result {
        Ok(endpoint) => (StatusCode::OK, serde_json::json!(endpoint)),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            serde_json::json!({ "error": crate::util::error_chain(&e) }),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_with_a_loopback_default() {
        assert_eq!(
            parse_addr("8080").unwrap(),
            "127.0.0.1:8080".parse().unwrap()
        );
        assert_eq!(
            parse_addr("localhost:9").unwrap(),
            "127.0.0.1:9".parse().unwrap()
        );
        assert_eq!(parse_addr("[::1]:9").unwrap(), "[::1]:9".parse().unwrap());
        assert!(parse_addr("nowhere").is_err());
    }
}
