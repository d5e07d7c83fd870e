//! Runs the previous daemon never finished (it was killed, or crashed), and what the new
//! daemon does about them.
//!
//! At start ([`Interruptions::recover`]): every run the store still has as `running` is
//! marked `interrupted`, and one operation-log record per service says so (with the last
//! task that finished). Then:
//!
//! - an interrupted **upgrade** is finished: for each of its services whose binaries
//!   changed since the upgrade began, a verified restart (restart on the installed
//!   binaries, wait until healthy, roll back if not) runs as a new execution;
//! - every other interrupted run becomes a **notice**: until the user acts on those
//!   services again, every command's health check is told which of them are not running
//!   now and that `hero_svc deploy` brings them back.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use chrono::Utc;

use super::{Daemon, RunScope};
use crate::graph::{RunId, RunStatus};
use crate::services::Service;
use crate::state::{OpRecord, PendingUpgrade, RunRecord, StateStore};
use crate::supervisor::{ProcessState, Supervisor};
use crate::tasks::PlanBuilder;

/// One interrupted run and the services the user has not acted on since.
struct Interrupted {
    run: RunRecord,
    open: BTreeSet<String>,
    /// The execution that finishes it (an upgrade's verified restart).
    recovery: Option<RunId>,
}

/// The interrupted runs a daemon found at start.
#[derive(Default)]
pub struct Interruptions {
    runs: Mutex<Vec<Interrupted>>,
}

impl Interruptions {
    fn lock(&self) -> MutexGuard<'_, Vec<Interrupted>> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks the runs `store` still has as running `interrupted` and logs one operation
    /// record per service. Failures to read or write the store are logged: a daemon must
    /// start even on a full disk.
    pub fn recover(store: &StateStore) -> Self {
        let found = match store.interrupt_unfinished() {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "could not look for interrupted runs");
                Vec::new()
            }
        };
        let now = Utc::now();
        for run in &found {
            tracing::warn!(run = %run.run_id, operation = %run.operation, "found a run the previous daemon did not finish");
            for service in &run.services {
                let record = OpRecord {
                    service: service.clone(),
                    operation: run.operation.clone(),
                    started_at: run.started_at,
                    duration_ms: (now - run.started_at).num_milliseconds().max(0) as f64,
                    result: RunStatus::Interrupted.as_str().to_string(),
                    error: Some(match &run.last_finished {
                        Some(last) => format!(
                            "the daemon stopped before the run ended; the last task that finished: {last}"
                        ),
                        None => {
                            "the daemon stopped before any task of the run finished".to_string()
                        }
                    }),
                    report_id: run.run_id.parse().ok(),
                };
                if let Err(e) = store.append_op(&record) {
                    tracing::warn!(error = %e, %service, "could not log the interrupted run");
                }
            }
        }
        Self {
            runs: Mutex::new(
                found
                    .into_iter()
                    .map(|run| Interrupted {
                        open: run.services.iter().cloned().collect(),
                        run,
                        recovery: None,
                    })
                    .collect(),
            ),
        }
    }

    /// The user acts on `services` again: notices about them are settled.
    pub fn touch(&self, services: &[String]) {
        for run in self.lock().iter_mut() {
            for s in services {
                run.open.remove(s);
            }
        }
    }
}

