//! [`Attempts`]: the retry loop every forge request goes through — the release API, the
//! checksum files and the downloads alike.
//!
//! After a failed attempt it decides whether to try again (transient errors only, up to
//! `max_attempts`, a `Retry-After` only when short enough), reports the retry to the
//! operation's [`ForgeObserver`] *before* waiting (attempt n of N, the reason, the wait),
//! and, when it gives up after more than one attempt, wraps the last error in
//! [`ForgeError::GaveUp`] with the number of attempts and the time they took.

use tokio::time::Instant;

use super::forge_event::{ForgeEvent, ForgeObserver, RetryNotice};
use super::{ForgeConfig, ForgeError};
use crate::util::error_chain;

/// The attempts of one request.
pub(crate) struct Attempts<'c> {
    config: &'c ForgeConfig,
    request: String,
    started: Instant,
    attempt: u32,
}

impl<'c> Attempts<'c> {
    /// Starts counting the attempts of `request` (`download of x`, `GET https://…`).
    pub(crate) fn start(config: &'c ForgeConfig, request: impl Into<String>) -> Self {
        Self {
            config,
            request: request.into(),
            started: Instant::now(),
            attempt: 1,
        }
    }

    /// The attempt that runs now (1-based).
    pub(crate) fn number(&self) -> u32 {
        self.attempt
    }

    /// After attempt [`number`](Self::number) failed with `err`: tells `observer` about the
    /// retry, waits, and returns to let the next attempt run; or returns the error to give
    /// up with.
    pub(crate) async fn retry_after(
        &mut self,
        err: ForgeError,
        observer: &mut ForgeObserver<'_>,
    ) -> Result<(), ForgeError> {
        if !err.is_transient() || self.attempt >= self.config.max_attempts {
            return Err(self.give_up(err));
        }
        let delay = match &err {
            ForgeError::Status {
                url,
                retry_after: Some(after),
                ..
            } if *after > self.config.max_retry_after => {
                let limited = ForgeError::RateLimited {
                    url: url.clone(),
                    retry_after: *after,
                };
                return Err(self.give_up(limited));
            }
            ForgeError::Status {
                retry_after: Some(after),
                ..
            } => *after,
            _ => self.config.backoff(self.attempt),
        };
        observer(ForgeEvent::Retrying(RetryNotice {
            request: self.request.clone(),
            attempt: self.attempt,
            max_attempts: self.config.max_attempts,
            delay,
            reason: error_chain(&err).join(": "),
        }));
        tokio::time::sleep(delay).await;
        self.attempt += 1;
        Ok(())
    }

    fn give_up(&self, err: ForgeError) -> ForgeError {
        if self.attempt > 1 {
            ForgeError::GaveUp {
                attempts: self.attempt,
                elapsed: self.started.elapsed(),
                source: Box::new(err),
            }
        } else {
            err
        }
    }
}
