//! [`EnvFile`]: the user's `$HERO_ROOT/cfg/env/env.sh`, read the way a shell reads it.
//!
//! The file is sourced by a real shell (`bash`, else `sh`) in an empty environment with
//! `set -a`, so `export`, plain assignments, `source`/`.` of other files, conditionals and
//! expansions all behave exactly as in the user's shell (the old nu loader did not follow
//! `source` lines). The variables that differ from the shell's own baseline are the
//! file's. Values are secrets until proven otherwise: they are never logged, and
//! [`EnvFile`]'s `Debug` shows names only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// How long sourcing the file may take.
const SOURCE_TIMEOUT: Duration = Duration::from_secs(10);

/// The variables an env file defines.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    path: Option<PathBuf>,
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for EnvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnvFile")
            .field("path", &self.path)
            .field("names", &self.vars.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The env file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EnvFileError {
    /// No shell could be started.
    #[error("could not start a shell to read {path}")]
    Shell {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Sourcing failed or took too long.
    #[error("sourcing {path} failed: {detail}")]
    Source {
        /// The file.
        path: PathBuf,
        /// What the shell said.
        detail: String,
    },
}

impl EnvFile {
    /// No variables.
    pub fn empty() -> Self {
        Self::default()
    }

    /// From explicit values (tests, library users).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            path: None,
            vars: vars.into_iter().collect(),
        }
    }

    /// Reads `path` with a shell; a missing file is an empty env file.
    pub async fn load(path: &Path) -> Result<Self, EnvFileError> {
        if !path.exists() {
            return Ok(Self {
                path: Some(path.to_path_buf()),
                vars: BTreeMap::new(),
            });
        }
        let shell = if Path::new("/bin/bash").exists() {
            "/bin/bash"
        } else {
            "/bin/sh"
        };
        let baseline = dump(shell, None, path).await?;
        let sourced = dump(shell, Some(path), path).await?;
        let vars = sourced
            .into_iter()
            .filter(|(k, v)| baseline.get(k) != Some(v) && k != "_" && k != "SHLVL")
            .collect();
        Ok(Self {
            path: Some(path.to_path_buf()),
            vars,
        })
    }

    /// The file it was read from.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// One variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The names it defines.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }
}

/// The environment of `shell` after sourcing `file` (or nothing), as `NAME → value`.
async fn dump(
    shell: &str,
    file: Option<&Path>,
    for_errors: &Path,
) -> Result<BTreeMap<String, String>, EnvFileError> {
    let script = match file {
        Some(_) => "set -a; . \"$1\" >/dev/null || exit 97; env -0",
        None => "env -0",
    };
    let mut cmd = tokio::process::Command::new(shell);
    cmd.arg("-c").arg(script).arg("hero_svc_env");
    if let Some(f) = file {
        cmd.arg(f);
        if let Some(dir) = f.parent() {
            cmd.current_dir(dir);
        }
    }
    cmd.env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for keep in ["HOME", "PATH", "USER", "HERO_ROOT"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    let child = cmd.spawn().map_err(|source| EnvFileError::Shell {
        path: for_errors.to_path_buf(),
        source,
    })?;
    let out = tokio::time::timeout(SOURCE_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| EnvFileError::Source {
            path: for_errors.to_path_buf(),
            detail: format!("it did not finish within {}s", SOURCE_TIMEOUT.as_secs()),
        })?
        .map_err(|source| EnvFileError::Shell {
            path: for_errors.to_path_buf(),
            source,
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(EnvFileError::Source {
            path: for_errors.to_path_buf(),
            detail: stderr
                .lines()
                .last()
                .unwrap_or("the shell failed")
                .to_string(),
        });
    }
    Ok(out
        .stdout
        .split(|b| *b == 0)
        .filter_map(|entry| {
            let entry = String::from_utf8_lossy(entry);
            let (k, v) = entry.split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn follows_source_lines_and_shell_syntax() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("secrets.sh"),
            "export ONLYOFFICE_JWT_SECRET='s3cr3t value'\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("env.sh"),
            "# Hero env\nexport FORGE_TOKEN=abc\nPLAIN=1\nsource ./secrets.sh\n\
             if [ -n \"$PLAIN\" ]; then export DERIVED=\"x-$PLAIN\"; fi\n",
        )
        .unwrap();
        let env = EnvFile::load(&dir.path().join("env.sh")).await.unwrap();
        assert_eq!(env.get("FORGE_TOKEN"), Some("abc"));
        assert_eq!(env.get("PLAIN"), Some("1"));
        assert_eq!(env.get("ONLYOFFICE_JWT_SECRET"), Some("s3cr3t value"));
        assert_eq!(env.get("DERIVED"), Some("x-1"));
        assert!(env.get("HOME").is_none(), "the baseline is not the file's");
        assert!(
            !format!("{env:?}").contains("s3cr3t"),
            "Debug shows names only"
        );
    }

    #[tokio::test]
    async fn missing_file_is_empty_and_broken_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let env = EnvFile::load(&dir.path().join("nope.sh")).await.unwrap();
        assert_eq!(env.names().count(), 0);
        std::fs::write(dir.path().join("bad.sh"), "source ./missing.sh\n").unwrap();
        let err = EnvFile::load(&dir.path().join("bad.sh")).await.unwrap_err();
        assert!(err.to_string().contains("bad.sh"), "{err}");
    }
}
