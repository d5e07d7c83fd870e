//! [`ChunkWriter`]: hashes and writes a download's bytes on two blocking threads, so the
//! task that reads the network never waits for the disk or the hash, and hashing (the
//! costliest part: ~150 ms for 256 MiB) runs beside the writing instead of after it.
//!
//! The network side gathers the chunks it receives (reference-counted, not copied) into
//! batches of [`BATCH_BYTES`] and hands each batch to both threads through bounded queues:
//! memory stays a few MiB whatever the asset's size, and a slow disk slows the download
//! down instead of piling bytes up.
//! The writer thread, every [`WRITEBACK_BYTES`], asks the kernel to start writing the
//! finished range to disk (`sync_file_range`), so the install's `fsync` finds little left
//! to do.

use std::fs::File;
use std::io::{IoSlice, Write};
use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Bytes gathered before a batch is handed to the threads: one hand-over (two queue sends,
/// two thread wake-ups, one `writev`) per 128 KiB rather than per network chunk, while the
/// bytes are still in the CPU cache when the writer copies them into the page cache
/// (batches of 1 MiB made that copy, the costliest step, about twice as slow).
pub(crate) const BATCH_BYTES: usize = 128 * 1024;
/// Batches queued for each thread: at most 1 MiB in flight per thread.
pub(crate) const QUEUE_BATCHES: usize = 8;
/// Written bytes after which writeback of them is started.
pub(crate) const WRITEBACK_BYTES: u64 = 8 * 1024 * 1024;

type Batch = Arc<Vec<Bytes>>;

/// The hashing and the writing thread of one download attempt.
pub(crate) struct ChunkWriter {
    batch: Vec<Bytes>,
    batch_bytes: usize,
    to_hasher: mpsc::Sender<Batch>,
    to_writer: mpsc::Sender<Batch>,
    hashed: JoinHandle<String>,
    written: JoinHandle<std::io::Result<u64>>,
}

impl ChunkWriter {
    /// Starts writing to `file` at its current offset.
    pub(crate) fn start(file: File) -> Self {
        let (to_hasher, hasher_rx) = mpsc::channel::<Batch>(QUEUE_BATCHES);
        let (to_writer, writer_rx) = mpsc::channel::<Batch>(QUEUE_BATCHES);
        Self {
            batch: Vec::new(),
            batch_bytes: 0,
            to_hasher,
            to_writer,
            hashed: tokio::task::spawn_blocking(move || hash_all(hasher_rx)),
            written: tokio::task::spawn_blocking(move || write_all(file, writer_rx)),
        }
    }

    /// Adds `chunk`; hands a full batch to both threads, waiting while a queue is full.
    /// `false` when the writer has stopped (a write failed): call
    /// [`finish`](Self::finish) for the error.
    pub(crate) async fn push(&mut self, chunk: Bytes) -> bool {
        self.batch_bytes += chunk.len();
        self.batch.push(chunk);
        if self.batch_bytes < BATCH_BYTES {
            return true;
        }
        self.send_batch().await
    }

    async fn send_batch(&mut self) -> bool {
        self.batch_bytes = 0;
        let batch: Batch = Arc::new(std::mem::take(&mut self.batch));
        let hashed = self.to_hasher.send(batch.clone()).await.is_ok();
        hashed && self.to_writer.send(batch).await.is_ok()
    }

    /// Waits until everything pushed is hashed and written; returns the sha256 (lowercase
    /// hex) and the number of bytes written. Dropping a writer instead abandons it: the
    /// threads stop after the batches already queued.
    pub(crate) async fn finish(mut self) -> std::io::Result<(String, u64)> {
        if !self.batch.is_empty() {
            self.send_batch().await;
        }
        drop(self.to_hasher);
        drop(self.to_writer);
        let written = self.written.await.map_err(std::io::Error::other)??;
        let sha256 = self.hashed.await.map_err(std::io::Error::other)?;
        Ok((sha256, written))
    }
}

fn hash_all(mut rx: mpsc::Receiver<Batch>) -> String {
    let mut hasher = Sha256::new();
    while let Some(batch) = rx.blocking_recv() {
        for chunk in batch.iter() {
            hasher.update(chunk);
        }
    }
    hex::encode(hasher.finalize())
}

fn write_all(mut file: File, mut rx: mpsc::Receiver<Batch>) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut synced = 0u64;
    while let Some(batch) = rx.blocking_recv() {
        let mut slices: Vec<IoSlice<'_>> = batch.iter().map(|c| IoSlice::new(c)).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            let n = match file.write_vectored(rest) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            written += n as u64;
            IoSlice::advance_slices(&mut rest, n);
        }
        if written - synced >= WRITEBACK_BYTES {
            start_writeback(&file, synced, written - synced);
            synced = written;
        }
    }
    Ok(written)
}

/// Asks the kernel to start writing `len` bytes at `offset` to disk without waiting. Only
/// an optimisation: errors are ignored (the install's `fsync` reports real ones).
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: the fd is open for the duration of the call; the call only schedules I/O.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}
