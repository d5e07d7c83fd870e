//! [`Backoff`]: the polling schedule of a health wait.

use std::time::Duration;

/// Delays between health probes: start fast (a service that is almost up is seen at once),
/// grow by half each time, and stay at a cap (a slow service is not hammered).
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
    pub const FACTOR: f64 = 1.5;
    /// The largest delay.
    pub const MAX: Duration = Duration::from_millis(100);

    /// The default schedule: 2 ms, ×1.5 per step, at most 100 ms.
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
    fn grows_by_half_up_to_the_cap_and_resets() {
        let mut b = Backoff::new();
        let delays: Vec<u128> = (0..14).map(|_| b.next_delay().as_micros()).collect();
        assert_eq!(
            delays,
            [
                2000, 3000, 4500, 6750, 10125, 15187, 22781, 34171, 51257, 76886, 100000, 100000,
                100000, 100000
            ]
        );
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(2));
        assert_eq!(b.next_delay(), Duration::from_millis(3));
    }

    #[test]
    fn factor_below_one_never_shrinks() {
        let mut b = Backoff::with(Duration::from_millis(10), 0.5, Duration::from_millis(50));
        assert_eq!(b.next_delay(), Duration::from_millis(10));
        assert_eq!(b.next_delay(), Duration::from_millis(10));
    }
}
