//! A process's log file: `<log_dir>/<name>.log`, opened in append mode and handed to the
//! process as its stdout and stderr (no pipe through the daemon, so output survives a
//! daemon restart). Rotation is copy-truncate (`<name>.log` → `<name>.log.1` → …), which
//! works while the process keeps the file open: it writes in append mode, so after the
//! truncation its next line lands at the start of the emptied file. Lines written between
//! the copy and the truncation can be lost; that is the price of not owning a pipe.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::supervisor::{LogLines, LogSettings};

/// How often a followed log is checked for new output.
const FOLLOW_POLL: Duration = Duration::from_millis(100);

/// The log file of process `name`.
pub(crate) fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.log"))
}

fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{n}"));
    PathBuf::from(s)
}

/// Opens (creating) the log file for appending.
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
}

/// Rotates the file when it is larger than the settings allow; true when it did.
pub(crate) fn rotate_if_needed(path: &Path, settings: &LogSettings) -> io::Result<bool> {
    let len = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    if len <= settings.max_bytes {
        return Ok(false);
    }
    if settings.keep_files > 0 {
        for n in (1..settings.keep_files).rev() {
            match std::fs::rename(rotated(path, n), rotated(path, n + 1)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        std::fs::copy(path, rotated(path, 1))?;
    }
    OpenOptions::new().write(true).open(path)?.set_len(0)?;
    Ok(true)
}

/// The last `n` lines of the log, reaching into `<name>.log.1` when the current file has
/// fewer.
pub(crate) fn tail(path: &Path, n: usize) -> io::Result<Vec<String>> {
    let mut lines = tail_of_file(path, n)?;
    if lines.len() < n {
        let mut older = tail_of_file(&rotated(path, 1), n - lines.len())?;
        older.append(&mut lines);
        lines = older;
    }
    Ok(lines)
}

fn tail_of_file(path: &Path, n: usize) -> io::Result<Vec<String>> {
    const CHUNK: u64 = 64 * 1024;
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut pos = file.metadata()?.len();
    let mut buf: Vec<u8> = Vec::new();
    // Read backwards until the buffer holds more than `n` line ends (the first line may be
    // partial) or the start of the file.
    while pos > 0 && buf.iter().filter(|&&b| b == b'\n').count() <= n {
        let start = pos.saturating_sub(CHUNK);
        let mut chunk = vec![0; (pos - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
        pos = start;
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if pos > 0 && !lines.is_empty() {
        lines.remove(0);
    }
    let skip = lines.len().saturating_sub(n);
    Ok(lines.split_off(skip))
}

/// The lines appended to the log from now on. Follows copy-truncate rotation (a shrinking
/// file is read again from its start).
pub(crate) fn follow(path: &Path) -> io::Result<LogLines> {
    let start = match std::fs::metadata(path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
        Err(e) => return Err(e),
    };
    let state = Follow {
        path: path.to_path_buf(),
        pos: start,
        partial: Vec::new(),
        pending: VecDeque::new(),
    };
    Ok(Box::pin(futures::stream::unfold(
        state,
        |mut state| async move {
            loop {
                if let Some(line) = state.pending.pop_front() {
                    return Some((line, state));
                }
                match state.read_new() {
                    Ok(true) => {}
                    Ok(false) => tokio::time::sleep(FOLLOW_POLL).await,
                    Err(_) => return None,
                }
            }
        },
    )))
}

struct Follow {
    path: PathBuf,
    pos: u64,
    partial: Vec<u8>,
    pending: VecDeque<String>,
}

impl Follow {
    /// Reads what was appended since the last call; true when something was.
    fn read_new(&mut self) -> io::Result<bool> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        let len = file.metadata()?.len();
        if len < self.pos {
            self.pos = 0;
            self.partial.clear();
        }
        if len == self.pos {
            return Ok(false);
        }
        file.seek(SeekFrom::Start(self.pos))?;
        let mut buf = Vec::new();
        file.take(len - self.pos).read_to_end(&mut buf)?;
        self.pos += buf.len() as u64;
        self.partial.extend_from_slice(&buf);
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            self.pending
                .push_back(String::from_utf8_lossy(&line[..end]).into_owned());
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn tail_spans_the_rotated_file_and_rotation_keeps_n_files() {
        let dir = tempfile::tempdir().unwrap();
        let log = path(dir.path(), "svc");
        let settings = LogSettings {
            max_bytes: 10,
            keep_files: 2,
        };
        for round in 0..3 {
            let mut f = open_append(&log).unwrap();
            writeln!(f, "line {round}a").unwrap();
            writeln!(f, "line {round}b").unwrap();
            assert!(rotate_if_needed(&log, &settings).unwrap());
        }
        let mut f = open_append(&log).unwrap();
        writeln!(f, "current").unwrap();
        assert_eq!(tail(&log, 1).unwrap(), vec!["current"]);
        assert_eq!(
            tail(&log, 3).unwrap(),
            vec!["line 2a", "line 2b", "current"]
        );
        assert!(rotated(&log, 2).exists());
        assert!(!rotated(&log, 3).exists());
    }

    #[test]
    fn tail_of_a_large_file_reads_only_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let log = path(dir.path(), "big");
        let mut f = open_append(&log).unwrap();
        for i in 0..20_000 {
            writeln!(f, "line number {i}").unwrap();
        }
        assert_eq!(
            tail(&log, 2).unwrap(),
            vec!["line number 19998", "line number 19999"]
        );
    }
}
