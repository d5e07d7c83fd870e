//! [`InstallRecord`]: what hero_svc installed into the bin dir, and the queries on it.
//!
//! Every install appends a row; the newest row of a binary is what should be on disk now.
//! `service.verify` compares the file with it (missing, modified, up to date) and a
//! rollback appends the record of the binary it restored.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use super::{StateError, StateStore};

/// One install of one binary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallRecord {
    /// The service the binary belongs to (`hero_db`).
    pub service: String,
    /// The binary's name (`hero_db_server`).
    pub binary: String,
    /// A release tag or a commit.
    pub version: String,
    /// Where it came from, for people (never a token).
    pub origin: String,
    /// sha256 of the installed bytes.
    pub sha256: String,
    /// Their size.
    pub bytes: u64,
    /// The installed path.
    pub path: PathBuf,
    /// When it was installed.
    pub installed_at: DateTime<Utc>,
    /// The run (execution) that installed it, when one did.
    #[serde(default)]
    pub run_id: Option<String>,
}

const COLUMNS: &str = "service, binary, version, origin, sha256, bytes, path, installed_at, run_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<InstallRecord> {
    let installed_at: String = r.get(7)?;
    Ok(InstallRecord {
        service: r.get(0)?,
        binary: r.get(1)?,
        version: r.get(2)?,
        origin: r.get(3)?,
        sha256: r.get(4)?,
        bytes: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
        path: PathBuf::from(r.get::<_, String>(6)?),
        installed_at: DateTime::parse_from_rfc3339(&installed_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        run_id: r.get(8)?,
    })
}

impl StateStore {
    /// Appends the record of an install.
    pub fn record_install(&self, record: &InstallRecord) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached(&format!(
                    "INSERT INTO installs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                ))?
                .execute(params![
                    record.service,
                    record.binary,
                    record.version,
                    record.origin,
                    record.sha256,
                    i64::try_from(record.bytes).unwrap_or(i64::MAX),
                    record.path.to_string_lossy(),
                    record.installed_at.to_rfc3339(),
                    record.run_id,
                ])?;
            Ok(())
        })())
    }

    /// The newest install record of `binary`: what should be on disk now.
    pub fn installed(&self, binary: &str) -> Result<Option<InstallRecord>, StateError> {
        Ok(self
            .conn()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM installs WHERE binary = ?1 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(params![binary], from_row)
            .optional()?)
    }

    /// The newest install record of every binary, by binary name.
    pub fn installs(&self) -> Result<Vec<InstallRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM installs WHERE id IN
                 (SELECT MAX(id) FROM installs GROUP BY binary)
             ORDER BY binary"
        ))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every install record of `binary`, newest first.
    pub fn install_history(&self, binary: &str) -> Result<Vec<InstallRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM installs WHERE binary = ?1 ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map(params![binary], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(binary: &str, version: &str) -> InstallRecord {
        InstallRecord {
            service: "svc".into(),
            binary: binary.into(),
            version: version.into(),
            origin: "test".into(),
            sha256: format!("sha-{version}"),
            bytes: 3,
            path: PathBuf::from("/bin").join(binary),
            installed_at: Utc::now(),
            run_id: None,
        }
    }

    #[test]
    fn newest_record_wins() {
        let store = StateStore::in_memory().unwrap();
        assert_eq!(store.installed("a").unwrap(), None);
        store.record_install(&record("a", "v1")).unwrap();
        store.record_install(&record("b", "v1")).unwrap();
        store.record_install(&record("a", "v2")).unwrap();
        assert_eq!(store.installed("a").unwrap().unwrap().version, "v2");
        let all: Vec<_> = store
            .installs()
            .unwrap()
            .into_iter()
            .map(|r| (r.binary, r.version))
            .collect();
        assert_eq!(
            all,
            vec![("a".into(), "v2".into()), ("b".into(), "v1".into())]
        );
        assert_eq!(store.install_history("a").unwrap().len(), 2);
    }
}
