//! The virtual clock.
//!
//! Nodes speak `Instant`, as the engine does, but a simulation must not depend on when it runs.
//! So the clock is one `Instant` captured at construction (the only clock read in this crate)
//! plus an offset that only the simulator advances. Everything the simulator records (trace,
//! events, statistics, errors) uses the offset, so two runs with the same seed record equal
//! values although their bases differ.

use std::time::{Duration, Instant};

/// Virtual time: a fixed base plus the simulated time elapsed since it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
    elapsed: Duration,
}

impl Clock {
    /// A clock at offset zero, based on the real time of the call.
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            elapsed: Duration::ZERO,
        }
    }

    /// The instant that offset zero stands for.
    pub(crate) fn start(&self) -> Instant {
        self.start
    }

    /// Simulated time since the start.
    pub(crate) fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The current virtual instant, as handed to nodes.
    pub(crate) fn now(&self) -> Instant {
        self.start + self.elapsed
    }

    /// Moves the clock forward; time never runs backwards.
    pub(crate) fn advance_to(&mut self, at: Duration) {
        debug_assert!(at >= self.elapsed, "virtual time ran backwards");
        self.elapsed = self.elapsed.max(at);
    }

    /// The offset of an instant a node handed back (a timeout), never before the start.
    pub(crate) fn offset_of(&self, instant: Instant) -> Duration {
        instant.saturating_duration_since(self.start)
    }
}
