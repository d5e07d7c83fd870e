//! `visits`: a tiny HTTP server with the standard library only. `GET /` answers
//! `visit N` (N counted in redis with `INCR visits` when built with the `redis` feature),
//! `GET /health` answers `ok` when redis answers `PING`.
//!
//! ```text
//! visits --port 8081 --redis 127.0.0.1:6379
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Sends one redis command (inline form) and returns the first reply line.
fn redis(addr: &str, command: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.write_all(format!("{command}\r\n").as_bytes())?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line)?;
    Ok(line.trim_end().to_string())
}

fn answer(mut stream: TcpStream, redis_addr: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut head = [0u8; 2048];
    let n = stream.read(&mut head)?;
    let request = String::from_utf8_lossy(&head[..n]);
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = match path {
        "/health" => match redis(redis_addr, "PING") {
            Ok(r) if r == "+PONG" => ("200 OK", "ok\n".to_string()),
            Ok(r) => ("503 Service Unavailable", format!("redis said {r}\n")),
            Err(e) => ("503 Service Unavailable", format!("redis: {e}\n")),
        },
        _ if cfg!(feature = "redis") => match redis(redis_addr, "INCR visits") {
            Ok(r) => ("200 OK", format!("visit {}\n", r.trim_start_matches(':'))),
            Err(e) => ("502 Bad Gateway", format!("redis: {e}\n")),
        },
        _ => ("200 OK", "hello\n".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn main() {
    let port = arg("--port").unwrap_or_else(|| "8081".to_string());
    let redis_addr = arg("--redis").unwrap_or_else(|| "127.0.0.1:6379".to_string());
    let listener = match TcpListener::bind(("127.0.0.1", port.parse().unwrap_or(8081))) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("visits: cannot listen on port {port}: {e}");
            std::process::exit(1);
        }
    };
    println!("visits listening on 127.0.0.1:{port}, redis at {redis_addr}");
    for stream in listener.incoming().flatten() {
        let redis_addr = redis_addr.clone();
        std::thread::spawn(move || {
            if let Err(e) = answer(stream, &redis_addr) {
                eprintln!("visits: {e}");
            }
        });
    }
}
