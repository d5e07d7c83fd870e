//! JSON-RPC 2.0 over `POST /rpc`: parsing a request body (single or batch), validating each
//! request and answering it from the [`Service`].

use serde_json::{Map, Value, json};

use crate::openrpc;
use crate::service::Service;

/// Invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// The JSON sent is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// The method does not exist.
pub const METHOD_NOT_FOUND: i64 = -32601;

/// Answers one HTTP request body; `None` when it held only notifications (no reply due).
pub fn handle_body(service: &Service, body: &[u8]) -> Option<Value> {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Some(error(
                Value::Null,
                PARSE_ERROR,
                &format!("parse error: {e}"),
            ));
        }
    };
    match parsed {
        Value::Array(batch) if batch.is_empty() => Some(error(
            Value::Null,
            INVALID_REQUEST,
            "invalid request: empty batch",
        )),
        Value::Array(batch) => {
            let replies: Vec<Value> = batch
                .into_iter()
                .filter_map(|request| handle_request(service, request))
                .collect();
            (!replies.is_empty()).then_some(Value::Array(replies))
        }
        request => handle_request(service, request),
    }
}

/// Answers one request object; `None` for a valid notification.
fn handle_request(service: &Service, request: Value) -> Option<Value> {
    let Value::Object(mut request) = request else {
        return Some(error(
            Value::Null,
            INVALID_REQUEST,
            "invalid request: not an object",
        ));
    };
    let id = request.remove("id");
    let id_is_valid = matches!(
        id,
        None | Some(Value::Null | Value::String(_) | Value::Number(_))
    );
    let reply_id = if id_is_valid {
        id.clone().unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    if !id_is_valid {
        return Some(error(
            reply_id,
            INVALID_REQUEST,
            "invalid request: id must be a string, a number or null",
        ));
    }
    if request.get("jsonrpc") != Some(&json!("2.0")) {
        return Some(error(
            reply_id,
            INVALID_REQUEST,
            "invalid request: jsonrpc must be \"2.0\"",
        ));
    }
    let Some(Value::String(method)) = request.remove("method") else {
        return Some(error(
            reply_id,
            INVALID_REQUEST,
            "invalid request: method must be a string",
        ));
    };
    let params = request.remove("params");
    if !matches!(params, None | Some(Value::Array(_) | Value::Object(_))) {
        return Some(error(
            reply_id,
            INVALID_REQUEST,
            "invalid request: params must be an array or an object",
        ));
    }
    let outcome = call(service, &method, params);
    let id = id?;
    Some(match outcome {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err((code, message)) => error(id, code, &message),
    })
}

/// Runs `method`; an error is a JSON-RPC code and message.
fn call(service: &Service, method: &str, params: Option<Value>) -> Result<Value, (i64, String)> {
    match method {
        "rpc.discover" => Ok(openrpc::document(service)),
        "rpc.health" => Ok(service.health().1),
        "demo.echo" => Ok(params.unwrap_or(Value::Null)),
        "demo.env" => Ok(Value::Object(
            std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        Value::String(v.to_string_lossy().into_owned()),
                    )
                })
                .collect::<Map<_, _>>(),
        )),
        "demo.info" => Ok(service.info()),
        _ => Err((
            METHOD_NOT_FOUND,
            format!(
                "method not found: {method}; available: {}",
                openrpc::METHODS.join(", ")
            ),
        )),
    }
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::options::{Command, parse};

    fn service() -> Service {
        let Ok(Command::Run(options)) = parse(Vec::new(), None) else {
            panic!("defaults must parse");
        };
        Service::new(&options, Instant::now())
    }

    fn reply(body: &str) -> Option<Value> {
        handle_body(&service(), body.as_bytes())
    }

    #[test]
    fn echo_returns_params() {
        let r = reply(r#"{"jsonrpc":"2.0","id":1,"method":"demo.echo","params":{"a":[1,2]}}"#);
        assert_eq!(
            r,
            Some(json!({"jsonrpc":"2.0","id":1,"result":{"a":[1,2]}}))
        );
    }

    #[test]
    fn errors_carry_their_codes() {
        let code = |r: Option<Value>| r.unwrap()["error"]["code"].as_i64().unwrap();
        assert_eq!(code(reply("{nope")), PARSE_ERROR);
        assert_eq!(code(reply("[]")), INVALID_REQUEST);
        assert_eq!(code(reply("7")), INVALID_REQUEST);
        assert_eq!(
            code(reply(r#"{"id":1,"method":"demo.echo"}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            code(reply(r#"{"jsonrpc":"2.0","id":1,"method":5}"#)),
            INVALID_REQUEST
        );
        assert_eq!(
            code(reply(
                r#"{"jsonrpc":"2.0","id":1,"method":"demo.echo","params":3}"#
            )),
            INVALID_REQUEST
        );
        assert_eq!(
            code(reply(r#"{"jsonrpc":"2.0","id":"x","method":"nope"}"#)),
            METHOD_NOT_FOUND
        );
    }

    #[test]
    fn notifications_get_no_reply_and_batches_keep_the_rest() {
        assert_eq!(reply(r#"{"jsonrpc":"2.0","method":"demo.echo"}"#), None);
        let r = reply(
            r#"[{"jsonrpc":"2.0","method":"demo.echo"},{"jsonrpc":"2.0","id":2,"method":"demo.echo","params":[1]}]"#,
        );
        assert_eq!(r, Some(json!([{"jsonrpc":"2.0","id":2,"result":[1]}])));
    }
}
