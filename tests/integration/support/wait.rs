//! Waiting on a condition with a deadline: the only way tests synchronise with processes.

use std::future::Future;
use std::time::Duration;

/// How long a test waits for something that should happen "at once".
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Polls `probe` every few milliseconds until it yields `Some`; panics naming `what` if
/// that has not happened within `timeout`.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
