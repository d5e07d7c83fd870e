//! [`Binary`]: one executable a service ships, and the role it plays.

use serde::{Deserialize, Serialize};

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
}

impl Binary {
    /// A server binary.
    pub fn server(name: &str) -> Self {
        Self {
            name: name.to_string(),
            role: BinaryRole::Server,
        }
    }

    /// An admin UI binary.
    pub fn admin(name: &str) -> Self {
        Self {
            name: name.to_string(),
            role: BinaryRole::Admin,
        }
    }

    /// A command-line tool.
    pub fn cli(name: &str) -> Self {
        Self {
            name: name.to_string(),
            role: BinaryRole::Cli,
        }
    }

    /// Whether the supervisor runs it.
    pub fn runs(&self) -> bool {
        self.role != BinaryRole::Cli
    }
}
