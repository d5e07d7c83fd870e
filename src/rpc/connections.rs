//! Serving HTTP/1.1 connections on a daemon socket, within limits that keep a slow or
//! hostile client from exhausting the daemon. One loop serves every listener of the daemon
//! ([`serve_unix`]: the RPC socket and the dashboard's admin socket; [`serve_tcp`]: the
//! dashboard's loopback port), so each gets the same limits.
//!
//! - **Header timeout.** A connection must send a complete request head within
//!   [`ConnectionLimits::header_timeout`] of being accepted, and again after every answer
//!   (a kept-alive connection idle that long is closed). A connection that sends nothing,
//!   or sends half a header and stalls, is closed.
//! - **Body timeout.** Handlers read bodies within [`ConnectionLimits::body_timeout`] (see
//!   [`read_body`](super::request_body::read_body)): a declared length that never arrives
//!   is a 408, not a held connection; a body over the route's size limit is a 413.
//! - **Head size.** A request head (request line and headers) larger than
//!   [`ConnectionLimits::max_head_bytes`] is answered 431 and the connection closed.
//! - **A cap that keeps descriptors in reserve.** At most
//!   [`ConnectionLimits::max_connections`] are open at once, derived from the process's file
//!   descriptor limit so that supervision (log files, pidfds, child pipes, the state store)
//!   always has descriptors left. At the cap, a new connection takes the place of the one
//!   that has been idle longest (not handling a request, not streaming an answer); when
//!   every connection is busy, the new one is answered `503` and closed at once.
//! - **Shutdown.** When `shutdown` fires, accepting stops, every connection is asked to
//!   finish its current answer and close, and whatever is still open after
//!   [`ConnectionLimits::drain`] is dropped. Streaming routes end their streams themselves
//!   when the daemon stops (they watch the same token), so followers get a clean end.
//!
//! On a unix socket, peers are checked with `SO_PEERCRED` before anything is read: only the
//! daemon's own uid and root are served; anyone else gets a `403` naming both uids, and the
//! connection is closed. A TCP port (loopback only) admits every peer: its router guards
//! every request (the dashboard's token).
//!
//! Servers that share a [`ConnectionStats`] share its cap (the dashboard's admin socket and
//! its TCP port hold at most `max_connections` between them).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::response::Response;
use http_body::Body as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Descriptors kept for everything but client connections.
const FD_RESERVE: u64 = 512;
/// A connection must have been idle this long before a new one may take its place: a
/// client that just connected has its request on the way (a flood of new connections must
/// not push out the one real client among them).
const EVICTABLE_AFTER: Duration = Duration::from_millis(500);
/// The most connections served at once, whatever the descriptor limit.
const MAX_CONNECTIONS: usize = 4096;
/// The largest request head by default (a browser's, cookies included, is a few KiB).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The least head size hyper accepts as a limit.
const MIN_HEAD_BYTES: usize = 8 * 1024;

/// The limits of one server (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Time to send a complete request head, from the accept or the previous answer.
    pub header_timeout: Duration,
    /// Time to send a request body.
    pub body_timeout: Duration,
    /// The largest request head (request line and headers) read; a larger one is answered
    /// `431` (at least 8 KiB).
    pub max_head_bytes: usize,
    /// Time open connections get to finish after shutdown.
    pub drain: Duration,
}

impl Default for ConnectionLimits {
    /// 10 s for a request head or body, heads up to 64 KiB, 1.5 s of drain, and a cap of
    /// half the descriptors left after a reserve of 512 (at least 16, at most 4096).
    fn default() -> Self {
        Self {
            max_connections: cap_for(open_files_limit()),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_head_bytes: MAX_HEAD_BYTES,
            drain: Duration::from_millis(1500),
        }
    }
}

