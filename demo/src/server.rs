//! Accept loops: each listener serves one [`Surface`] over HTTP/1.1 until its task is
//! aborted. The caller binds the listener and decides when to stop.

use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, UnixListener};

use crate::routes::{self, Surface};
use crate::service::Service;

/// A bound listener of either kind.
pub enum Listener {
    /// A unix socket (`rpc.sock`, `admin.sock`).
    Unix(UnixListener),
    /// The loopback TCP port.
    Tcp(TcpListener),
}

/// Serves `surface` on `listener` forever; abort the task to stop.
pub async fn serve(listener: Listener, service: Arc<Service>, surface: Surface) {
    loop {
        let accepted = match &listener {
            Listener::Unix(l) => l
                .accept()
                .await
                .map(|(s, _)| spawn_connection(s, &service, surface)),
            Listener::Tcp(l) => l
                .accept()
                .await
                .map(|(s, _)| spawn_connection(s, &service, surface)),
        };
        if let Err(e) = accepted {
            // Out of file descriptors and the like: the condition may pass, so wait a bit.
            eprintln!("hero_demo: accept failed: {e}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn spawn_connection<S>(stream: S, service: &Arc<Service>, surface: Surface)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service.clone();
    tokio::spawn(async move {
        let handler = service_fn(move |request| routes::respond(service.clone(), surface, request));
        // A client hanging up mid-request is its business, not ours.
        let _ = http1::Builder::new()
            .serve_connection(TokioIo::new(stream), handler)
            .await;
    });
}
