//! Wall-clock time as the registry sees it.
//!
//! The registry never reads a clock: every call takes a [`Timestamp`]. It is wall-clock
//! milliseconds rather than an `Instant` because several tracker processes sharing one Redis
//! store must agree on how old a peer's last report is, and an `Instant` means nothing outside
//! the process that took it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(u64);

impl Timestamp {
    /// The time `millis` milliseconds after the Unix epoch.
    pub const fn from_unix_millis(millis: u64) -> Self {
        Self(millis)
    }

    /// The current wall-clock time (the only place the crate reads the clock; servers call it
    /// once per request and hand the value down).
    pub fn now() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self(u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX))
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_unix_millis(self) -> u64 {
        self.0
    }

    /// This time plus `duration`, saturating.
    pub fn saturating_add(self, duration: Duration) -> Self {
        Self(self.0.saturating_add(millis(duration)))
    }

    /// This time minus `duration`, saturating at the epoch.
    pub fn saturating_sub(self, duration: Duration) -> Self {
        Self(self.0.saturating_sub(millis(duration)))
    }

    /// How long after `earlier` this time is; zero when it is not after it.
    pub fn since(self, earlier: Self) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }
}

/// A duration in whole milliseconds, saturating.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        let t = Timestamp::from_unix_millis(1_000);
        assert_eq!(
            t.saturating_add(Duration::from_secs(1)).as_unix_millis(),
            2_000
        );
        assert_eq!(
            t.saturating_sub(Duration::from_secs(5)),
            Timestamp::default()
        );
        assert_eq!(
            Timestamp::from_unix_millis(u64::MAX)
                .saturating_add(Duration::MAX)
                .as_unix_millis(),
            u64::MAX
        );
        assert_eq!(
            t.since(t.saturating_add(Duration::from_secs(1))),
            Duration::ZERO
        );
        assert!(Timestamp::now() > t);
    }
}