impl ConnectionLimits {
    /// The defaults, with `HERO_SVC_MAX_CONNECTIONS` (a count) and
    /// `HERO_SVC_REQUEST_TIMEOUT_MS` (the header and body timeouts) applied when set to a
    /// positive number.
    pub fn from_env() -> Self {
        let number = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|n| *n > 0)
        };
        let mut limits = Self::default();
        if let Some(n) = number("HERO_SVC_MAX_CONNECTIONS") {
            limits.max_connections = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(ms) = number("HERO_SVC_REQUEST_TIMEOUT_MS") {
            limits.header_timeout = Duration::from_millis(ms);
            limits.body_timeout = Duration::from_millis(ms);
        }
        limits
    }
}

/// The connection cap for a descriptor limit of `limit`.
fn cap_for(limit: u64) -> usize {
    let usable = limit.saturating_sub(FD_RESERVE) / 2;
    usize::try_from(usable)
        .unwrap_or(usize::MAX)
        .clamp(16, MAX_CONNECTIONS)
}

/// The process's soft limit of open files.
pub fn open_files_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0 {
        lim.rlim_cur
    } else {
        1024
    }
}

/// Raises the soft limit of open files to the hard limit (as most servers do at start), so
/// the connection cap and supervision both have room. Returns the new soft limit.
pub fn raise_open_files_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write the struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: lim.rlim_max,
                rlim_max: lim.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_cur;
            }
        }
    }
    open_files_limit()
}

/// Binds a private unix socket at `path`: the directory is created with mode 0700, a stale
/// socket file is removed (the caller holds the daemon lock, so no live daemon owns it),
/// and the socket gets mode 0600.
pub fn bind_private_socket(path: &std::path::Path) -> std::io::Result<UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// One open connection, as the cap sees it.
struct Slot {
    /// Since when it has been idle (waiting for a request head); `None` while it handles a
    /// request or streams an answer.
    idle_since: Option<Instant>,
    /// Closes it.
    close: CancellationToken,
}

/// The open connections of one server.
#[derive(Clone, Default)]
struct Slots {
    inner: Arc<Mutex<SlotsInner>>,
}

#[derive(Default)]
struct SlotsInner {
    next: u64,
    open: BTreeMap<u64, Slot>,
}

impl Slots {
    fn lock(&self) -> MutexGuard<'_, SlotsInner> {
        // Every update leaves the map consistent, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new connection: a free one, or the one idle longest (for at least
    /// [`EVICTABLE_AFTER`]), closed for it. `None` when the cap is reached and no
    /// connection may be closed.
    fn take(&self, cap: usize) -> Option<(u64, CancellationToken)> {
        self.take_at(cap, Instant::now())
    }

    fn take_at(&self, cap: usize, now: Instant) -> Option<(u64, CancellationToken)> {
        let mut inner = self.lock();
        if inner.open.len() >= cap {
            let oldest = inner
                .open
                .iter()
                .filter_map(|(id, s)| s.idle_since.map(|t| (t, *id)))
                .filter(|(t, _)| now.saturating_duration_since(*t) >= EVICTABLE_AFTER)
                .min()
                .map(|(_, id)| id)?;
            if let Some(evicted) = inner.open.remove(&oldest) {
                evicted.close.cancel();
            }
        }
        let id = inner.next;
        inner.next += 1;
        let close = CancellationToken::new();
        inner.open.insert(
            id,
            Slot {
                idle_since: Some(Instant::now()),
                close: close.clone(),
            },
        );
        Some((id, close))
    }

    fn set_busy(&self, id: u64, busy: bool) {
        if let Some(slot) = self.lock().open.get_mut(&id) {
            slot.idle_since = if busy { None } else { Some(Instant::now()) };
        }
    }

    fn release(&self, id: u64) {
        self.lock().open.remove(&id);
    }

    fn len(&self) -> usize {
        self.lock().open.len()
    }

    fn busy(&self) -> usize {
        self.lock()
            .open
            .values()
            .filter(|s| s.idle_since.is_none())
            .count()
    }
}

