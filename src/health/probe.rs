//! [`Probe`]: one way of asking "is this service healthy?".

use std::fmt;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::net::{TcpStream, UnixStream};

use super::ProbeError;
use super::ProbeResult;
use super::http_get::{HttpGetError, http_get};
use super::probe_result::{humanize, status_line};

/// How long one probe may take by default: a healthy service answers in milliseconds, and a
/// wait polls again soon anyway.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// How much of an ordinary response body is read.
const BODY_LIMIT: usize = 64 * 1024;
/// How much of an OpenRPC document is read.
const OPENRPC_LIMIT: usize = 8 * 1024 * 1024;
/// The `Host` header sent over unix sockets.
const UNIX_HOST: &str = "localhost";

/// What to check. Serializable, so a plan (and a report) can carry it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Probe {
    /// `GET path` over the unix socket `socket`; healthy on 2xx.
    HttpUnix {
        /// The socket (`$PATH_SOCKET/hero_X/rpc.sock`).
        socket: PathBuf,
        /// The request path (`/health`).
        path: String,
    },
    /// `GET url` over TCP; plain `http://` on a loopback address only. Healthy on 2xx.
    HttpTcp {
        /// `http://127.0.0.1:8080/health`.
        url: String,
    },
    /// A TCP connection to `addr` is accepted.
    TcpConnect {
        /// `host:port`.
        addr: String,
    },
    /// `GET /openrpc.json` over the unix socket `socket` answers 2xx with an OpenRPC
    /// document: an `openrpc` version string and a `methods` array.
    OpenRpc {
        /// The socket.
        socket: PathBuf,
    },
    /// The socket file `path` exists and accepts a connection.
    SocketFile {
        /// The socket.
        path: PathBuf,
    },
    /// A program that speaks the service's own protocol (`redis-cli -p 6379 ping`): run with
    /// `argv`, healthy when it exits with `expect_code` within the probe's time and, when
    /// `expect_output` is set, its standard output holds it. The program gets no input;
    /// when the probe's time is up it is killed.
    Exec {
        /// The program and its arguments.
        argv: Vec<String>,
        /// The exit code that means healthy (0 unless said otherwise).
        #[serde(default)]
        expect_code: i32,
        /// Text its standard output must contain (`PONG`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_output: Option<String>,
        /// How long it may take, in milliseconds (the probe's default when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeout_ms: Option<u64>,
    },
}

impl Probe {
    /// The standard Hero health check: `GET /health` on `socket`.
    pub fn health(socket: impl Into<PathBuf>) -> Self {
        Self::http_unix(socket, "/health")
    }

    /// `GET path` on the unix socket `socket`.
    pub fn http_unix(socket: impl Into<PathBuf>, path: impl Into<String>) -> Self {
        Probe::HttpUnix {
            socket: socket.into(),
            path: path.into(),
        }
    }

    /// `GET url` over TCP (`http://127.0.0.1:8080/health`; loopback only).
    pub fn http_tcp(url: impl Into<String>) -> Self {
        Probe::HttpTcp { url: url.into() }
    }

    /// A TCP connection to `addr` (`127.0.0.1:6379`) is accepted.
    pub fn tcp_connect(addr: impl Into<String>) -> Self {
        Probe::TcpConnect { addr: addr.into() }
    }

    /// The OpenRPC document on `socket`.
    pub fn openrpc(socket: impl Into<PathBuf>) -> Self {
        Probe::OpenRpc {
            socket: socket.into(),
        }
    }

    /// Runs `argv` as the probe: healthy when it exits 0 (see [`Probe::Exec`]).
    pub fn exec<I, S>(argv: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Probe::Exec {
            argv: argv.into_iter().map(Into::into).collect(),
            expect_code: 0,
            expect_output: None,
            timeout_ms: None,
        }
    }

    /// For an [`Exec`](Probe::Exec) probe: the exit code that means healthy.
    pub fn expect_code(mut self, code: i32) -> Self {
        if let Probe::Exec { expect_code, .. } = &mut self {
            *expect_code = code;
        }
        self
    }

