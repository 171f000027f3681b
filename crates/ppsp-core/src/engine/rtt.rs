//! The requester's round-trip estimate per peer (RFC 6298 smoothing), which decides when a
//! REQUEST counts as unanswered and the chunk is asked for elsewhere.

use std::time::Duration;

/// Smoothed round trip from REQUEST to DATA, with exponential backoff on timeouts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    backoff: u32,
}

impl RttEstimator {
    /// Timeout used before the first sample (RFC 6298 section 2.1).
    pub(crate) const INITIAL: Duration = Duration::from_secs(1);
    /// Largest backoff exponent.
    const MAX_BACKOFF: u32 = 6;

    pub(crate) fn new() -> Self {
        Self {
            srtt: None,
            rttvar: Duration::ZERO,
            backoff: 0,
        }
    }

    /// The smoothed round trip, once a sample came in.
    pub(crate) fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// Takes a sample and resets the backoff.
    pub(crate) fn on_sample(&mut self, sample: Duration) {
        match self.srtt {
            None => {
                self.srtt = Some(sample);
                self.rttvar = sample / 2;
            }
            Some(srtt) => {
                let err = srtt.abs_diff(sample);
                self.rttvar = (self.rttvar * 3 + err) / 4;
                self.srtt = Some((srtt * 7 + sample) / 8);
            }
        }
        self.backoff = 0;
    }

    /// Whether a request timed out since the last delivery: the peer may be gone.
    pub(crate) fn backed_off(&self) -> bool {
        self.backoff > 0
    }

    /// Doubles the timeout after a request went unanswered.
    pub(crate) fn on_timeout(&mut self) {
        self.backoff = (self.backoff + 1).min(Self::MAX_BACKOFF);
    }

    /// `srtt + 4·rttvar`, backed off, within `min..=max`.
    pub(crate) fn timeout(&self, min: Duration, max: Duration) -> Duration {
        (self.base_timeout(min, max) * (1 << self.backoff)).min(max)
    }

    /// `srtt + 4·rttvar` within `min..=max`, without backoff.
    pub(crate) fn base_timeout(&self, min: Duration, max: Duration) -> Duration {
        let base = self
            .srtt
            .map_or(Self::INITIAL, |srtt| srtt + self.rttvar * 4);
        base.max(min).min(max)
    }
}
