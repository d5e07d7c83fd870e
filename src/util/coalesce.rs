//! [`Coalescer`]: many identical reads at once answered by as few computations as possible,
//! never with an answer older than the question.
//!
//! Callers with the same key take turns; a caller whose turn comes after a computation
//! that *started after it arrived* has finished takes that computation's answer instead of
//! computing again. An answer is therefore never from before the question (what a caller
//! would have seen computing alone, or newer), while a burst of identical questions costs
//! about one computation per turn instead of one each. A lone caller computes at once.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How many distinct keys are coalesced; calls with further keys simply compute.
const MAX_KEYS: usize = 64;

/// Coalesces computations of `V` by key.
#[derive(Debug)]
pub struct Coalescer<V> {
    slots: Mutex<HashMap<String, Arc<Slot<V>>>>,
}

#[derive(Debug)]
struct Slot<V> {
    /// Held while a caller checks for an answer or computes one.
    turn: tokio::sync::Mutex<()>,
    /// Computations started so far.
    started: AtomicU64,
    /// The last answer and the number of its computation.
    last: Mutex<Option<(u64, V)>>,
}

impl<V> Default for Coalescer<V> {
    fn default() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Coalescer<V> {
    /// Nothing coalesced yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The answer of `compute` for `key`, or that of a computation for `key` that started
    /// after this call.
    pub async fn run<F, Fut>(&self, key: &str, compute: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let Some(slot) = self.slot(key) else {
            return compute().await;
        };
        let arrived = slot.started.load(Ordering::SeqCst);
        let _turn = slot.turn.lock().await;
        if let Some((n, answer)) = &*lock(&slot.last)
            && *n > arrived
        {
            return answer.clone();
        }
        let n = slot.started.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = compute().await;
        *lock(&slot.last) = Some((n, answer.clone()));
        answer
    }

    fn slot(&self, key: &str) -> Option<Arc<Slot<V>>> {
        let mut slots = lock(&self.slots);
        if let Some(slot) = slots.get(key) {
            return Some(slot.clone());
        }
        if slots.len() >= MAX_KEYS {
            return None;
        }
        let slot = Arc::new(Slot {
            turn: tokio::sync::Mutex::new(()),
            started: AtomicU64::new(0),
            last: Mutex::new(None),
        });
        slots.insert(key.to_string(), slot.clone());
        Some(slot)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn a_lone_caller_computes_every_time() {
        let c = Coalescer::new();
        let runs = AtomicUsize::new(0);
        for i in 0..3 {
            let v = c
                .run("k", || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    i
                })
                .await;
            assert_eq!(v, i);
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_shares_computations_that_began_after_it_arrived() {
        let c = Arc::new(Coalescer::new());
        let counter = Arc::new(AtomicUsize::new(0));
        let mut calls = Vec::new();
        for _ in 0..50 {
            let (c, counter) = (c.clone(), counter.clone());
            calls.push(tokio::spawn(async move {
                // The value each computation sees when it starts.
                let seen_before = counter.load(Ordering::SeqCst);
                let v = c
                    .run("k", || async {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        counter.fetch_add(1, Ordering::SeqCst) + 1
                    })
                    .await;
                // Never an answer computed before this call arrived.
                assert!(v > seen_before, "{v} <= {seen_before}");
            }));
        }
        for call in calls {
            call.await.unwrap();
        }
        let runs = counter.load(Ordering::SeqCst);
        assert!(runs < 50, "{runs} computations for 50 callers");
    }

    #[tokio::test]
    async fn distinct_keys_do_not_share() {
        let c = Coalescer::new();
        assert_eq!(c.run("a", || async { 1 }).await, 1);
        assert_eq!(c.run("b", || async { 2 }).await, 2);
    }
}
