//! [`ExitWaiter`]: waiting for a supervised process to end, without busy polling.
//!
//! Our own children are waited for through tokio (SIGCHLD), which also yields the exit
//! status. An adopted process is not our child: its exit is noticed through a pidfd
//! (`pidfd_open`, readable when the process terminates) registered with the tokio reactor,
//! or — where pidfds are not available — by polling its `/proc` entry slowly.

use std::os::fd::{FromRawFd, OwnedFd};
use std::time::Duration;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::process::Child;

use super::proc_fs;
use crate::supervisor::ExitReason;

/// How the end of one process instance is awaited.
pub(crate) enum ExitWaiter {
    /// A child we spawned.
    Child(Child),
    /// A process we adopted.
    Adopted {
        /// Its pid.
        pid: u32,
        /// Its start time, to tell it from a later process with the same pid.
        start_time: u64,
        /// Its pidfd, when the kernel has them.
        pidfd: Option<AsyncFd<OwnedFd>>,
        /// The polling period without a pidfd.
        poll: Duration,
    },
    /// A recorded process found dead.
    Gone,
}

impl ExitWaiter {
    /// Waits for a process we did not spawn.
    pub(crate) fn adopted(pid: u32, start_time: u64, poll: Duration) -> Self {
        let pidfd = pidfd_open(pid).and_then(|fd| {
            // SAFETY: the `OwnedFd` is moved into the `AsyncFd`, which keeps it open (and the
            // same descriptor) until it is dropped.
            unsafe { AsyncFd::register_with_interest(fd, Interest::READABLE) }.ok()
        });
        Self::Adopted {
            pid,
            start_time,
            pidfd,
            poll,
        }
    }

    /// Resolves when the process has ended.
    pub(crate) async fn wait(&mut self) -> ExitReason {
        match self {
            Self::Child(child) => match child.wait().await {
                Ok(status) => ExitReason::from_status(status),
                Err(_) => ExitReason::Unknown,
            },
            Self::Adopted {
                pid,
                start_time,
                pidfd,
                poll,
            } => {
                // The pidfd was opened after the identity check; check again so a pid
                // reused in between is not mistaken for our process.
                if !proc_fs::is_instance(*pid, *start_time) {
                    return ExitReason::Unknown;
                }
                if let Some(fd) = pidfd {
                    if fd.readable().await.is_ok() {
                        return ExitReason::Unknown;
                    }
                }
                while proc_fs::is_instance(*pid, *start_time) {
                    tokio::time::sleep(*poll).await;
                }
                ExitReason::Unknown
            }
            Self::Gone => ExitReason::Unknown,
        }
    }
}

fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: the kernel just returned this fd to us; nothing else owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}
