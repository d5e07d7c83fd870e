//! [`Executor`]: runs a [`Plan`] with ready-set scheduling, limits, caching, retries,
//! timeouts, failure propagation and cancellation.
//!
//! # How a run goes
//!
//! 1. Every task whose dependencies are all done is *ready*; it waits in the queue of its
//!    [`ResourceClass`](super::ResourceClass).
//! 2. The dispatcher loop starts ready tasks while the global bound and the bound of their
//!    class allow. There are no levels: a task starts the moment its last dependency
//!    succeeded and a slot is free.
//! 3. A started task first computes its fingerprint (its own inputs plus the output digests
//!    of its dependencies). If the state store holds the same fingerprint and the task's
//!    freshness check confirms the recorded output, the task is *up to date*: it does not
//!    run and hands the recorded output on. Otherwise it runs, attempt after attempt as its
//!    [`RetryPolicy`](super::RetryPolicy) allows, each attempt under its timeout.
//! 4. A success records the fingerprint and output and releases the dependents. A failure
//!    marks every transitive dependent *skipped (dependency X failed)*; independent branches
//!    go on. With `fail_fast`, no further task starts; running ones finish.
//!    A task that ends the primary way of a *fallback* does not skip its dependents when it
//!    fails (or is skipped): the fallback's dormant branch wakes up, and when its last task
//!    succeeds, its output stands in and the dependents go on; the recovered failures do not
//!    fail the run. A fallback that is not needed never runs.
//! 5. Cancelling the run drops every running task (a task cleans up on drop: processes
//!    killed, temp files removed) and marks the ones that never started *cancelled*.
//! 6. The loop ends when nothing runs and nothing can start; every task then has a status,
//!    the report is built, stored and returned, and `run_finished` is emitted.
//!
//! The dispatcher is one loop that owns all run state; tasks run as futures polled by that
//! loop (no thread hop between a task finishing and its dependent starting) and talk to the
//! world only through events. Nothing in the loop can return early: errors are data.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::report::ms;
use super::{
    Emitter, EventKind, EventSink, ExecutionReport, ExecutorConfig, Fingerprint, Freshness,
    LogStream, Plan, PlanNode, PlanTask, ResourceClass, RunId, TaskContext, TaskError, TaskKey,
    TaskOutcome, TaskRecord, TaskStatus,
};
use crate::state::StateStore;

/// Runs plans of tasks of type `T`. Holds the configuration, the state store it caches in
/// and stores reports in, and the environment its tasks share; one executor can run many
/// plans, one after another or at once.
pub struct Executor<T: PlanTask> {
    config: ExecutorConfig,
    store: StateStore,
    env: T::Env,
}

impl<T: PlanTask> Clone for Executor<T> {
    fn clone(&self) -> Self {
        Self {
            config: self.config.clone(),
            store: self.store.clone(),
            env: self.env.clone(),
        }
    }
}

impl<T: PlanTask> std::fmt::Debug for Executor<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("config", &self.config)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// What to run a plan as: the operation's name, where events go, and the token that
/// cancels the run.
pub struct RunRequest {
    /// The operation (`deploy`, `install`, …), for events and the report.
    pub operation: String,
    /// Where events go.
    pub sink: Option<EventSink>,
    /// Cancels the run when triggered.
    pub cancel: CancellationToken,
    /// The run id to use (a new UUID v7 when `None`).
    pub run_id: Option<RunId>,
    /// What the run is given besides its plan, copied into its report
    /// ([`ExecutionReport::inputs`]).
    pub inputs: std::collections::BTreeMap<String, String>,
}

impl RunRequest {
    /// A request for `operation` with no event sink and a fresh cancellation token.
    pub fn new(operation: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            sink: None,
            cancel: CancellationToken::new(),
            run_id: None,
            inputs: Default::default(),
        }
    }

    /// Records `name = value` among the run's inputs (in its report).
    pub fn input(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.inputs.insert(name.into(), value.into());
        self
    }

    /// Sends events to `sink`.
    pub fn sink(mut self, sink: EventSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Uses `cancel` as the run's cancellation token.
    pub fn cancel(mut self, cancel: CancellationToken) -> Self {
        self.cancel = cancel;
        self
    }

    /// Uses `run_id` as the run's id.
    pub fn run_id(mut self, run_id: RunId) -> Self {
        self.run_id = Some(run_id);
        self
    }
}

