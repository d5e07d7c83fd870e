//! [`TransferWatch`]: bounds the time one attempt of a forge transfer takes while its
//! response arrives — the idle timeout (nothing received for `idle_timeout`), the minimum
//! rate (fewer than `min_rate` bytes/s averaged over its window) and the attempt's
//! [`Deadline`] (which also bounds the wait for the response headers, see
//! [`ForgeClient::get_once`](super::ForgeClient)).
//!
//! The rate is judged from samples of the byte count taken every eighth of a window (so a
//! fast download costs a few comparisons, not one entry per chunk): at each sample the
//! bytes received since the newest sample at least one window old must reach
//! `bytes_per_sec` × the time since it. A body that completes within one window is never
//! judged; a trickle fails about one window after it began.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use reqwest::Url;
use tokio::time::Instant;

use super::forge_error::display_url;
use super::transfer_limits::MinRate;
use super::{ForgeConfig, ForgeError};

/// Samples taken per rate window.
const SAMPLES_PER_WINDOW: u32 = 8;

/// When one attempt must be over.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    at: Instant,
    limit: Duration,
}

impl Deadline {
    /// The deadline of an attempt starting now, if the configuration sets one.
    pub(crate) fn for_attempt(config: &ForgeConfig) -> Option<Self> {
        config.attempt_timeout.map(|limit| Self {
            at: Instant::now() + limit,
            limit,
        })
    }

    /// The instant it falls due.
    pub(crate) fn at(&self) -> Instant {
        self.at
    }

    /// Whether it has passed.
    pub(crate) fn has_passed(&self) -> bool {
        Instant::now() >= self.at
    }

    /// The error of an attempt on `url` that ran out of time.
    pub(crate) fn exceeded(&self, url: &Url) -> ForgeError {
        ForgeError::DeadlineExceeded {
            url: display_url(url),
            limit: self.limit,
        }
    }
}

/// Watches one response body as it arrives.
pub(crate) struct TransferWatch {
    url: Url,
    idle: Duration,
    min_rate: Option<MinRate>,
    deadline: Option<Deadline>,
    received: u64,
    /// (when, bytes received by then), oldest first; the front is the newest sample at
    /// least one window old once a window has passed.
    samples: VecDeque<(Instant, u64)>,
    next_sample: Instant,
}

impl TransferWatch {
    /// Starts watching the body of `url` now, with `config`'s idle timeout and minimum
    /// rate, until `deadline`.
    pub(crate) fn start(url: &Url, config: &ForgeConfig, deadline: Option<Deadline>) -> Self {
        let now = Instant::now();
        let min_rate = config.min_rate;
        Self {
            url: url.clone(),
            idle: config.idle_timeout,
            min_rate,
            deadline,
            received: 0,
            samples: VecDeque::from([(now, 0)]),
            next_sample: now + min_rate.map_or(Duration::ZERO, sample_interval),
        }
    }

    /// The next chunk of `stream` (`None` at its end), or the error of a body that went
    /// silent, too slow, or past the deadline. A transport error is returned as the item.
    pub(crate) async fn next<S>(
        &mut self,
        stream: &mut S,
    ) -> Result<Option<reqwest::Result<Bytes>>, ForgeError>
    where
        S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
    {
        let idle_at = Instant::now() + self.idle;
        loop {
            self.judge_rate(Instant::now())?;
            let mut wake = idle_at;
            if let Some(d) = &self.deadline {
                wake = wake.min(d.at());
            }
            if self.min_rate.is_some() {
                wake = wake.min(self.next_sample);
            }
            // `next` only polls the stream: dropping it on a timeout loses nothing.
            match tokio::time::timeout_at(wake, stream.next()).await {
                Ok(item) => {
                    if let Some(Ok(chunk)) = &item {
                        self.received += chunk.len() as u64;
                    }
                    return Ok(item);
                }
                Err(_) => {
                    if let Some(d) = self.deadline.filter(Deadline::has_passed) {
                        return Err(d.exceeded(&self.url));
                    }
                    if Instant::now() >= idle_at {
                        return Err(ForgeError::IdleTimeout {
                            url: display_url(&self.url),
                            idle: self.idle,
                        });
                    }
                    // A rate sample is due: judged at the top of the loop.
                }
            }
        }
    }

