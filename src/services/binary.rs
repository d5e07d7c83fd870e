//! [`Binary`]: one executable a service ships, and the role it plays.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::paths::HeroPaths;

/// What a binary is for; the role decides how the common Hero shape runs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryRole {
    /// The RPC server (`hero_X_server`): runs, binds `rpc.sock`.
    Server,
    /// The admin UI (`hero_X_admin`, formerly `_ui`): runs, binds `admin.sock`.
    Admin,
    /// A command-line tool: installed, not run.
    Cli,
}

/// An executable of a service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binary {
    /// Its file name in the bin dir (and its `--bin` name in cargo).
    pub name: String,
    /// Its role.
    pub role: BinaryRole,
    /// Where it is when the system has it already (`/usr/bin/redis-server`): then it is
    /// checked and recorded there, never downloaded or built (see
    /// [`InstallPolicy::System`](super::InstallPolicy::System)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
}

impl Binary {
    /// A server binary.
    pub fn server(name: &str) -> Self {
        Self {
            name: name.to_string(),
            role: BinaryRole::Server,
            path: None,
        }
    }

    /// An admin UI binary.
    pub fn admin(name: &str) -> Self {
        Self {
            name: name.to_string(),
            role: BinaryRole::Admin,
            path: None,
        }
    }

    /// A command-line tool.
    pub fn cli(name: &str) -> Self {
        Self {
            name: name.to_string(),
            role: BinaryRole::Cli,
            path: None,
        }
    }

    /// The system's binary at `path` (see [`Binary::path`]).
    pub fn at(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Where it runs from: the system's path, or the Hero bin dir.
    pub fn installed_path(&self, paths: &HeroPaths) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| paths.binary(&self.name))
    }

    /// Whether the supervisor runs it.
    pub fn runs(&self) -> bool {
        self.role != BinaryRole::Cli
    }
}
