//! [`InstallTarget`]: the atomic install of one binary into a bin dir, and its rollback.
//!
//! An install never leaves the binary's path missing or half written, whenever the process
//! dies:
//!
//! 1. the new bytes go to a temp file in the bin dir (`.<binary>.installing.XXXXXX`), hashed
//!    while copied — or, when the source is already a staging file in the bin dir (a
//!    download), that file is used as it is and hashed (unless this process downloaded it
//!    and it is unchanged since: see [`verified_sha256`](crate::forge::verified_sha256));
//!    a source that is gone while the installed binary has the expected bytes (a consumed
//!    staging file handed on again) installs nothing;
//! 2. the sha256 is compared with the one that was checked (ELF check, release digest);
//! 3. mode 0755, fsync;
//! 4. the current binary is kept as `.<binary>.previous` (a hard link, renamed into place,
//!    so the previous copy is also always whole);
//! 5. rename over `<bin_dir>/<binary>` (atomic on POSIX), then fsync the directory so the
//!    rename survives a power cut.
//!
//! Temp files left by a killed install are removed by the next install of that binary.
//! [`InstallTarget::rollback`] renames `.<binary>.previous` back over the binary.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::InstallError;
use crate::util::FileDigest;

/// The mode of an installed binary.
pub const BINARY_MODE: u32 = 0o755;

/// Where one binary is installed: `<bin_dir>/<binary>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallTarget {
    /// The bin dir (`<hero_root>/bin`).
    pub bin_dir: PathBuf,
    /// The binary's file name.
    pub binary: String,
}

/// What an install did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallOutcome {
    /// The installed path.
    pub path: PathBuf,
    /// sha256 of the installed bytes.
    pub sha256: String,
    /// Their size.
    pub bytes: u64,
    /// False when the same bytes were installed already (nothing was replaced).
    pub replaced: bool,
    /// Where the binary it replaced was kept, if there was one.
    pub previous: Option<PathBuf>,
}

/// The file holding the new bytes until the rename.
enum Staging {
    /// A temp file we created; removed on drop unless persisted.
    Owned(tempfile::NamedTempFile),
    /// A staging file someone else put in the bin dir (a download); consumed by the install.
    Adopted(PathBuf),
}

impl Staging {
    fn path(&self) -> &Path {
        match self {
            Staging::Owned(t) => t.path(),
            Staging::Adopted(p) => p,
        }
    }

    /// Removes the staging file (nothing to install, or the bytes were wrong).
    fn discard(self) {
        match self {
            Staging::Owned(t) => drop(t),
            Staging::Adopted(p) => {
                let _ = fs::remove_file(p);
            }
        }
    }
}

impl InstallTarget {
    /// The binary `binary` in `bin_dir`.
    pub fn new(bin_dir: impl Into<PathBuf>, binary: impl Into<String>) -> Self {
        Self {
            bin_dir: bin_dir.into(),
            binary: binary.into(),
        }
    }

    /// `<bin_dir>/<binary>`.
    pub fn path(&self) -> PathBuf {
        self.bin_dir.join(&self.binary)
    }

    /// `<bin_dir>/.<binary>.previous`: the binary an install replaced.
    pub fn previous_path(&self) -> PathBuf {
        self.bin_dir.join(format!(".{}.previous", self.binary))
    }

    fn temp_prefix(&self) -> String {
        format!(".{}.installing.", self.binary)
    }

