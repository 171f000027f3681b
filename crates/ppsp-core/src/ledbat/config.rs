//! The tunable parameters of [`super::Ledbat`] and their limits (RFC 6817 section 2.5).

use std::time::Duration;

use super::delay::BASE_HISTORY_BUCKETS;

/// RFC 6817 section 2.5: "TARGET MUST be 100 milliseconds or less".
const MAX_TARGET: Duration = Duration::from_millis(100);
/// The largest UDP payload over IPv4 (65,535 − 20 − 8 bytes): no datagram, so no MSS, is larger.
const MAX_MSS: u64 = 65_507;
/// What a DATA datagram adds to its chunk: destination channel (4 bytes), message type (1),
/// a chunk range in the default 32-bit chunk addressing (8) and the timestamp (8); RFC 7574
/// sections 8.2 and 8.6.
const DATA_OVERHEAD: u64 = 4 + 1 + 8 + 8;
/// The recommended chunk size (RFC 7574, Table 8).
const DEFAULT_CHUNK_SIZE: u64 = 1024;
/// TCP never keeps its window below two segments after a loss (RFC 5681 section 3.1,
/// equation 4), and MIN_CWND must be no larger than TCP's (RFC 6817 section 2.5).
const MAX_MIN_CWND_PACKETS: u32 = 2;
/// The current-delay filter must span less than one round trip of samples (RFC 6817
/// section 3.1.2), so it stays short.
const MAX_CURRENT_FILTER: usize = 16;

/// LEDBAT parameters, with the defaults described on each field.
///
/// Check a hand-built configuration with [`LedbatConfig::validate`]; [`super::Ledbat::new`]
/// does so too.
#[derive(Debug, Clone, PartialEq)]
pub struct LedbatConfig {
    /// TARGET: the queuing delay this flow aims to add at the bottleneck. Default 25 ms, the
    /// value libswift uses for PPSPP; RFC 6817 allows at most 100 ms, and RFC 7574 section
    /// 8.15 notes that it may be tuned (live streaming may want to be more aggressive).
    pub target: Duration,
    /// GAIN: how fast the window follows the delay error, in (0, 1]. Default 1. libswift's
    /// "GAIN = 1/TARGET" is the same thing, as it does not divide the error by TARGET.
    pub gain: f64,
    /// MSS: the largest DATA datagram in bytes (UDP payload). Default 1045, a 1024-byte chunk
    /// plus channel ID, message type, 32-bit chunk range and timestamp. An engine with other
    /// chunk sizes or addressing should pass its own largest datagram.
    pub mss: u64,
    /// MIN_CWND in datagrams: the window never shrinks below this except right after a
    /// retransmission timeout. Default 2; at most 2, as TCP's (RFC 6817 section 2.5).
    pub min_cwnd_packets: u32,
    /// INIT_CWND in datagrams. Default 2 (RFC 6817 section 2.5); at most TCP's initial window
    /// for this MSS (RFC 5681 section 3.1: 4, 3 or 2 segments), at least `min_cwnd_packets`.
    pub initial_cwnd_packets: u32,
    /// BASE_HISTORY: how long a minimum one-way delay stays the base delay. It is kept as ten
    /// per-interval minima, so the default of 10 minutes gives RFC 6817's ten one-minute
    /// minima. At least 10 s.
    pub base_history: Duration,
    /// CURRENT_FILTER: how many recent delay samples the current-delay MIN filter covers.
    /// Default 4; between 1 and 16.
    pub current_filter: usize,
    /// An upper bound on the window in bytes, whatever the delay says. Default 4 MiB, enough
    /// for 100 Mbit/s at a 300 ms round trip.
    pub max_cwnd_bytes: u64,
}

impl Default for LedbatConfig {
    fn default() -> Self {
        Self {
            target: Duration::from_millis(25),
            gain: 1.0,
            mss: DEFAULT_CHUNK_SIZE + DATA_OVERHEAD,
            min_cwnd_packets: 2,
            initial_cwnd_packets: 2,
            base_history: Duration::from_secs(10 * 60),
            current_filter: 4,
            max_cwnd_bytes: 4 << 20,
        }
    }
}

impl LedbatConfig {
    /// Checks every parameter against the limits documented on its field.
    ///
    /// # Errors
    ///
    /// The first parameter found outside its limits, checked in field order.
    pub fn validate(&self) -> Result<(), LedbatConfigError> {
        if self.target.is_zero() || self.target > MAX_TARGET {
            return Err(LedbatConfigError::Target(self.target));
        }
        if !(self.gain > 0.0 && self.gain <= 1.0) {
            return Err(LedbatConfigError::Gain(self.gain));
        }
        if !(1..=MAX_MSS).contains(&self.mss) {
            return Err(LedbatConfigError::Mss(self.mss));
        }
        if !(1..=MAX_MIN_CWND_PACKETS).contains(&self.min_cwnd_packets) {
            return Err(LedbatConfigError::MinCwnd(self.min_cwnd_packets));
        }
        let limit = tcp_initial_window_segments(self.mss);
        if !(self.min_cwnd_packets..=limit).contains(&self.initial_cwnd_packets) {
            return Err(LedbatConfigError::InitialCwnd {
                packets: self.initial_cwnd_packets,
                limit,
            });
        }
        if self.base_history < Duration::from_secs(BASE_HISTORY_BUCKETS.into()) {
            return Err(LedbatConfigError::BaseHistory(self.base_history));
        }
        if !(1..=MAX_CURRENT_FILTER).contains(&self.current_filter) {
            return Err(LedbatConfigError::CurrentFilter(self.current_filter));
        }
        if self.max_cwnd_bytes < self.initial_window() {
            return Err(LedbatConfigError::MaxCwnd {
                max: self.max_cwnd_bytes,
                initial: self.initial_window(),
            });
        }
        Ok(())
    }

