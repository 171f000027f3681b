//! The model of one directed link: delay with jitter, loss, reordering, duplication and MTU.
//!
//! Jitter alone never reorders: like a real path (and unlike a naive "random delay per
//! datagram" model), a link is FIFO, so a datagram that drew a short delay waits behind the one
//! before it. Reordering is a separate, explicit impairment, which keeps "the engine handles
//! reordering" and "the engine handles jitter" separate questions.

use std::time::Duration;

use rand::{Rng, RngExt};

use crate::loss::{LossModel, LossState, check_probability};

/// The largest UDP payload on an Ethernet path: 1500 bytes less the IPv4 and UDP headers.
pub const DEFAULT_MTU: usize = 1472;

/// How a directed link treats the datagrams sent over it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkConfig {
    /// One-way delay before jitter.
    pub latency: Duration,
    /// Each datagram's delay is drawn uniformly from `latency ± jitter` (never below zero), so
    /// the bounds are hard, which tests of timers can rely on. A datagram that drew a shorter
    /// delay than the one sent just before it waits for it (the link keeps order), so closely
    /// spaced datagrams see delays skewed towards the upper bound, as behind a real queue.
    pub jitter: Duration,
    /// How datagrams are lost.
    pub loss: LossModel,
    /// Whether and how datagrams overtake each other.
    pub reorder: Option<Reorder>,
    /// Probability that a datagram is delivered twice (the copy takes its own delay).
    pub duplicate: f64,
    /// The largest UDP payload the link carries; larger datagrams are dropped, as a path that
    /// does not fragment would.
    pub mtu: usize,
}

impl Default for LinkConfig {
    /// A clean link with 10 ms of latency and the Ethernet MTU.
    fn default() -> Self {
        Self {
            latency: Duration::from_millis(10),
            jitter: Duration::ZERO,
            loss: LossModel::None,
            reorder: None,
            duplicate: 0.0,
            mtu: DEFAULT_MTU,
        }
    }
}

impl LinkConfig {
    /// Panics on probabilities outside `[0, 1]`, so a bad configuration fails where it is
    /// installed rather than at the first datagram.
    pub(crate) fn validate(&self) {
        self.loss.validate();
        check_probability("duplication probability", self.duplicate);
        if let Some(reorder) = self.reorder {
            check_probability("reordering probability", reorder.probability);
        }
    }

    /// A delay drawn from `latency ± jitter`. Draws nothing without jitter.
    fn delay(&self, rng: &mut impl Rng) -> Duration {
        if self.jitter.is_zero() {
            return self.latency;
        }
        let spread = u64::try_from(self.jitter.as_nanos() * 2).unwrap_or(u64::MAX);
        let offset = Duration::from_nanos(rng.random_range(0..=spread));
        (self.latency + offset).saturating_sub(self.jitter)
    }
}

/// Reordering: a chosen datagram is held back so that later ones overtake it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reorder {
    /// Probability that a datagram is held back.
    pub probability: f64,
    /// How long it is held back on top of its delay; everything sent on the link in that window
    /// overtakes it.
    pub extra_delay: Duration,
}

/// The memory of one directed link.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LinkState {
    loss: LossState,
    /// When the last in-order datagram arrives; later ones may not arrive before it.
    last_arrival: Duration,
}

impl LinkState {
    /// The arrival time of a datagram that enters the link at `departure`, or `None` if the
    /// link loses it.
    pub(crate) fn carry(
        &mut self,
        config: &LinkConfig,
        rng: &mut impl Rng,
        departure: Duration,
    ) -> Option<Duration> {
        if self.loss.lose(&config.loss, rng) {
            return None;
        }
        Some(self.arrival(config, rng, departure))
    }

    /// The arrival time of a duplicate made at `departure`: it is not lost again, but it takes
    /// its own delay.
    pub(crate) fn duplicate(
        &mut self,
        config: &LinkConfig,
        rng: &mut impl Rng,
        departure: Duration,
    ) -> Option<Duration> {
        (config.duplicate > 0.0 && rng.random_bool(config.duplicate))
            .then(|| self.arrival(config, rng, departure))
    }

    fn arrival(
        &mut self,
        config: &LinkConfig,
        rng: &mut impl Rng,
        departure: Duration,
    ) -> Duration {
        let on_time = departure + config.delay(rng);
        if let Some(reorder) = config.reorder
            && rng.random_bool(reorder.probability)
        {
            // Held back, and out of the FIFO order so later datagrams can pass it.
            return on_time + reorder.extra_delay;
        }
        self.last_arrival = self.last_arrival.max(on_time);
        self.last_arrival
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    use super::*;

    #[test]
    fn jitter_stays_within_bounds_and_never_reorders() {
        let config = LinkConfig {
            latency: Duration::from_millis(50),
            jitter: Duration::from_millis(20),
            ..LinkConfig::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut link = LinkState::default();
        let mut previous = Duration::ZERO;
        for i in 0..10_000 {
            let departure = Duration::from_micros(100 * i);
            let arrival = link.carry(&config, &mut rng, departure).unwrap();
            let delay = arrival - departure;
            assert!(delay >= Duration::from_millis(30) && delay <= Duration::from_millis(70));
            assert!(arrival >= previous);
            previous = arrival;
        }
    }
}