    /// Installs the bytes of `source` atomically (see the module docs). With
    /// `expected_sha256`, bytes that differ are refused. Installing the bytes that are
    /// already there replaces nothing. Blocking: call it from blocking context.
    pub fn install_from(
        &self,
        source: &Path,
        expected_sha256: Option<&str>,
    ) -> Result<InstallOutcome, InstallError> {
        let target = self.path();
        fs::create_dir_all(&self.bin_dir)
            .map_err(InstallError::io("create the bin dir", &self.bin_dir))?;
        self.remove_stale_temps();

        if same_file(source, &target) {
            let digest = FileDigest::of_path(&target)
                .map_err(InstallError::io("read the installed binary", &target))?;
            check_sha(&target, expected_sha256, &digest.sha256)?;
            return Ok(InstallOutcome {
                path: target,
                sha256: digest.sha256,
                bytes: digest.bytes,
                replaced: false,
                previous: None,
            });
        }

        if let Some(outcome) = self.already_installed(source, expected_sha256)? {
            return Ok(outcome);
        }

        let (staging, sha256, bytes) = if self.is_in_bin_dir(source) {
            // A download of this process, unchanged since it hashed it, is not read again.
            let (sha256, bytes) = match crate::forge::verified_sha256(source) {
                Some(known) => known,
                None => {
                    let d =
                        FileDigest::of_path(source).map_err(InstallError::io("read", source))?;
                    (d.sha256, d.bytes)
                }
            };
            (Staging::Adopted(source.to_path_buf()), sha256, bytes)
        } else {
            let (tmp, sha256, bytes) = self.copy_to_temp(source)?;
            (Staging::Owned(tmp), sha256, bytes)
        };
        if let Err(e) = check_sha(staging.path(), expected_sha256, &sha256) {
            staging.discard();
            return Err(e);
        }

        let installed = match same_bytes(&target, &sha256, bytes) {
            Ok(same) => Some(same),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(InstallError::io("read the installed binary", &target)(e)),
        };
        if installed == Some(true) {
            // Same bytes: make sure the mode is right, drop the staging copy.
            let _ = fs::set_permissions(&target, fs::Permissions::from_mode(BINARY_MODE));
            staging.discard();
            return Ok(InstallOutcome {
                path: target,
                sha256,
                bytes,
                replaced: false,
                previous: None,
            });
        }

        let staged = staging.path().to_path_buf();
        let file = File::open(&staged).map_err(InstallError::io("open", &staged))?;
        file.set_permissions(fs::Permissions::from_mode(BINARY_MODE))
            .map_err(InstallError::io("set the mode of", &staged))?;
        file.sync_all()
            .map_err(InstallError::io("fsync", &staged))?;
        let staged_meta = file.metadata().ok();
        drop(file);

        let previous = match installed {
            Some(_) => Some(self.keep_previous()?),
            None => None,
        };
        match staging {
            Staging::Owned(t) => {
                t.persist(&target)
                    .map_err(|e| InstallError::io("rename the new binary to", &target)(e.error))?;
            }
            Staging::Adopted(p) => {
                fs::rename(&p, &target)
                    .map_err(InstallError::io("rename the new binary to", &target))?;
            }
        }
        sync_dir(&self.bin_dir)?;
        // The installed bytes are known: the next freshness question costs a stat.
        if let Some(meta) = &staged_meta {
            FileDigest::note_renamed(&target, meta, &sha256, bytes);
        }
        Ok(InstallOutcome {
            path: target,
            sha256,
            bytes,
            replaced: true,
            previous,
        })
    }

