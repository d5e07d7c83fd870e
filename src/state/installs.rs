//! [`InstallRecord`]: what hero_svc installed into the bin dir, and the queries on it.
//!
//! Every install appends a row; the newest row of a binary is what should be on disk now.
//! `service.verify` compares the file with it (missing, modified, up to date) and a
//! rollback appends the record of the binary it restored.
//!
//! The newest record per binary is read often (every `status` asks for each service's
//! binaries) and changes rarely, so it is remembered ([`InstalledMemo`]) until the database
//! changes: this store's own inserts forget it at once, and SQLite's `data_version` — which
//! moves when another connection commits, read at most every 50 ms — tells when another
//! process wrote.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

/// The newest install record per binary as last read, valid while the database's
/// `data_version` stays what it was then.
#[derive(Debug, Default)]
pub(crate) struct InstalledMemo {
    data_version: Option<i64>,
    /// When `data_version` was last read.
    checked: Option<Instant>,
    records: HashMap<String, Option<InstallRecord>>,
}

/// How long the memo is believed without asking SQLite whether another connection wrote:
/// another process's install shows within this, this store's own at once.
const DATA_VERSION_CHECK: Duration = Duration::from_millis(50);

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
            // A commit of this connection does not move `data_version`: forget here.
            self.installed_memo
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .records
                .remove(&record.binary);
            Ok(())
        })())
    }

    /// The newest install record of `binary`: what should be on disk now.
    pub fn installed(&self, binary: &str) -> Result<Option<InstallRecord>, StateError> {
        let conn = self.conn();
        let mut memo = self
            .installed_memo
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if memo
            .checked
            .is_none_or(|at| now.duration_since(at) >= DATA_VERSION_CHECK)
        {
            let version: i64 = conn
                .prepare_cached("PRAGMA data_version")?
                .query_row([], |r| r.get(0))?;
            if memo.data_version != Some(version) {
                memo.records.clear();
                memo.data_version = Some(version);
            }
            memo.checked = Some(now);
        }
        if let Some(record) = memo.records.get(binary) {
            return Ok(record.clone());
        }
        let record = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM installs WHERE binary = ?1 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(params![binary], from_row)
            .optional()?;
        memo.records.insert(binary.to_string(), record.clone());
        Ok(record)
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

    #[test]
    fn a_remembered_record_follows_writes_of_this_store_and_of_another() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let daemon = StateStore::open(&path).unwrap();
        let other = StateStore::open(&path).unwrap();
        assert_eq!(daemon.installed("a").unwrap(), None);
        daemon.record_install(&record("a", "v1")).unwrap();
        assert_eq!(daemon.installed("a").unwrap().unwrap().version, "v1");
        assert_eq!(daemon.installed("a").unwrap().unwrap().version, "v1");
        // Another process (another connection) installs: the memo is not believed once its
        // check period has passed.
        other.record_install(&record("a", "v2")).unwrap();
        std::thread::sleep(DATA_VERSION_CHECK);
        assert_eq!(daemon.installed("a").unwrap().unwrap().version, "v2");
        assert_eq!(other.installed("a").unwrap().unwrap().version, "v2");
        daemon.record_install(&record("a", "v3")).unwrap();
        std::thread::sleep(DATA_VERSION_CHECK);
        assert_eq!(other.installed("a").unwrap().unwrap().version, "v3");
        assert_eq!(daemon.installed("a").unwrap().unwrap().version, "v3");
    }
}
