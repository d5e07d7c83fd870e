//! `rpc.*`: discovery and health.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::daemon::Daemon;
use crate::rpc::jsonrpc::RpcError;
use crate::rpc::server::OPENRPC;

/// No params.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// `rpc.discover`: the OpenRPC document.
pub async fn discover(_daemon: Arc<Daemon>, _p: NoParams) -> Result<Value, RpcError> {
    serde_json::from_str(OPENRPC)
        .map_err(|e| RpcError::internal(format!("the OpenRPC document is invalid: {e}")))
}

/// `rpc.health`: the same answer as `GET /health`.
pub async fn health(daemon: Arc<Daemon>, _p: NoParams) -> Result<Value, RpcError> {
    Ok(health_value(&daemon).await)
}

/// The health document: `degraded` (still serving and supervising) while something fails.
pub async fn health_value(daemon: &Daemon) -> Value {
    let faults = daemon.faults();
    json!({
        "status": if faults.is_empty() { "ok" } else { "degraded" },
        "service": daemon.paths().program,
        "version": env!("CARGO_PKG_VERSION"),
        "catalogs": daemon.catalog_names(),
        "default_catalog": daemon.default_catalog(),
        "pid": std::process::id(),
        "uptime_ms": daemon.uptime_ms(),
        "executions_running": daemon.executions().any_running(),
        "faults": faults,
        "notices": daemon.notices().await,
    })
}
