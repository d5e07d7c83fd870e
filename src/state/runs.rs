//! [`RunRecord`]: every run the daemon starts, recorded when it starts — so a run killed
//! with the daemon still leaves a trace — and [`PendingUpgrade`]: what an upgrade in flight
//! promised (verify the new binaries, or roll back), kept until the upgrade ends.
//!
//! A run row is written when the run starts (`running`), its last finished task is noted
//! as it goes, and its end status is written when it ends. A new daemon finds the rows
//! still `running` — runs its predecessor never finished — and marks them `interrupted`.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};

use super::{StateError, StateStore};

/// One run, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunRecord {
    /// The run id (a UUID, as text).
    pub run_id: String,
    /// The operation (`deploy`, `restart`, …).
    pub operation: String,
    /// The catalog its services are from.
    pub catalog: String,
    /// The services it is about.
    pub services: Vec<String>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// `running`, or how it ended (`succeeded`, `failed`, `cancelled`, `interrupted`).
    pub status: String,
    /// The last task that finished, for people (`install demo_db`), if any did.
    pub last_finished: Option<String>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
}

/// An upgrade in flight: the binaries as they were before it, so a daemon that finds it
/// unfinished knows whether new ones were installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingUpgrade {
    /// The service.
    pub service: String,
    /// Its catalog.
    pub catalog: String,
    /// The upgrade's run.
    pub run_id: String,
    /// `(binary, sha256)` of its installed binaries before the upgrade (`None`: none).
    pub before: Vec<(String, Option<String>)>,
}

const COLUMNS: &str =
    "run_id, operation, catalog, services, started_at, status, last_finished, ended_at";

fn time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let services: String = r.get(3)?;
    Ok(RunRecord {
        run_id: r.get(0)?,
        operation: r.get(1)?,
        catalog: r.get(2)?,
        services: serde_json::from_str(&services).unwrap_or_default(),
        started_at: time(Some(r.get(4)?)).unwrap_or_default(),
        status: r.get(5)?,
        last_finished: r.get(6)?,
        ended_at: time(r.get(7)?),
    })
}

impl StateStore {
    /// Records a run that starts now.
    pub fn start_run(&self, run: &RunRecord) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            let services = serde_json::to_string(&run.services).map_err(|source| {
                StateError::Decode {
                    what: "run services",
                    source,
                }
            })?;
            self.conn()
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO runs ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ))?
                .execute(params![
                    run.run_id,
                    run.operation,
                    run.catalog,
                    services,
                    run.started_at.to_rfc3339(),
                    run.status,
                    run.last_finished,
                    run.ended_at.map(|t| t.to_rfc3339()),
                ])?;
            Ok(())
        })())
    }

    /// Notes the last task that finished in run `run_id`.
    pub fn note_run_progress(&self, run_id: &str, last_finished: &str) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached("UPDATE runs SET last_finished = ?2 WHERE run_id = ?1")?
                .execute(params![run_id, last_finished])?;
            Ok(())
        })())
    }

    /// Records how run `run_id` ended.
    pub fn end_run(&self, run_id: &str, status: &str) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached("UPDATE runs SET status = ?2, ended_at = ?3 WHERE run_id = ?1")?
                .execute(params![run_id, status, Utc::now().to_rfc3339()])?;
            Ok(())
        })())
    }

    /// Marks every run still `running` as `interrupted` and returns them: called by a
    /// daemon at start, when no run of its own has begun.
    pub fn interrupt_unfinished(&self) -> Result<Vec<RunRecord>, StateError> {
        let found = {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM runs WHERE status = 'running' ORDER BY started_at"
            ))?;
            let rows = stmt.query_map([], from_row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        for run in &found {
            self.end_run(&run.run_id, "interrupted")?;
        }
        Ok(found
            .into_iter()
            .map(|r| RunRecord {
                status: "interrupted".to_string(),
                ..r
            })
            .collect())
    }

    /// The recorded run `run_id`.
    pub fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StateError> {
        Ok(self
            .conn()
            .prepare_cached(&format!("SELECT {COLUMNS} FROM runs WHERE run_id = ?1"))?
            .query_row(params![run_id], from_row)
            .optional()?)
    }

    /// The newest `limit` recorded runs, newest first.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map(params![i64::try_from(limit).unwrap_or(i64::MAX)], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Records an upgrade in flight (replacing an older record of the same service).
    pub fn save_pending_upgrade(&self, pending: &PendingUpgrade) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            let before =
                serde_json::to_string(&pending.before).map_err(|source| StateError::Decode {
                    what: "pending upgrade",
                    source,
                })?;
            self.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO pending_upgrades (service, catalog, run_id, before)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    pending.service,
                    pending.catalog,
                    pending.run_id,
                    before
                ])?;
            Ok(())
        })())
    }

    /// Forgets the upgrade of `service` by run `run_id` (it ended, one way or the other).
    pub fn clear_pending_upgrade(&self, service: &str, run_id: &str) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached("DELETE FROM pending_upgrades WHERE service = ?1 AND run_id = ?2")?
                .execute(params![service, run_id])?;
            Ok(())
        })())
    }

    /// Every upgrade in flight.
    pub fn pending_upgrades(&self) -> Result<Vec<PendingUpgrade>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT service, catalog, run_id, before FROM pending_upgrades ORDER BY service",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (service, catalog, run_id, before) = row?;
            let before = serde_json::from_str(&before).map_err(|source| StateError::Decode {
                what: "pending upgrade",
                source,
            })?;
            out.push(PendingUpgrade {
                service,
                catalog,
                run_id,
                before,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str) -> RunRecord {
        RunRecord {
            run_id: id.to_string(),
            operation: "restart".into(),
            catalog: "demo".into(),
            services: vec!["a".into(), "b".into()],
            started_at: Utc::now(),
            status: "running".into(),
            last_finished: None,
            ended_at: None,
        }
    }

    #[test]
    fn unfinished_runs_are_interrupted_once() {
        let store = StateStore::in_memory().unwrap();
        store.start_run(&run("1")).unwrap();
        store.start_run(&run("2")).unwrap();
        store.note_run_progress("1", "stop a").unwrap();
        store.end_run("2", "succeeded").unwrap();
        let found = store.interrupt_unfinished().unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].run_id, "1");
        assert_eq!(found[0].last_finished.as_deref(), Some("stop a"));
        assert_eq!(found[0].services, ["a", "b"]);
        assert_eq!(store.run("1").unwrap().unwrap().status, "interrupted");
        assert!(store.interrupt_unfinished().unwrap().is_empty());
        assert_eq!(store.runs(10).unwrap().len(), 2);
    }

    #[test]
    fn pending_upgrades_round_trip() {
        let store = StateStore::in_memory().unwrap();
        let p = PendingUpgrade {
            service: "s".into(),
            catalog: "demo".into(),
            run_id: "r".into(),
            before: vec![("bin".into(), Some("ab".into())), ("cli".into(), None)],
        };
        store.save_pending_upgrade(&p).unwrap();
        assert_eq!(store.pending_upgrades().unwrap(), vec![p]);
        store.clear_pending_upgrade("s", "other").unwrap();
        assert_eq!(store.pending_upgrades().unwrap().len(), 1);
        store.clear_pending_upgrade("s", "r").unwrap();
        assert!(store.pending_upgrades().unwrap().is_empty());
    }
}
