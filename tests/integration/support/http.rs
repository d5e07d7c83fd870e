//! A minimal HTTP/1.1 client over unix sockets (and loopback TCP) for talking to Hero
//! services in tests: one request per connection, `Connection: close`.

use std::io;
use std::path::Path;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};

/// `GET path` on the unix socket `sock`; panics if the socket does not answer.
pub async fn get(sock: &Path, path: &str) -> (u16, String) {
    try_get(sock, path)
        .await
        .unwrap_or_else(|e| panic!("GET {path} on {}: {e}", sock.display()))
}

/// `GET path` on the unix socket `sock`; an error while nobody listens there yet.
pub async fn try_get(sock: &Path, path: &str) -> io::Result<(u16, String)> {
    let stream = UnixStream::connect(sock).await?;
    exchange(stream, "GET", path, None).await
}

/// `POST path` with `value` as a JSON body on the unix socket `sock`.
pub async fn post_json(sock: &Path, path: &str, value: &Value) -> (u16, String) {
    post_raw(sock, path, value.to_string().as_bytes()).await
}

/// `POST path` with `body` sent as is (for malformed JSON) on the unix socket `sock`.
pub async fn post_raw(sock: &Path, path: &str, body: &[u8]) -> (u16, String) {
    let result = async {
        let stream = UnixStream::connect(sock).await?;
        exchange(stream, "POST", path, Some(body)).await
    }
    .await;
    result.unwrap_or_else(|e| panic!("POST {path} on {}: {e}", sock.display()))
}

/// `GET path` on `127.0.0.1:port`.
pub async fn get_tcp(port: u16, path: &str) -> (u16, String) {
    let result = async {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        exchange(stream, "GET", path, None).await
    }
    .await;
    result.unwrap_or_else(|e| panic!("GET {path} on 127.0.0.1:{port}: {e}"))
}

/// One request/response on `stream`.
async fn exchange<S>(
    mut stream: S,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
) -> io::Result<(u16, String)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let body = body.unwrap_or_default();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> io::Result<(u16, String)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("response without end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("response without a status line"))?;
    let chunked = lines.any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if chunked {
        body = dechunk(&body).ok_or_else(|| bad("malformed chunked body"))?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}
