//! [`StableSlots`]: adding and removing zinit services without moving any other service.
//!
//! zinit 0.3.9 keeps its services in a petgraph `DiGraph` and knows each by its node
//! index. Removing a node — `service.delete`, and `service.set` of a name it already has,
//! which deletes and re-adds — moves the *last* node into the freed index, but zinit goes
//! on addressing that service's process watcher, timers and log buffer by the old index.
//! From then on zinit does not see that service's process end (a stop of it never
//! completes: it stays `stopping`), an exit of the removed service's process can be booked
//! on it, and its output lands in a buffer that a later service inherits. Deleting a
//! service zinit still counts as running then blocks zinit's whole event loop for 5 s
//! (it waits for the process inside the delete), and every call queued behind it waits too.
//!
//! `service.set` of a name zinit already holds deadlocks zinit 0.3.9 for good (it keeps
//! its graph read-locked while it waits for its own removal of the old service, which
//! needs the write lock), so a re-definition is a delete, then a set.
//!
//! So every addition and removal goes through here, one at a time (service.list gives
//! zinit's index order, which must not change between the look and the change), and a
//! removal that would move another service first appends a placeholder — a service zinit
//! never starts, with no process, timers or logs — so that the placeholder is what moves
//! into the freed index. Placeholders at the end of zinit's list are deleted as soon as
//! they are last (deleting the last node moves nothing).
//!
//! This holds as long as hero_svc is the only client that adds or removes services in
//! that zinit-server.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{Mutex, MutexGuard};

use super::service_config::{PLACEHOLDER_PREFIX, placeholder_config};
use super::{ZinitClient, ZinitError};

/// A service name zinit refuses, used for a call that goes through its event loop and does
/// nothing.
const BARRIER_NAME: &str = "hero_svc barrier";

/// The one way this backend changes which services zinit holds.
#[derive(Debug)]
pub(crate) struct StableSlots {
    client: Arc<ZinitClient>,
    removal_timeout: Duration,
    lock: Mutex<()>,
}

/// Exclusive use of zinit's service list, for one change or a few in a row.
pub(crate) struct SlotsGuard<'a> {
    slots: &'a StableSlots,
    _lock: MutexGuard<'a, ()>,
}

/// True for the name of a placeholder.
pub(crate) fn is_placeholder(name: &str) -> bool {
    name.strip_prefix(PLACEHOLDER_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

impl StableSlots {
    /// Changes through `client`; a delete may take `removal_timeout`.
    pub fn new(client: Arc<ZinitClient>, removal_timeout: Duration) -> Self {
        Self {
            client,
            removal_timeout,
            lock: Mutex::new(()),
        }
    }

    /// Waits for the other changes to end.
    pub async fn lock(&self) -> SlotsGuard<'_> {
        SlotsGuard {
            slots: self,
            _lock: self.lock.lock().await,
        }
    }
}

impl SlotsGuard<'_> {
    fn client(&self) -> &ZinitClient {
        &self.slots.client
    }

    /// zinit's services in index order.
    pub async fn names(&self) -> Result<Vec<String>, ZinitError> {
        let answer = self.client().call("service.list", json!({})).await?;
        Ok(answer
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect())
    }

    /// Defines (or re-defines) a service from its zinit `config`; zinit starts it at once.
    pub async fn define(&mut self, config: &Value) -> Result<(), ZinitError> {
        let name = config["service"]["name"].as_str().unwrap_or_default();
        // zinit 0.3.9 deadlocks on `service.set` of a name it holds (it keeps its graph
        // read-locked while it waits for its own removal of the old one, which needs the
        // write lock): take the old one out first.
        self.remove(name).await?;
        self.client()
            .call("service.set", json!({"config": config}))
            .await?;
        Ok(())
    }

    /// Returns once zinit's event loop has handled every event queued before the call
    /// (restarts that came due included): zinit handles its events in order, and this is
    /// a start of a name it can never hold (names have no spaces), which changes nothing.
    /// A state read right after it sees what those events did.
    pub async fn drain_events(&self) -> Result<(), ZinitError> {
        match self
            .client()
            .call("service.start", json!({"name": BARRIER_NAME}))
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Prepares the removal of `name`: afterwards, deleting it with
    /// [`remove_prepared`](Self::remove_prepared) moves no other service.
    pub async fn make_room(&mut self, name: &str) -> Result<(), ZinitError> {
        let names = self.names().await?;
        self.protect(&names, name).await
    }

    /// Deletes service `name` after [`make_room`](Self::make_room) (with no other change
    /// in between); one zinit does not hold is fine.
    pub async fn remove_prepared(&mut self, name: &str) -> Result<(), ZinitError> {
        self.delete(name).await?;
        self.trim().await
    }

    /// Deletes service `name`; one zinit does not hold is fine.
    pub async fn remove(&mut self, name: &str) -> Result<(), ZinitError> {
        let names = self.names().await?;
        if !names.iter().any(|n| n == name) {
            return Ok(());
        }
        self.protect(&names, name).await?;
        self.remove_prepared(name).await
    }

    /// Before `name` leaves zinit's graph: makes sure what moves into its index is a
    /// placeholder (nothing moves when `name` is last).
    async fn protect(&mut self, names: &[String], name: &str) -> Result<(), ZinitError> {
        let Some(position) = names.iter().position(|n| n == name) else {
            return Ok(());
        };
        let last = names.last().map(String::as_str).unwrap_or_default();
        if position + 1 == names.len() || is_placeholder(last) {
            return Ok(());
        }
        let next = names
            .iter()
            .filter_map(|n| n.strip_prefix(PLACEHOLDER_PREFIX)?.parse::<u64>().ok())
            .max()
            .map_or(1, |n| n + 1);
        let placeholder = format!("{PLACEHOLDER_PREFIX}{next}");
        self.client()
            .call(
                "service.set",
                json!({"config": placeholder_config(&placeholder)}),
            )
            .await?;
        Ok(())
    }

    /// Deletes the placeholders at the end of zinit's list.
    async fn trim(&mut self) -> Result<(), ZinitError> {
        loop {
            let names = self.names().await?;
            match names.last() {
                Some(last) if is_placeholder(last) => self.delete(last).await?,
                _ => return Ok(()),
            }
        }
    }

    async fn delete(&self, name: &str) -> Result<(), ZinitError> {
        let deleted = self
            .client()
            .call_within(
                "service.delete",
                json!({"name": name}),
                self.slots.removal_timeout,
            )
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_told_by_name() {
        assert!(is_placeholder("hero_svc_slot_1"));
        assert!(is_placeholder("hero_svc_slot_42"));
        assert!(!is_placeholder("hero_svc_slot_"));
        assert!(!is_placeholder("hero_svc_slot_x"));
        assert!(!is_placeholder("hero_svc_server"));
    }
}