    /// For an [`Exec`](Probe::Exec) probe: how long the program may take (it is killed,
    /// with everything it started, when the time is up).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if let Probe::Exec { timeout_ms, .. } = &mut self {
            *timeout_ms = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        }
        self
    }

    /// For an [`Exec`](Probe::Exec) probe: healthy only when the output holds `text`.
    pub fn expecting(mut self, text: impl Into<String>) -> Self {
        if let Probe::Exec { expect_output, .. } = &mut self {
            *expect_output = Some(text.into());
        }
        self
    }

    /// The unix socket the probe talks to, if any: a wait watches for it to appear.
    pub fn socket_path(&self) -> Option<&Path> {
        match self {
            Probe::HttpUnix { socket, .. } | Probe::OpenRpc { socket } => Some(socket),
            Probe::SocketFile { path } => Some(path),
            Probe::HttpTcp { .. } | Probe::TcpConnect { .. } | Probe::Exec { .. } => None,
        }
    }

    /// What is being waited for, shortly (`/health`, `127.0.0.1:8080`): for progress lines.
    pub fn target(&self) -> String {
        match self {
            Probe::HttpUnix { path, .. } => path.clone(),
            Probe::HttpTcp { url } => url.clone(),
            Probe::TcpConnect { addr } => addr.clone(),
            Probe::OpenRpc { .. } => "/openrpc.json".to_string(),
            Probe::SocketFile { path } => path.display().to_string(),
            Probe::Exec { argv, .. } => argv.join(" "),
        }
    }

    /// Checks that the probe is well formed (absolute path, a loopback `http://` URL, …).
    pub fn validate(&self) -> Result<(), ProbeError> {
        match self {
            Probe::HttpUnix { path, .. } if !path.starts_with('/') => {
                Err(ProbeError::RelativePath { path: path.clone() })
            }
            Probe::HttpTcp { url } => LoopbackUrl::parse(url).map(|_| ()),
            Probe::TcpConnect { addr } if addr.trim().is_empty() => Err(ProbeError::EmptyAddress),
            Probe::Exec { argv, .. } if argv.first().is_none_or(|p| p.is_empty()) => {
                Err(ProbeError::EmptyCommand)
            }
            _ => Ok(()),
        }
    }

    /// Runs the probe once under [`PROBE_TIMEOUT`].
    pub async fn check(&self) -> ProbeResult {
        let timeout = match self {
            Probe::Exec {
                timeout_ms: Some(ms),
                ..
            } => Duration::from_millis(*ms),
            _ => PROBE_TIMEOUT,
        };
        self.check_within(timeout).await
    }

    /// Runs the probe once; no answer within `timeout` counts as unhealthy. Never fails:
    /// every problem (invalid probe included) is an unhealthy result saying what happened.
    pub async fn check_within(&self, timeout: Duration) -> ProbeResult {
        let start = Instant::now();
        let mut result = match tokio::time::timeout(timeout, self.run()).await {
            Ok(r) => r,
            Err(_) => ProbeResult::unhealthy(format!("no answer within {}", humanize(timeout))),
        };
        result.latency = start.elapsed();
        result
    }

    async fn run(&self) -> ProbeResult {
        if let Err(e) = self.validate() {
            return ProbeResult::unhealthy(format!("invalid probe: {e}"));
        }
        match self {
            Probe::HttpUnix { socket, path } => get_unix(socket, path).await,
            Probe::HttpTcp { url } => get_tcp(url).await,
            Probe::TcpConnect { addr } => match TcpStream::connect(addr.as_str()).await {
                Ok(s) => match s.peer_addr() {
                    Ok(peer) => ProbeResult::healthy(format!("connected to {peer}")),
                    Err(_) => ProbeResult::healthy(format!("connected to {addr}")),
                },
                Err(e) => ProbeResult::unhealthy(connect_detail(&e, addr)),
            },
            Probe::OpenRpc { socket } => get_openrpc(socket).await,
            Probe::SocketFile { path } => socket_file(path).await,
            Probe::Exec {
                argv,
                expect_code,
                expect_output,
                ..
            } => super::exec_probe::exec(argv, *expect_code, expect_output.as_deref()).await,
        }
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Probe::HttpUnix { socket, path } => write!(f, "GET {path} on {}", socket.display()),
            Probe::HttpTcp { url } => write!(f, "GET {url}"),
            Probe::TcpConnect { addr } => write!(f, "tcp connect to {addr}"),
            Probe::OpenRpc { socket } => {
                write!(f, "OpenRPC document on {}", socket.display())
            }
            Probe::SocketFile { path } => write!(f, "socket {}", path.display()),
            Probe::Exec { argv, .. } => write!(f, "`{}`", argv.join(" ")),
        }
    }
}

