//! [`ReleaseChecks`]: what the forge last said is the release an upgrade would install, per
//! release, so that `status` (and the dashboard's stack page) can say *newer release*
//! without asking the forge while it answers.
//!
//! - **Cached with a TTL.** An answer stands for [`RELEASE_CHECK_TTL`] (10 minutes; a failed
//!   check for at most [`FAILED_CHECK_TTL`]). Asking for an answer that is missing or older
//!   starts a check in the background and returns what is known now: the previous answer,
//!   or [`ReleaseAnswer::Pending`] the first time.
//! - **Single-flight and bounded.** One check per release at a time, however many callers
//!   ask; at most [`CONCURRENT_CHECKS`] at once; each within [`RELEASE_CHECK_TIMEOUT`], with
//!   few retries (a check that fails is tried again once its answer is stale). Checks end
//!   when the daemon stops.
//! - **Failure is an answer.** A check that could not reach the forge is kept as
//!   [`ReleaseAnswer::Failed`] with the reason, so callers say so instead of pretending.
//!
//! Releases are keyed by forge URL, API kind and [`ReleaseSource`] (the token is not part of
//! the key: one daemon has one).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;

use crate::forge::{
    ForgeClient, ForgeConfig, ForgeError, ForgeKind, ReleaseSource, ResolvedRelease,
};
use crate::util::error_line;

/// How long an answer of the forge stands.
pub const RELEASE_CHECK_TTL: Duration = Duration::from_secs(600);
/// How long a failed check stands at most (a shorter TTL applies if configured).
pub const FAILED_CHECK_TTL: Duration = Duration::from_secs(60);
/// How long one check may take in all (retries included).
pub const RELEASE_CHECK_TIMEOUT: Duration = Duration::from_secs(20);
/// Checks running at once.
pub const CONCURRENT_CHECKS: usize = 4;
/// Sets the TTL in milliseconds (tests, or a forge that must be asked less often).
pub const TTL_ENV: &str = "HERO_SVC_RELEASE_CHECK_TTL_MS";

/// What is known of a release now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseAnswer {
    /// Never answered yet: the first check is under way.
    Pending,
    /// The forge's answer, `age` ago.
    Known {
        /// The release.
        release: ResolvedRelease,
        /// How long ago the forge said so.
        age: Duration,
    },
    /// The last check failed, `age` ago.
    Failed {
        /// Why, in short: what the forge (or the connection) last said.
        reason: String,
        /// The whole error and its causes, on one line.
        detail: String,
        /// How long ago.
        age: Duration,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    forge: String,
    kind: ForgeKind,
    source: ReleaseSource,
}

impl Key {
    fn of(forge: &ForgeConfig, source: &ReleaseSource) -> Self {
        Self {
            forge: forge.base_url.to_string(),
            kind: forge.kind,
            source: source.clone(),
        }
    }
}

/// Why a check failed: in short, and whole.
#[derive(Clone, Debug)]
struct CheckFailure {
    reason: String,
    detail: String,
}

impl CheckFailure {
    fn of(e: &ForgeError) -> Self {
        Self {
            reason: e.last_attempt().to_string(),
            detail: error_line(e),
        }
    }

    fn plain(reason: String) -> Self {
        Self {
            detail: reason.clone(),
            reason,
        }
    }
}

struct Checked {
    at: Instant,
    outcome: Result<ResolvedRelease, CheckFailure>,
}

#[derive(Default)]
struct Entry {
    last: Option<Checked>,
    in_flight: bool,
}

/// The last answer of the forge for every release asked about (see the module docs).
pub struct ReleaseChecks {
    ttl: Duration,
    entries: Mutex<HashMap<Key, Entry>>,
    permits: Arc<Semaphore>,
    finished: watch::Sender<u64>,
    stopping: CancellationToken,
}