    /// MIN_CWND · MSS in bytes.
    pub(super) fn min_window(&self) -> u64 {
        u64::from(self.min_cwnd_packets).saturating_mul(self.mss)
    }

    /// INIT_CWND · MSS in bytes.
    pub(super) fn initial_window(&self) -> u64 {
        u64::from(self.initial_cwnd_packets).saturating_mul(self.mss)
    }
}

/// TCP's initial window in segments for a segment size (RFC 5681 section 3.1, equation 1).
const fn tcp_initial_window_segments(mss: u64) -> u32 {
    match mss {
        0..=1095 => 4,
        1096..=2190 => 3,
        _ => 2,
    }
}

/// A [`LedbatConfig`] parameter outside its limits.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LedbatConfigError {
    /// TARGET is zero or above 100 ms.
    #[error("target {0:?} is outside (0, 100 ms] (RFC 6817 section 2.5)")]
    Target(Duration),
    /// GAIN is not in (0, 1] (or is not a number).
    #[error("gain {0} is outside (0, 1] (RFC 6817 section 2.5)")]
    Gain(f64),
    /// The MSS is zero or larger than any UDP payload.
    #[error("mss {0} is outside 1..=65507 bytes")]
    Mss(u64),
    /// MIN_CWND is zero or larger than TCP's two segments.
    #[error("min_cwnd_packets {0} is outside 1..=2 (no larger than TCP's, RFC 6817 section 2.5)")]
    MinCwnd(u32),
    /// INIT_CWND is below MIN_CWND or above TCP's initial window.
    #[error(
        "initial_cwnd_packets {packets} is below min_cwnd_packets or above TCP's initial \
         window of {limit} segments (RFC 5681 section 3.1)"
    )]
    InitialCwnd {
        /// The configured INIT_CWND.
        packets: u32,
        /// TCP's initial window for the configured MSS.
        limit: u32,
    },
    /// BASE_HISTORY is shorter than 10 s.
    #[error("base_history {0:?} is shorter than 10 s")]
    BaseHistory(Duration),
    /// CURRENT_FILTER is zero or longer than 16 samples.
    #[error("current_filter {0} is outside 1..=16 samples")]
    CurrentFilter(usize),
    /// The window cap is below the initial window.
    #[error("max_cwnd_bytes {max} is below the initial window of {initial} bytes")]
    MaxCwnd {
        /// The configured cap.
        max: u64,
        /// INIT_CWND · MSS.
        initial: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut LedbatConfig)) -> Result<(), LedbatConfigError> {
        let mut config = LedbatConfig::default();
        change(&mut config);
        config.validate()
    }

    #[test]
    fn default_config_is_valid() {
        assert_eq!(LedbatConfig::default().validate(), Ok(()));
    }

    #[test]
    fn out_of_range_parameters_are_rejected() {
        use LedbatConfigError as E;
        let ms = Duration::from_millis;
        assert_eq!(with(|c| c.target = ms(0)), Err(E::Target(ms(0))));
        assert_eq!(with(|c| c.target = ms(101)), Err(E::Target(ms(101))));
        assert_eq!(with(|c| c.target = ms(100)), Ok(()));
        assert_eq!(with(|c| c.gain = 0.0), Err(E::Gain(0.0)));
        assert_eq!(with(|c| c.gain = 1.5), Err(E::Gain(1.5)));
        assert!(matches!(with(|c| c.gain = f64::NAN), Err(E::Gain(_))));
        assert_eq!(with(|c| c.mss = 0), Err(E::Mss(0)));
        assert_eq!(with(|c| c.mss = 65_508), Err(E::Mss(65_508)));
        assert_eq!(with(|c| c.min_cwnd_packets = 0), Err(E::MinCwnd(0)));
        assert_eq!(with(|c| c.min_cwnd_packets = 3), Err(E::MinCwnd(3)));
        let initial = |packets, limit| Err(E::InitialCwnd { packets, limit });
        assert_eq!(with(|c| c.initial_cwnd_packets = 1), initial(1, 4));
        assert_eq!(with(|c| c.initial_cwnd_packets = 4), Ok(()));
        assert_eq!(with(|c| c.initial_cwnd_packets = 5), initial(5, 4));
        assert_eq!(
            with(|c| {
                c.mss = 1460;
                c.initial_cwnd_packets = 4;
            }),
            initial(4, 3)
        );
        assert_eq!(
            with(|c| c.base_history = ms(9_999)),
            Err(E::BaseHistory(ms(9_999)))
        );
        assert_eq!(with(|c| c.current_filter = 0), Err(E::CurrentFilter(0)));
        assert_eq!(with(|c| c.current_filter = 17), Err(E::CurrentFilter(17)));
        assert_eq!(
            with(|c| c.max_cwnd_bytes = 2089),
            Err(E::MaxCwnd {
                max: 2089,
                initial: 2090
            })
        );
    }
}