/// How one started task ended, as its future reports it to the dispatcher.
enum Outcome<O> {
    Succeeded(Arc<O>),
    UpToDate(Arc<O>, String),
    Failed(TaskError),
}

struct Completion<O> {
    index: usize,
    outcome: Outcome<O>,
    attempts: u32,
}

type TaskFuture<'a, O> = Pin<Box<dyn Future<Output = Completion<O>> + Send + 'a>>;

/// Why the dispatcher stopped starting tasks.
enum Stop {
    FailFast(TaskKey),
    Cancelled,
}

impl<T: PlanTask> Executor<T> {
    /// An executor with `config` that caches in and reports to `store`, its tasks sharing
    /// `env`.
    pub fn with_parts(config: ExecutorConfig, store: StateStore, env: T::Env) -> Self {
        Self { config, store, env }
    }

    /// The configuration.
    pub fn config(&self) -> &ExecutorConfig {
        &self.config
    }

    /// The state store.
    pub fn store(&self) -> &StateStore {
        &self.store
    }

    /// The tasks' environment.
    pub fn env(&self) -> &T::Env {
        &self.env
    }

    /// Runs `plan` to the end and returns its report (also stored in the state store).
    /// Never fails: task failures, cancellation and store errors are all in the report.
    pub async fn run(&self, plan: &Plan<T>, request: RunRequest) -> ExecutionReport {
        let run_id = request.run_id.unwrap_or_else(Uuid::now_v7);
        let emitter = match request.sink {
            Some(sink) => Emitter::new(run_id, sink),
            None => Emitter::discard(),
        };
        let started_at = Utc::now();
        emitter.emit(EventKind::RunStarted {
            operation: request.operation.clone(),
            tasks: plan.len(),
            started_at,
            groups: plan.groups().to_vec(),
        });

        let mut run = Dispatch::new(self, plan, emitter.clone());
        let cancelled = request.cancel.cancelled();
        tokio::pin!(cancelled);
        loop {
            if run.stop.is_none() {
                run.start_ready();
            }
            if run.futures.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                () = &mut cancelled, if run.stop.is_none() || matches!(run.stop, Some(Stop::FailFast(_))) => {
                    run.cancel_running();
                }
                Some(done) = run.futures.next() => run.complete(done),
            }
        }
        run.finish_unstarted();

        let wall = emitter.started().elapsed();
        let cancelled = matches!(run.stop, Some(Stop::Cancelled));
        let Dispatch { records, .. } = run;
        let mut report = ExecutionReport::from_records(
            run_id,
            &request.operation,
            started_at,
            wall,
            cancelled,
            plan,
            &records,
        );
        report.inputs = request.inputs.clone();
        if let Err(e) = report.save(&self.store) {
            tracing::warn!(error = %e, "could not store the execution report");
        }
        emitter.emit(EventKind::RunFinished {
            status: report.status,
            totals: report.totals,
            duration_ms: report.duration_ms,
        });
        report
    }
}

/// The state of one run, owned by the dispatcher loop.
struct Dispatch<'a, T: PlanTask> {
    plan: &'a Plan<T>,
    config: &'a ExecutorConfig,
    store: &'a StateStore,
    env: &'a T::Env,
    emitter: Emitter,
    started: Instant,
    remaining: Vec<u32>,
    records: Vec<TaskRecord<T::Output>>,
    ready: [VecDeque<u32>; ResourceClass::ALL.len()],
    running: [usize; ResourceClass::ALL.len()],
    running_total: usize,
    futures: FuturesUnordered<TaskFuture<'a, T::Output>>,
    stop: Option<Stop>,
    activated: Vec<bool>,
}

impl<'a, T: PlanTask> Dispatch<'a, T> {
    fn new(executor: &'a Executor<T>, plan: &'a Plan<T>, emitter: Emitter) -> Self {
        let n = plan.len();
        let mut ready: [VecDeque<u32>; ResourceClass::ALL.len()] = Default::default();
        let mut remaining = Vec::with_capacity(n);
        let mut records: Vec<TaskRecord<T::Output>> =
            (0..n).map(|_| TaskRecord::default()).collect();
        for (i, record) in records.iter_mut().enumerate() {
            let deps = plan.dependencies(i).len() as u32;
            remaining.push(deps);
            if deps == 0 && !plan.is_dormant(i) {
                record.ready = Some(Duration::ZERO);
                ready[plan.node(i).resource.index()].push_back(i as u32);
            }
        }
        Self {
            plan,
            config: &executor.config,
            store: &executor.store,
            env: &executor.env,
            started: emitter.started(),
            emitter,
            remaining,
            records,
            ready,
            running: [0; ResourceClass::ALL.len()],
            running_total: 0,
            futures: FuturesUnordered::new(),
            stop: None,
            activated: vec![false; n],
        }
    }

