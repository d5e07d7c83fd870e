//! The JSON-RPC methods, one file per group, and the dispatcher that maps names to them.
//!
//! Adding a method: write it in its group's file as `async fn(Arc<Daemon>, Params) ->
//! Result<impl Serialize, RpcError>` with a `Deserialize` params struct, add its name to
//! [`METHOD_NAMES`] and an arm to [`dispatch`], and describe it in
//! `openrpc/hero_svc.openrpc.json` (a test checks the three agree).

pub mod execution;
pub mod rpc;

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::jsonrpc::{Request, RpcError, codes, parse_params};
use crate::daemon::Daemon;

/// Every method the daemon answers.
pub const METHOD_NAMES: &[&str] = &[
    "rpc.discover",
    "rpc.health",
    "execution.list",
    "execution.get",
    "execution.events",
    "execution.cancel",
];

/// Runs one request.
pub async fn dispatch(daemon: Arc<Daemon>, req: Request) -> Result<Value, RpcError> {
    let p = req.params;
    match req.method.as_str() {
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
) -> Result<Value, RpcError>
where
    P: DeserializeOwned,
    R: Serialize,
    F: FnOnce(Arc<Daemon>, P) -> Fut,
    Fut: Future<Output = Result<R, RpcError>>,
{
    let params = parse_params(params)?;
    let result = method(daemon, params).await?;
    serde_json::to_value(result)
        .map_err(|e| RpcError::internal(format!("could not encode the result: {e}")))
}
