//! Queries of the builtin supervisor's table: one row per registered process with its spec
//! and, while it runs, the identity of its current instance (pid, process group, and the
//! start time from `/proc/<pid>/stat`, which tells a still-running instance from a new
//! process that reused the pid).

use rusqlite::{OptionalExtension, params};

use super::{StateError, StateStore};
use crate::supervisor::{ExitReason, ProcessSpec, ProcessState};

/// What the store keeps about one supervised process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisedRecord {
    /// How to run it.
    pub spec: ProcessSpec,
    /// Its last known state.
    pub state: ProcessState,
    /// The pid of its current instance.
    pub pid: Option<u32>,
    /// Its process group.
    pub pgid: Option<u32>,
    /// Its start time in clock ticks after boot (field 22 of `/proc/<pid>/stat`).
    pub start_time: Option<u64>,
    /// Automatic restarts since it was last started on request.
    pub restart_count: u32,
    /// How its previous instance ended.
    pub last_exit: Option<ExitReason>,
}

impl StateStore {
    /// Inserts or replaces the record of `record.spec.name`.
    pub fn save_supervised(&self, record: &SupervisedRecord) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            let spec = serde_json::to_string(&record.spec).map_err(|source| StateError::Decode {
                what: "process spec",
                source,
            })?;
            self.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO supervised
                     (name, spec, state, pid, pgid, start_time, restart_count, updated_at, last_exit)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    record.spec.name,
                    spec,
                    record.state.as_str(),
                    record.pid,
                    record.pgid,
                    record.start_time.map(|t| t as i64),
                    record.restart_count,
                    chrono::Utc::now().to_rfc3339(),
                    record
                        .last_exit
                        .and_then(|e| serde_json::to_string(&e).ok()),
                ])?;
            Ok(())
        })())
    }

    /// The record of process `name`.
    pub fn supervised(&self, name: &str) -> Result<Option<SupervisedRecord>, StateError> {
        let row = self
            .conn()
            .prepare_cached(
                "SELECT spec, state, pid, pgid, start_time, restart_count, last_exit
                 FROM supervised WHERE name = ?1",
            )?
            .query_row(params![name], row_of)
            .optional()?;
        row.map(decode).transpose()
    }

    /// Every record, by name.
    pub fn all_supervised(&self) -> Result<Vec<SupervisedRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT spec, state, pid, pgid, start_time, restart_count, last_exit
             FROM supervised ORDER BY name",
        )?;
        let rows = stmt.query_map([], row_of)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(decode).collect()
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

type Row = (
    String,
    String,
    Option<u32>,
    Option<u32>,
    Option<i64>,
    u32,
    Option<String>,
);

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn decode(
    (spec, state, pid, pgid, start_time, restart_count, last_exit): Row,
) -> Result<SupervisedRecord, StateError> {
    let spec = serde_json::from_str(&spec).map_err(|source| StateError::Decode {
        what: "process spec",
        source,
    })?;
    Ok(SupervisedRecord {
        spec,
        // An unknown state (written by a newer version) is treated as stopped: never
        // started behind the user's back.
        state: ProcessState::parse(&state).unwrap_or(ProcessState::Stopped),
        pid,
        pgid,
        start_time: start_time.and_then(|t| u64::try_from(t).ok()),
        restart_count,
        last_exit: last_exit.and_then(|e| serde_json::from_str(&e).ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip() {
        let store = StateStore::in_memory().unwrap();
        let record = SupervisedRecord {
            spec: ProcessSpec::new("svc", "/bin/sh").args(["-c", "sleep 1"]),
            state: ProcessState::Running,
            pid: Some(42),
            pgid: Some(42),
            start_time: Some(123_456),
            restart_count: 2,
            last_exit: Some(ExitReason::Signal(9)),
        };
        store.save_supervised(&record).unwrap();
        assert_eq!(store.supervised("svc").unwrap(), Some(record.clone()));
        assert_eq!(store.all_supervised().unwrap(), vec![record]);
        store.remove_supervised("svc").unwrap();
        assert_eq!(store.supervised("svc").unwrap(), None);
    }
}
