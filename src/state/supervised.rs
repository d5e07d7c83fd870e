//! Queries of the builtin supervisor's table: one row per registered process with its spec
//! (as the supervisor serialized it) and, while it runs, the identity of its current instance (pid, process group, and the
//! start time from `/proc/<pid>/stat`, which tells a still-running instance from a new
//! process that reused the pid).

use rusqlite::{OptionalExtension, params};

use super::{StateError, StateStore};

/// What the store keeps about one supervised process, as the supervisor hands it over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisedRecord {
    /// Its name.
    pub name: String,
    /// How to run it (JSON).
    pub spec: String,
    /// Its last known state (`running`, `stopped`, …).
    pub state: String,
    /// The pid of its current instance.
    pub pid: Option<u32>,
    /// Its process group.
    pub pgid: Option<u32>,
    /// Its start time in clock ticks after boot (field 22 of `/proc/<pid>/stat`).
    pub start_time: Option<u64>,
    /// Automatic restarts since it was last started on request.
    pub restart_count: u32,
    /// How its previous instance ended (JSON).
    pub last_exit: Option<String>,
}

impl StateStore {
    /// Inserts or replaces the record of `record.spec.name`.
    pub fn save_supervised(&self, record: &SupervisedRecord) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO supervised
                 (name, spec, state, pid, pgid, start_time, restart_count, updated_at, last_exit)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    record.name,
                    record.spec,
                    record.state,
                    record.pid,
                    record.pgid,
                    record.start_time.map(|t| t as i64),
                    record.restart_count,
                    chrono::Utc::now().to_rfc3339(),
                    record.last_exit,
                ])?;
            Ok(())
        })())
    }

    /// The record of process `name`.
    pub fn supervised(&self, name: &str) -> Result<Option<SupervisedRecord>, StateError> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT name, spec, state, pid, pgid, start_time, restart_count, last_exit
                 FROM supervised WHERE name = ?1",
            )?
            .query_row(params![name], row_of)
            .optional()?;
        Ok(row)
    }

    /// Every record, by name.
    pub fn all_supervised(&self) -> Result<Vec<SupervisedRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT name, spec, state, pid, pgid, start_time, restart_count, last_exit
             FROM supervised ORDER BY name",
        )?;
        let rows = stmt.query_map([], row_of)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Forgets process `name`.
    pub fn remove_supervised(&self, name: &str) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .execute("DELETE FROM supervised WHERE name = ?1", params![name])?;
            Ok(())
        })())
    }
}

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<SupervisedRecord> {
    Ok(SupervisedRecord {
        name: r.get(0)?,
        spec: r.get(1)?,
        state: r.get(2)?,
        pid: r.get(3)?,
        pgid: r.get(4)?,
        start_time: r
            .get::<_, Option<i64>>(5)?
            .and_then(|t| u64::try_from(t).ok()),
        restart_count: r.get(6)?,
        last_exit: r.get(7)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let store = StateStore::in_memory().unwrap();
        let record = SupervisedRecord {
            name: "svc".into(),
            spec: r#"{"name":"svc"}"#.into(),
            state: "running".into(),
            pid: Some(42),
            pgid: Some(42),
            start_time: Some(123_456),
            restart_count: 2,
            last_exit: Some(r#"{"signal":9}"#.into()),
        };
        store.save_supervised(&record).unwrap();
        assert_eq!(store.supervised("svc").unwrap(), Some(record.clone()));
        assert_eq!(store.all_supervised().unwrap(), vec![record]);
        store.remove_supervised("svc").unwrap();
        assert_eq!(store.supervised("svc").unwrap(), None);
    }
}
