//! JSON-RPC 2.0 framing: parsing requests (single, batch, notifications), building
//! responses, and the error codes of the API.
//!
//! Transport-agnostic: [`handle_body`] takes the raw request body and a dispatch function
//! and returns the response body (or `None` when every request was a notification).

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The error codes of the API. Standard JSON-RPC codes, then hero_svc's own (stable; the
/// OpenRPC document lists them).
pub mod codes {
    /// The body is not valid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// The JSON is not a valid request object (or the batch is empty).
    pub const INVALID_REQUEST: i64 = -32600;
    /// No such method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The params do not fit the method.
    pub const INVALID_PARAMS: i64 = -32602;
    /// A bug or an unexpected local failure (state store unreadable, …).
    pub const INTERNAL_ERROR: i64 = -32603;
    /// A named service is not in the catalog.
    pub const UNKNOWN_SERVICE: i64 = -32001;
    /// The operation ran and failed; `data` holds the execution report.
    pub const OPERATION_FAILED: i64 = -32002;
    /// The resource is busy (another operation holds it) and the call asked not to wait.
    pub const BUSY: i64 = -32003;
    /// The operation was cancelled; `data` holds the execution report.
    pub const CANCELLED: i64 = -32004;
    /// No execution with that id.
    pub const UNKNOWN_EXECUTION: i64 = -32005;
    /// A named group is not in the catalog.
    pub const UNKNOWN_GROUP: i64 = -32006;
    /// The operation compiled into an invalid plan (a cycle, a missing task).
    pub const INVALID_PLAN: i64 = -32007;
    /// The daemon is shutting down.
    pub const SHUTTING_DOWN: i64 = -32008;
    /// The peer is not allowed to talk to the daemon (another uid).
    pub const PERMISSION_DENIED: i64 = -32009;
    /// The daemon serves as many connections as it may; try again shortly.
    pub const OVERLOADED: i64 = -32010;
}

/// One parsed request. `id: None` is a notification (no response).
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    /// The method name.
    pub method: String,
    /// The params (an object, an array, or `null` when absent).
    pub params: Value,
    /// The id, absent for notifications.
    pub id: Option<Value>,
}

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    /// One of [`codes`].
    pub code: i64,
    /// What happened and what to do.
    pub message: String,
    /// Structured detail (an execution report, the valid names, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// Attaches structured detail.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `-32602` with `message`.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMS, message)
    }

    /// `-32603` with `message`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }
}

/// Parses `params` into `P`; absent params are read as `{}`.
pub fn parse_params<P: serde::de::DeserializeOwned>(params: Value) -> Result<P, RpcError> {
    let params = if params.is_null() { json!({}) } else { params };
    serde_json::from_value(params)
        .map_err(|e| RpcError::invalid_params(format!("invalid params: {e}")))
}

/// An error response.
pub fn failure(id: Value, error: RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": error })
}

/// Checks one request object; `Err` is the error response to send for it.
fn parse_request(value: Value) -> Result<Request, Value> {
    let Value::Object(mut obj) = value else {
        return Err(failure(
            Value::Null,
            RpcError::new(codes::INVALID_REQUEST, "a request must be a JSON object"),
        ));
    };
    // An id must be a string, a number or null; anything else makes the id unusable.
    let id = obj.remove("id");
    let reply_id = match &id {
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Null)) => v.clone(),
        _ => Value::Null,
    };
    let invalid = |msg: &str| failure(reply_id.clone(), RpcError::new(codes::INVALID_REQUEST, msg));
    if matches!(
        id,
        Some(Value::Bool(_) | Value::Array(_) | Value::Object(_))
    ) {
        return Err(invalid("`id` must be a string, a number or null"));
    }
    if obj.get("jsonrpc") != Some(&Value::String("2.0".into())) {
        return Err(invalid("`jsonrpc` must be exactly \"2.0\""));
    }
    let Some(Value::String(method)) = obj.remove("method") else {
        return Err(invalid("`method` must be a string"));
    };
    let params = obj.remove("params").unwrap_or(Value::Null);
    if !matches!(params, Value::Object(_) | Value::Array(_) | Value::Null) {
        return Err(invalid("`params` must be an object or an array"));
    }
    Ok(Request { method, params, id })
}

