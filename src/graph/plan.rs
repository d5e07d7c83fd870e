//! [`Plan`]: a checked DAG of tasks, ready to run, and its renderings (tree, DOT, JSON;
//! SVG in [`plan_svg`](super::plan_svg)).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::Arc;

use serde_json::json;

use super::{PlanTask, ResourceClass, TaskKey};

/// One task of a plan, with what the executor and the reporters need precomputed.
#[derive(Debug)]
pub struct PlanNode<T> {
    /// The task.
    pub task: T,
    /// Its key.
    pub key: TaskKey,
    /// Its label.
    pub label: Arc<str>,
    /// Its kind name.
    pub kind: &'static str,
    /// Its resource class.
    pub resource: ResourceClass,
    /// The group it was added in (a service), if any (see
    /// [`PlanBuilder::in_group`](super::PlanBuilder::in_group)).
    pub group: Option<Arc<str>>,
}

/// A group of a plan's tasks (a service) and how many tasks it holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanGroup {
    /// Its name.
    pub name: Arc<str>,
    /// How many of the plan's tasks are in it.
    pub tasks: usize,
}

/// A validated DAG of tasks: every edge names two of its tasks and there is no cycle.
/// Made by [`PlanBuilder::build`](super::PlanBuilder::build); immutable; run by the
/// [`Executor`](super::Executor).
///
/// Nodes are indexed `0..len()` in the order the tasks were added. Adjacency is stored
/// compactly in both directions so the executor walks it without hashing.
#[derive(Debug)]
pub struct Plan<T> {
    nodes: Vec<PlanNode<T>>,
    dep_offsets: Vec<u32>,
    deps: Vec<u32>,
    dependent_offsets: Vec<u32>,
    dependents: Vec<u32>,
    order: Vec<u32>,
    index: HashMap<TaskKey, u32>,
    fallbacks: Vec<FallbackBranch>,
    dormant: Vec<bool>,
    groups: Vec<PlanGroup>,
}

/// A checked fallback: the tasks of `branch` run only when `primary_tail` fails (or is
/// skipped because something before it failed); when `branch_tail` then succeeds, its output
/// stands in for `primary_tail`'s and the tasks after `primary_tail` go on. The tasks of
/// `primary` are the ones the fallback recovers: their failures do not fail the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FallbackBranch {
    /// The primary way, by index.
    pub primary: Vec<u32>,
    /// Its last task, whose dependents the fallback serves.
    pub primary_tail: u32,
    /// The fallback's tasks, by index (dormant until needed).
    pub branch: Vec<u32>,
    /// The fallback's last task.
    pub branch_tail: u32,
}

/// How [`Plan::render`] shows a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanFormat {
    /// An indented tree from the tasks that run first.
    Tree,
    /// Graphviz DOT.
    Dot,
    /// Pretty-printed JSON.
    Json,
    /// An SVG picture of the DAG ([`Plan::to_svg`]).
    Svg,
}

impl FromStr for PlanFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tree" => Ok(Self::Tree),
            "dot" => Ok(Self::Dot),
            "json" => Ok(Self::Json),
            "svg" => Ok(Self::Svg),
            other => Err(format!(
                "unknown plan format `{other}` (tree, dot, json, svg)"
            )),
        }
    }
}