    /// Starts ready tasks while the limits allow.
    fn start_ready(&mut self) {
        for class in ResourceClass::ALL {
            let c = class.index();
            let limit = self.config.class_limits[c];
            while self.running_total < self.config.max_parallel && self.running[c] < limit {
                let Some(i) = self.ready[c].pop_front() else {
                    break;
                };
                self.start(i as usize);
            }
        }
    }

    fn start(&mut self, i: usize) {
        let node = self.plan.node(i);
        self.running[node.resource.index()] += 1;
        self.running_total += 1;
        self.records[i].start = Some(self.started.elapsed());
        let inputs: Arc<[(TaskKey, Arc<T::Output>)]> = self
            .plan
            .dependencies(i)
            .iter()
            .filter_map(|&d| {
                let d = d as usize;
                let out = self.records[d].output.clone()?;
                Some((self.plan.node(d).key.clone(), out))
            })
            .collect();
        let job = Job {
            index: i,
            node,
            inputs,
            emitter: self.emitter.clone(),
            store: self.store.clone(),
            env: self.env.clone(),
            default_timeout: self.config.default_timeout,
        };
        // A task that panics fails; the run goes on (failure is data, even a bug's).
        let index = i;
        self.futures.push(Box::pin(
            std::panic::AssertUnwindSafe(job.run())
                .catch_unwind()
                .map(move |result| {
                    result.unwrap_or_else(|panic| Completion {
                        index,
                        outcome: Outcome::Failed(TaskError::new(format!(
                            "the task panicked: {}",
                            panic_message(panic.as_ref())
                        ))),
                        attempts: 1,
                    })
                }),
        ));
    }

    fn complete(&mut self, done: Completion<T::Output>) {
        let i = done.index;
        let node = self.plan.node(i);
        self.running[node.resource.index()] -= 1;
        self.running_total -= 1;
        let now = self.started.elapsed();
        let rec = &mut self.records[i];
        rec.end = Some(now);
        rec.attempts = done.attempts;
        let duration = now.saturating_sub(rec.start.unwrap_or(now));
        match done.outcome {
            Outcome::Succeeded(output) => {
                rec.status = Some(TaskStatus::Succeeded);
                self.emitter.emit(EventKind::TaskFinished {
                    task: node.key.clone(),
                    status: TaskStatus::Succeeded,
                    duration_ms: ms(duration),
                    attempts: done.attempts,
                    error: Vec::new(),
                    log_tail: Vec::new(),
                    output: output.summary(),
                });
                rec.output = Some(output);
                self.release(i);
                self.recover_with(i);
            }
            Outcome::UpToDate(output, reason) => {
                rec.status = Some(TaskStatus::UpToDate);
                let reason = format!("up to date: {reason}");
                rec.reason = Some(reason.clone());
                rec.output = Some(output);
                self.emitter.emit(EventKind::TaskSkipped {
                    task: node.key.clone(),
                    label: node.label.clone(),
                    status: TaskStatus::UpToDate,
                    reason,
                    group: node.group.clone(),
                });
                self.release(i);
                self.recover_with(i);
            }
            Outcome::Failed(error) => {
                rec.status = Some(TaskStatus::Failed);
                rec.error = error.chain();
                rec.log_tail = error.log_tail().to_vec();
                self.emitter.emit(EventKind::TaskFinished {
                    task: node.key.clone(),
                    status: TaskStatus::Failed,
                    duration_ms: ms(duration),
                    attempts: done.attempts,
                    error: rec.error.clone(),
                    log_tail: rec.log_tail.clone(),
                    output: None,
                });
                let recoverable = self.fall_back_from(i);
                if !recoverable {
                    self.skip_dependents_of(i);
                }
                if self.config.fail_fast && self.stop.is_none() && !recoverable {
                    self.stop = Some(Stop::FailFast(node.key.clone()));
                }
            }
        }
    }