impl Daemon {
    /// Finishes the upgrades the previous daemon was killed in (see the module docs).
    /// Called once, when the daemon is ready to run plans.
    pub async fn finish_interrupted_upgrades(&self) {
        let pending = match self.store().pending_upgrades() {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the upgrades in flight");
                return;
            }
        };
        for p in pending {
            if self
                .executions()
                .get(&p.run_id.parse().unwrap_or_default())
                .is_some()
            {
                continue; // one of ours, still running
            }
            match self.start_upgrade_check(&p).await {
                Ok(Some(id)) => {
                    tracing::warn!(service = %p.service, run = %id, "finishing an interrupted upgrade");
                    for run in self.interruptions().lock().iter_mut() {
                        if run.run.run_id == p.run_id {
                            run.recovery = Some(id);
                        }
                    }
                }
                Ok(None) => {
                    let _ = self.store().clear_pending_upgrade(&p.service, &p.run_id);
                }
                Err(why) => {
                    tracing::warn!(service = %p.service, %why, "cannot finish the interrupted upgrade");
                    let _ = self.store().clear_pending_upgrade(&p.service, &p.run_id);
                }
            }
        }
    }

    /// Starts the verified restart of an interrupted upgrade; `None` when nothing new was
    /// installed (the old version stands).
    async fn start_upgrade_check(&self, p: &PendingUpgrade) -> Result<Option<RunId>, String> {
        let catalog = self.catalog(Some(&p.catalog)).map_err(|e| e.to_string())?;
        let svc = catalog.get(&p.service).map_err(|e| e.to_string())?;
        let changed = p.before.iter().any(|(binary, before)| {
            let now = self
                .store()
                .installed(binary)
                .ok()
                .flatten()
                .map(|r| r.sha256);
            now != *before
        });
        if !changed {
            return Ok(None);
        }
        let ctx = self.service_context().await.map_err(|e| e.to_string())?;
        let mut plan = PlanBuilder::new();
        plan.in_group(svc.name(), |p| svc.add_verified_restart(&ctx, p, &[]))
            .map_err(|e| e.to_string())?;
        let plan = plan.build().map_err(|e| e.to_string())?;
        let scope = RunScope {
            catalog: p.catalog.clone(),
            services: vec![p.service.clone()],
            locks: Some(self.locks().clone()),
            pending_upgrades: vec![p.clone()],
            inputs: Default::default(),
        };
        let execution =
            self.executions()
                .start_on(self.executor(), plan, "upgrade", Some(scope), None);
        Ok(Some(execution.id()))
    }

    /// What every command should tell its user now: runs the previous daemon did not
    /// finish, and which of their services are not running.
    pub async fn notices(&self) -> Vec<String> {
        let runs: Vec<(RunRecord, Vec<String>, Option<RunId>)> = self
            .interruptions()
            .lock()
            .iter()
            .map(|r| (r.run.clone(), r.open.iter().cloned().collect(), r.recovery))
            .collect();
        let mut out = Vec::new();
        for (run, open, recovery) in runs {
            let what = format!(
                "the hero_svc daemon stopped while `{}` of {} (execution {}) was running",
                run.operation,
                run.services.join(", "),
                run.run_id
            );
            if let Some(id) = recovery {
                let state = self
                    .executions()
                    .get(&id)
                    .map(|e| e.summary().status)
                    .unwrap_or_else(|| "finished".to_string());
                if state != "succeeded" {
                    out.push(format!(
                        "{what}; execution {id} verifies the new version and rolls it back if it is not healthy ({state}); `hero_svc executions show {id}` says how it went"
                    ));
                }
                continue;
            }
            let Ok(catalog) = self.catalog(Some(&run.catalog)) else {
                continue;
            };
            let mut down = Vec::new();
            for name in &open {
                let Ok(svc) = catalog.get(name) else { continue };
                if !self.is_running(svc.as_ref()).await {
                    down.push(name.clone());
                }
            }
            if !down.is_empty() {
                out.push(format!(
                    "{what}; not running now: {}; `hero_svc --catalog {} deploy {}` brings them back",
                    down.join(", "),
                    run.catalog,
                    down.join(" ")
                ));
            }
        }
        out
    }

    /// Whether every process of `svc` runs.
    async fn is_running(&self, svc: &dyn Service) -> bool {
        let shape = self.service_shape(svc);
        if shape.process_names.is_empty() {
            return false;
        }
        for name in &shape.process_names {
            match self.supervisor().status(name).await {
                Ok(s) if s.state == ProcessState::Running => {}
                _ => return false,
            }
        }
        true
    }
}
