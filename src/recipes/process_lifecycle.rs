//! How a process is started and waited for: plan-building helpers for the lifecycle of
//! supervised processes, the tasks of a start
//! (register ► start ► wait healthy) and of a stop, ordered across services.
//!
//! Ordering rules:
//!
//! - **Start**: a dependent's *start* runs after its dependencies are *ready* (their health
//!   wait passed, or their start succeeded when they have no probe). Registering does not
//!   wait for anything, so all specs are registered at once.
//! - **Stop**: the same edges reversed — a dependency is stopped only after every dependent
//!   in the plan is stopped, so no service sees its dependency vanish while it runs.
//!
//! Only dependencies that are part of the same call get an edge: a dependency outside the
//! set is assumed to be running already (start) or to stay as it is (stop); whether a stop
//! should also take its dependents down is the caller's choice of the set.
//!
//! Restart semantics: a start is up to date while its process runs and its own inputs (its
//! spec, the binary tasks in [`LifecycleService::inputs`]) are unchanged. The dependencies'
//! health waits feed it only "healthy", so restarting a dependency does not restart its
//! dependents; a dependent restarts only when its own binary or spec changed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::health::Probe;
use crate::supervisor::ProcessSpec;
use crate::tasks::{PlanBuilder, RegisterProcess, StartProcess, StopProcess, TaskKey, WaitHealthy};

/// One supervised process, as the lifecycle helpers see it.
#[derive(Clone, Debug, PartialEq)]
pub struct LifecycleService {
    /// How to run it; `spec.name` names the process and its tasks.
    pub spec: ProcessSpec,
    /// The processes (by name) that must be ready before it starts.
    pub depends_on: Vec<String>,
    /// What "ready" means, and how long to wait for it (`None`: started is ready).
    pub health: Option<(Probe, Duration)>,
    /// Tasks already in the plan whose outputs the start sees (the install of its binary):
    /// a change of their output restarts the process.
    pub inputs: Vec<TaskKey>,
    /// Whether a running instance is restarted when its inputs changed (default true).
    pub restart_on_change: bool,
}

impl LifecycleService {
    /// A process with no dependencies, no health probe and no extra inputs.
    pub fn new(spec: ProcessSpec) -> Self {
        Self {
            spec,
            depends_on: Vec::new(),
            health: None,
            inputs: Vec::new(),
            restart_on_change: true,
        }
    }

    /// Adds a dependency.
    pub fn depends_on(mut self, name: impl Into<String>) -> Self {
        self.depends_on.push(name.into());
        self
    }

    /// Waits up to `timeout` for `probe` to pass after the start.
    pub fn health(mut self, probe: Probe, timeout: Duration) -> Self {
        self.health = Some((probe, timeout));
        self
    }

    /// Feeds the output of task `key` (already in the plan) into the start.
    pub fn input(mut self, key: TaskKey) -> Self {
        self.inputs.push(key);
        self
    }

    /// The process's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }
}

/// The tasks one service's start added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartKeys {
    /// The registration of its spec.
    pub register: TaskKey,
    /// Its start.
    pub start: TaskKey,
    /// The task after which it counts as ready: its health wait, or its start.
    pub ready: TaskKey,
}

/// Adds register ► start ► wait healthy for every service, with a dependent's start after
/// its dependencies' readiness. Returns the keys by process name.
pub fn add_start_order(
    plan: &mut PlanBuilder,
    services: &[LifecycleService],
) -> BTreeMap<String, StartKeys> {
    let mut keys = BTreeMap::new();
    for service in services {
        let register = plan.add(RegisterProcess::new(service.spec.clone()));
        let start = plan.add_after(
            StartProcess {
                name: service.spec.name.clone(),
                restart_if_running_on_changed_input: service.restart_on_change,
                recorded: true,
            },
            service.inputs.iter().chain([&register]),
        );
        let ready = match &service.health {
            Some((probe, timeout)) => plan.add_after(
                WaitHealthy::new(service.spec.name.clone(), probe.clone(), *timeout)
                    .watching([service.spec.name.clone()]),
                [&start],
            ),
            None => start.clone(),
        };
        keys.insert(
            service.spec.name.clone(),
            StartKeys {
                register,
                start,
                ready,
            },
        );
    }
    for service in services {
        let start = &keys[service.name()].start;
        for dep in &service.depends_on {
            if let Some(dep) = keys.get(dep) {
                plan.edge(&dep.ready, start);
            }
        }
    }
    keys
}

/// Adds a stop for every service `(name, dependencies)`, ordered so that dependents stop
/// before their dependencies. Returns the stop keys by process name.
pub fn add_stop_order<I, N, D, S>(plan: &mut PlanBuilder, services: I) -> BTreeMap<String, TaskKey>
where
    I: IntoIterator<Item = (N, D)>,
    N: AsRef<str>,
    D: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let services: Vec<(String, BTreeSet<String>)> = services
        .into_iter()
        .map(|(n, d)| {
            (
                n.as_ref().to_string(),
                d.into_iter().map(|s| s.as_ref().to_string()).collect(),
            )
        })
        .collect();
    let keys: BTreeMap<String, TaskKey> = services
        .iter()
        .map(|(name, _)| (name.clone(), plan.add(StopProcess::new(name.clone()))))
        .collect();
    for (name, deps) in &services {
        for dep in deps {
            if let Some(dep_stop) = keys.get(dep) {
                plan.edge(&keys[name], dep_stop);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn svc(name: &str, deps: &[&str]) -> LifecycleService {
        let mut s = LifecycleService::new(ProcessSpec::new(name, "/bin/true")).health(
            Probe::health(format!("/s/{name}.sock")),
            Duration::from_secs(1),
        );
        for d in deps {
            s = s.depends_on(*d);
        }
        s
    }

    #[test]
    fn start_waits_for_dependencies_to_be_healthy() {
        let mut plan = PlanBuilder::new();
        let keys = add_start_order(&mut plan, &[svc("a", &[]), svc("b", &["a", "outside"])]);
        let plan = plan.build().unwrap();
        let b_start = plan.index_of(&keys["b"].start).unwrap();
        let deps: Vec<_> = plan
            .dependencies(b_start)
            .iter()
            .map(|&d| plan.node(d as usize).key.clone())
            .collect();
        assert!(deps.contains(&keys["a"].ready), "{deps:?}");
        assert!(deps.contains(&keys["b"].register), "{deps:?}");
        assert_eq!(keys["a"].ready, WaitHealthy::key_for("a"));
    }

    #[test]
    fn stop_runs_dependents_first() {
        let mut plan = PlanBuilder::new();
        let keys = add_stop_order(
            &mut plan,
            [
                ("db", vec![]),
                ("api", vec!["db"]),
                ("ui", vec!["api", "db"]),
            ],
        );
        let plan = plan.build().unwrap();
        let deps_of = |name: &str| -> Vec<TaskKey> {
            let i = plan.index_of(&keys[name]).unwrap();
            plan.dependencies(i)
                .iter()
                .map(|&d| plan.node(d as usize).key.clone())
                .collect()
        };
        assert!(deps_of("ui").is_empty());
        assert_eq!(deps_of("api"), vec![keys["ui"].clone()]);
        let db = deps_of("db");
        assert!(
            db.contains(&keys["api"]) && db.contains(&keys["ui"]),
            "{db:?}"
        );
    }
}