    /// A dependency of each dependent of `i` is done; the ones with none left are ready.
    fn release(&mut self, i: usize) {
        for &d in self.plan.dependents(i) {
            let d = d as usize;
            if self.records[d].status.is_some() {
                continue;
            }
            self.remaining[d] -= 1;
            if self.remaining[d] == 0 && (!self.plan.is_dormant(d) || self.activated[d]) {
                self.records[d].ready = Some(self.started.elapsed());
                self.ready[self.plan.node(d).resource.index()].push_back(d as u32);
            }
        }
    }

    /// Task `p` failed or was skipped: wakes the fallbacks whose primary way ends with it.
    /// Returns whether there was one (then `p`'s dependents wait for it).
    fn fall_back_from(&mut self, p: usize) -> bool {
        let mut found = false;
        for f in self.plan.fallbacks() {
            if f.primary_tail as usize != p {
                continue;
            }
            found = true;
            for &b in &f.branch {
                let b = b as usize;
                if self.activated[b] {
                    continue;
                }
                self.activated[b] = true;
                if self.remaining[b] == 0 && self.records[b].status.is_none() {
                    self.records[b].ready = Some(self.started.elapsed());
                    self.ready[self.plan.node(b).resource.index()].push_back(b as u32);
                }
            }
        }
        found
    }

    /// Task `b` succeeded: where it ends an active fallback, its output stands in for the
    /// primary tail's, the primary way's failures are excused, and what waited goes on.
    fn recover_with(&mut self, b: usize) {
        for f in self.plan.fallbacks() {
            let p = f.primary_tail as usize;
            if f.branch_tail as usize != b || !self.activated[b] || self.records[p].excused {
                continue;
            }
            self.records[p].output = self.records[b].output.clone();
            for &q in &f.primary {
                self.records[q as usize].excused = true;
            }
            let stood_in = &self.plan.node(b).key;
            self.records[p].excused = true;
            self.records[p].reason = Some(format!("recovered: `{stood_in}` stood in"));
            self.release(p);
        }
    }

    /// Task `b` of a fallback failed or was skipped: the tasks that waited for the fallback
    /// (after its primary tail) cannot go on.
    fn fallback_lost(&self, b: usize) -> Vec<u32> {
        self.plan
            .fallbacks()
            .iter()
            .filter(|f| f.branch_tail as usize == b && self.activated[b])
            .flat_map(|f| {
                self.plan
                    .dependents(f.primary_tail as usize)
                    .iter()
                    .copied()
            })
            .collect()
    }

    /// Marks every task downstream of the failed task `i` as skipped.
    fn skip_dependents_of(&mut self, i: usize) {
        let failed = &self.plan.node(i).key;
        let reason = format!("dependency `{failed}` failed");
        let mut stack: Vec<u32> = self.plan.dependents(i).to_vec();
        stack.extend(self.fallback_lost(i));
        while let Some(d) = stack.pop() {
            let d = d as usize;
            if self.records[d].status.is_some() {
                continue;
            }
            self.mark(d, TaskStatus::Skipped, reason.clone());
            if self.fall_back_from(d) {
                continue;
            }
            stack.extend_from_slice(self.plan.dependents(d));
            stack.extend(self.fallback_lost(d));
        }
    }

    /// Drops every running task (their drop cleans up) and stops starting new ones.
    fn cancel_running(&mut self) {
        self.stop = Some(Stop::Cancelled);
        self.futures.clear();
        let now = self.started.elapsed();
        for (i, rec) in self.records.iter_mut().enumerate() {
            if rec.status.is_none() && rec.start.is_some() {
                let node: &PlanNode<T> = self.plan.node(i);
                rec.status = Some(TaskStatus::Cancelled);
                rec.end = Some(now);
                rec.reason = Some("cancelled while running".to_string());
                rec.attempts = rec.attempts.max(1);
                self.emitter.emit(EventKind::TaskFinished {
                    task: node.key.clone(),
                    status: TaskStatus::Cancelled,
                    duration_ms: ms(now.saturating_sub(rec.start.unwrap_or(now))),
                    attempts: rec.attempts,
                    error: Vec::new(),
                    log_tail: Vec::new(),
                    output: None,
                });
            }
        }
        self.running = [0; ResourceClass::ALL.len()];
        self.running_total = 0;
    }

