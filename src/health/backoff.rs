//! [`Backoff`]: the polling schedule of a health wait.

use std::time::Duration;

/// Delays between health probes: start fast (a service that is almost up is seen at once),
/// grow by 5% each time, and stay at a cap (a slow service is not hammered).
///
/// The growth bounds how late a wait sees a service become healthy, relative to how long
/// it took: with a factor `f` the last delay is at most about `(f-1)/f` of the time waited,
/// so 5% growth sees a service that took 150 ms at most ~7 ms late (×1.5 growth: up to
/// 75 ms late — which, along a chain of services each gated on the previous one's health,
/// adds up). It costs about 30 probes in the first 100 ms of a wait, cheap on a unix socket.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    initial: Duration,
    factor: f64,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// The first delay.
    pub const INITIAL: Duration = Duration::from_millis(2);
    /// The growth per step.
    pub const FACTOR: f64 = 1.05;
    /// The largest delay.
    pub const MAX: Duration = Duration::from_millis(100);

    /// The default schedule: 2 ms, ×1.05 per step, at most 100 ms.
    pub fn new() -> Self {
        Self::with(Self::INITIAL, Self::FACTOR, Self::MAX)
    }

    /// A custom schedule (a factor below 1 is taken as 1).
    pub fn with(initial: Duration, factor: f64, max: Duration) -> Self {
        Self {
            initial,
            factor: factor.max(1.0),
            max,
            next: initial.min(max),
        }
    }

    /// The delay to wait now; advances the schedule.
    pub fn next_delay(&mut self) -> Duration {
        let now = self.next;
        self.next = now.mul_f64(self.factor).min(self.max);
        now
    }

    /// Starts over from the first delay (something changed: poll fast again).
    pub fn reset(&mut self) {
        self.next = self.initial.min(self.max);
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
    fn grows_by_five_percent_up_to_the_cap_and_resets() {
        let mut b = Backoff::new();
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
