//! Jittered exponential backoff ("full jitter"): after the n-th failure wait a random time
//! in `[0, min(max, base * 2^n)]`, so a fleet of devices coming back online at once does not
//! hammer the server in lockstep.

use std::time::Duration;

/// Retry timing after consecutive failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            max: Duration::from_secs(60),
        }
    }
}

impl Backoff {
    /// The ceiling of the wait after `failures` consecutive failures (0 = no wait).
    pub fn ceiling(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 1u64 << failures.saturating_sub(1).min(20);
        self.base
            .saturating_mul(factor.min(u64::from(u32::MAX)) as u32)
            .min(self.max)
    }

    /// The wait after `failures` failures, given a uniform random number `unit` in `[0, 1)`.
    pub fn delay(&self, failures: u32, unit: f64) -> Duration {
        self.ceiling(failures).mul_f64(unit.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_maximum() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        assert_eq!(b.ceiling(0), Duration::ZERO);
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(2), Duration::from_millis(200));
        assert_eq!(b.ceiling(4), Duration::from_millis(800));
        assert_eq!(b.ceiling(5), Duration::from_secs(1));
        assert_eq!(b.ceiling(500), Duration::from_secs(1));
    }

    #[test]
    fn delay_is_jittered_within_the_ceiling() {
        let b = Backoff::default();
        assert_eq!(b.delay(3, 0.0), Duration::ZERO);
        assert_eq!(b.delay(3, 0.5), b.ceiling(3) / 2);
        assert!(b.delay(3, 7.0) <= b.ceiling(3));
    }
}
