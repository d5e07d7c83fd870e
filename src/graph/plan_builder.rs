//! [`PlanBuilder`]: collects tasks and edges, then checks them into a [`Plan`].

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use petgraph::algo::toposort;
use petgraph::graph::{DiGraph, NodeIndex};

use super::{Plan, PlanError, PlanTask, TaskKey};

/// Collects the tasks of an operation. Services call [`add`](Self::add) and
/// [`edge`](Self::edge) in any order; [`build`](Self::build) checks the whole graph before
/// anything runs.
pub struct PlanBuilder<T> {
    tasks: Vec<T>,
    index: HashMap<TaskKey, u32>,
    edges: Vec<(TaskKey, TaskKey)>,
    conflict: Option<TaskKey>,
    fallbacks: Vec<Fallback>,
    /// The group of each task (by index into `group_names`), parallel to `tasks`.
    groups: Vec<Option<u32>>,
    group_names: Vec<Arc<str>>,
    current_group: Option<u32>,
}

/// A way to reach the same result when the primary way fails (see
/// [`PlanBuilder::fallback`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    /// The tasks of the primary way (their failures are recovered by the fallback).
    pub primary: Vec<TaskKey>,
    /// The primary way's last task: its dependents are served by the fallback's output.
    pub primary_tail: TaskKey,
    /// The fallback's tasks: they run only when the primary tail fails or is skipped.
    pub branch: Vec<TaskKey>,
    /// The fallback's last task: its output stands in for the primary tail's.
    pub branch_tail: TaskKey,
}

impl<T> Default for PlanBuilder<T> {
    fn default() -> Self {
        Self {
            tasks: Vec::new(),
            index: HashMap::new(),
            edges: Vec::new(),
            conflict: None,
            fallbacks: Vec::new(),
            groups: Vec::new(),
            group_names: Vec::new(),
            current_group: None,
        }
    }
}

impl<T: PlanTask> PlanBuilder<T> {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a task and returns its key. A task whose key is already there is the same
    /// node: adding it again changes nothing (adding a *different* task under that key
    /// makes [`build`](Self::build) fail).
    pub fn add(&mut self, task: impl Into<T>) -> TaskKey {
        let task = task.into();
        let key = task.key();
        match self.index.entry(key.clone()) {
            Entry::Occupied(e) => {
                let existing = &self.tasks[*e.get() as usize];
                if *existing != task && self.conflict.is_none() {
                    self.conflict = Some(key.clone());
                }
            }
            Entry::Vacant(e) => {
                e.insert(self.tasks.len() as u32);
                self.tasks.push(task);
                self.groups.push(self.current_group);
            }
        }
        key
    }