impl ReleaseChecks {
    /// Checks whose answers stand for `ttl`, ending when `stopping` is cancelled.
    pub fn new(ttl: Duration, stopping: CancellationToken) -> Arc<Self> {
        Arc::new(Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            permits: Arc::new(Semaphore::new(CONCURRENT_CHECKS)),
            finished: watch::channel(0).0,
            stopping,
        })
    }

    /// The TTL: [`TTL_ENV`] when set to a positive number of milliseconds, else
    /// [`RELEASE_CHECK_TTL`].
    pub fn ttl_from_env() -> Duration {
        std::env::var(TTL_ENV)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map_or(RELEASE_CHECK_TTL, Duration::from_millis)
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        // Every update leaves the map consistent, so a poisoned lock is still usable.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What is known of `source` on `forge` now; starts a check in the background when the
    /// answer is missing or stale and none runs (within a Tokio runtime; outside one,
    /// nothing starts). Never waits.
    pub fn answer(self: &Arc<Self>, forge: &ForgeConfig, source: &ReleaseSource) -> ReleaseAnswer {
        let key = Key::of(forge, source);
        let mut entries = self.entries();
        let entry = entries.entry(key.clone()).or_default();
        let answer = match &entry.last {
            None => ReleaseAnswer::Pending,
            Some(Checked {
                at,
                outcome: Ok(release),
            }) => ReleaseAnswer::Known {
                release: release.clone(),
                age: at.elapsed(),
            },
            Some(Checked {
                at,
                outcome: Err(failure),
            }) => ReleaseAnswer::Failed {
                reason: failure.reason.clone(),
                detail: failure.detail.clone(),
                age: at.elapsed(),
            },
        };
        let stale = entry.last.as_ref().is_none_or(|c| {
            let ttl = match c.outcome {
                Ok(_) => self.ttl,
                Err(_) => self.ttl.min(FAILED_CHECK_TTL),
            };
            c.at.elapsed() >= ttl
        });
        if stale && !entry.in_flight && !self.stopping.is_cancelled() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                entry.in_flight = true;
                runtime.spawn(self.clone().check(key, forge.clone()));
            }
        }
        answer
    }

    /// Like [`answer`](Self::answer), but when nothing is known yet, waits (at most
    /// `within`) for the check under way.
    pub async fn settled(
        self: &Arc<Self>,
        forge: &ForgeConfig,
        source: &ReleaseSource,
        within: Duration,
    ) -> ReleaseAnswer {
        let deadline = tokio::time::Instant::now() + within;
        // Subscribed before asking, so a check that ends in between is not missed.
        let mut finished = self.finished.subscribe();
        loop {
            let answer = self.answer(forge, source);
            if answer != ReleaseAnswer::Pending {
                return answer;
            }
            match tokio::time::timeout_at(deadline, finished.changed()).await {
                Ok(Ok(())) => continue,
                _ => return answer,
            }
        }
    }

    /// Asks the forge and records the answer (unless the daemon stops first).
    async fn check(self: Arc<Self>, key: Key, forge: ForgeConfig) {
        let outcome = tokio::select! {
            () = self.stopping.cancelled() => None,
            outcome = self.ask(forge, &key.source) => Some(outcome),
        };
        if let Some(entry) = self.entries().get_mut(&key) {
            entry.in_flight = false;
            if let Some(outcome) = outcome {
                entry.last = Some(Checked {
                    at: Instant::now(),
                    outcome,
                });
            }
        }
        self.finished.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// One check: a permit, then the forge's answer within [`RELEASE_CHECK_TIMEOUT`].
    async fn ask(
        &self,
        forge: ForgeConfig,
        source: &ReleaseSource,
    ) -> Result<ResolvedRelease, CheckFailure> {
        let Ok(_permit) = self.permits.acquire().await else {
            return Err(CheckFailure::plain("the daemon is stopping".to_string()));
        };
        // A check in the background needs no patience: its next turn comes with the TTL.
        let (attempts, backoff) = (
            forge.max_attempts.min(2),
            forge.initial_backoff.min(Duration::from_millis(500)),
        );
        let forge = forge
            .retries(attempts, backoff)
            .attempt_timeout(Some(RELEASE_CHECK_TIMEOUT));
        let client = ForgeClient::new(forge).map_err(|e| CheckFailure::of(&e))?;
        match tokio::time::timeout(
            RELEASE_CHECK_TIMEOUT,
            client.resolve_release(source, &mut |_| {}),
        )
        .await
        {
            Ok(Ok(release)) => Ok(release),
            Ok(Err(e)) => Err(CheckFailure::of(&e)),
            Err(_) => Err(CheckFailure::plain(format!(
                "the forge did not answer within {} s",
                RELEASE_CHECK_TIMEOUT.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::ReleaseVersion;

    /// A forge on a port nobody listens on: every check fails at once.
    fn nowhere() -> ForgeConfig {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        ForgeConfig::forgejo(&format!("http://127.0.0.1:{port}"))
            .unwrap()
            .retries(1, Duration::ZERO)
    }

    #[tokio::test]
    async fn the_first_answer_is_pending_then_a_failure_with_its_reason() {
        let checks = ReleaseChecks::new(RELEASE_CHECK_TTL, CancellationToken::new());
        let forge = nowhere();
        let source = ReleaseSource::release("o", "r", ReleaseVersion::Latest);
        assert_eq!(checks.answer(&forge, &source), ReleaseAnswer::Pending);
        let answer = checks
            .settled(&forge, &source, Duration::from_secs(10))
            .await;
        let ReleaseAnswer::Failed { reason, detail, .. } = answer else {
            panic!("not a failure: {answer:?}");
        };
        assert!(!reason.is_empty());
        assert!(detail.contains(&reason), "{detail}");
        // Not stale yet: answered from the cache, no new check.
        assert!(matches!(
            checks.answer(&forge, &source),
            ReleaseAnswer::Failed { .. }
        ));
        assert!(!checks.entries().values().any(|e| e.in_flight));
    }

    #[tokio::test]
    async fn callers_share_one_check_and_a_stopped_daemon_starts_none() {
        let stopping = CancellationToken::new();
        let checks = ReleaseChecks::new(RELEASE_CHECK_TTL, stopping.clone());
        let forge = nowhere();
        let source = ReleaseSource::release("o", "r", ReleaseVersion::Latest);
        let mut finished = checks.finished.subscribe();
        for _ in 0..20 {
            assert_eq!(checks.answer(&forge, &source), ReleaseAnswer::Pending);
        }
        finished.changed().await.unwrap();
        assert_eq!(*finished.borrow(), 1, "one check for twenty callers");

        stopping.cancel();
        let other = ReleaseSource::release("o", "other", ReleaseVersion::Latest);
        assert_eq!(checks.answer(&forge, &other), ReleaseAnswer::Pending);
        assert!(!checks.entries().values().any(|e| e.in_flight));
    }
}
