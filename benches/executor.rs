//! Executor overhead: (a) a random DAG of 10,000 no-op tasks with an average fan-in of 3,
//! (b) a chain of 1,000 no-op tasks (the latency from a task finishing to its dependent
//! starting), and (c) building and validating the 10,000-task plan.
//!
//! Run with `cargo bench --bench executor`; results and method are in
//! `docs/benchmarks.md`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hero_svc::graph::{ExecutorConfig, RunRequest};
use hero_svc::state::StateStore;
use hero_svc::tasks::{Executor, Plan, PlanBuilder};
use hero_svc::tasks::{Noop, TaskKey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DAG_TASKS: usize = 10_000;
const FAN_IN: usize = 3;
const CHAIN: usize = 1_000;

/// Keys and edges of a random DAG: task `i` depends on up to 2×FAN_IN random earlier tasks
/// (average FAN_IN), so the graph is acyclic by construction.
fn random_dag(n: usize) -> (Vec<TaskKey>, Vec<(usize, usize)>) {
    let mut rng = StdRng::seed_from_u64(42);
    let keys: Vec<TaskKey> = (0..n).map(|i| TaskKey::new(format!("task-{i}"))).collect();
    let mut edges = Vec::with_capacity(n * FAN_IN);
    for i in 1..n {
        let deps = rng.gen_range(0..=2 * FAN_IN).min(i);
        for _ in 0..deps {
            edges.push((rng.gen_range(0..i), i));
        }
    }
    (keys, edges)
}

fn build(keys: &[TaskKey], edges: &[(usize, usize)]) -> Plan {
    let mut b = PlanBuilder::new();
    for k in keys {
        b.add(Noop::new(k.clone()));
    }
    for &(a, z) in edges {
        b.edge(&keys[a], &keys[z]);
    }
    b.build().expect("benchmark plans are valid")
}

fn chain(n: usize) -> Plan {
    let keys: Vec<TaskKey> = (0..n).map(|i| TaskKey::new(format!("step-{i}"))).collect();
    let edges: Vec<(usize, usize)> = (1..n).map(|i| (i - 1, i)).collect();
    build(&keys, &edges)
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let exec = Executor::new(
        ExecutorConfig::default(),
        StateStore::in_memory().expect("an in-memory store"),
    );
    let (keys, edges) = random_dag(DAG_TASKS);

    let mut g = c.benchmark_group("executor");
    g.sample_size(30);
    g.bench_function("build_plan_10k", |b| {
        b.iter(|| black_box(build(&keys, &edges)))
    });
    let dag = build(&keys, &edges);
    g.bench_function("run_dag_10k_noop", |b| {
        b.iter(|| runtime.block_on(exec.run(&dag, RunRequest::new("bench"))))
    });
    let chain = chain(CHAIN);
    g.bench_function("run_chain_1k_noop", |b| {
        b.iter(|| runtime.block_on(exec.run(&chain, RunRequest::new("bench"))))
    });
    g.finish();
}

criterion_group!(executor, benches);
criterion_main!(executor);