/// `GET path` over a unix socket.
async fn get_unix(socket: &Path, path: &str) -> ProbeResult {
    let stream = match UnixStream::connect(socket).await {
        Ok(s) => s,
        Err(e) => return ProbeResult::unhealthy(connect_detail(&e, &socket.display())),
    };
    match http_get(stream, UNIX_HOST, path, BODY_LIMIT).await {
        Ok(answer) => ProbeResult::of_http(answer.status, &answer.body),
        Err(e) => ProbeResult::unhealthy(exchange_detail(&e)),
    }
}

/// `GET url` over loopback TCP.
async fn get_tcp(url: &str) -> ProbeResult {
    let target = match LoopbackUrl::parse(url) {
        Ok(t) => t,
        Err(e) => return ProbeResult::unhealthy(format!("invalid probe: {e}")),
    };
    let stream = match TcpStream::connect((target.host.as_str(), target.port)).await {
        Ok(s) => s,
        Err(e) => return ProbeResult::unhealthy(connect_detail(&e, &target.authority)),
    };
    match http_get(stream, &target.authority, &target.path, BODY_LIMIT).await {
        Ok(answer) => ProbeResult::of_http(answer.status, &answer.body),
        Err(e) => ProbeResult::unhealthy(exchange_detail(&e)),
    }
}

/// `GET /openrpc.json` and check the document's shape.
async fn get_openrpc(socket: &Path) -> ProbeResult {
    let stream = match UnixStream::connect(socket).await {
        Ok(s) => s,
        Err(e) => return ProbeResult::unhealthy(connect_detail(&e, &socket.display())),
    };
    let answer = match http_get(stream, UNIX_HOST, "/openrpc.json", OPENRPC_LIMIT).await {
        Ok(a) => a,
        Err(e) => return ProbeResult::unhealthy(exchange_detail(&e)),
    };
    let mut result = ProbeResult::of_http(answer.status, &answer.body);
    if !answer.status.is_success() {
        return result;
    }
    let verdict = if answer.truncated {
        Err(format!(
            "the document is larger than {} MiB",
            OPENRPC_LIMIT >> 20
        ))
    } else {
        openrpc_shape(&answer.body)
    };
    match verdict {
        Ok(summary) => result.detail = summary,
        Err(why) => {
            result.healthy = false;
            result.detail = format!(
                "{} but not an OpenRPC document: {why}",
                status_line(answer.status)
            );
        }
    }
    result
}

/// `OpenRPC 1.3.2 document with 12 methods`, or why the body is not one.
fn openrpc_shape(body: &[u8]) -> Result<String, String> {
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON ({e})"))?;
    let version = doc
        .get("openrpc")
        .and_then(|v| v.as_str())
        .ok_or("no `openrpc` version string")?;
    let methods = doc
        .get("methods")
        .and_then(|m| m.as_array())
        .ok_or("no `methods` array")?;
    Ok(format!(
        "OpenRPC {version} document with {} methods",
        methods.len()
    ))
}

/// The socket file exists, is a socket, and accepts a connection.
async fn socket_file(path: &Path) -> ProbeResult {
    use std::os::unix::fs::FileTypeExt;

    match tokio::fs::symlink_metadata(path).await {
        Ok(meta) if !meta.file_type().is_socket() => {
            return ProbeResult::unhealthy(format!("{} is not a socket", path.display()));
        }
        Ok(_) => {}
        Err(e) => return ProbeResult::unhealthy(connect_detail(&e, &path.display())),
    }
    match UnixStream::connect(path).await {
        Ok(_) => ProbeResult::healthy(format!("{} accepts connections", path.display())),
        Err(e) => ProbeResult::unhealthy(connect_detail(&e, &path.display())),
    }
}

