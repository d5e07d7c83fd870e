//! Streaming a release asset into a staging file next to its final place.
//!
//! The contract with the install step: the bytes land in
//! `<dest_dir>/.<name>.download-<random>`, created in the target directory so that the
//! install is a rename on the same filesystem. The file is kept only when everything
//! succeeded (complete body, expected size, expected sha256, not an HTML page); on any
//! failure — or when the download future is dropped — it is removed, so a failed download
//! leaves nothing behind and never touches the installed binary.
//!
//! The bytes are hashed and written by a [`ChunkWriter`] on a thread of its own while the
//! next ones arrive. The staging file is not fsynced here: the install fsyncs it before
//! the rename that makes it count (a staging file lost in a crash is only downloaded
//! again). A kept staging file is remembered with its sha256 ([`verified_staging`]), so the
//! install can trust it without reading it again.

use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::CONTENT_TYPE;

use super::attempts::Attempts;
use super::chunk_writer::ChunkWriter;
use super::forge_client::{body_error, header_text};
use super::forge_error::display_url;
use super::forge_event::{ForgeEvent, ForgeObserver};
use super::transfer_watch::{Deadline, TransferWatch};
use super::{ForgeClient, ForgeError};
use super::{stale_staging, verified_staging};

/// Progress is reported at most every this many bytes…
const PROGRESS_BYTES: u64 = 256 * 1024;
/// …or this often, whichever comes first.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(50);
/// Bytes looked at to tell a binary from an HTML page.
const SNIFF_LEN: usize = 64;

/// What to download and what it must be.
#[derive(Clone, Debug)]
pub struct DownloadRequest<'a> {
    /// The asset's download URL.
    pub url: &'a str,
    /// The asset's name, for messages.
    pub asset: &'a str,
    /// The directory the file will be installed in; the staging file is created there.
    pub dest_dir: &'a Path,
    /// The name the file will be installed as; the staging file is `.<name>.download-…`.
    pub file_name: &'a str,
    /// The sha256 the bytes must have (lowercase hex), if known.
    pub expected_sha256: Option<&'a str>,
    /// Where `expected_sha256` came from, for messages (`SHA256SUMS`).
    pub sha256_source: Option<&'a str>,
    /// The size the bytes must have, if known (0 is treated as unknown).
    pub expected_size: Option<u64>,
    /// Refuse text bodies (not only HTML) that do not start like an ELF file.
    pub expect_binary: bool,
}

/// A completed download: the staging file, now the caller's to rename or remove.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// The staging file.
    pub path: PathBuf,
    /// Lowercase hex sha256 of its contents.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
}

/// The name prefix of the staging files of `file_name` (`.<file_name>.download-`).
fn staging_prefix(file_name: &str) -> String {
    format!(".{file_name}.download-")
}

/// Whether `path` is a download's staging file for `file_name` (`.<file_name>.download-…`).
/// The tasks after a download remove it when they refuse its bytes, so a failed install
/// leaves nothing in the bin dir.
pub fn is_staging_file(path: &Path, file_name: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with(&staging_prefix(file_name)))
}

impl ForgeClient {
    /// Downloads `request.url` into a staging file in `request.dest_dir`, reporting
    /// [`ForgeEvent::Progressed`] to `observer` as bytes arrive (throttled to every 256 KiB
    /// or 50 ms, plus the start and the end). Transient failures (connection errors,
    /// stalls — idle, below the minimum rate, past the attempt's deadline —, truncated
    /// bodies, 5xx, 429) are retried from the start with backoff, each retry reported as
    /// [`ForgeEvent::Retrying`] before the wait; 4xx are not retried.
    pub async fn download(
        &self,
        request: &DownloadRequest<'_>,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<Downloaded, ForgeError> {
        let redactor = self.redactor();
        let mut observer = |event: ForgeEvent| observer(event.redact_with(&redactor));
        self.download_unredacted(request, &mut observer)
            .await
            .map_err(|e| e.redact_with(&redactor))
    }

    async fn download_unredacted(
        &self,
        request: &DownloadRequest<'_>,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<Downloaded, ForgeError> {
        let url = Url::parse(request.url).map_err(|source| ForgeError::InvalidUrl {
            url: request.asset.to_string(),
            source,
        })?;
        let dir = request.dest_dir;
        let io = |action: &'static str| {
            let path = dir.display().to_string();
            move |source| ForgeError::Io {
                action,
                path,
                source,
            }
        };
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(io("create the directory"))?;
        // Earlier staging files of this binary that no download finishes any more.
        stale_staging::sweep(dir, Some(request.file_name));
        let staging = tempfile::Builder::new()
            .prefix(&staging_prefix(request.file_name))
            .tempfile_in(dir)
            .map_err(io("create a staging file in"))?;
        let live = stale_staging::Live::new(staging.path());

        let mut attempts = Attempts::start(self.config(), format!("download of {}", request.asset));
        let (sha256, bytes) = loop {
            if attempts.number() > 1 {
                let mut file = staging.as_file();
                file.set_len(0)
                    .map_err(io("truncate the staging file in"))?;
                file.seek(SeekFrom::Start(0))
                    .map_err(io("rewind the staging file in"))?;
            }
            let file = staging
                .as_file()
                .try_clone()
                .map_err(io("open the staging file in"))?;
            match self.download_once(&url, request, file, observer).await {
                Ok(done) => break done,
                Err(e) => attempts.retry_after(e, observer).await?,
            }
        };

