//! Round-trip estimation and the retransmission timeout (RFC 6298).

use std::time::Duration;

/// The timeout before any round trip has been measured (RFC 6298 section 2.1).
pub(super) const INITIAL_RTO: Duration = Duration::from_secs(1);
/// The smallest timeout: below it, a receiver's delayed or coalesced ACKs and timer jitter on
/// a LAN path (where SRTT + 4·RTTVAR is a few milliseconds) would fire spurious timeouts,
/// each collapsing the window to one datagram. RFC 6298 section 2.4 asks for 1 s, which would
/// stall a stream for a whole second after a tail loss; 200 ms is Linux TCP's long-proven
/// floor.
pub(super) const MIN_RTO: Duration = Duration::from_millis(200);
/// The largest timeout, backoff included (RFC 6298 section 2.5 allows a maximum of at least
/// 60 s). Round-trip samples are capped at it too, which bounds all the arithmetic.
pub(super) const MAX_RTO: Duration = Duration::from_secs(60);

/// SRTT and RTTVAR once measured.
#[derive(Debug, Clone, Copy)]
struct Smoothed {
    srtt: Duration,
    rttvar: Duration,
}

/// RFC 6298's estimator with exponential backoff.
#[derive(Debug, Clone)]
pub(super) struct RttEstimator {
    smoothed: Option<Smoothed>,
    /// The factor the timeout is multiplied by: doubled per timeout, 1 again once a new
    /// round trip is measured (RFC 6298 section 5).
    backoff: u32,
}

impl RttEstimator {
    /// No samples, no backoff.
    pub(super) const fn new() -> Self {
        Self {
            smoothed: None,
            backoff: 1,
        }
    }

    /// Takes a round-trip sample (RFC 6298 sections 2.2 and 2.3) and clears the backoff.
    pub(super) fn on_sample(&mut self, sample: Duration) {
        let sample = sample.min(MAX_RTO);
        self.smoothed = Some(match self.smoothed {
            None => Smoothed {
                srtt: sample,
                rttvar: sample / 2,
            },
            Some(Smoothed { srtt, rttvar }) => Smoothed {
                srtt: srtt.saturating_mul(7).saturating_add(sample) / 8,
                rttvar: rttvar
                    .saturating_mul(3)
                    .saturating_add(srtt.abs_diff(sample))
                    / 4,
            },
        });
        self.backoff = 1;
    }

    /// Doubles the timeout (RFC 6298 section 5.5).
    pub(super) fn back_off(&mut self) {
        self.backoff = self.backoff.saturating_mul(2);
    }

    /// SRTT, once measured.
    pub(super) fn srtt(&self) -> Option<Duration> {
        self.smoothed.map(|s| s.srtt)
    }

    /// `SRTT + 4·RTTVAR` between `MIN_RTO` and `MAX_RTO`, times the backoff, at most `MAX_RTO`.
    pub(super) fn rto(&self) -> Duration {
        let base = self.smoothed.map_or(INITIAL_RTO, |s| {
            s.srtt
                .saturating_add(s.rttvar.saturating_mul(4))
                .clamp(MIN_RTO, MAX_RTO)
        });
        base.saturating_mul(self.backoff).min(MAX_RTO)
    }
}
