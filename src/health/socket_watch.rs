//! [`SocketWatch`]: wakes a health wait the moment a unix socket file appears.

use std::ffi::OsString;
use std::io;
use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use inotify::{EventStream, Inotify, WatchMask};

/// An inotify watch on the directory of a socket, filtered to the socket's file name. A
/// service binds its socket at an unpredictable moment; polling alone would notice it one
/// backoff step late, the watch notices it at once.
///
/// Dropping it closes the inotify descriptor on a blocking-pool thread: the kernel waits for
/// an RCU grace period when an inotify instance is released, which takes 10–20 ms, and a
/// health wait must not add that to every start it reports.
pub struct SocketWatch {
    name: OsString,
    events: Option<EventStream<[u8; 1024]>>,
}

impl SocketWatch {
    /// Starts watching for `socket` to be created (bound, or moved into place). Fails when
    /// its directory does not exist (yet) or inotify is unavailable: callers then poll.
    /// Must be called inside a tokio runtime.
    pub fn new(socket: &Path) -> io::Result<Self> {
        let name = socket.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} has no file name", socket.display()),
            )
        })?;
        let dir = match socket.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let inotify = Inotify::init()?;
        inotify.watches().add(
            dir,
            WatchMask::CREATE | WatchMask::MOVED_TO | WatchMask::ATTRIB,
        )?;
        Ok(Self {
            name: name.to_os_string(),
            events: Some(inotify.into_event_stream([0u8; 1024])?),
        })
    }

    /// Waits until the socket file is created, or `timeout` passes. True when it appeared
    /// (or was touched) since the watch started or since the last call.
    pub async fn appeared_within(&mut self, timeout: Duration) -> bool {
        let name = &self.name;
        let Some(events) = self.events.as_mut() else {
            tokio::time::sleep(timeout).await;
            return false;
        };
        let appeared = async {
            while let Some(event) = events.next().await {
                match event {
                    Ok(e) if e.name.as_deref() == Some(name.as_os_str()) => return true,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            // The watch broke: wait out the delay like a plain poll.
            std::future::pending::<bool>().await
        };
        tokio::time::timeout(timeout, appeared)
            .await
            .unwrap_or(false)
    }
}

impl Drop for SocketWatch {
    fn drop(&mut self) {
        let Some(events) = self.events.take() else {
            return;
        };
        // Leave the reactor here (cheap); release the instance (slow) elsewhere.
        let inotify = events.into_inotify();
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn_blocking(move || drop(inotify));
            }
            Err(_) => drop(inotify),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sees_its_socket_and_ignores_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("rpc.sock");
        let mut watch = SocketWatch::new(&socket).unwrap();

        std::fs::write(dir.path().join("other"), b"x").unwrap();
        assert!(!watch.appeared_within(Duration::from_millis(50)).await);

        let _listener = tokio::net::UnixListener::bind(&socket).unwrap();
        assert!(watch.appeared_within(Duration::from_secs(10)).await);
    }

    #[tokio::test]
    async fn a_missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(SocketWatch::new(&dir.path().join("nope/rpc.sock")).is_err());
    }
}