/// Compressed adjacency: for node `i`, `targets[offsets[i]..offsets[i + 1]]`.
fn compress(n: usize, pairs: impl Iterator<Item = (u32, u32)>) -> (Vec<u32>, Vec<u32>) {
    let pairs: Vec<(u32, u32)> = pairs.collect();
    let mut offsets = vec![0u32; n + 1];
    for &(from, _) in &pairs {
        offsets[from as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut targets = vec![0u32; pairs.len()];
    for (from, to) in pairs {
        targets[fill[from as usize] as usize] = to;
        fill[from as usize] += 1;
    }
    (offsets, targets)
}

impl<T: PlanTask> Plan<T> {
    /// Assembles a plan from checked parts: `edges` are (before, after) index pairs without
    /// duplicates, `order` a topological order.
    pub(super) fn from_parts(
        tasks: Vec<T>,
        task_groups: Vec<Option<Arc<str>>>,
        index: HashMap<TaskKey, u32>,
        edges: &[(u32, u32)],
        order: Vec<u32>,
        fallbacks: Vec<FallbackBranch>,
    ) -> Self {
        let mut dormant = vec![false; tasks.len()];
        for f in &fallbacks {
            for &b in &f.branch {
                dormant[b as usize] = true;
            }
        }
        let n = tasks.len();
        let mut groups: Vec<PlanGroup> = Vec::new();
        for g in task_groups.iter().flatten() {
            match groups.iter_mut().find(|pg| pg.name == *g) {
                Some(pg) => pg.tasks += 1,
                None => groups.push(PlanGroup {
                    name: g.clone(),
                    tasks: 1,
                }),
            }
        }
        let nodes = tasks
            .into_iter()
            .zip(task_groups)
            .map(|(task, group)| PlanNode {
                key: task.key(),
                label: Arc::from(task.label()),
                kind: task.kind(),
                resource: task.resource(),
                group,
                task,
            })
            .collect();
        let (dependent_offsets, dependents) = compress(n, edges.iter().copied());
        let (dep_offsets, deps) = compress(n, edges.iter().map(|&(a, b)| (b, a)));
        Self {
            nodes,
            dep_offsets,
            deps,
            dependent_offsets,
            dependents,
            order,
            index,
            fallbacks,
            dormant,
            groups,
        }
    }

    /// The groups of its tasks (services), in the order they were first added.
    pub fn groups(&self) -> &[PlanGroup] {
        &self.groups
    }

    /// The fallbacks of the plan.
    pub fn fallbacks(&self) -> &[FallbackBranch] {
        &self.fallbacks
    }

    /// Whether task `index` belongs to a fallback branch (it runs only when needed).
    pub fn is_dormant(&self, index: usize) -> bool {
        self.dormant[index]
    }

    /// How many tasks.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the plan has no task.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// All nodes, by index.
    pub fn nodes(&self) -> &[PlanNode<T>] {
        &self.nodes
    }

    /// The node at `index`.
    pub fn node(&self, index: usize) -> &PlanNode<T> {
        &self.nodes[index]
    }

    /// The index of the task with `key`.
    pub fn index_of(&self, key: &TaskKey) -> Option<usize> {
        self.index.get(key).map(|&i| i as usize)
    }

    /// The tasks that must succeed before task `index` starts.
    pub fn dependencies(&self, index: usize) -> &[u32] {
        let (a, b) = (self.dep_offsets[index], self.dep_offsets[index + 1]);
        &self.deps[a as usize..b as usize]
    }

    /// The tasks that wait for task `index`.
    pub fn dependents(&self, index: usize) -> &[u32] {
        let (a, b) = (
            self.dependent_offsets[index],
            self.dependent_offsets[index + 1],
        );
        &self.dependents[a as usize..b as usize]
    }

    /// Every task, dependencies before dependents.
    pub fn topological_order(&self) -> &[u32] {
        &self.order
    }

    /// The number of edges.
    pub fn edge_count(&self) -> usize {
        self.deps.len()
    }

    /// Renders the plan in `format`.
    pub fn render(&self, format: PlanFormat) -> String {
        match format {
            PlanFormat::Tree => self.to_tree(),
            PlanFormat::Dot => self.to_dot(),
            PlanFormat::Json => {
                serde_json::to_string_pretty(&self.to_json()).unwrap_or_default() + "\n"
            }
            PlanFormat::Svg => self.to_svg(),
        }
    }

    /// An indented tree: the tasks with no dependencies at the top (in the order they were
    /// added), each followed by the tasks that wait for it. A task shown before is marked `(*)` and not expanded again.
    pub fn to_tree(&self) -> String {
        let mut out = String::new();
        let mut shown = vec![false; self.len()];
        let roots: Vec<u32> = (0..self.len() as u32)
            .filter(|&i| self.dependencies(i as usize).is_empty())
            .collect();
        for r in roots {
            self.tree_node(&mut out, r as usize, "", None, &mut shown);
        }
        out
    }

    fn tree_node(
        &self,
        out: &mut String,
        i: usize,
        prefix: &str,
        last: Option<bool>,
        shown: &mut [bool],
    ) {
        let node = &self.nodes[i];
        let (branch, child_prefix) = match last {
            None => ("", String::new()),
            Some(true) => ("└── ", format!("{prefix}    ")),
            Some(false) => ("├── ", format!("{prefix}│   ")),
        };
        let again = if shown[i] { " (*)" } else { "" };
        let fallback = if self.dormant[i] { " (fallback)" } else { "" };
        let _ = writeln!(
            out,
            "{prefix}{branch}{} [{}]{fallback}{again}",
            node.label, node.key
        );
        if shown[i] {
            return;
        }
        shown[i] = true;
        let children = self.dependents(i);
        for (n, &c) in children.iter().enumerate() {
            self.tree_node(
                out,
                c as usize,
                &child_prefix,
                Some(n + 1 == children.len()),
                shown,
            );
        }
    }

    /// Graphviz DOT: one box per task (label and kind), one arrow per edge.
    pub fn to_dot(&self) -> String {
        fn esc(s: &str) -> String {
            s.replace('\\', "\\\\").replace('"', "\\\"")
        }
        let mut out = String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box];\n");
        for &i in &self.order {
            let n = &self.nodes[i as usize];
            let _ = writeln!(
                out,
                "  \"{}\" [label=\"{}\\n({})\"{}];",
                esc(n.key.as_str()),
                esc(&n.label),
                n.kind,
                if self.dormant[i as usize] {
                    ", style=dashed"
                } else {
                    ""
                }
            );
        }
        for &i in &self.order {
            for &d in self.dependents(i as usize) {
                let _ = writeln!(
                    out,
                    "  \"{}\" -> \"{}\";",
                    esc(self.nodes[i as usize].key.as_str()),
                    esc(self.nodes[d as usize].key.as_str())
                );
            }
        }
        out.push_str("}\n");
        out
    }

    /// JSON: `{"version":1,"tasks":[{"key","kind","label","resource","after":[…]}]}`, tasks
    /// in topological order.
    pub fn to_json(&self) -> serde_json::Value {
        let tasks: Vec<_> = self
            .order
            .iter()
            .map(|&i| {
                let n = &self.nodes[i as usize];
                let after: Vec<&str> = self
                    .dependencies(i as usize)
                    .iter()
                    .map(|&d| self.nodes[d as usize].key.as_str())
                    .collect();
                let mut task = json!({
                    "key": n.key,
                    "kind": n.kind,
                    "label": &*n.label,
                    "resource": n.resource,
                    "after": after,
                    "fallback": self.dormant[i as usize],
                });
                if let (Some(group), Some(map)) = (&n.group, task.as_object_mut()) {
                    map.insert("group".to_string(), json!(&**group));
                }
                task
            })
            .collect();
        json!({ "version": 1, "tasks": tasks, "groups": self.groups })
    }
}

#[cfg(test)]
mod tests {
    use crate::graph::toy_task::ToyTask;
    use crate::graph::{Plan, PlanBuilder, PlanFormat, TaskKey};

    fn diamond() -> Plan<ToyTask> {
        let mut b = PlanBuilder::new();
        let a = b.add(ToyTask::new("a").label("fetch"));
        let l = b.add_after(ToyTask::new("b").label("left"), [&a]);
        let r = b.add_after(ToyTask::new("c").label("right"), [&a]);
        b.add_after(ToyTask::new("d").label("join"), [&l, &r]);
        b.build().unwrap()
    }

    #[test]
    fn diamond_adjacency() {
        let p = diamond();
        let d = p.index_of(&TaskKey::new("d")).unwrap();
        assert_eq!(p.dependencies(d).len(), 2);
        assert_eq!(p.dependents(0).len(), 2);
        assert_eq!(p.topological_order().first(), Some(&0));
        assert_eq!(p.topological_order().last(), Some(&(d as u32)));
    }

    #[test]
    fn tree_marks_repeats() {
        let tree = diamond().render(PlanFormat::Tree);
        assert_eq!(
            tree,
            "fetch [a]\n├── left [b]\n│   └── join [d]\n└── right [c]\n    └── join [d] (*)\n"
        );
    }

    #[test]
    fn dot_and_json() {
        let p = diamond();
        let dot = p.render(PlanFormat::Dot);
        assert!(dot.starts_with("digraph plan {"));
        assert!(dot.contains("\"a\" -> \"b\";"));
        assert!(dot.contains("\"d\" [label=\"join\\n(toy)\"];"));
        let json = p.to_json();
        assert_eq!(json["version"], 1);
        assert_eq!(json["tasks"][3]["key"], "d");
        assert_eq!(json["tasks"][3]["after"].as_array().unwrap().len(), 2);
    }
}
