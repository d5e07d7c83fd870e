//! What a person scripts around a manager that has no readiness-gated dependencies
//! (supervisord, pm2) or no manager at all (the sequential start): start each service as
//! soon as everything it depends on answers `/health` 200, poll the started ones every
//! 2 ms (hero_svc's own fast-phase polling), done when all answer.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::measure::{Health, health};
use crate::shape::Shape;

/// How often a driver polls the services it started.
pub const POLL: Duration = Duration::from_millis(2);
/// How long a bring-up may take before the harness calls it failed.
pub const LIMIT: Duration = Duration::from_secs(30);

/// What starts services for the driver.
pub(crate) trait Starter {
    /// Starts these services (all may start now) and returns once they are spawned.
    async fn start(&mut self, names: Vec<String>) -> Result<(), String>;
}

/// Brings `shape` up through `starter` (given every service that may start now); with
/// `one_at_a_time`, a service starts only once the previous one is ready (the way the nu
/// scripts did it). The time from the call until every service answered 200.
pub(crate) async fn bring_up<S: Starter>(
    shape: &Shape,
    one_at_a_time: bool,
    starter: &mut S,
) -> Result<Duration, String> {
    let t = Instant::now();
    let mut started: BTreeSet<String> = BTreeSet::new();
    let mut ready: BTreeSet<String> = BTreeSet::new();
    loop {
        let waiting = started.len() > ready.len();
        let mut batch: Vec<String> = shape
            .services
            .iter()
            .filter(|s| !started.contains(&s.name) && s.deps.iter().all(|d| ready.contains(d)))
            .map(|s| s.name.clone())
            .collect();
        if one_at_a_time {
            batch.truncate(usize::from(!waiting));
        }
        if !batch.is_empty() {
            starter.start(batch.clone()).await?;
            started.extend(batch);
        }
        for s in &shape.services {
            if started.contains(&s.name)
                && !ready.contains(&s.name)
                && matches!(health(s.port).await, Health::Ready(_))
            {
                ready.insert(s.name.clone());
            }
        }
        if ready.len() == shape.services.len() {
            return Ok(t.elapsed());
        }
        if t.elapsed() > LIMIT {
            let late: Vec<&String> = started.difference(&ready).collect();
            return Err(format!("not ready after {LIMIT:?}: {late:?}"));
        }
        // Something just became ready: start what waited on it at once.
        if shape
            .services
            .iter()
            .any(|s| !started.contains(&s.name) && s.deps.iter().all(|d| ready.contains(d)))
            && !(one_at_a_time && started.len() > ready.len())
        {
            continue;
        }
        tokio::time::sleep(POLL).await;
    }
}