/// Answers a request body: a single request or a batch (whose requests are dispatched
/// concurrently; responses keep the batch's order). Returns the response body, serialized
/// once from the methods' typed results (no intermediate JSON tree), or `None` when there
/// is nothing to answer (only notifications).
pub async fn handle_body<F, Fut, R>(body: &[u8], dispatch: F) -> Option<Vec<u8>>
where
    F: Fn(Request) -> Fut,
    Fut: Future<Output = Result<R, RpcError>>,
    R: Serialize,
{
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return encode(&failure(
                Value::Null,
                RpcError::new(
                    codes::PARSE_ERROR,
                    format!("the body is not valid JSON: {e}"),
                ),
            ));
        }
    };
    let answer_one = |v: Value| {
        let req = parse_request(v);
        let dispatch = &dispatch;
        async move {
            match req {
                Err(resp) => Some(Answer::Other(resp)),
                Ok(req) => {
                    let id = req.id.clone();
                    let result = dispatch(req).await;
                    let id = id?;
                    Some(match result {
                        Ok(result) => Answer::Success {
                            id,
                            jsonrpc: "2.0",
                            result,
                        },
                        Err(e) => Answer::Other(failure(id, e)),
                    })
                }
            }
        }
    };
    match value {
        Value::Array(items) if items.is_empty() => encode(&failure(
            Value::Null,
            RpcError::new(codes::INVALID_REQUEST, "an empty batch is not a request"),
        )),
        Value::Array(items) => {
            let answers = futures::future::join_all(items.into_iter().map(answer_one)).await;
            let answers: Vec<Answer<R>> = answers.into_iter().flatten().collect();
            if answers.is_empty() {
                None
            } else {
                encode(&answers)
            }
        }
        single => encode(&answer_one(single).await?),
    }
}

/// One response object: a method's result, or an error response already built.
#[derive(Serialize)]
#[serde(untagged)]
enum Answer<R> {
    Success {
        id: Value,
        jsonrpc: &'static str,
        result: R,
    },
    Other(Value),
}

/// The body of `answer`; a result that cannot be encoded becomes an internal error.
fn encode(answer: &impl Serialize) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(answer).unwrap_or_else(|e| {
        let error = RpcError::internal(format!("could not encode the response: {e}"));
        failure(Value::Null, error).to_string().into_bytes()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo(req: Request) -> Result<Value, RpcError> {
        match req.method.as_str() {
            "echo" => Ok(req.params),
            _ => Err(RpcError::new(codes::METHOD_NOT_FOUND, "no such method")),
        }
    }

    async fn call(body: &str) -> Option<Value> {
        let bytes = handle_body(body.as_bytes(), echo).await?;
        Some(serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn single_request_and_errors() {
        let r = call(r#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":1}}"#)
            .await
            .unwrap();
        assert_eq!(r, json!({"jsonrpc":"2.0","id":1,"result":{"a":1}}));
        let r = call(r#"{"jsonrpc":"2.0","id":"x","method":"nope"}"#)
            .await
            .unwrap();
        assert_eq!(r["error"]["code"], codes::METHOD_NOT_FOUND);
        assert_eq!(r["id"], "x");
        let r = call("{not json").await.unwrap();
        assert_eq!(r["error"]["code"], codes::PARSE_ERROR);
        assert_eq!(r["id"], Value::Null);
        let r = call(r#"{"jsonrpc":"1.0","id":2,"method":"echo"}"#)
            .await
            .unwrap();
        assert_eq!(r["error"]["code"], codes::INVALID_REQUEST);
        assert_eq!(r["id"], 2);
        let r = call(r#"{"jsonrpc":"2.0","id":3,"method":"echo","params":7}"#)
            .await
            .unwrap();
        assert_eq!(r["error"]["code"], codes::INVALID_REQUEST);
    }

    #[tokio::test]
    async fn notifications_get_no_answer() {
        assert_eq!(call(r#"{"jsonrpc":"2.0","method":"echo"}"#).await, None);
        assert_eq!(
            call(r#"[{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"x"}]"#).await,
            None
        );
    }

    #[tokio::test]
    async fn batches_keep_order_and_skip_notifications() {
        let r = call(
            r#"[{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]},
                {"jsonrpc":"2.0","method":"echo"},
                5,
                {"jsonrpc":"2.0","id":2,"method":"nope"}]"#,
        )
        .await
        .unwrap();
        let arr = r.as_array().unwrap();
        assert_eq!(arr.len(), 3);
        assert_eq!(arr[0]["result"], json!([1]));
        assert_eq!(arr[1]["error"]["code"], codes::INVALID_REQUEST);
        assert_eq!(arr[2]["id"], 2);
        assert_eq!(
            call("[]").await.unwrap()["error"]["code"],
            codes::INVALID_REQUEST
        );
    }
}