/// Marks a connection idle again when dropped: when its answer was sent (a streamed answer
/// holds it until the stream ends).
struct BusyGuard {
    slots: Slots,
    id: u64,
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.slots.set_busy(self.id, false);
    }
}

/// What the server knows about its load, for the daemon's health answer.
#[derive(Clone, Default)]
pub struct ConnectionStats {
    slots: Slots,
    refused: Arc<AtomicU64>,
    evicted: Arc<AtomicU64>,
}

impl ConnectionStats {
    /// Connections open now.
    pub fn open(&self) -> usize {
        self.slots.len()
    }

    /// Connections handling a request or streaming an answer now.
    pub fn busy(&self) -> usize {
        self.slots.busy()
    }

    /// Connections answered 503 because every slot was busy.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Idle connections closed to make room for new ones.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }
}

/// What a listener says of a new connection's peer.
enum Admission {
    /// Serve it.
    Serve,
    /// Answer `(status, body)` and close.
    Refuse((u16, String)),
    /// Close at once.
    Drop,
}

/// A listener the connection loop accepts from.
trait Accept {
    /// Its connections.
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;

    /// The next connection.
    fn accept(&self) -> impl Future<Output = std::io::Result<Self::Stream>> + Send;

    /// Whether the peer of `stream` is served.
    fn admit(&self, stream: &Self::Stream) -> Admission;
}

/// A unix socket whose peers must be the daemon's uid or root.
struct UnixPeers {
    listener: UnixListener,
    owner: u32,
}

impl Accept for UnixPeers {
    type Stream = tokio::net::UnixStream;

    async fn accept(&self) -> std::io::Result<Self::Stream> {
        self.listener.accept().await.map(|(stream, _)| stream)
    }

    fn admit(&self, stream: &Self::Stream) -> Admission {
        match stream.peer_cred() {
            Ok(cred) if cred.uid() == self.owner || cred.uid() == 0 => Admission::Serve,
            Ok(cred) => {
                tracing::warn!(uid = cred.uid(), "refused a connection from another user");
                Admission::Refuse(forbidden(cred.uid(), self.owner))
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read peer credentials");
                Admission::Drop
            }
        }
    }
}

impl Accept for TcpListener {
    type Stream = tokio::net::TcpStream;

    async fn accept(&self) -> std::io::Result<Self::Stream> {
        let (stream, _) = TcpListener::accept(self).await?;
        // Small answers (pages, events) go out at once.
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    fn admit(&self, _stream: &Self::Stream) -> Admission {
        Admission::Serve
    }
}

/// Serves `router` on the unix socket `listener` within `limits` until `shutdown` is
/// cancelled, then drains (see the module docs). `stats` is updated as connections come
/// and go.
pub async fn serve_unix(
    listener: UnixListener,
    router: Router,
    limits: ConnectionLimits,
    stats: ConnectionStats,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    // SAFETY: geteuid has no preconditions.
    let owner = unsafe { libc::geteuid() };
    let peers = UnixPeers { listener, owner };
    serve_connections(peers, router, limits, stats, shutdown).await
}

/// Serves `router` on the TCP `listener` (a loopback port: every peer is admitted, the
/// router guards the requests) within `limits` until `shutdown` is cancelled, then drains,
/// like [`serve_unix`].
pub async fn serve_tcp(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stats: ConnectionStats,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    serve_connections(listener, router, limits, stats, shutdown).await
}

/// The connection loop of every listener (see the module docs).
async fn serve_connections<L: Accept>(
    listener: L,
    router: Router,
    limits: ConnectionLimits,
    stats: ConnectionStats,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let tracker = TaskTracker::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_head_bytes.max(MIN_HEAD_BYTES))
        .keep_alive(true);
    loop {
        let accepted = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(e) => {
                // Out of descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_millis(50)) => continue,
                }
            }
        };
        match listener.admit(&stream) {
            Admission::Serve => {}
            Admission::Refuse(answer) => {
                tracker.spawn(refuse(stream, answer));
                continue;
            }
            Admission::Drop => continue,
        }
        let before = stats.slots.len();
        let Some((id, close)) = stats.slots.take(limits.max_connections) else {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            tracker.spawn(refuse(stream, overloaded(limits.max_connections)));
            continue;
        };
        if before >= limits.max_connections {
            stats.evicted.fetch_add(1, Ordering::Relaxed);
        }
        let slots = stats.slots.clone();
        let router = router.clone();
        let service = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
            slots.set_busy(id, true);
            let guard = BusyGuard {
                slots: slots.clone(),
                id,
            };
            let router = router.clone();
            async move {
                let response = match router.oneshot(req.map(Body::new)).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                };
                Ok::<_, Infallible>(hold_until_sent(response, guard))
            }
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let slots = stats.slots.clone();
        let shutdown = shutdown.clone();
        let drain = limits.drain;
        tracker.spawn(async move {
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = close.cancelled() => {}
                () = shutdown.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(drain, connection.as_mut()).await;
                }
            }
            slots.release(id);
        });
    }
    tracker.close();
    let _ = tokio::time::timeout(limits.drain + Duration::from_millis(200), tracker.wait()).await;
    Ok(())
}