    /// Takes a sample when one is due and fails when the last window was too slow.
    fn judge_rate(&mut self, now: Instant) -> Result<(), ForgeError> {
        let Some(rate) = self.min_rate else {
            return Ok(());
        };
        if now < self.next_sample {
            return Ok(());
        }
        self.samples.push_back((now, self.received));
        self.next_sample = now + sample_interval(rate);
        let Some(window_start) = now.checked_sub(rate.window) else {
            return Ok(());
        };
        while self.samples.len() >= 2 && self.samples[1].0 <= window_start {
            self.samples.pop_front();
        }
        let Some(&(then, bytes_then)) = self.samples.front() else {
            return Ok(());
        };
        if then > window_start {
            return Ok(()); // less than one window observed
        }
        let span = now - then;
        let received = self.received - bytes_then;
        if received < rate.required_in(span) {
            return Err(ForgeError::TooSlow {
                url: display_url(&self.url),
                received,
                span,
                min_rate: rate,
            });
        }
        Ok(())
    }
}

fn sample_interval(rate: MinRate) -> Duration {
    (rate.window / SAMPLES_PER_WINDOW).max(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rate: u64, window_ms: u64) -> ForgeConfig {
        let mut cfg = ForgeConfig::forgejo("http://127.0.0.1:1").unwrap();
        cfg.min_rate = Some(MinRate {
            bytes_per_sec: rate,
            window: Duration::from_millis(window_ms),
        });
        cfg
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_fails_after_about_one_window() {
        let url = Url::parse("http://x/y").unwrap();
        let cfg = config(1024, 30_000);
        let mut watch = TransferWatch::start(&url, &cfg, None);
        let started = Instant::now();
        // One byte every 20 s: never idle for 30 s, far below 1 KiB/s.
        let mut stream = Box::pin(futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_secs(20)).await;
            Some((Ok(Bytes::from_static(b"x")), ()))
        }));
        let err = loop {
            match watch.next(&mut stream).await {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert!(matches!(err, ForgeError::TooSlow { .. }), "{err:?}");
        let took = started.elapsed();
        assert!(took >= Duration::from_secs(30), "{took:?}");
        assert!(took <= Duration::from_secs(35), "{took:?}");
        assert!(
            err.to_string()
                .contains("below the minimum rate of 1 KiB/s over 30s")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_transfer_above_the_rate_is_left_alone() {
        let url = Url::parse("http://x/y").unwrap();
        let cfg = config(1024, 1_000);
        let mut watch = TransferWatch::start(&url, &cfg, None);
        // 2 KiB/s for 20 windows.
        let mut stream = Box::pin(futures::stream::iter(0..400).then(|_| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Ok(Bytes::from(vec![0u8; 103]))
        }));
        let mut chunks = 0;
        while let Some(item) = watch.next(&mut stream).await.unwrap() {
            item.unwrap();
            chunks += 1;
        }
        assert_eq!(chunks, 400);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_ends_an_attempt_whatever_the_rate() {
        let url = Url::parse("http://x/y").unwrap();
        let mut cfg = config(1, 1_000);
        cfg.attempt_timeout = Some(Duration::from_secs(5));
        let deadline = Deadline::for_attempt(&cfg);
        let mut watch = TransferWatch::start(&url, &cfg, deadline);
        let mut stream = Box::pin(futures::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((Ok(Bytes::from_static(b"xxxxxxxx")), ()))
        }));
        let started = Instant::now();
        let err = loop {
            if let Err(e) = watch.next(&mut stream).await {
                break e;
            }
        };
        assert!(
            matches!(err, ForgeError::DeadlineExceeded { .. }),
            "{err:?}"
        );
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }
}