    /// Gives every task that never started its final status.
    fn finish_unstarted(&mut self) {
        let (status, reason) = match &self.stop {
            Some(Stop::Cancelled) => (
                TaskStatus::Cancelled,
                "run cancelled before it started".to_string(),
            ),
            Some(Stop::FailFast(key)) => (
                TaskStatus::Skipped,
                format!("not started: fail-fast stop after `{key}` failed"),
            ),
            None => (TaskStatus::Skipped, "not started".to_string()),
        };
        for i in 0..self.records.len() {
            if self.records[i].status.is_some() {
                continue;
            }
            if self.plan.is_dormant(i) && !self.activated[i] {
                self.records[i].excused = true;
                self.mark(i, TaskStatus::Skipped, "fallback not needed".to_string());
            } else {
                self.mark(i, status, reason.clone());
            }
        }
    }

    fn mark(&mut self, i: usize, status: TaskStatus, reason: String) {
        let node = self.plan.node(i);
        self.records[i].status = Some(status);
        self.records[i].reason = Some(reason.clone());
        self.emitter.emit(EventKind::TaskSkipped {
            task: node.key.clone(),
            label: node.label.clone(),
            status,
            reason,
            group: node.group.clone(),
        });
    }
}

/// One started task: everything its future needs, owned.
struct Job<'a, T: PlanTask> {
    index: usize,
    node: &'a PlanNode<T>,
    inputs: Arc<[(TaskKey, Arc<T::Output>)]>,
    emitter: Emitter,
    store: StateStore,
    env: T::Env,
    default_timeout: Option<Duration>,
}

impl<T: PlanTask> Job<'_, T> {
    async fn run(self) -> Completion<T::Output> {
        let task = &self.node.task;
        let key = &self.node.key;
        let context = |attempt| {
            TaskContext::new(
                key.clone(),
                attempt,
                self.inputs.clone(),
                self.emitter.clone(),
                self.env.clone(),
            )
        };
        let ctx = context(1);

        // The cache check: same fingerprint and the recorded output still valid.
        let fingerprint = task.fingerprint(&ctx).map(|own| {
            let mut fp = Fingerprint::builder(self.node.kind);
            fp.fingerprint("task", &own);
            for (k, out) in self.inputs.iter() {
                fp.field("input", k.as_str().as_bytes());
                fp.fingerprint("output", &out.digest());
            }
            fp.finish()
        });
        let reason = match &fingerprint {
            None => "always runs".to_string(),
            Some(fp) => match self.cached(key) {
                Ok(Some((cached_fp, output))) if cached_fp == *fp => {
                    match task.check_fresh(&ctx, &output).await {
                        Freshness::Fresh(why) => {
                            return Completion {
                                index: self.index,
                                outcome: Outcome::UpToDate(Arc::new(output), why),
                                attempts: 0,
                            };
                        }
                        Freshness::Stale(why) => why,
                    }
                }
                Ok(Some(_)) => "inputs changed".to_string(),
                Ok(None) => "never ran".to_string(),
                Err(e) => format!("cache unreadable ({e})"),
            },
        };

        self.emitter.emit(EventKind::TaskStarted {
            task: key.clone(),
            kind: self.node.kind.into(),
            label: self.node.label.clone(),
            resource: self.node.resource,
            reason,
            group: self.node.group.clone(),
        });
        let policy = task.retry();
        let timeout = task.timeout().or(self.default_timeout);
        let mut attempt = 1;
        let mut ctx = ctx;
        loop {
            let result = match timeout {
                Some(limit) => match tokio::time::timeout(limit, task.run(&ctx)).await {
                    Ok(r) => r,
                    Err(_) => Err(TaskError::new(format!(
                        "timed out after {}",
                        humanize(limit)
                    ))),
                },
                None => task.run(&ctx).await,
            };
            match result {
                Ok(output) => {
                    if let Some(fp) = &fingerprint
                        && let Err(e) = self.record(key, fp, &output)
                    {
                        ctx.log(
                            LogStream::Info,
                            format!("could not record the result in the state store: {e}"),
                        );
                    }
                    return Completion {
                        index: self.index,
                        outcome: Outcome::Succeeded(Arc::new(output)),
                        attempts: attempt,
                    };
                }
                Err(e) if attempt < policy.max_attempts && !e.is_permanent() => {
                    let delay = policy.backoff(attempt);
                    self.emitter.emit(EventKind::TaskRetrying {
                        task: key.clone(),
                        attempt,
                        delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error: e.chain().join(": "),
                    });
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                    ctx = context(attempt);
                }
                Err(e) => {
                    return Completion {
                        index: self.index,
                        outcome: Outcome::Failed(e),
                        attempts: attempt,
                    };
                }
            }
        }
    }
}

