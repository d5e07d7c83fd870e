//! [`StateStore`]: the SQLite database and its queries.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::StateError;

/// Schema migrations, applied in order; `PRAGMA user_version` counts the applied ones.
const MIGRATIONS: &[&str] = &[
    // 1: the executor's cache and execution reports.
    "CREATE TABLE fingerprints (
         key TEXT PRIMARY KEY,
         fingerprint TEXT NOT NULL,
         output TEXT NOT NULL,
         updated_at TEXT NOT NULL
     );
     CREATE TABLE reports (
         run_id TEXT PRIMARY KEY,
         operation TEXT NOT NULL,
         status TEXT NOT NULL,
         started_at TEXT NOT NULL,
         duration_ms REAL NOT NULL,
         report TEXT NOT NULL
     );
     CREATE INDEX reports_by_start ON reports(started_at);",
    // 2: the builtin supervisor's processes (see `supervised.rs`).
    "CREATE TABLE supervised (
         name TEXT PRIMARY KEY,
         spec TEXT NOT NULL,
         state TEXT NOT NULL,
         pid INTEGER,
         pgid INTEGER,
         start_time INTEGER,
         restart_count INTEGER NOT NULL DEFAULT 0,
         updated_at TEXT NOT NULL
     );",
    // 3: what was installed into the bin dir (one row per install; the newest row of a
    // binary is what should be there now).
    "CREATE TABLE installs (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         service TEXT NOT NULL,
         binary TEXT NOT NULL,
         version TEXT NOT NULL,
         origin TEXT NOT NULL,
         sha256 TEXT NOT NULL,
         bytes INTEGER NOT NULL,
         path TEXT NOT NULL,
         installed_at TEXT NOT NULL
     );
     CREATE INDEX installs_by_binary ON installs(binary, id);",
    // 4: the operation log: one row per operation per service (see `op_log.rs`).
    "CREATE TABLE op_log (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         service TEXT NOT NULL,
         operation TEXT NOT NULL,
         started_at TEXT NOT NULL,
         duration_ms REAL NOT NULL,
         result TEXT NOT NULL,
         error TEXT,
         report_id TEXT
     );
     CREATE INDEX op_log_by_service ON op_log(service, id);",
    // 5: how a supervised process last ended (JSON), kept across daemon restarts.
    "ALTER TABLE supervised ADD COLUMN last_exit TEXT;",
    // 6: runs recorded when they start, and upgrades in flight (see `runs.rs`).
    "CREATE TABLE runs (
         run_id TEXT PRIMARY KEY,
         operation TEXT NOT NULL,
         catalog TEXT NOT NULL,
         services TEXT NOT NULL,
         started_at TEXT NOT NULL,
         status TEXT NOT NULL,
         last_finished TEXT,
         ended_at TEXT
     );
     CREATE INDEX runs_by_status ON runs(status);
     CREATE INDEX runs_by_start ON runs(started_at);
     CREATE TABLE pending_upgrades (
         service TEXT PRIMARY KEY,
         catalog TEXT NOT NULL,
         run_id TEXT NOT NULL,
         before TEXT NOT NULL
     );",
    // 7: process groups of programs tasks run (see `task_groups.rs`).
    "CREATE TABLE task_groups (
         pgid INTEGER PRIMARY KEY,
         start_time INTEGER,
         program TEXT NOT NULL,
         started_at TEXT NOT NULL
     );",
    // 8: how many steps a task's work took last time (see `work_sizes.rs`).
    "CREATE TABLE work_sizes (
         key TEXT PRIMARY KEY,
         steps INTEGER NOT NULL,
         recorded_at TEXT NOT NULL
     );",
    // 9: which run installed a binary (see `installs.rs`).
    "ALTER TABLE installs ADD COLUMN run_id TEXT;",
];

/// What the cache holds for a task key: the fingerprint of its last successful run and
/// the output it produced, as the engine handed them (hex, JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedTask {
    /// The fingerprint of that run's inputs (lowercase hex).
    pub fingerprint: String,
    /// What it produced (JSON).
    pub output: String,
}

/// One stored report, as its owner hands it to the store: the columns it is listed by,
/// and the report itself (JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    /// The run.
    pub run_id: uuid::Uuid,
    /// Its operation.
    pub operation: String,
    /// How it ended (`succeeded`, `failed`, …).
    pub status: String,
    /// When it started.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Its wall time.
    pub duration_ms: f64,
    /// The report (JSON).
    pub json: String,
}

/// One line of the list of stored reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportSummary {
    /// The run.
    pub run_id: uuid::Uuid,
    /// Its operation.
    pub operation: String,
    /// How it ended (`succeeded`, `failed`, `cancelled`).
    pub status: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Its wall time.
    pub duration_ms: f64,
}

/// Since when writes have failed, and the last error.
type WriteFailure = (DateTime<Utc>, String);

/// A handle to the state database. Cheap to clone; all clones share one connection behind
/// a mutex (every query is short; SQLite serializes writers anyway).
#[derive(Clone)]
pub struct StateStore {
    conn: Arc<Mutex<Connection>>,
    path: Option<PathBuf>,
    /// The newest install record per binary, as last read (see
    /// [`installed`](Self::installed)).
    pub(super) installed_memo: Arc<Mutex<super::installs::InstalledMemo>>,
    /// Since when writes have failed, and the last error, while they do.
    write_failure: Arc<Mutex<Option<WriteFailure>>>,
}

