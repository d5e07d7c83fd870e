//! A small tmpfs the test mounts on a temp dir, to see what the daemon does when its disk is
//! full. Mounting needs root (CI runs as root); elsewhere [`Tmpfs::mount`] says why it
//! cannot and the test that needs it says it did not run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A mounted tmpfs, unmounted (lazily, so open files do not keep it) when dropped.
pub struct Tmpfs {
    dir: TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`64m`) with at most `inodes` inodes, or says why not.
    pub fn mount(size: &str, inodes: Option<u64>) -> Result<Self, String> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return Err("mounting a tmpfs needs root".to_string());
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mut options = format!("size={size},mode=0755");
        if let Some(n) = inodes {
            options.push_str(&format!(",nr_inodes={n}"));
        }
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &options, "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(Self { dir })
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills it up with a file at `name` (written until the filesystem says it is full);
    /// returns the file's path.
    pub fn fill(&self, name: &str) -> PathBuf {
        let path = self.path().join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
        let _ = f.write_all(&[0u8]);
        let _ = f.flush();
        path
    }

    /// Uses up every free inode with empty files under `dir` (inside the tmpfs).
    pub fn exhaust_inodes(&self, dir: &str) -> PathBuf {
        let d = self.path().join(dir);
        std::fs::create_dir_all(&d).unwrap();
        let mut i = 0u64;
        while std::fs::File::create(d.join(format!("f{i}"))).is_ok() {
            i += 1;
        }
        d
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
