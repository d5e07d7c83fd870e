//! [`RpcClient`]: the client side of the daemon's socket — JSON-RPC calls, plain GETs and
//! NDJSON streams over HTTP/1.1 on a unix socket. The CLI is built on it; scripts and
//! agents can use it too.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::UnixStream;

use super::jsonrpc::RpcError;

/// A failure to talk to the daemon.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens on the socket (or it cannot be opened).
    #[error("cannot reach the hero_svc daemon at {socket}")]
    Unreachable {
        /// The socket.
        socket: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The HTTP exchange failed.
    #[error("the connection to the daemon failed")]
    Transport(#[source] hyper::Error),
    /// The daemon did not answer in time.
    #[error(
        "the hero_svc daemon at {socket} did not answer within {}s; it may be overloaded or hung (its log is in $HERO_ROOT/var/hero_svc/daemon.log)",
        .after.as_secs_f64()
    )]
    Timeout {
        /// The socket.
        socket: PathBuf,
        /// How long the client waited.
        after: Duration,
    },
    /// The daemon answered with an HTTP error.
    #[error("the daemon answered HTTP {status}: {body}")]
    Http {
        /// The status code.
        status: u16,
        /// The body.
        body: String,
    },
    /// The answer is not what the protocol promises.
    #[error("the daemon's answer is not valid: {0}")]
    Protocol(String),
    /// The method failed; the error is the daemon's.
    #[error("{0}")]
    Rpc(RpcError),
}

/// A client of the daemon's socket. Each call opens its own connection (cheap on a unix
/// socket), so one client can be shared by concurrent tasks.
///
/// Nothing waits forever unless asked to: connecting and every call are bounded by
/// [`timeout`](Self::timeout) (default [`DEFAULT_TIMEOUT`]; a call that waits for a whole
/// operation, `wait: true`, needs a longer one or none), and a stream by
/// [`STREAM_IDLE_TIMEOUT`] without a byte (the daemon sends an empty line every 15 s on a
/// quiet stream).
#[derive(Debug)]
pub struct RpcClient {
    socket: PathBuf,
    next_id: AtomicU64,
    timeout: Option<Duration>,
}

/// How long a call may take unless the client is told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stream may stay silent before the client gives up on it.
pub const STREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

impl RpcClient {
    /// A client for the daemon listening on `socket`, with the default timeout (or
    /// `HERO_SVC_CLIENT_TIMEOUT`, in seconds, when set).
    pub fn new(socket: impl Into<PathBuf>) -> Self {
        let timeout = std::env::var("HERO_SVC_CLIENT_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64);
        Self {
            socket: socket.into(),
            next_id: AtomicU64::new(1),
            timeout: Some(timeout),
        }
    }

    /// Bounds connecting and each call by `timeout` (`None`: no bound, for calls that wait
    /// for whole operations).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The bound of each call (`None`: none).
    pub fn configured_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    fn timed_out(&self, after: Duration) -> ClientError {
        ClientError::Timeout {
            socket: self.socket.clone(),
            after,
        }
    }

    /// `fut`, or a timeout error after the client's timeout.
    async fn bounded<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        match self.timeout {
            Some(limit) => tokio::time::timeout(limit, fut)
                .await
                .unwrap_or_else(|_| Err(self.timed_out(limit))),
            None => fut.await,
        }
    }

