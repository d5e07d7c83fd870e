//! [`rollback_recorded`]: a rollback that also brings the install record back in line.

use std::path::Path;

use chrono::Utc;

use super::{InstallError, InstallTarget};
use crate::state::{InstallRecord, StateStore};

/// Restores the previous binary (see [`InstallTarget::rollback`]) and appends an install
/// record for it: a copy of the newest earlier record with the same sha256, or a record
/// of an unknown version when there is none. Used by an upgrade whose health check
/// failed. Blocking: call it from blocking context.
pub fn rollback_recorded(
    store: &StateStore,
    service: &str,
    bin_dir: &Path,
    binary: &str,
) -> Result<InstallRecord, InstallError> {
    let restored = InstallTarget::new(bin_dir, binary).rollback()?;
    let record_err = |source| InstallError::Record {
        binary: binary.to_string(),
        source,
    };
    let history = store.install_history(binary).map_err(record_err)?;
    let record = match history.into_iter().find(|r| r.sha256 == restored.sha256) {
        Some(earlier) => InstallRecord {
            installed_at: Utc::now(),
            path: restored.path.clone(),
            ..earlier
        },
        None => InstallRecord {
            service: service.to_string(),
            binary: binary.to_string(),
            version: "unknown".to_string(),
            origin: "restored previous binary".to_string(),
            sha256: restored.sha256.clone(),
            bytes: restored.bytes,
            path: restored.path.clone(),
            installed_at: Utc::now(),
            run_id: None,
        },
    };
    store.record_install(&record).map_err(record_err)?;
    Ok(record)
}