    /// Adds a task that runs after each of `deps`, and returns its key.
    pub fn add_after<'a>(
        &mut self,
        task: impl Into<T>,
        deps: impl IntoIterator<Item = &'a TaskKey>,
    ) -> TaskKey {
        let key = self.add(task);
        for d in deps {
            self.edges.push((d.clone(), key.clone()));
        }
        key
    }

    /// Declares that `before` must succeed before `after` starts. Either task may be added
    /// later; an edge to a task that never is makes [`build`](Self::build) fail.
    pub fn edge(&mut self, before: &TaskKey, after: &TaskKey) -> &mut Self {
        self.edges.push((before.clone(), after.clone()));
        self
    }

    /// Declares a fallback: the tasks of `fallback.branch` stay dormant and run only if
    /// `fallback.primary_tail` fails (or is skipped after a failure before it); when
    /// `fallback.branch_tail` then succeeds, the tasks after the primary tail go on with its
    /// output, and the failures of `fallback.primary` do not fail the run. Branch tasks may
    /// only feed fallback tasks. (Download a release, else build it.)
    pub fn fallback(&mut self, fallback: Fallback) -> &mut Self {
        self.fallbacks.push(fallback);
        self
    }

    /// Runs `add` with every task it adds in group `name` (a service: what the progress
    /// display shows one line for). A task added again keeps the group it was first added
    /// in; groups do not nest (the inner one wins while it lasts).
    pub fn in_group<R>(&mut self, name: &str, add: impl FnOnce(&mut Self) -> R) -> R {
        let id = match self.group_names.iter().position(|g| &**g == name) {
            Some(i) => i as u32,
            None => {
                self.group_names.push(Arc::from(name));
                (self.group_names.len() - 1) as u32
            }
        };
        let outer = self.current_group.replace(id);
        let result = add(self);
        self.current_group = outer;
        result
    }

    /// Whether a task with `key` was added.
    pub fn contains(&self, key: &TaskKey) -> bool {
        self.index.contains_key(key)
    }

    /// How many distinct tasks were added.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task was added.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Checks the graph and returns the plan: every edge names two tasks of the plan, no
    /// key holds two different tasks, and there is no cycle (the error names it).
    pub fn build(self) -> Result<Plan<T>, PlanError> {
        if let Some(key) = self.conflict {
            return Err(PlanError::ConflictingTasks { key });
        }
        let mut edges = Vec::with_capacity(self.edges.len());
        for (before, after) in &self.edges {
            let lookup = |k: &TaskKey| {
                self.index
                    .get(k)
                    .copied()
                    .ok_or_else(|| PlanError::MissingTask {
                        before: before.clone(),
                        after: after.clone(),
                        missing: k.clone(),
                    })
            };
            edges.push((lookup(before)?, lookup(after)?));
        }
        edges.sort_unstable();
        edges.dedup();

        let mut graph = DiGraph::<(), ()>::with_capacity(self.tasks.len(), edges.len());
        for _ in 0..self.tasks.len() {
            graph.add_node(());
        }
        for &(a, b) in &edges {
            graph.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), ());
        }
        let order = match toposort(&graph, None) {
            Ok(order) => order.into_iter().map(|n| n.index() as u32).collect(),
            Err(cycle) => {
                let path = find_cycle(&graph, cycle.node_id());
                let mut keys: Vec<TaskKey> = path.iter().map(|&i| self.tasks[i].key()).collect();
                if let Some(first) = keys.first().cloned() {
                    keys.push(first);
                }
                return Err(PlanError::Cycle { cycle: keys });
            }
        };
        let mut fallbacks = Vec::with_capacity(self.fallbacks.len());
        let dormant: std::collections::HashSet<u32> = self
            .fallbacks
            .iter()
            .flat_map(|f| f.branch.iter().filter_map(|k| self.index.get(k).copied()))
            .collect();
        for f in &self.fallbacks {
            let find = |k: &TaskKey| {
                self.index
                    .get(k)
                    .copied()
                    .ok_or_else(|| PlanError::MissingTask {
                        before: f.primary_tail.clone(),
                        after: f.branch_tail.clone(),
                        missing: k.clone(),
                    })
            };
            let branch: Vec<u32> = f.branch.iter().map(find).collect::<Result<_, _>>()?;
            let primary: Vec<u32> = f.primary.iter().map(find).collect::<Result<_, _>>()?;
            let branch_tail = find(&f.branch_tail)?;
            let primary_tail = find(&f.primary_tail)?;
            let in_branch = |i: u32| branch.contains(&i);
            // A branch task may feed other fallbacks' tasks (one build shared by the
            // fallbacks of several binaries), never a task that always runs.
            let leaks = edges
                .iter()
                .find(|&&(a, b)| in_branch(a) && !dormant.contains(&b));
            if !in_branch(branch_tail)
                || in_branch(primary_tail)
                || primary.iter().any(|&p| in_branch(p))
                || leaks.is_some()
            {
                return Err(PlanError::InvalidFallback {
                    primary: f.primary_tail.clone(),
                    fallback: f.branch_tail.clone(),
                });
            }
            fallbacks.push(super::plan::FallbackBranch {
                primary,
                primary_tail,
                branch,
                branch_tail,
            });
        }
        let groups = self
            .groups
            .iter()
            .map(|g| g.map(|i| self.group_names[i as usize].clone()))
            .collect();
        Ok(Plan::from_parts(
            self.tasks, groups, self.index, &edges, order, fallbacks,
        ))
    }
}