/// A connect error as people say it: `connection refused`, `socket /x does not exist`.
fn connect_detail(e: &io::Error, what: &dyn fmt::Display) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => format!("socket {what} does not exist"),
        io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        io::ErrorKind::ConnectionReset => "connection reset".to_string(),
        io::ErrorKind::PermissionDenied => format!("permission denied on {what}"),
        _ => format!("could not connect to {what}: {e}"),
    }
}

/// A failed exchange with every cause: `connection closed before message completed`.
fn exchange_detail(e: &HttpGetError) -> String {
    let mut parts = Vec::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        parts.push(err.to_string());
        cur = err.source();
    }
    parts.join(": ")
}

/// An `http://` URL on a loopback host, split for connecting.
struct LoopbackUrl {
    /// The host to connect to, without IPv6 brackets.
    host: String,
    port: u16,
    /// `host:port` as written, for the `Host` header.
    authority: String,
    /// Path and query, `/` when empty.
    path: String,
}

impl LoopbackUrl {
    fn parse(url: &str) -> Result<Self, ProbeError> {
        let uri: hyper::Uri = url.parse().map_err(|source| ProbeError::InvalidUrl {
            url: url.to_string(),
            source,
        })?;
        if uri.scheme_str() != Some("http") {
            return Err(ProbeError::UnsupportedScheme {
                url: url.to_string(),
            });
        }
        let not_loopback = || ProbeError::NotLoopback {
            url: url.to_string(),
        };
        let written = uri.host().ok_or_else(not_loopback)?;
        let host = written.trim_start_matches('[').trim_end_matches(']');
        let is_loopback = host.eq_ignore_ascii_case("localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if !is_loopback {
            return Err(not_loopback());
        }
        let port = uri.port_u16().unwrap_or(80);
        Ok(Self {
            host: host.to_string(),
            port,
            authority: format!("{written}:{port}"),
            path: uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_urls_are_probed() {
        let ok = |u: &str| Probe::HttpTcp { url: u.into() }.validate().is_ok();
        assert!(ok("http://127.0.0.1:8080/health"));
        assert!(ok("http://localhost/health"));
        assert!(ok("http://[::1]:9/x?y=1"));
        assert!(!ok("https://127.0.0.1/health"));
        assert!(!ok("http://10.0.0.1/health"));
        assert!(!ok("http://example.com/health"));
        assert!(!ok("not a url"));
        let u = LoopbackUrl::parse("http://[::1]:9/x?y=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("::1", 9, "/x?y=1")
        );
    }

    #[tokio::test]
    async fn an_exec_probe_judges_exit_code_and_output() {
        let ok = Probe::exec(["sh", "-c", "echo PONG"]).expecting("PONG");
        let r = ok.check().await;
        assert!(r.healthy, "{r:?}");
        assert!(r.detail.contains("exited 0"), "{r:?}");
        let wrong = Probe::exec(["sh", "-c", "echo LOADING"]).expecting("PONG");
        assert!(!wrong.check().await.healthy);
        let failing = Probe::exec(["sh", "-c", "echo no >&2; exit 3"])
            .check()
            .await;
        assert!(!failing.healthy);
        assert!(failing.detail.contains("exited 3: no"), "{failing:?}");
        let slow = Probe::exec(["sleep", "10"])
            .check_within(Duration::from_millis(100))
            .await;
        assert!(
            !slow.healthy && slow.detail.contains("no answer"),
            "{slow:?}"
        );
        assert!(Probe::exec(Vec::<String>::new()).validate().is_err());
    }

    #[test]
    fn probes_serialize_tagged() {
        let p = Probe::health("/s/hero_db/rpc.sock");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"type":"http_unix","socket":"/s/hero_db/rpc.sock","path":"/health"}"#
        );
        assert_eq!(serde_json::from_str::<Probe>(&json).unwrap(), p);
    }

    #[test]
    fn openrpc_shape_needs_version_and_methods() {
        assert!(openrpc_shape(br#"{"openrpc":"1.3.2","methods":[]}"#).is_ok());
        assert!(
            openrpc_shape(br#"{"methods":[]}"#)
                .unwrap_err()
                .contains("openrpc")
        );
        assert!(
            openrpc_shape(br#"{"openrpc":"1.3.2"}"#)
                .unwrap_err()
                .contains("methods")
        );
        assert!(openrpc_shape(b"<html>").unwrap_err().contains("not JSON"));
    }
}