/// The response, holding `guard` until its body is sent: at once for a body of known size,
/// at the end of the stream for a streamed one.
fn hold_until_sent(response: Response, guard: BusyGuard) -> Response {
    if response.body().size_hint().exact().is_some() {
        drop(guard);
        return response;
    }
    response.map(|body| {
        use futures::StreamExt;
        let stream = body.into_data_stream().map(move |chunk| {
            let _held = &guard;
            chunk
        });
        Body::from_stream(stream)
    })
}

/// The answer to a peer of another uid.
fn forbidden(peer: u32, owner: u32) -> (u16, String) {
    let body = super::jsonrpc::failure(
        serde_json::Value::Null,
        super::jsonrpc::RpcError::new(
            super::jsonrpc::codes::PERMISSION_DENIED,
            format!(
                "connection refused: uid {peer} is not the daemon's owner (uid {owner}) or root"
            ),
        ),
    );
    (403, body.to_string())
}

/// The answer when every connection slot is busy.
fn overloaded(cap: usize) -> (u16, String) {
    let body = super::jsonrpc::failure(
        serde_json::Value::Null,
        super::jsonrpc::RpcError::new(
            super::jsonrpc::codes::OVERLOADED,
            format!("the daemon is serving its maximum of {cap} connections; try again shortly"),
        ),
    );
    (503, body.to_string())
}

/// Answers with `status` and `body` and closes, giving the peer one second to read it.
async fn refuse(mut stream: impl AsyncWrite + Unpin, (status, body): (u16, String)) {
    let reason = match status {
        403 => "Forbidden",
        _ => "Service Unavailable",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_keeps_a_reserve() {
        assert_eq!(cap_for(1024), 256);
        assert_eq!(cap_for(20_000), MAX_CONNECTIONS);
        assert_eq!(cap_for(100), 16);
    }

    #[test]
    fn a_full_table_evicts_the_longest_idle_and_refuses_when_all_are_busy() {
        let slots = Slots::default();
        let (a, a_close) = slots.take(2).unwrap();
        let (b, _) = slots.take(2).unwrap();
        slots.set_busy(b, true);
        // Full, and the idle one is too young to be pushed out.
        assert!(slots.take(2).is_none());
        // Later: the idle one (a) makes room.
        let later = Instant::now() + EVICTABLE_AFTER;
        let (c, _) = slots.take_at(2, later).unwrap();
        assert!(a_close.is_cancelled());
        assert_ne!(a, c);
        slots.set_busy(c, true);
        // Full and all busy: refused.
        assert!(slots.take_at(2, later).is_none());
        slots.release(b);
        assert!(slots.take(2).is_some());
    }
}
