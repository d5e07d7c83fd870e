//! [`ask_to_listen`]: asks a running daemon, on its admin socket, to serve the dashboard on
//! loopback TCP (what `hero_svc dashboard` does), and answers where.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

use super::{DashboardError, HttpEndpoint};

/// How long the daemon may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// `POST /listen?addr=…` on the admin socket `socket`: the dashboard's endpoint.
pub async fn ask_to_listen(socket: &Path, addr: &str) -> Result<HttpEndpoint, DashboardError> {
    let unreachable = |source| DashboardError::Unreachable {
        socket: socket.to_path_buf(),
        source,
    };
    let exchange = async {
        let stream = UnixStream::connect(socket).await.map_err(unreachable)?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(DashboardError::Transport)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("addr", addr)
            .finish();
        let request = hyper::Request::builder()
            .method("POST")
            .uri(format!("/listen?{query}"))
            .header("host", "hero_svc")
            .body(Full::new(Bytes::new()))
            .map_err(|e| DashboardError::Refused {
                status: 0,
                body: e.to_string(),
            })?;
        let response = sender
            .send_request(request)
            .await
            .map_err(DashboardError::Transport)?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(DashboardError::Transport)?
            .to_bytes();
        Ok::<_, DashboardError>((status, body))
    };
    let (status, body) = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| {
            unreachable(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {}s", TIMEOUT.as_secs()),
            ))
        })??;
    let value: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if status != 200 {
        let said = value["error"]
            .as_array()
            .map(|chain| {
                chain
                    .iter()
                    .filter_map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(": ")
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        return Err(DashboardError::Refused { status, body: said });
    }
    let (Some(url), Some(addr)) = (
        value["url"].as_str(),
        value["addr"].as_str().and_then(|a| a.parse().ok()),
    ) else {
        return Err(DashboardError::Refused {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    };
    Ok(HttpEndpoint {
        addr,
        url: url.to_string(),
    })
}
