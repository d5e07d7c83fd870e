//! Reading `/proc`: process identity (state, group, start time), group members, the
//! executable of a process, and which processes hold a unix socket or listen on a TCP port.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The fields of `/proc/<pid>/stat` the supervisor uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ProcStat {
    /// `R`, `S`, `D`, `Z`, …
    pub state: char,
    /// The process group.
    pub pgrp: u32,
    /// Start time in clock ticks after boot (field 22).
    pub start_time: u64,
}

impl ProcStat {
    /// False for zombies (dead, not yet reaped) and dead entries.
    pub fn is_alive(&self) -> bool {
        !matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parses `/proc/<pid>/stat`; `None` when there is no such process.
pub(crate) fn stat(pid: u32) -> Option<ProcStat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

fn parse_stat(text: &str) -> Option<ProcStat> {
    // The command name (field 2) is in parentheses and may contain spaces or parentheses.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `fields[0]` is field 3 (state), so field N is `fields[N - 3]`.
    Some(ProcStat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// True when `pid` is alive and is the instance that started at `start_time`.
pub(crate) fn is_instance(pid: u32, start_time: u64) -> bool {
    stat(pid).is_some_and(|s| s.is_alive() && s.start_time == start_time)
}

/// True when the group's leader is gone (or a zombie), or is still the instance started at
/// `start_time`: then every member of group `pgid` belongs to that instance. (A pid cannot
/// be reused while it names a live group, so members outlive their leader's pid only as
/// members of the same group.)
pub(crate) fn group_is_ours(pgid: u32, start_time: Option<u64>) -> bool {
    match stat(pgid) {
        None => true,
        Some(s) if !s.is_alive() => true,
        Some(s) => start_time == Some(s.start_time),
    }
}

fn pids() -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// True when process group `pgid` has no live (non-zombie) member: what
/// [`group_members`] would say, answered in one or two system calls in the common cases —
/// no process left in the group at all (`killpg(pgid, 0)` fails with `ESRCH`), or its
/// leader still alive — and by the scan of `/proc` only when the leader is a zombie or gone
/// while the group still has someone in it.
pub(crate) fn group_is_empty(pgid: u32) -> bool {
    let Ok(raw) = libc::pid_t::try_from(pgid) else {
        return true;
    };
    // SAFETY: signal 0 only checks whether the group exists and may be signalled.
    if unsafe { libc::killpg(raw, 0) } == -1
        && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
    {
        return true;
    }
    if stat(pgid).is_some_and(|s| s.is_alive() && s.pgrp == pgid) {
        return false;
    }
    group_members(pgid).is_empty()
}

/// The live (non-zombie) members of process group `pgid`.
pub(crate) fn group_members(pgid: u32) -> Vec<u32> {
    pids()
        .into_iter()
        .filter(|&pid| stat(pid).is_some_and(|s| s.pgrp == pgid && s.is_alive()))
        .collect()
}

/// The executable of `pid` (without the ` (deleted)` suffix of a replaced binary).
pub(crate) fn exe(pid: u32) -> Option<PathBuf> {
    let link = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    let text = link.to_string_lossy();
    Some(match text.strip_suffix(" (deleted)") {
        Some(stripped) => PathBuf::from(stripped),
        None => link,
    })
}

/// How long ago a process that started at `start_time` (clock ticks after boot) started.
pub(crate) fn age(start_time: u64) -> Option<Duration> {
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz <= 0 {
        return None;
    }
    let started = start_time as f64 / hz as f64;
    Some(Duration::from_secs_f64((uptime - started).max(0.0)))
}

/// Inodes of the unix sockets bound to `path` (from `/proc/net/unix`).
pub(crate) fn unix_socket_inodes(path: &Path) -> HashSet<u64> {
    let canonical = path.canonicalize().ok();
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return HashSet::new();
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let bound = Path::new(*fields.get(7)?);
            let matches = bound == path || canonical.as_deref() == Some(bound);
            matches.then(|| fields.get(6)?.parse().ok()).flatten()
        })
        .collect()
}

/// Inodes of the TCP sockets listening on `port` (IPv4 and IPv6, any address).
pub(crate) fn tcp_listen_inodes(port: u16) -> HashSet<u64> {
    let mut out = HashSet::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(st), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let listening = *st == "0A";
            let local_port = local
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            if listening && local_port == Some(port) {
                if let Ok(inode) = inode.parse() {
                    out.insert(inode);
                }
            }
        }
    }
    out
}

/// The processes with an open file descriptor on one of the socket `inodes`.
pub(crate) fn socket_holders(inodes: &HashSet<u64>) -> Vec<u32> {
    if inodes.is_empty() {
        return Vec::new();
    }
    pids()
        .into_iter()
        .filter(|pid| {
            let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
                return false;
            };
            fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                .any(|link| {
                    link.to_str()
                        .and_then(|l| l.strip_prefix("socket:["))
                        .and_then(|l| l.strip_suffix(']'))
                        .and_then(|n| n.parse::<u64>().ok())
                        .is_some_and(|n| inodes.contains(&n))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_parses_names_with_spaces_and_parens() {
        let line = "1234 (a b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 \
                    1000 10 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.state, 'S');
        assert_eq!(s.pgrp, 1234);
        assert_eq!(s.start_time, 987654);
    }

    #[test]
    fn own_process_is_its_instance() {
        let me = std::process::id();
        let s = stat(me).unwrap();
        assert!(is_instance(me, s.start_time));
        assert!(!is_instance(me, s.start_time + 1));
        assert!(age(s.start_time).is_some());
    }

    #[test]
    fn group_is_empty_agrees_with_the_scan() {
        use std::os::unix::process::CommandExt;
        // A leader with a child in its group: not empty while either lives.
        let mut leader = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 30 & wait"])
            .process_group(0)
            .spawn()
            .unwrap();
        let pgid = leader.id();
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while group_members(pgid).len() < 2 && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!group_is_empty(pgid));
        // The leader dies and stays an unreaped zombie; its child still runs.
        // SAFETY: signals to the processes this test started.
        unsafe { libc::kill(pgid as i32, libc::SIGKILL) };
        while stat(pgid).is_some_and(|s| s.is_alive()) && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(!group_is_empty(pgid), "the sleep is still in the group");
        // SAFETY: as above.
        unsafe { libc::killpg(pgid as i32, libc::SIGKILL) };
        while !group_members(pgid).is_empty() && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Only the zombie leader is left: empty, like the scan says.
        assert!(group_is_empty(pgid));
        let _ = leader.wait();
        assert!(group_is_empty(pgid));
    }
}
