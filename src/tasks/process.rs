//! Running a child process for a task: its own process group, every output line streamed
//! as a log event, the last lines kept for the error, and nothing left behind.
//!
//! Shared by the task kinds that run programs ([`Command`](super::Command), `git`,
//! `cargo`). When the future is dropped (cancellation, timeout) and when the program exits,
//! whatever is left of its process group is killed.
//!
//! The program dies with the daemon too: it gets `SIGKILL` when the daemon's thread that
//! started it ends (`PR_SET_PDEATHSIG`), and its process group is recorded in the state
//! store while it runs, so the next daemon ends whatever of the group survived
//! ([`end_leftover_groups`]) — a `cargo` orphaned by a killed daemon would otherwise hold
//! the target directory's lock and block the next build.

use std::collections::VecDeque;
use std::process::{ExitStatus, Stdio};

use futures::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::io::AsyncRead;
use tokio_util::codec::{AnyDelimiterCodec, FramedRead};

use super::{LogStream, TaskContext, TaskError};
use crate::state::{StateStore, TaskGroup};
use crate::supervisor::builtin::proc_fs;

/// How many of the last output lines a failure carries.
pub const LOG_TAIL_LINES: usize = 200;

/// How a streamed process ended.
pub(crate) struct ProcessRun {
    /// Its exit status.
    pub status: ExitStatus,
    /// Lines it printed on stdout and stderr.
    pub lines: u64,
    /// sha256 of what it printed on stdout.
    pub stdout_sha256: String,
    /// Its last [`LOG_TAIL_LINES`] lines.
    pub tail: Vec<String>,
    /// Everything it printed on stdout, when asked for.
    pub stdout: Vec<String>,
}

impl ProcessRun {
    /// `exited with status 101`, `was killed by signal 9`.
    pub fn how_it_ended(&self) -> String {
        use std::os::unix::process::ExitStatusExt;
        match (self.status.code(), self.status.signal()) {
            (Some(code), _) => format!("exited with status {code}"),
            (None, Some(sig)) => format!("was killed by signal {sig}"),
            _ => "failed".to_string(),
        }
    }
}

/// Runs `cmd` to its end, logging every line through `ctx`. `name` names the program in
/// errors. With `keep_stdout`, stdout lines are also returned. A program that cannot be
/// started is a permanent error; a non-zero exit is returned as a [`ProcessRun`] for the
/// caller to judge.
pub(crate) async fn run_logged(
    cmd: tokio::process::Command,
    ctx: &TaskContext,
    name: &str,
    keep_stdout: bool,
) -> Result<ProcessRun, TaskError> {
    run_logged_with(cmd, ctx, name, keep_stdout, |_| true).await
}

/// [`run_logged`], with every stdout line first shown to `on_stdout`, which says whether it
/// is logged (a program's machine-readable lines — cargo's JSON messages — are read, not
/// logged). Lines not logged are not in the tail either.
pub(crate) async fn run_logged_with(
    mut cmd: tokio::process::Command,
    ctx: &TaskContext,
    name: &str,
    keep_stdout: bool,
    mut on_stdout: impl FnMut(&str) -> bool + Send,
) -> Result<ProcessRun, TaskError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // SAFETY: prctl is async-signal-safe and changes only the child's own settings.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| TaskError::with_source(format!("could not start `{name}`"), e).permanent())?;
    let group = ProcessGroupGuard::new(child.id(), name, ctx.store().clone());

    let mut tail = VecDeque::with_capacity(LOG_TAIL_LINES);
    let mut stdout_hash = Sha256::new();
    let mut stdout_lines = Vec::new();
    let mut lines = 0u64;
    let stdout = child.stdout.take().map(|o| lines_of(o, LogStream::Stdout));
    let stderr = child.stderr.take().map(|e| lines_of(e, LogStream::Stderr));
    let mut merged = futures::stream::select(
        futures::stream::iter(stdout).flatten(),
        futures::stream::iter(stderr).flatten(),
    );
    while let Some((stream, line)) = merged.next().await {
        if stream == LogStream::Stdout {
            stdout_hash.update(line.as_bytes());
            stdout_hash.update(b"\n");
            if keep_stdout {
                stdout_lines.push(line.clone());
            }
            if !on_stdout(&line) {
                continue;
            }
        }
        lines += 1;
        if tail.len() == LOG_TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(line.clone());
        ctx.log(stream, line);
    }
    let status = child
        .wait()
        .await
        .map_err(|e| TaskError::with_source(format!("could not wait for `{name}`"), e))?;
    drop(group);
    Ok(ProcessRun {
        status,
        lines,
        stdout_sha256: hex::encode(stdout_hash.finalize()),
        tail: tail.into(),
        stdout: stdout_lines,
    })
}

/// The lines of `reader` (lossily decoded, without line endings), tagged with `stream`.
/// Built on a codec so it is cancel-safe: no partial line is lost between polls.
fn lines_of(
    reader: impl AsyncRead + Send + Unpin + 'static,
    stream: LogStream,
) -> impl Stream<Item = (LogStream, String)> + Send + Unpin {
    let codec = AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), Vec::new(), 64 * 1024);
    FramedRead::new(reader, codec)
        .take_while(|r| futures::future::ready(r.is_ok()))
        .filter_map(move |r| {
            futures::future::ready(r.ok().map(|bytes| {
                let line = bytes.strip_suffix(b"\r").unwrap_or(&bytes);
                (stream, String::from_utf8_lossy(line).into_owned())
            }))
        })
}

/// Kills the whole process group of a child when dropped: on cancellation, on timeout, and
/// after the child exited (stray background processes it left behind). While it lives, the
/// group is recorded in the state store.
struct ProcessGroupGuard {
    pgid: Option<u32>,
    store: StateStore,
}

impl ProcessGroupGuard {
    fn new(pid: Option<u32>, program: &str, store: StateStore) -> Self {
        if let Some(pgid) = pid {
            let group = TaskGroup {
                pgid,
                start_time: proc_fs::stat(pgid).map(|s| s.start_time),
                program: program.to_string(),
            };
            let _ = store.record_task_group(&group);
        }
        Self { pgid: pid, store }
    }
}

impl Drop for ProcessGroupGuard {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid {
            if let Ok(raw) = i32::try_from(pgid) {
                // SAFETY: killpg has no memory-safety preconditions; a group that is gone
                // yields ESRCH, which is fine.
                unsafe {
                    libc::killpg(raw, libc::SIGKILL);
                }
            }
            let _ = self.store.forget_task_group(pgid);
        }
    }
}

/// Ends the process groups of task programs a previous daemon left running (see the module
/// docs) and forgets them. Returns how many groups were still alive.
pub fn end_leftover_groups(store: &StateStore) -> usize {
    let Ok(groups) = store.task_groups() else {
        return 0;
    };
    let mut ended = 0;
    for group in groups {
        let leader_is_other = proc_fs::stat(group.pgid)
            .is_some_and(|s| s.is_alive() && Some(s.start_time) != group.start_time);
        let alive = !proc_fs::group_is_empty(group.pgid);
        if alive && !leader_is_other && group.pgid > 1 {
            if let Ok(raw) = i32::try_from(group.pgid) {
                tracing::warn!(pgid = group.pgid, program = %group.program, "ending a task's processes left behind by a previous daemon");
                // SAFETY: killpg only sends a signal.
                unsafe {
                    libc::killpg(raw, libc::SIGKILL);
                }
                ended += 1;
            }
        }
        let _ = store.forget_task_group(group.pgid);
    }
    ended
}