/// The shortest cycle through `start` (breadth-first along edges back to it), as node
/// indices in edge order starting at `start`. Falls back to `[start]`.
fn find_cycle(graph: &DiGraph<(), ()>, start: NodeIndex) -> Vec<usize> {
    use std::collections::VecDeque;

    let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(n) = queue.pop_front() {
        for next in graph.neighbors(n) {
            if next == start {
                let mut path = vec![n.index()];
                let mut cur = n;
                while cur != start {
                    cur = parent[&cur];
                    path.push(cur.index());
                }
                path.reverse();
                return path;
            }
            if let Entry::Vacant(e) = parent.entry(next) {
                e.insert(n);
                queue.push_back(next);
            }
        }
    }
    vec![start.index()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::toy_task::ToyTask;

    type PlanBuilder = super::PlanBuilder<ToyTask>;

    fn k(s: &str) -> TaskKey {
        TaskKey::new(s)
    }

    #[test]
    fn same_key_gives_same_node() {
        let mut b = PlanBuilder::new();
        let a1 = b.add(ToyTask::new("download"));
        let a2 = b.add(ToyTask::new("download"));
        assert_eq!(a1, a2);
        b.add_after(ToyTask::new("install-x"), [&a1]);
        b.add_after(ToyTask::new("install-y"), [&a2]);
        let plan = b.build().unwrap();
        assert_eq!(plan.len(), 3);
        let d = plan.index_of(&k("download")).unwrap();
        assert_eq!(plan.dependents(d).len(), 2);
    }

    #[test]
    fn different_task_under_same_key_is_refused() {
        let mut b = PlanBuilder::new();
        b.add(ToyTask::new("x"));
        b.add(ToyTask::new("x").label("other"));
        assert_eq!(
            b.build().unwrap_err(),
            PlanError::ConflictingTasks { key: k("x") }
        );
    }

    #[test]
    fn cycle_is_named() {
        let mut b = PlanBuilder::new();
        for n in ["a", "b", "c", "d"] {
            b.add(ToyTask::new(n));
        }
        b.edge(&k("d"), &k("a"));
        b.edge(&k("a"), &k("b"));
        b.edge(&k("b"), &k("c"));
        b.edge(&k("c"), &k("a"));
        let err = b.build().unwrap_err();
        let PlanError::Cycle { cycle } = &err else {
            panic!("expected a cycle, got {err}");
        };
        assert_eq!(cycle.len(), 4);
        assert_eq!(cycle.first(), cycle.last());
        // The cycle is a, b, c in edge order, starting wherever the search found it.
        let s = err.to_string();
        assert!(
            s.contains("a → b → c → a")
                || s.contains("b → c → a → b")
                || s.contains("c → a → b → c"),
            "{s}"
        );
        assert!(!cycle.contains(&k("d")), "{s}");
    }

    #[test]
    fn self_loop_is_a_cycle() {
        let mut b = PlanBuilder::new();
        let a = b.add(ToyTask::new("a"));
        b.edge(&a, &a);
        assert_eq!(
            b.build().unwrap_err().to_string(),
            "dependency cycle: a → a"
        );
    }

    #[test]
    fn dangling_edge_names_the_missing_task() {
        let mut b = PlanBuilder::new();
        let a = b.add(ToyTask::new("a"));
        b.edge(&a, &k("ghost"));
        let err = b.build().unwrap_err();
        assert_eq!(
            err,
            PlanError::MissingTask {
                before: k("a"),
                after: k("ghost"),
                missing: k("ghost")
            }
        );
        assert!(
            err.to_string()
                .contains("`ghost`, which is not in the plan")
        );
    }

    #[test]
    fn duplicate_edges_collapse() {
        let mut b = PlanBuilder::new();
        let a = b.add(ToyTask::new("a"));
        let c = b.add(ToyTask::new("c"));
        b.edge(&a, &c).edge(&a, &c);
        let plan = b.build().unwrap();
        assert_eq!(plan.dependencies(1), &[0]);
    }
}
