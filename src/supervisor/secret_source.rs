//! [`SecretSource`]: where the values of a process's secrets come from, at the moment it is
//! spawned — the user's env file (`$HERO_ROOT/cfg/env/env.sh`, read by a real shell then,
//! so an edit applies at the next start), else the supervisor's own environment.
//!
//! Specs name their secrets ([`SecretEnv`](super::SecretEnv)); values never go into a
//! spec, so nothing the supervisor stores holds them.

use std::path::PathBuf;

use super::{ProcessSpec, SupervisorError};
use crate::paths::EnvFile;

/// The source of secret values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretSource {
    env_file: Option<PathBuf>,
}

impl SecretSource {
    /// Secrets from the env file at `path` (then the supervisor's environment).
    pub fn env_file(path: impl Into<PathBuf>) -> Self {
        Self {
            env_file: Some(path.into()),
        }
    }

    /// The values of `spec`'s secrets, as `(variable, value)`. The env file is read only
    /// when the spec has secrets.
    pub async fn resolve(
        &self,
        spec: &ProcessSpec,
    ) -> Result<Vec<(String, String)>, SupervisorError> {
        if spec.secrets.is_empty() {
            return Ok(Vec::new());
        }
        let file = match &self.env_file {
            Some(path) => EnvFile::load(path)
                .await
                .map_err(|source| SupervisorError::EnvFile {
                    name: spec.name.clone(),
                    source,
                })?,
            None => EnvFile::empty(),
        };
        spec.secrets
            .iter()
            .map(|s| {
                file.get(&s.secret)
                    .map(str::to_string)
                    .or_else(|| std::env::var(&s.secret).ok())
                    .filter(|v| !v.is_empty())
                    .map(|v| (s.var.clone(), v))
                    .ok_or_else(|| SupervisorError::MissingSecret {
                        name: spec.name.clone(),
                        secret: s.secret.clone(),
                        file: self.env_file.clone(),
                    })
            })
            .collect()
    }
}
