//! [`Backoff`]: the polling schedule of a health wait.

use std::time::Duration;

/// Delays between health probes: start fast (a service that is almost up is seen at once),
/// grow by 5% each time, and stay at a cap (a slow service is not hammered).
///
/// The growth bounds how late a wait sees a service become healthy, relative to how long
/// it took: with a factor `f` the last delay is at most about `(f-1)/f` of the time waited,
/// so 5% growth sees a service that took 150 ms at most ~7 ms late (×1.5 growth: up to
/// 75 ms late — which, along a chain of services each gated on the previous one's health,
/// adds up). The default schedule also has a *fast phase*: for the first second, no delay
/// exceeds 3 ms, since most services become ready within a second of their start (a probe
/// of a local unix socket costs well under a millisecond of CPU).
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    initial: Duration,
    factor: f64,
    max: Duration,
    next: Duration,
    fast_max: Duration,
    fast_for: Duration,
    elapsed: Duration,
}

impl Backoff {
    /// The first delay.
    pub const INITIAL: Duration = Duration::from_millis(2);
    /// The growth per step.
    pub const FACTOR: f64 = 1.05;
    /// The largest delay.
    pub const MAX: Duration = Duration::from_millis(100);
    /// The largest delay during the fast phase.
    pub const FAST_MAX: Duration = Duration::from_millis(3);
    /// How long the fast phase lasts (counted in delays handed out).
    pub const FAST_FOR: Duration = Duration::from_secs(1);

    /// The default schedule: 2 ms, ×1.05 per step, at most 3 ms during the first second and
    /// at most 100 ms after it.
    pub fn new() -> Self {
        Self::with(Self::INITIAL, Self::FACTOR, Self::MAX)
            .fast_phase(Self::FAST_MAX, Self::FAST_FOR)
    }

    /// A custom schedule without a fast phase (a factor below 1 is taken as 1).
    pub fn with(initial: Duration, factor: f64, max: Duration) -> Self {
        Self {
            initial,
            factor: factor.max(1.0),
            max,
            next: initial.min(max),
            fast_max: max,
            fast_for: Duration::ZERO,
            elapsed: Duration::ZERO,
        }
    }

    /// Caps delays at `fast_max` until `fast_for` worth of delays were handed out.
    pub fn fast_phase(mut self, fast_max: Duration, fast_for: Duration) -> Self {
        self.fast_max = fast_max;
        self.fast_for = fast_for;
        self
    }

    /// The delay to wait now; advances the schedule.
    pub fn next_delay(&mut self) -> Duration {
        self.next_delay_capped(Duration::MAX)
    }

    /// [`next_delay`](Self::next_delay), at most `fast_cap` during the fast phase: for a
    /// caller that knows polling faster is cheap right now (few waits at once).
    pub fn next_delay_capped(&mut self, fast_cap: Duration) -> Duration {
        let cap = if self.elapsed < self.fast_for {
            self.fast_max.min(self.max).min(fast_cap)
        } else {
            self.max
        };
        let now = self.next.min(cap);
        self.elapsed = self.elapsed.saturating_add(now);
        self.next = now.mul_f64(self.factor).min(self.max);
        now
    }

    /// Starts over from the first delay (something changed: poll fast again), fast phase
    /// included.
    pub fn reset(&mut self) {
        self.next = self.initial.min(self.max);
        self.elapsed = Duration::ZERO;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_cap_shortens_only_the_fast_phase() {
        let mut b = Backoff::new();
        let mut total = Duration::ZERO;
        let mut after = Vec::new();
        for _ in 0..2000 {
            let d = b.next_delay_capped(Duration::from_millis(1));
            if total < Backoff::FAST_FOR {
                assert!(d <= Duration::from_millis(1), "{d:?} at {total:?}");
            } else {
                after.push(d);
            }
            total += d;
        }
        // The fast phase still lasts a second of delays, then the schedule backs off.
        assert!(after.len() > 10, "{total:?}");
        assert!(after.last().is_some_and(|d| *d > Duration::from_millis(3)));
    }

    #[test]
    fn the_default_stays_fast_for_a_second_then_backs_off() {
        let mut b = Backoff::new();
        let delays: Vec<Duration> = (0..500).map(|_| b.next_delay()).collect();
        let fast: Vec<u128> = delays[..5].iter().map(Duration::as_micros).collect();
        assert_eq!(fast, [2000, 2100, 2205, 2315, 2431]);
        let mut total = Duration::ZERO;
        for d in &delays {
            if total < Duration::from_secs(1) {
                assert!(*d <= Backoff::FAST_MAX, "{d:?} at {total:?}");
            }
            total += *d;
        }
        assert_eq!(*delays.last().unwrap(), Backoff::MAX);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(2));
        assert_eq!(b.next_delay(), Duration::from_micros(2100));
    }

    #[test]
    fn grows_by_five_percent_up_to_the_cap_and_resets() {
        let mut b = Backoff::with(Backoff::INITIAL, Backoff::FACTOR, Backoff::MAX);
        let delays: Vec<u128> = (0..4).map(|_| b.next_delay().as_micros()).collect();
        assert_eq!(delays, [2000, 2100, 2205, 2315]);
        let later: Vec<Duration> = (0..200).map(|_| b.next_delay()).collect();
        assert!(later.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(later.last(), Some(&Backoff::MAX));
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(2));
        assert_eq!(b.next_delay(), Duration::from_micros(2100));
    }

    #[test]
    fn factor_below_one_never_shrinks() {
        let mut b = Backoff::with(Duration::from_millis(10), 0.5, Duration::from_millis(50));
        assert_eq!(b.next_delay(), Duration::from_millis(10));
        assert_eq!(b.next_delay(), Duration::from_millis(10));
    }
}
