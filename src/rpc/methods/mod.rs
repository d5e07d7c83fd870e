//! The JSON-RPC methods, one file per group, and the dispatcher that maps names to them.
//!
//! Adding a method: write it in its group's file as `async fn(Arc<Daemon>, Params) ->
//! Result<impl Serialize, RpcError>` with a `Deserialize` params struct, add its name to
//! [`METHOD_NAMES`] and an arm to [`dispatch`], and describe it in
//! `openrpc/hero_svc.openrpc.json` (a test checks the three agree).

pub mod execution;
pub mod rpc;
pub mod service;

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::jsonrpc::{Request, RpcError, codes, parse_params};
use crate::daemon::Daemon;

/// Every method the daemon answers.
pub const METHOD_NAMES: &[&str] = &[
    "service.list",
    "service.inspect",
    "service.status",
    "service.health",
    "service.logs",
    "service.troubleshoot",
    "service.build",
    "service.install",
    "service.start",
    "service.stop",
    "service.restart",
    "service.upgrade",
    "service.verify",
    "service.delete",
    "service.deploy",
    "service.lock",
    "service.plan",
    "rpc.discover",
    "rpc.health",
    "execution.list",
    "execution.get",
    "execution.events",
    "execution.cancel",
];

/// Runs one request.
pub async fn dispatch(daemon: Arc<Daemon>, req: Request) -> Result<Box<RawValue>, RpcError> {
    let p = req.params;
    match req.method.as_str() {
        "service.list" => call(daemon, p, service::list).await,
        "service.inspect" => call(daemon, p, service::inspect).await,
        "service.status" => call(daemon, p, service::status).await,
        "service.health" => call(daemon, p, service::health).await,
        "service.logs" => call(daemon, p, service::logs).await,
        "service.troubleshoot" => call(daemon, p, service::troubleshoot).await,
        "service.build" => call(daemon, p, service::build).await,
        "service.install" => call(daemon, p, service::install).await,
        "service.start" => call(daemon, p, service::start).await,
        "service.stop" => call(daemon, p, service::stop).await,
        "service.restart" => call(daemon, p, service::restart).await,
        "service.upgrade" => call(daemon, p, service::upgrade).await,
        "service.verify" => call(daemon, p, service::verify).await,
        "service.delete" => call(daemon, p, service::delete).await,
        "service.deploy" => call(daemon, p, service::deploy).await,
        "service.lock" => call(daemon, p, service::lock).await,
        "service.plan" => call(daemon, p, service::plan).await,
        "rpc.discover" => call(daemon, p, rpc::discover).await,
        "rpc.health" => call(daemon, p, rpc::health).await,
        "execution.list" => call(daemon, p, execution::list).await,
        "execution.get" => call(daemon, p, execution::get).await,
        "execution.events" => call(daemon, p, execution::events).await,
        "execution.cancel" => call(daemon, p, execution::cancel).await,
        other => Err(RpcError::new(
            codes::METHOD_NOT_FOUND,
            format!("no method `{other}`; `rpc.discover` lists them"),
        )
        .with_data(serde_json::json!({ "methods": METHOD_NAMES }))),
    }
}

async fn call<P, R, F, Fut>(
    daemon: Arc<Daemon>,
    params: Value,
    method: F,
) -> Result<Box<RawValue>, RpcError>
where
    P: DeserializeOwned,
    R: Serialize,
    F: FnOnce(Arc<Daemon>, P) -> Fut,
    Fut: Future<Output = Result<R, RpcError>>,
{
    let params = parse_params(params)?;
    let result = method(daemon, params).await?;
    // Encoded straight into JSON text: no tree of values is built and walked again.
    serde_json::value::to_raw_value(&result)
        .map_err(|e| RpcError::internal(format!("could not encode the result: {e}")))
}
