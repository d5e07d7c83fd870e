//! [`OpRecord`]: the operation log — what was done to which service, when, how it ended,
//! how long it took, and the report that has the details.
//!
//! Every operation appends one row per service it touched; nothing is ever updated. The
//! newest rows of a service answer "what happened to hero_db lately?".

use chrono::{DateTime, Utc};
use rusqlite::{Row, params};
use serde::{Deserialize, Serialize};

use super::{StateError, StateStore};

/// One operation on one service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpRecord {
    /// The service (`hero_db`).
    pub service: String,
    /// What was done (`start`, `stop`, `deploy`, …).
    pub operation: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: f64,
    /// How it ended (`succeeded`, `failed`, `cancelled`, `interrupted`).
    pub result: String,
    /// The first error, when it failed (outermost message and causes, joined).
    pub error: Option<String>,
    /// The execution report with the details, if the operation ran a plan.
    pub report_id: Option<uuid::Uuid>,
}

const COLUMNS: &str = "service, operation, started_at, duration_ms, result, error, report_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<OpRecord> {
    let started_at: String = r.get(2)?;
    let result: String = r.get(4)?;
    let report_id: Option<String> = r.get(6)?;
    Ok(OpRecord {
        service: r.get(0)?,
        operation: r.get(1)?,
        started_at: DateTime::parse_from_rfc3339(&started_at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        duration_ms: r.get(3)?,
        result,
        error: r.get(5)?,
        report_id: report_id.and_then(|id| id.parse().ok()),
    })
}

impl StateStore {
    /// Appends one record to the operation log.
    pub fn append_op(&self, record: &OpRecord) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached(&format!(
                    "INSERT INTO op_log ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))?
                .execute(params![
                    record.service,
                    record.operation,
                    record.started_at.to_rfc3339(),
                    record.duration_ms,
                    record.result,
                    record.error,
                    record.report_id.map(|id| id.to_string()),
                ])?;
            Ok(())
        })())
    }

    /// The newest `limit` operations on `service`, newest first.
    pub fn recent_ops(&self, service: &str, limit: usize) -> Result<Vec<OpRecord>, StateError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM op_log WHERE service = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(
            params![service, i64::try_from(limit).unwrap_or(i64::MAX)],
            from_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(service: &str, operation: &str, result: &str) -> OpRecord {
        OpRecord {
            service: service.into(),
            operation: operation.into(),
            started_at: Utc::now(),
            duration_ms: 12.5,
            result: result.to_string(),
            error: (result == "failed").then(|| "start:x: boom".to_string()),
            report_id: Some(uuid::Uuid::now_v7()),
        }
    }

    #[test]
    fn recent_ops_are_newest_first_per_service() {
        let store = StateStore::in_memory().unwrap();
        assert!(store.recent_ops("a", 10).unwrap().is_empty());
        let first = op("a", "start", "succeeded");
        let second = op("a", "stop", "failed");
        store.append_op(&first).unwrap();
        store.append_op(&op("b", "start", "cancelled")).unwrap();
        store.append_op(&second).unwrap();

        let a = store.recent_ops("a", 10).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].operation, "stop");
        assert_eq!(a[0].result, "failed");
        assert_eq!(a[0].error.as_deref(), Some("start:x: boom"));
        assert_eq!(a[0].report_id, second.report_id);
        // RFC 3339 keeps the time to the nanosecond.
        assert_eq!(a[1].started_at, first.started_at);
        assert_eq!(store.recent_ops("a", 1).unwrap().len(), 1);
        assert_eq!(store.recent_ops("b", 10).unwrap()[0].result, "cancelled");
    }
}
