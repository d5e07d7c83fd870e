//! How much work a task did the last time it ran (the units a `cargo build` compiled), by
//! task key: the total its progress is measured against the next time, since cargo does not
//! say in advance how many units a build has.

use rusqlite::{OptionalExtension, params};

use super::{StateError, StateStore};

impl StateStore {
    /// The steps the work of task `key` took last time, if recorded.
    pub fn work_size(&self, key: &str) -> Result<Option<u64>, StateError> {
        let steps: Option<i64> = self
            .conn()
            .prepare_cached("SELECT steps FROM work_sizes WHERE key = ?1")?
            .query_row(params![key], |r| r.get(0))
            .optional()?;
        Ok(steps.and_then(|s| u64::try_from(s).ok()))
    }

    /// Records that the work of task `key` took `steps`.
    pub fn record_work_size(&self, key: &str, steps: u64) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO work_sizes (key, steps, recorded_at)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![
                    key,
                    i64::try_from(steps).unwrap_or(i64::MAX),
                    chrono::Utc::now().to_rfc3339()
                ])?;
            Ok(())
        })())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_size_is_remembered_and_replaced() {
        let store = StateStore::in_memory().unwrap();
        assert_eq!(store.work_size("build:x").unwrap(), None);
        store.record_work_size("build:x", 120).unwrap();
        store.record_work_size("build:x", 121).unwrap();
        assert_eq!(store.work_size("build:x").unwrap(), Some(121));
    }
}
