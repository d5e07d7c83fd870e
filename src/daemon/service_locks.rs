//! [`ServiceLocks`]: one operation at a time per service.
//!
//! Two operations on disjoint services run in parallel; two that share a service run one
//! after the other. An operation takes the locks of all its services *before* it runs,
//! always in name order, so two operations can never deadlock by taking them in opposite
//! orders. When a lock is held, the caller is told which operation holds it (so it can emit
//! `waiting for hero_db: operation 0190… holds it`) and then waits for it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::OwnedMutexGuard;

/// The per-service locks of a daemon. Cheap to clone; clones share the locks.
#[derive(Clone, Default)]
pub struct ServiceLocks {
    slots: Arc<Mutex<BTreeMap<String, Slot>>>,
}

/// One service's lock and who holds it.
struct Slot {
    lock: Arc<tokio::sync::Mutex<()>>,
    holder: Option<String>,
}

/// The locks an operation holds; dropping it releases them all.
pub struct ServiceLocksGuard {
    slots: Arc<Mutex<BTreeMap<String, Slot>>>,
    held: Vec<(String, OwnedMutexGuard<()>)>,
}

impl ServiceLocks {
    /// No service locked.
    pub fn new() -> Self {
        Self::default()
    }

    fn slots(&self) -> MutexGuard<'_, BTreeMap<String, Slot>> {
        // Every update leaves the map consistent, so a poisoned lock is still usable.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the locks of `services` (deduplicated, in name order) for operation
    /// `operation`. For every lock another operation holds, `on_wait(service, holder)` is
    /// called once before waiting for it.
    pub async fn acquire<I, S>(
        &self,
        operation: &str,
        services: I,
        mut on_wait: impl FnMut(&str, &str),
    ) -> ServiceLocksGuard
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: BTreeSet<String> = services
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .collect();
        let mut held = Vec::with_capacity(names.len());
        for name in names {
            let lock = self
                .slots()
                .entry(name.clone())
                .or_insert_with(|| Slot {
                    lock: Arc::new(tokio::sync::Mutex::new(())),
                    holder: None,
                })
                .lock
                .clone();
            let guard = match lock.clone().try_lock_owned() {
                Ok(guard) => guard,
                Err(_) => {
                    let holder = self
                        .slots()
                        .get(&name)
                        .and_then(|s| s.holder.clone())
                        .unwrap_or_else(|| "another operation".to_string());
                    on_wait(&name, &holder);
                    lock.lock_owned().await
                }
            };
            if let Some(slot) = self.slots().get_mut(&name) {
                slot.holder = Some(operation.to_string());
            }
            held.push((name, guard));
        }
        ServiceLocksGuard {
            slots: self.slots.clone(),
            held,
        }
    }

    /// The operation holding the lock of `service`, if any.
    pub fn holder(&self, service: &str) -> Option<String> {
        self.slots().get(service).and_then(|s| s.holder.clone())
    }
}

impl ServiceLocksGuard {
    /// The services locked, in name order.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.held.iter().map(|(name, _)| name.as_str())
    }
}

impl Drop for ServiceLocksGuard {
    fn drop(&mut self) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        // Clear the holder while the lock is still held, so a waiter that gets it next
        // never sees its predecessor's name as its own.
        for (name, _) in &self.held {
            if let Some(slot) = slots.get_mut(name) {
                slot.holder = None;
            }
        }
        drop(slots);
        self.held.clear();
    }
}

impl std::fmt::Debug for ServiceLocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let held: Vec<(String, String)> = self
            .slots()
            .iter()
            .filter_map(|(n, s)| s.holder.clone().map(|h| (n.clone(), h)))
            .collect();
        f.debug_struct("ServiceLocks").field("held", &held).finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn operations_on_one_service_never_interleave_and_the_second_says_why_it_waits() {
        let locks = ServiceLocks::new();
        let trace = Arc::new(Mutex::new(Vec::<String>::new()));
        let log = |t: &Arc<Mutex<Vec<String>>>, s: String| t.lock().unwrap().push(s);

        let first = locks
            .acquire("op-1", ["hero_db", "hero_proxy"], |_, _| {})
            .await;
        assert_eq!(locks.holder("hero_db").as_deref(), Some("op-1"));

        let (tx, rx) = tokio::sync::oneshot::channel::<(String, String)>();
        let second = {
            let locks = locks.clone();
            let trace = trace.clone();
            tokio::spawn(async move {
                let mut tx = Some(tx);
                let _guard = locks
                    .acquire("op-2", ["hero_db"], |service, holder| {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send((service.to_string(), holder.to_string()));
                        }
                    })
                    .await;
                log(&trace, "op-2 start".into());
                tokio::time::sleep(Duration::from_millis(5)).await;
                log(&trace, "op-2 end".into());
            })
        };
        // The second operation reports whom it waits for before it gets the lock.
        let (service, holder) = rx.await.unwrap();
        assert_eq!((service.as_str(), holder.as_str()), ("hero_db", "op-1"));
        log(&trace, "op-1 start".into());
        tokio::time::sleep(Duration::from_millis(20)).await;
        log(&trace, "op-1 end".into());
        drop(first);
        second.await.unwrap();
        assert_eq!(
            *trace.lock().unwrap(),
            ["op-1 start", "op-1 end", "op-2 start", "op-2 end"]
        );
        assert_eq!(locks.holder("hero_db"), None);
    }

    #[tokio::test]
    async fn disjoint_operations_do_not_wait_and_overlapping_sets_cannot_deadlock() {
        let locks = ServiceLocks::new();
        let a = locks
            .acquire("a", ["x"], |_, _| panic!("must not wait"))
            .await;
        let b = locks
            .acquire("b", ["y"], |_, _| panic!("must not wait"))
            .await;
        drop((a, b));
        // Many operations taking {x, y} and {y, x}: sorted acquisition always finishes.
        let mut tasks = Vec::new();
        for i in 0..20 {
            let locks = locks.clone();
            tasks.push(tokio::spawn(async move {
                let set = if i % 2 == 0 { ["x", "y"] } else { ["y", "x"] };
                let guard = locks.acquire(&format!("op-{i}"), set, |_, _| {}).await;
                assert_eq!(guard.services().collect::<Vec<_>>(), ["x", "y"]);
                tokio::task::yield_now().await;
            }));
        }
        tokio::time::timeout(Duration::from_secs(5), futures::future::join_all(tasks))
            .await
            .expect("no deadlock");
    }
}