        if let Some(expected) = request.expected_size.filter(|s| *s > 0)
            && expected != bytes
        {
            return Err(ForgeError::SizeMismatch {
                asset: request.asset.to_string(),
                expected,
                actual: bytes,
            });
        }
        if let Some(expected) = request.expected_sha256
            && !expected.eq_ignore_ascii_case(&sha256)
        {
            return Err(ForgeError::ChecksumMismatch {
                asset: request.asset.to_string(),
                source_name: request.sha256_source.unwrap_or("the release").to_string(),
                expected: expected.to_ascii_lowercase(),
                actual: sha256,
            });
        }
        let (_, path) = staging.keep().map_err(|e| ForgeError::Io {
            action: "keep the staging file in",
            path: dir.display().to_string(),
            source: e.error,
        })?;
        verified_staging::remember(&path, &sha256);
        live.keep();
        Ok(Downloaded {
            path,
            sha256,
            bytes,
        })
    }

    /// One attempt: request, check what comes back, stream it into `file` (at its current
    /// offset) through a [`ChunkWriter`], which hashes and writes on a thread of its own,
    /// under a [`TransferWatch`] (idle timeout, minimum rate, the attempt's deadline).
    async fn download_once(
        &self,
        url: &Url,
        request: &DownloadRequest<'_>,
        file: std::fs::File,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<(String, u64), ForgeError> {
        let deadline = Deadline::for_attempt(self.config());
        let (response, final_url) = self
            .get_once(url, "application/octet-stream", deadline)
            .await?;
        let content_type = header_text(&response, CONTENT_TYPE).to_ascii_lowercase();
        if content_type.starts_with("text/html") || content_type.starts_with("application/xhtml") {
            return Err(ForgeError::HtmlInsteadOfBinary {
                url: display_url(&final_url),
            });
        }
        let total = response.content_length();
        let mut watch = TransferWatch::start(&final_url, self.config(), deadline);
        let mut stream = response.bytes_stream();
        let mut writer = ChunkWriter::start(file);
        let write_error = |source| ForgeError::Io {
            action: "write to the staging file in",
            path: request.dest_dir.display().to_string(),
            source,
        };
        let mut received = 0u64;
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
        let mut sniffed = false;
        let mut reported = (0u64, Instant::now());
        let mut progress = |done, total| observer(ForgeEvent::Progressed { done, total });
        progress(0, total);
        while let Some(chunk) = watch.next(&mut stream).await? {
            let chunk = chunk.map_err(|e| body_error(&final_url, received, total, e))?;
            if !sniffed {
                let take = (SNIFF_LEN - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if head.len() >= SNIFF_LEN {
                    sniff(&head, &content_type, request.expect_binary, &final_url)?;
                    sniffed = true;
                }
            }
            received += chunk.len() as u64;
            if !writer.push(chunk).await {
                let err = match writer.finish().await {
                    Err(e) => e,
                    Ok(_) => std::io::Error::other("the writer stopped"),
                };
                return Err(write_error(err));
            }
            if received - reported.0 >= PROGRESS_BYTES || reported.1.elapsed() >= PROGRESS_INTERVAL
            {
                progress(received, total);
                reported = (received, Instant::now());
            }
        }
        if !sniffed {
            sniff(&head, &content_type, request.expect_binary, &final_url)?;
        }
        if let Some(expected) = total
            && received < expected
        {
            return Err(ForgeError::Truncated {
                url: display_url(&final_url),
                received,
                expected,
            });
        }
        let (sha256, written) = writer.finish().await.map_err(write_error)?;
        progress(written, total.or(Some(written)));
        Ok((sha256, written))
    }
}

/// Refuses an HTML page (by its first bytes), and, when a binary is expected, a text body
/// that does not start like an ELF file.
fn sniff(
    head: &[u8],
    content_type: &str,
    expect_binary: bool,
    url: &Url,
) -> Result<(), ForgeError> {
    if looks_like_html(head) {
        return Err(ForgeError::HtmlInsteadOfBinary {
            url: display_url(url),
        });
    }
    let textual = content_type.starts_with("text/")
        || content_type.contains("json")
        || content_type.contains("xml");
    if expect_binary && textual && !head.starts_with(b"\x7fELF") {
        return Err(ForgeError::TextInsteadOfBinary {
            url: display_url(url),
            content_type: content_type.to_string(),
        });
    }
    Ok(())
}

/// Whether `head` starts like an HTML (or XML) document.
pub(crate) fn looks_like_html(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = head[start..].to_ascii_lowercase();
    [
        &b"<!doctype"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<?xml",
        b"<!--",
    ]
    .iter()
    .any(|p| head.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_recognised() {
        assert!(looks_like_html(b"<!DOCTYPE html><html>"));
        assert!(looks_like_html(b"\n  <html lang=en>"));
        assert!(looks_like_html(b"\xef\xbb\xbf<!doctype html>"));
        assert!(!looks_like_html(b"\x7fELF\x02\x01\x01"));
        assert!(!looks_like_html(b"#!/bin/sh\n"));
    }

    #[test]
    fn text_is_refused_only_when_a_binary_is_expected() {
        let url = Url::parse("http://x/y?sig=1").unwrap();
        assert!(sniff(b"hello", "text/plain", true, &url).is_err());
        assert!(sniff(b"hello", "text/plain", false, &url).is_ok());
        assert!(sniff(b"\x7fELFxxxx", "text/plain", true, &url).is_ok());
        assert!(sniff(b"hello", "application/octet-stream", true, &url).is_ok());
        let err = sniff(b"<html>", "application/octet-stream", false, &url).unwrap_err();
        assert!(!err.to_string().contains("sig=1"));
    }
}