impl std::fmt::Debug for StateStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateStore")
            .field("path", &self.path)
            .finish()
    }
}

impl StateStore {
    /// Opens (creating if needed) the database at `path`, in WAL mode, and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StateError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StateError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        // Created private (its journal files take the database's mode).
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path);
        }
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(&path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            Ok(conn)
        };
        let conn = open().map_err(|source| StateError::Open {
            path: path.clone(),
            source,
        })?;
        Self::from_connection(conn, Some(path))
    }

    /// A private database in memory: for tests, benchmarks and dry runs.
    pub fn in_memory() -> Result<Self, StateError> {
        let conn = Connection::open_in_memory().map_err(|source| StateError::Open {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        Self::from_connection(conn, None)
    }

    fn from_connection(mut conn: Connection, path: Option<PathBuf>) -> Result<Self, StateError> {
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
            installed_memo: Arc::default(),
            write_failure: Arc::new(Mutex::new(None)),
        })
    }

    /// The database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Since when writes have been failing (a full disk, a read-only filesystem) and the
    /// last error, while they do; `None` once a write succeeds again.
    pub fn write_failure(&self) -> Option<WriteFailure> {
        self.write_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Passes the result of a write through, remembering whether writes work.
    pub(super) fn noted<T>(&self, result: Result<T, StateError>) -> Result<T, StateError> {
        let mut failure = self.write_failure.lock().unwrap_or_else(|e| e.into_inner());
        match &result {
            Ok(_) => *failure = None,
            Err(e) => {
                let mut text = e.to_string();
                let mut cause = std::error::Error::source(e);
                while let Some(c) = cause {
                    text.push_str(": ");
                    text.push_str(&c.to_string());
                    cause = c.source();
                }
                let since = failure.as_ref().map_or_else(Utc::now, |(t, _)| *t);
                *failure = Some((since, text));
            }
        }
        result
    }

    pub(super) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (statements are
        // atomic), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached fingerprint and output of task `key`.
    pub fn cached(&self, key: &str) -> Result<Option<CachedTask>, StateError> {
        let row: Option<(String, String)> = self
            .conn()
            .prepare_cached("SELECT fingerprint, output FROM fingerprints WHERE key = ?1")?
            .query_row(params![key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map(|(fingerprint, output)| CachedTask {
            fingerprint,
            output,
        }))
    }

    /// Records a successful run of task `key`: its fingerprint (hex) and output (JSON).
    pub fn record(&self, key: &str, fingerprint: &str, output: &str) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached(
                    "INSERT INTO fingerprints (key, fingerprint, output, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(key) DO UPDATE SET fingerprint = ?2, output = ?3, updated_at = ?4",
                )?
                .execute(params![
                    key,
                    fingerprint,
                    output,
                    chrono::Utc::now().to_rfc3339()
                ])?;
            Ok(())
        })())
    }

    /// Forgets the cache entry of task `key` (it will run next time).
    pub fn forget(&self, key: &str) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .execute("DELETE FROM fingerprints WHERE key = ?1", params![key])?;
            Ok(())
        })())
    }

    /// Stores a report (replacing one with the same run id).
    pub fn save_report(&self, row: &ReportRow) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO reports
                     (run_id, operation, status, started_at, duration_ms, report)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![
                    row.run_id.to_string(),
                    row.operation,
                    row.status,
                    row.started_at.to_rfc3339(),
                    row.duration_ms,
                    row.json
                ])?;
            Ok(())
        })())
    }

    /// The stored report of run `run_id` (JSON).
    pub fn report(&self, run_id: &uuid::Uuid) -> Result<Option<String>, StateError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT report FROM reports WHERE run_id = ?1",
                params![run_id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The newest `limit` reports, newest first.
    pub fn reports(&self, limit: usize) -> Result<Vec<ReportSummary>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT run_id, operation, status, started_at, duration_ms FROM reports
             ORDER BY started_at DESC, run_id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, f64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, operation, status, started_at, duration_ms) = row?;
            let Ok(run_id) = id.parse() else { continue };
            out.push(ReportSummary {
                run_id,
                operation,
                status,
                started_at,
                duration_ms,
            });
        }
        Ok(out)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StateError> {
    let applied: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (n, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (n + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_round_trip_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("var/hero_svc/state.db");
        let key = "write:/x";
        {
            let store = StateStore::open(&path).unwrap();
            assert_eq!(store.cached(key).unwrap(), None);
            store.record(key, "ab12", "{}").unwrap();
        }
        let store = StateStore::open(&path).unwrap();
        let cached = store.cached(key).unwrap().unwrap();
        assert_eq!(
            (cached.fingerprint.as_str(), cached.output.as_str()),
            ("ab12", "{}")
        );
        store.forget(key).unwrap();
        assert_eq!(store.cached(key).unwrap(), None);
    }

    #[test]
    fn wal_mode_is_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path().join("s.db")).unwrap();
        let mode: String = store
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
