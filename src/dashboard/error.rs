//! [`DashboardError`]: what can go wrong while setting up or reaching the dashboard.

use std::net::SocketAddr;
use std::path::PathBuf;

/// An error of the dashboard's servers or of a client asking the daemon for one.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The dashboard is only served on loopback addresses.
    #[error("the dashboard is only served on a loopback address (127.0.0.1, ::1), not on {addr}")]
    NotLoopback {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// The address is not an address.
    #[error(
        "{given:?} is not an address with a port (say 127.0.0.1:8080, or 127.0.0.1:0 for any free port)"
    )]
    BadAddress {
        /// What was given.
        given: String,
    },
    /// Binding the TCP port failed.
    #[error("could not listen on {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The dashboard already listens elsewhere.
    #[error("the dashboard already listens on {current}, not on {asked}")]
    ListensElsewhere {
        /// Where it listens.
        current: SocketAddr,
        /// Where it was asked to.
        asked: SocketAddr,
    },
    /// No random bytes for the token.
    #[error("could not make a random token")]
    Random(#[source] std::io::Error),
    /// The token file could not be written.
    #[error("could not write the token file {path}")]
    TokenFile {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The admin socket did not answer.
    #[error("the daemon's admin socket {socket} did not answer")]
    Unreachable {
        /// The socket.
        socket: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The admin socket answered something else than expected.
    #[error("the daemon's admin socket answered HTTP {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// What it said.
        body: String,
    },
    /// The HTTP exchange failed.
    #[error("the request to the daemon's admin socket failed")]
    Transport(#[source] hyper::Error),
}
