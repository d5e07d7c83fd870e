//! [`ReleaseFeed`]: where newer releases of a service's binaries appear — the forge, the
//! release an upgrade would install, and how its assets are named — so that a caller can
//! tell whether the installed binaries are the newest without planning an upgrade.

use crate::forge::{ForgeConfig, ReleaseSource};

/// The release a service's installed binaries are compared with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseFeed {
    /// The forge it lives on (URL, kind, token, timeouts).
    pub forge: ForgeConfig,
    /// The release: the repository and which version (`latest` unless asked otherwise).
    pub source: ReleaseSource,
    /// Appended to the asset names after the platform (`-musl`).
    pub asset_suffix: String,
}