    /// When `source` is gone but the installed binary has the `expected` bytes, there is
    /// nothing to do: a download's staging file consumed by an earlier install, handed on
    /// again by a download that was up to date.
    fn already_installed(
        &self,
        source: &Path,
        expected: Option<&str>,
    ) -> Result<Option<InstallOutcome>, InstallError> {
        let Some(expected) = expected else {
            return Ok(None);
        };
        match fs::symlink_metadata(source) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            _ => return Ok(None),
        }
        let target = self.path();
        match FileDigest::of_path(&target) {
            Ok(d) if d.sha256.eq_ignore_ascii_case(expected) => {
                let _ = fs::set_permissions(&target, fs::Permissions::from_mode(BINARY_MODE));
                Ok(Some(InstallOutcome {
                    path: target,
                    sha256: d.sha256,
                    bytes: d.bytes,
                    replaced: false,
                    previous: None,
                }))
            }
            _ => Ok(None),
        }
    }

    /// Restores `.<binary>.previous` over the binary (atomically) and returns what is
    /// installed now. The replaced binary is gone; the previous copy is consumed.
    /// Blocking: call it from blocking context.
    pub fn rollback(&self) -> Result<FileDigest, InstallError> {
        let previous = self.previous_path();
        let target = self.path();
        if !previous.exists() {
            return Err(InstallError::NoPrevious { path: previous });
        }
        fs::rename(&previous, &target)
            .map_err(InstallError::io("restore the previous binary to", &target))?;
        sync_dir(&self.bin_dir)?;
        FileDigest::of_path(&target).map_err(InstallError::io("read the restored binary", &target))
    }

    /// Links the current binary to `.<binary>.previous` via a temp name, so the previous
    /// copy is replaced atomically too.
    fn keep_previous(&self) -> Result<PathBuf, InstallError> {
        let target = self.path();
        let previous = self.previous_path();
        let tmp = self.bin_dir.join(format!("{}previous", self.temp_prefix()));
        let _ = fs::remove_file(&tmp);
        if fs::hard_link(&target, &tmp).is_err() {
            // A file system without hard links: copy instead.
            fs::copy(&target, &tmp).map_err(InstallError::io("keep a copy of", &target))?;
            File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(InstallError::io("fsync", &tmp))?;
        }
        fs::rename(&tmp, &previous)
            .map_err(InstallError::io("keep the previous binary as", &previous))?;
        // When `.previous` already was this very file (an install killed right after keeping
        // it), rename does nothing and leaves the temp name behind: drop that name.
        let _ = fs::remove_file(&tmp);
        Ok(previous)
    }

    /// Copies `source` into a new temp file in the bin dir, hashing on the way.
    fn copy_to_temp(
        &self,
        source: &Path,
    ) -> Result<(tempfile::NamedTempFile, String, u64), InstallError> {
        let mut input = File::open(source).map_err(InstallError::io("open", source))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(&self.temp_prefix())
            .tempfile_in(&self.bin_dir)
            .map_err(InstallError::io("create a temp file in", &self.bin_dir))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut bytes = 0u64;
        loop {
            let n = input
                .read(&mut buf)
                .map_err(InstallError::io("read", source))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            tmp.write_all(&buf[..n])
                .map_err(InstallError::io("write", tmp.path()))?;
            bytes += n as u64;
        }
        Ok((tmp, hex::encode(hasher.finalize()), bytes))
    }

    fn is_in_bin_dir(&self, source: &Path) -> bool {
        let parent = source.parent().filter(|p| !p.as_os_str().is_empty());
        match (
            parent.map(fs::canonicalize),
            fs::canonicalize(&self.bin_dir),
        ) {
            (Some(Ok(a)), Ok(b)) => a == b,
            _ => false,
        }
    }

    /// Removes temp files a killed install of this binary left behind.
    fn remove_stale_temps(&self) {
        let prefix = self.temp_prefix();
        let Ok(entries) = fs::read_dir(&self.bin_dir) else {
            return;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Restores `<bin_dir>/.<binary>.previous` over `<bin_dir>/<binary>`; see
/// [`InstallTarget::rollback`].
pub fn rollback(bin_dir: &Path, binary: &str) -> Result<FileDigest, InstallError> {
    InstallTarget::new(bin_dir, binary).rollback()
}

fn check_sha(path: &Path, expected: Option<&str>, actual: &str) -> Result<(), InstallError> {
    match expected {
        Some(e) if !e.eq_ignore_ascii_case(actual) => Err(InstallError::ChecksumMismatch {
            path: path.to_path_buf(),
            expected: e.to_string(),
            actual: actual.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Whether the file at `path` has `sha256`; a file of another size is not read.
fn same_bytes(path: &Path, sha256: &str, bytes: u64) -> std::io::Result<bool> {
    if fs::metadata(path)?.len() != bytes {
        return Ok(false);
    }
    Ok(FileDigest::of_path(path)?.sha256 == sha256)
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

fn sync_dir(dir: &Path) -> Result<(), InstallError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(InstallError::io("fsync the directory", dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_install_after_one_killed_while_keeping_the_previous_leaves_no_temp() {
        // Killed right after linking `.previous`: it and the binary are one file.
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::write(&a, b"old").unwrap();
        fs::write(&b, b"new").unwrap();
        let t = InstallTarget::new(&bin, "x");
        t.install_from(&a, None).unwrap();
        fs::hard_link(t.path(), t.previous_path()).unwrap();
        t.install_from(&b, None).unwrap();
        let mut names: Vec<_> = fs::read_dir(&bin)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".x.previous", "x"]);
        assert_eq!(fs::read(t.previous_path()).unwrap(), b"old");
    }

    #[test]
    fn install_keeps_previous_and_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::write(&a, b"old").unwrap();
        fs::write(&b, b"new").unwrap();
        let t = InstallTarget::new(&bin, "x");
        assert!(t.install_from(&a, None).unwrap().replaced);
        let out = t.install_from(&b, None).unwrap();
        assert_eq!(out.previous, Some(t.previous_path()));
        assert_eq!(fs::read(t.path()).unwrap(), b"new");
        assert_eq!(fs::read(t.previous_path()).unwrap(), b"old");
        assert!(!t.install_from(&b, None).unwrap().replaced);
        let mode = fs::metadata(t.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, BINARY_MODE);
        t.rollback().unwrap();
        assert_eq!(fs::read(t.path()).unwrap(), b"old");
        assert!(matches!(t.rollback(), Err(InstallError::NoPrevious { .. })));
        let names: Vec<_> = fs::read_dir(&bin)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x")]);
    }

    #[test]
    fn a_staging_file_in_the_bin_dir_is_renamed_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let t = InstallTarget::new(dir.path(), "x");
        let staging = dir.path().join(".x.download");
        fs::write(&staging, b"downloaded").unwrap();
        let out = t.install_from(&staging, None).unwrap();
        assert!(out.replaced);
        assert!(!staging.exists());
        assert_eq!(fs::read(t.path()).unwrap(), b"downloaded");
        // The same bytes downloaded again: nothing replaced, the staging file is dropped.
        fs::write(&staging, b"downloaded").unwrap();
        assert!(!t.install_from(&staging, None).unwrap().replaced);
        assert!(!staging.exists());
        assert!(!t.previous_path().exists());
    }

    #[test]
    fn a_consumed_staging_file_with_the_installed_bytes_is_already_installed() {
        let dir = tempfile::tempdir().unwrap();
        let t = InstallTarget::new(dir.path(), "x");
        let staging = dir.path().join(".x.download-abc");
        fs::write(&staging, b"downloaded").unwrap();
        let sha = FileDigest::of_path(&staging).unwrap().sha256;
        assert!(t.install_from(&staging, Some(&sha)).unwrap().replaced);
        // The staging file is gone; the same artifact handed on again installs nothing.
        let again = t.install_from(&staging, Some(&sha)).unwrap();
        assert!(!again.replaced);
        assert_eq!(again.sha256, sha);
        // Other bytes installed meanwhile: the missing source is an error.
        fs::write(t.path(), b"other").unwrap();
        assert!(t.install_from(&staging, Some(&sha)).is_err());
    }

    #[test]
    fn an_adopted_staging_file_with_wrong_bytes_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let t = InstallTarget::new(dir.path(), "x");
        let staging = dir.path().join(".x.download-abc");
        fs::write(&staging, b"downloaded").unwrap();
        let err = t.install_from(&staging, Some("00")).unwrap_err();
        assert!(
            matches!(err, InstallError::ChecksumMismatch { .. }),
            "{err}"
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn wrong_bytes_are_refused_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("a");
        fs::write(&src, b"bytes").unwrap();
        let t = InstallTarget::new(dir.path().join("bin"), "x");
        let err = t.install_from(&src, Some("00")).unwrap_err();
        assert!(
            matches!(err, InstallError::ChecksumMismatch { .. }),
            "{err}"
        );
        assert_eq!(fs::read_dir(&t.bin_dir).unwrap().count(), 0);
    }
}
