//! The process groups of programs that tasks run (`git`, `cargo` and what they spawn),
//! recorded while they run: a daemon killed in the middle of a build leaves them behind, and
//! the next daemon ends them before it starts work (a stray `cargo` would hold the target
//! directory's lock and block the next build).

use rusqlite::params;

use super::{StateError, StateStore};

/// One recorded process group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskGroup {
    /// The group's id (its leader's pid).
    pub pgid: u32,
    /// The leader's start time (clock ticks after boot), to tell it from a later process
    /// with the same pid.
    pub start_time: Option<u64>,
    /// The program, for the log.
    pub program: String,
}

impl StateStore {
    /// Records a running task's process group.
    pub fn record_task_group(&self, group: &TaskGroup) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached(
                    "INSERT OR REPLACE INTO task_groups (pgid, start_time, program, started_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    group.pgid,
                    group.start_time.map(|t| t as i64),
                    group.program,
                    chrono::Utc::now().to_rfc3339()
                ])?;
            Ok(())
        })())
    }

    /// Forgets group `pgid` (its program ended and the group was killed).
    pub fn forget_task_group(&self, pgid: u32) -> Result<(), StateError> {
        self.noted((|| -> Result<(), StateError> {
            self.conn()
                .prepare_cached("DELETE FROM task_groups WHERE pgid = ?1")?
                .execute(params![pgid])?;
            Ok(())
        })())
    }

    /// Every recorded group.
    pub fn task_groups(&self) -> Result<Vec<TaskGroup>, StateError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT pgid, start_time, program FROM task_groups ORDER BY pgid")?;
        let rows = stmt.query_map([], |r| {
            Ok(TaskGroup {
                pgid: r.get(0)?,
                start_time: r
                    .get::<_, Option<i64>>(1)?
                    .and_then(|t| u64::try_from(t).ok()),
                program: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_round_trip() {
        let store = StateStore::in_memory().unwrap();
        let g = TaskGroup {
            pgid: 42,
            start_time: Some(7),
            program: "cargo".into(),
        };
        store.record_task_group(&g).unwrap();
        assert_eq!(store.task_groups().unwrap(), vec![g]);
        store.forget_task_group(42).unwrap();
        assert!(store.task_groups().unwrap().is_empty());
    }
}