    /// The socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Sends `req`, asking again (with backoff, within the client's timeout) while the
    /// daemon refuses the connection because all its slots are busy. The daemon refuses
    /// before it reads anything, so even a call that changes something is safe to send
    /// again then. When the connection fails without an answer, `idempotent` requests
    /// (queries) are sent again too; others are not (the daemon may have acted on them).
    async fn send(
        &self,
        req: Request<Full<Bytes>>,
        idempotent: bool,
    ) -> Result<hyper::Response<Incoming>, ClientError> {
        let mut delay = Duration::from_millis(20);
        let mut transport_retries = 0;
        loop {
            let resp = match self.send_once(req.clone()).await {
                Ok(r) => r,
                Err(ClientError::Transport(e))
                    if transport_retries < 5 && (idempotent || answered_before_asked(&e)) =>
                {
                    transport_retries += 1;
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_millis(500));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if resp.status() != hyper::StatusCode::SERVICE_UNAVAILABLE {
                return Ok(resp);
            }
            let (status, body) = Self::body(resp).await?;
            let overloaded = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["error"]["code"].as_i64())
                == Some(super::jsonrpc::codes::OVERLOADED);
            if !overloaded {
                return Err(ClientError::Http {
                    status,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(500));
        }
    }

    async fn send_once(
        &self,
        req: Request<Full<Bytes>>,
    ) -> Result<hyper::Response<Incoming>, ClientError> {
        let stream =
            UnixStream::connect(&self.socket)
                .await
                .map_err(|source| ClientError::Unreachable {
                    socket: self.socket.clone(),
                    source,
                })?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(ClientError::Transport)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        sender
            .send_request(req)
            .await
            .map_err(ClientError::Transport)
    }

    fn request(method: &str, path: &str, body: Bytes) -> Result<Request<Full<Bytes>>, ClientError> {
        Request::builder()
            .method(method)
            .uri(path)
            .header("host", "hero_svc")
            .header("content-type", "application/json")
            .body(Full::new(body))
            .map_err(|e| ClientError::Protocol(e.to_string()))
    }

    async fn body(resp: hyper::Response<Incoming>) -> Result<(u16, Bytes), ClientError> {
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(ClientError::Transport)?
            .to_bytes();
        Ok((status, body))
    }

    /// Calls `method` with `params`; the method's error comes back as
    /// [`ClientError::Rpc`].
    pub async fn call(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        let req = Self::request("POST", "/rpc", Bytes::from(body.to_string()))?;
        let (status, bytes) = self
            .bounded(async { Self::body(self.send(req, is_query(method)).await?).await })
            .await?;
        let mut answer: Value = serde_json::from_slice(&bytes).map_err(|_| ClientError::Http {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })?;
        if answer.get("id") != Some(&json!(id)) {
            return Err(ClientError::Protocol(format!(
                "answer for id {} to request {id}",
                answer.get("id").unwrap_or(&Value::Null)
            )));
        }
        if let Some(error) = answer.get_mut("error") {
            let error: RpcError = serde_json::from_value(error.take())
                .map_err(|e| ClientError::Protocol(format!("malformed error: {e}")))?;
            return Err(ClientError::Rpc(error));
        }
        answer
            .get_mut("result")
            .map(Value::take)
            .ok_or_else(|| ClientError::Protocol("an answer with neither result nor error".into()))
    }

    /// `GET path`: the status and the body.
    pub async fn get(&self, path: &str) -> Result<(u16, Bytes), ClientError> {
        let req = Self::request("GET", path, Bytes::new())?;
        self.bounded(async { Self::body(self.send(req, true).await?).await })
            .await
    }

    /// `GET path` as a stream of NDJSON values, until the daemon ends it.
    pub async fn stream(
        &self,
        path: &str,
    ) -> Result<impl Stream<Item = Result<Value, ClientError>> + Send + 'static, ClientError> {
        let req = Self::request("GET", path, Bytes::new())?;
        let resp = self.bounded(self.send(req, true)).await?;
        if !resp.status().is_success() {
            let (status, body) = self.bounded(Self::body(resp)).await?;
            return Err(ClientError::Http {
                status,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        let body = resp.into_body();
        let socket = self.socket.clone();
        Ok(futures::stream::unfold(
            (body, Vec::<u8>::new(), false),
            move |(mut body, mut buf, mut ended)| {
                let socket = socket.clone();
                async move {
                    loop {
                        if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                            let line: Vec<u8> = buf.drain(..=pos).collect();
                            if line.iter().all(u8::is_ascii_whitespace) {
                                continue;
                            }
                            let item = serde_json::from_slice(&line)
                                .map_err(|e| ClientError::Protocol(format!("bad event line: {e}")));
                            return Some((item, (body, buf, ended)));
                        }
                        if ended {
                            return None;
                        }
                        let Ok(frame) =
                            tokio::time::timeout(STREAM_IDLE_TIMEOUT, body.frame()).await
                        else {
                            ended = true;
                            let error = ClientError::Timeout {
                                socket: socket.clone(),
                                after: STREAM_IDLE_TIMEOUT,
                            };
                            return Some((Err(error), (body, buf, ended)));
                        };
                        match frame {
                            Some(Ok(frame)) => {
                                if let Ok(data) = frame.into_data() {
                                    buf.extend_from_slice(&data);
                                }
                            }
                            Some(Err(e)) => {
                                ended = true;
                                return Some((Err(ClientError::Transport(e)), (body, buf, ended)));
                            }
                            None => {
                                ended = true;
                                if !buf.is_empty() {
                                    buf.push(b'\n');
                                }
                            }
                        }
                    }
                }
            },
        ))
    }
}

/// Whether `method` only reads (and so may be sent twice).
fn is_query(method: &str) -> bool {
    matches!(
        method,
        "service.list"
            | "service.inspect"
            | "service.status"
            | "service.health"
            | "service.logs"
            | "service.troubleshoot"
            | "service.plan"
            | "rpc.discover"
            | "rpc.health"
            | "execution.list"
            | "execution.get"
            | "execution.events"
    )
}

/// Whether the connection failed because the daemon answered before the request was sent:
/// a refusal written at once (every slot busy), so the request was never read.
fn answered_before_asked(e: &hyper::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.to_string().contains("unexpected message") {
            return true;
        }
        cause = c.source();
    }
    false
}
