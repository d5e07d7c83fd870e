//! The dashboard's loopback TCP port within the connection limits of the daemon's unix
//! sockets (one connection loop serves them all): a client that sends nothing, or half a
//! request head, is closed after the header timeout; a body that does not arrive is a
//! `408`, one too large a `413`, a head too large (over 64 KiB) a `431`; past the cap, with every
//! connection busy, a new one is answered `503` at once — and the RPC socket, which has a
//! cap of its own, goes on answering.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{SEEN, dashboard_url, port_of};
use crate::support::daemon::{DemoRepo, TestDaemon, assert_ok};
use crate::support::http;
use crate::support::wait::wait_until;

/// The request timeout of this test's daemon.
const TIMEOUT_MS: u64 = 700;
/// Its connection cap.
const CAP: usize = 4;

/// Everything the server sends on `stream` until it closes (or 10 s pass).
fn read_all(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A reset after the answer is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server neither answered nor closed: {e}"),
        }
    }
    String::from_utf8_lossy(&raw).into_owned()
}

/// `GET path` on the unix socket `socket`: the whole answer, even when the server answered
/// before it read the request and closed (a refusal).
fn get_unix(socket: &std::path::Path, path: &str) -> String {
    let mut stream = std::os::unix::net::UnixStream::connect(socket).unwrap();
    let _ = write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    String::from_utf8_lossy(&raw).into_owned()
}

/// The status of an HTTP answer (0 when there is none).
fn status_of(raw: &str) -> u16 {
    raw.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_tcp_port_keeps_the_timeouts_and_the_cap_of_the_unix_sockets() {
    let repo = DemoRepo::create();
    let timeout = TIMEOUT_MS.to_string();
    let cap = CAP.to_string();
    let daemon = TestDaemon::start_full(
        &repo,
        &[],
        &[
            ("HERO_SVC_REQUEST_TIMEOUT_MS", timeout.as_str()),
            ("HERO_SVC_MAX_CONNECTIONS", cap.as_str()),
        ],
    );
    let url = dashboard_url(&daemon);
    let port = port_of(&url);
    let token = url.split("token=").nth(1).unwrap().to_string();
    let bearer = format!("Authorization: Bearer {token}");
    let limit = Duration::from_millis(TIMEOUT_MS);

    // A client that sends nothing is closed after the header timeout, without an answer;
    // so is one that stalls in the middle of its request head.
    for sent in ["", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"] {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(sent.as_bytes()).unwrap();
        let started = Instant::now();
        let raw = read_all(&mut stream);
        let took = started.elapsed();
        assert!(
            took >= limit - Duration::from_millis(100) && took < limit * 6,
            "closed after {took:?} (sent {sent:?}): {raw}"
        );
        assert!(!raw.contains("200 OK"), "{raw}");
    }

    // A body that never arrives is a 408, saying so.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /actions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{bearer}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\noperation="
    )
    .unwrap();
    let raw = read_all(&mut stream);
    assert_eq!(status_of(&raw), 408, "{raw}");
    assert!(
        raw.contains("the request body did not arrive within 0.7s"),
        "{raw}"
    );

    // A body too large is a 413 before it is read whole (one byte over the limit is
    // sent, so that the server has read all that came when it answers).
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /actions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{bearer}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\n"
    )
    .unwrap();
    stream.write_all(&vec![b'a'; 64 * 1024 + 1]).unwrap();
    let raw = read_all(&mut stream);
    assert_eq!(status_of(&raw), 413, "{raw}");
    assert!(
        raw.contains("the request body is larger than 65536 bytes"),
        "{raw}"
    );

    // A request head larger than 64 KiB is a 431 (exactly that much is sent, unfinished).
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let start = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Huge: ");
    let head = format!("{start}{}", "x".repeat(64 * 1024 - start.len()));
    stream.write_all(head.as_bytes()).unwrap();
    let raw = read_all(&mut stream);
    assert_eq!(status_of(&raw), 431, "{raw}");

    // The cap: every slot held by a stream (busy, not idle), a new connection is answered
    // 503 at once, naming the cap; the RPC socket is not affected. First the connections
    // above are gone (the admin socket's `/health` counts the dashboard's, its own too).
    let admin = daemon.socket().with_file_name("admin.sock");
    wait_until("the connections above to be closed", SEEN, || async {
        let raw = get_unix(&admin, "/health");
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
        let health: Value = serde_json::from_str(&body).ok()?;
        (health["connections"]["open"] == 1).then_some(())
    })
    .await;
    let mut streams = Vec::new();
    for _ in 0..CAP {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            stream,
            "GET /services/demo_db/logs/sse HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{bearer}\r\n\r\n"
        )
        .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200", "a stream opens");
        streams.push(stream);
    }
    // Refused before anything is read (it sends nothing: a timeout would close it silently).
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let raw = read_all(&mut stream);
    assert_eq!(status_of(&raw), 503, "{raw}");
    assert!(
        raw.contains(&format!("serving its maximum of {CAP} connections")),
        "{raw}"
    );
    let out = daemon.run_cli(&["status", "--json"]);
    assert_ok(&out);
    // The admin socket shares the dashboard's cap: it is full too, and says so.
    let raw = get_unix(&admin, "/health");
    assert_eq!(status_of(&raw), 503, "{raw}");

    // Once the streams end, the port serves again; the refusals were counted.
    drop(streams);
    let health: Value = wait_until("the dashboard to serve again", SEEN, || async {
        let raw = get_unix(&admin, "/health");
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
        (status_of(&raw) == 200).then(|| serde_json::from_str(&body).unwrap())
    })
    .await;
    assert_eq!(health["connections"]["max"], CAP, "{health:#}");
    assert!(
        health["connections"]["refused"].as_u64().unwrap() >= 2,
        "{health:#}"
    );
    let (status, _) = http::get_tcp(port, "/health").await;
    assert_eq!(status, 401, "served (and refused for want of the token)");
}
