//! [`ZinitClient`]: newline-delimited JSON-RPC 2.0 over zinit's unix socket.
//!
//! One connection per call: zinit serves every connection independently, a call costs a
//! fraction of a millisecond locally, and a broken connection can never leave a stale
//! answer behind for the next call.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use super::ZinitError;

/// A client of one `zinit-server` socket.
#[derive(Debug)]
pub struct ZinitClient {
    socket: PathBuf,
    timeout: Duration,
    next_id: AtomicU64,
}

impl ZinitClient {
    /// A client of the server listening on `socket`; every call gives up after `timeout`.
    pub fn new(socket: impl Into<PathBuf>, timeout: Duration) -> Self {
        Self {
            socket: socket.into(),
            timeout,
            next_id: AtomicU64::new(1),
        }
    }

    /// The socket it talks to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Calls `method` with `params` and returns its `result`.
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, ZinitError> {
        self.call_within(method, params, self.timeout).await
    }

    /// [`call`](Self::call) with its own timeout, for a call zinit is known to answer
    /// slowly.
    pub async fn call_within(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, ZinitError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(timeout, self.exchange(id, method, params)).await {
            Ok(result) => result,
            Err(_) => Err(ZinitError::Timeout {
                socket: self.socket.clone(),
                method: method.to_string(),
                timeout,
            }),
        }
    }

    async fn exchange(&self, id: u64, method: &str, params: Value) -> Result<Value, ZinitError> {
        let stream =
            UnixStream::connect(&self.socket)
                .await
                .map_err(|source| ZinitError::NotRunning {
                    socket: self.socket.clone(),
                    source,
                })?;
        let io = |source| ZinitError::Io {
            socket: self.socket.clone(),
            method: method.to_string(),
            source,
        };
        let (reader, mut writer) = stream.into_split();
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let mut line = request.to_string();
        line.push('\n');
        writer.write_all(line.as_bytes()).await.map_err(io)?;
        writer.flush().await.map_err(io)?;
        let mut answer = String::new();
        let read = BufReader::new(reader)
            .read_line(&mut answer)
            .await
            .map_err(io)?;
        let protocol = |detail: String| ZinitError::Protocol {
            method: method.to_string(),
            detail,
        };
        if read == 0 {
            return Err(protocol("the connection closed without an answer".into()));
        }
        let mut response: Value = serde_json::from_str(&answer)
            .map_err(|e| protocol(format!("not JSON ({e}): {}", answer.trim())))?;
        if response.get("id").and_then(Value::as_u64) != Some(id) {
            return Err(protocol(format!(
                "an answer to another request: {}",
                answer.trim()
            )));
        }
        if let Some(error) = response.get("error").filter(|e| !e.is_null()) {
            let mut message = error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message")
                .to_string();
            if let Some(data) = error.get("data").filter(|d| !d.is_null()) {
                message = format!("{message} {data}");
            }
            return Err(ZinitError::Rpc {
                method: method.to_string(),
                code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
                message,
            });
        }
        Ok(response
            .get_mut("result")
            .map(Value::take)
            .unwrap_or(Value::Null))
    }
}