impl<T: PlanTask> Job<'_, T> {
    /// The recorded fingerprint and output of `key`, decoded.
    fn cached(&self, key: &TaskKey) -> Result<Option<(Fingerprint, T::Output)>, String> {
        let Some(row) = self.store.cached(key.as_str()).map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let Some(fingerprint) = Fingerprint::from_hex(&row.fingerprint) else {
            return Ok(None);
        };
        let output = serde_json::from_str(&row.output)
            .map_err(|e| format!("the recorded output is not valid: {e}"))?;
        Ok(Some((fingerprint, output)))
    }

    /// Records the fingerprint and output of a successful run of `key`.
    fn record(&self, key: &TaskKey, fp: &Fingerprint, output: &T::Output) -> Result<(), String> {
        let json = serde_json::to_string(output).map_err(|e| e.to_string())?;
        self.store
            .record(key.as_str(), &fp.to_hex(), &json)
            .map_err(|e| crate::util::error_line(&e))
    }
}

/// The message a panic carried (`&str` or `String` payloads), or a placeholder.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

/// `1.5s`, `250ms`.
fn humanize(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{}s", d.as_secs_f64())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::graph::toy_task::{ToyOutput, ToyTask};
    use crate::graph::{PlanBuilder, RunStatus};

    fn executor(store: StateStore) -> Executor<ToyTask> {
        Executor::with_parts(ExecutorConfig::default(), store, ())
    }

    fn status_of(report: &ExecutionReport, key: &str) -> TaskStatus {
        report
            .tasks
            .iter()
            .find(|t| t.key.as_str() == key)
            .map(|t| t.status)
            .unwrap_or_else(|| panic!("no task {key}"))
    }

    #[tokio::test]
    async fn outputs_flow_along_edges_and_failures_skip_only_their_dependents() {
        let mut b = PlanBuilder::new();
        let a = b.add(ToyTask::new("a").sleep(Duration::from_millis(5)));
        let c = b.add_after(ToyTask::new("c"), [&a]);
        let broken = b.add(ToyTask::new("broken").failing());
        b.add_after(ToyTask::new("after_broken"), [&broken]);
        let bomb = b.add(ToyTask::new("bomb").panicking());
        b.add_after(ToyTask::new("after_bomb"), [&bomb, &c]);
        let plan = b.build().unwrap();
        let report = executor(StateStore::in_memory().unwrap())
            .run(&plan, RunRequest::new("toy"))
            .await;
        assert_eq!(report.status, RunStatus::Failed);
        assert_eq!(status_of(&report, "c"), TaskStatus::Succeeded);
        let c_out = report.tasks.iter().find(|t| t.key.as_str() == "c").unwrap();
        assert_eq!(c_out.output.as_deref(), Some("c"));
        assert_eq!(status_of(&report, "broken"), TaskStatus::Failed);
        assert_eq!(status_of(&report, "after_broken"), TaskStatus::Skipped);
        // A panicking task fails like any other; the run goes on and ends.
        let bomb = report
            .tasks
            .iter()
            .find(|t| t.key.as_str() == "bomb")
            .unwrap();
        assert_eq!(bomb.status, TaskStatus::Failed);
        assert!(bomb.error[0].contains("panicked"), "{:?}", bomb.error);
        assert_eq!(status_of(&report, "after_bomb"), TaskStatus::Skipped);
    }

    #[tokio::test]
    async fn a_cached_task_is_up_to_date_the_second_time_and_hands_its_output_on() {
        let store = StateStore::in_memory().unwrap();
        let plan = {
            let mut b = PlanBuilder::new();
            let a = b.add(ToyTask::new("a").cached().resource(ResourceClass::Build));
            b.add_after(ToyTask::new("b"), [&a]);
            b.build().unwrap()
        };
        let first = executor(store.clone())
            .run(&plan, RunRequest::new("toy"))
            .await;
        assert_eq!(status_of(&first, "a"), TaskStatus::Succeeded);
        let second = executor(store).run(&plan, RunRequest::new("toy")).await;
        assert_eq!(status_of(&second, "a"), TaskStatus::UpToDate);
        let b = second.tasks.iter().find(|t| t.key.as_str() == "b").unwrap();
        assert_eq!(b.status, TaskStatus::Succeeded);
        assert_eq!(b.output.as_deref(), Some("b"));
        assert_eq!(
            ToyOutput(vec!["a".into(), "b".into()]).summary(),
            Some("b".into())
        );
    }
}
