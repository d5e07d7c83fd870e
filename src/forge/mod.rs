//! Releases on a forge (Forgejo or GitHub): finding a release, naming the asset a binary is
//! shipped as, and downloading it safely.
//!
//! The pieces, in the order an install meets them:
//!
//! 1. [`ForgeConfig`] says which forge ([`ForgeKind`]), where (`FORGE_URL`), with which
//!    token (`FORGE_TOKEN`, legacy `FORGEJO_TOKEN`; a [`ForgeToken`] never shows itself) and
//!    how patiently: timeouts, retries, and the bounds of one attempt ([`MinRate`] and the
//!    deadline, from `HERO_SVC_DOWNLOAD_*`, see [`transfer_limits`]).
//! 2. [`ForgeClient::resolve_release`] turns a [`ReleaseSource`] (a repository and a
//!    [`ReleaseVersion`], or a generic package) into a [`ResolvedRelease`]: tag, assets and the
//!    sha256 each asset is expected to have (from GitHub's `digest`, a `<asset>.sha256`
//!    sidecar, `SHA256SUMS` or `*checksums.txt`, see [`checksums`]) — or, when a checksum
//!    file applies to an asset but cannot vouch for it, why not
//!    ([`ReleaseAsset::expected_sha256`] refuses such an asset).
//! 3. [`asset_name`] composes the asset name of a binary for this host
//!    (`hero_db_server-linux-amd64`) and refuses names that could escape a directory.
//! 4. [`ForgeClient::download`] streams an asset into a staging file next to its final place,
//!    hashing as it goes, following redirects without handing the token to other hosts,
//!    retrying transient failures (stalls included: idle, below the minimum rate, past the
//!    deadline), refusing HTML pages, and checking the expected sha256. Whatever goes
//!    wrong, the staging file is gone; staging files a killed daemon left behind are swept
//!    at the next daemon's start and before the next download of the same binary
//!    ([`sweep_stale_staging`]).
//!
//! Both operations report to a [`ForgeObserver`] while they run ([`ForgeEvent`]: bytes
//! received, and every retry — attempt n of N, the reason, the wait — before it waits), and
//! a request that gives up after several attempts says how many and how long they took
//! ([`ForgeError::GaveUp`]). Everything they hand out — results, errors, events — has the
//! configured token replaced by [`REDACTED`], whatever the forge echoed.
//!
//! The task kinds [`ResolveRelease`](crate::tasks::ResolveRelease) and
//! [`DownloadAsset`](crate::tasks::DownloadAsset) wrap steps 2 and 4 for plans and show the
//! events as the task's progress and log lines.
//!
//! Floor: a mechanism, on [`state`](crate::state), [`paths`](crate::paths) and
//! [`util`](crate::util); it builds no plans.

pub mod asset_name;
mod attempts;
pub mod checksums;
mod chunk_writer;
mod download;
mod forge_client;
mod forge_config;
mod forge_error;
mod forge_event;
mod forge_kind;
mod forge_token;
mod redaction;
mod release_source;
mod resolved_release;
mod stale_staging;
pub mod transfer_limits;
mod transfer_watch;
mod verified_staging;
mod wire;

pub use download::{DownloadRequest, Downloaded, is_staging_file};
pub use forge_client::ForgeClient;
pub use forge_config::{DEFAULT_FORGE_URL, ForgeConfig};
pub use forge_error::ForgeError;
pub use forge_event::{ForgeEvent, ForgeObserver, RetryNotice};
pub use forge_kind::ForgeKind;
pub use forge_token::ForgeToken;
pub use redaction::REDACTED;
pub use release_source::{ReleaseSource, ReleaseVersion};
pub use resolved_release::{ReleaseAsset, ResolvedRelease};
pub use stale_staging::sweep as sweep_stale_staging;
pub use transfer_limits::MinRate;
pub use verified_staging::verified_sha256;
