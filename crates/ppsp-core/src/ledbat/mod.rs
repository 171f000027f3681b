//! LEDBAT congestion control (RFC 6817) for PPSPP senders.
//!
//! PPSPP over UDP must use LEDBAT, "Low Extra Delay Background Transport" (RFC 7574 section
//! 8.15). LEDBAT is a delay-based, less-than-best-effort controller: it fills the bottleneck
//! while adding at most TARGET of queuing delay there, and it backs off before loss-based
//! flows such as TCP, which keep growing the queue until it overflows. [`Ledbat`] is one
//! sender's controller for one channel, sans I/O: time comes in as [`Instant`] arguments and
//! nothing here reads a clock.
//!
//! # Delay samples in PPSPP
//!
//! Every DATA message carries the sender's clock in microseconds (RFC 7574 section 8.6) and
//! the receiver answers with an ACK carrying its receive time minus that timestamp (section
//! 8.7). That one-way delay is propagation + queuing + the offset between the two clocks.
//! The offset is unknown, can be seconds or hours, and can be negative; a negative delay
//! arrives wrapped around in the `u64` field, so samples are read modulo 2^64.
//!
//! # Why only differences matter
//!
//! The base delay is the smallest sample seen over the last BASE_HISTORY: propagation plus
//! the offset, taken at a moment the queue was empty. The queuing delay is the current delay
//! minus the base delay, so the offset cancels out (RFC 6817 section 3.1.1) and no clock
//! synchronisation is needed. For the same reason, samples are compared only through their
//! differences, which keeps "negative" wrapped values and a constant offset from changing
//! anything, and [`Ledbat::base_delay`] means something only next to other samples.
//!
//! The base delay is the minimum over ten per-interval minima that expire after
//! BASE_HISTORY (ten minutes by default: RFC 6817's one-minute minima). Expiry lets the
//! estimate follow a route change to a longer path and slow clock drift between the peers;
//! a shorter path lowers the minimum immediately.
//!
//! # The algorithm (RFC 6817 section 2.4.2)
//!
//! On every ACK, with `bytes_newly_acked` and the flight size before the ACK:
//!
//! * current delay = MIN of the last CURRENT_FILTER samples (a noise filter, section 3.1.2);
//! * `queuing_delay = current_delay − base_delay`,
//!   `off_target = (TARGET − queuing_delay) / TARGET`;
//! * `cwnd += GAIN · off_target · bytes_newly_acked · MSS / cwnd`: an empty queue grows the
//!   window by up to GAIN·MSS per round trip, and a queue above TARGET shrinks it in
//!   proportion to the excess;
//! * growth stops at `flightsize + ALLOWED_INCREASE · MSS` (ALLOWED_INCREASE = 1), so an
//!   application-limited sender does not inflate a window it does not use;
//! * `cwnd ≥ MIN_CWND · MSS`.
//!
//! A loss sets `cwnd = min(cwnd, max(cwnd / 2, MIN_CWND · MSS))`, at most once per round
//! trip. A retransmission timeout sets the window to one MSS and backs off the timeout; the
//! next ACK lifts it back to MIN_CWND.
//!
//! # Choices made here
//!
//! * **TARGET 25 ms**, libswift's value for PPSPP, rather than RFC 6817's upper bound of 100
//!   ms: PPSPP peers often sit behind home links shared with interactive traffic. GAIN 1 is
//!   libswift's `GAIN = 1/TARGET`, which does not divide the delay error by TARGET.
//! * **No slow start.** RFC 6817 defines none, only INIT_CWND (2, as recommended). Doubling
//!   per round trip overshoots by up to a whole window during the round trip a delay sample
//!   takes to come back; against a 25 ms target that is exactly the queue LEDBAT exists to
//!   avoid. Growth is therefore at most one MSS per round trip from INIT_CWND, which can be raised to
//!   TCP's initial window (see [`LedbatConfig::initial_cwnd_packets`]); a swarm spreads its
//!   load over many channels, so per-channel ramp-up matters less than for a single TCP
//!   flow.
//! * **ALLOWED_INCREASE caps growth only.** Read literally, the pseudocode's
//!   `cwnd = min(cwnd, flightsize + ALLOWED_INCREASE · MSS)` would also shrink the window on
//!   every ACK of an application-limited sender. A pull-driven PPSPP sender is limited by
//!   the peer's REQUESTs most of the time, and the RFC's text describes the rule as limiting
//!   the *increase*, so the window is never cut below its current value by this rule
//!   (RFC 7661 argues the same for TCP).
//! * **Restart after idle.** After nothing was sent for longer than the retransmission
//!   timeout, the window starts again from at most INIT_CWND (RFC 5681 section 4.1): the
//!   old window describes a network state that is gone.
//! * **Once per round trip** is measured in time, SRTT (or the initial timeout before any
//!   sample) since the last reduction, because losses are reported without sequence numbers.
//! * **Flight size** is tracked from [`Ledbat::on_send`], [`Ledbat::on_ack`] and
//!   [`Ledbat::on_loss`]; a timeout counts everything outstanding as lost.
//! * **Implausible samples.** A sample more than 10 s away from the base delay, in either
//!   direction, is ignored: no queue and no route change moves a one-way delay that far,
//!   so it is garbage, a hostile peer or a clock step. After eight such samples in a row
//!   the receiver's clock is taken to have stepped, and the delay history restarts from the
//!   newest sample. A receiver can always mislead the sender about its own channel; the
//!   controller only guarantees that no input panics, overflows or moves the window out of
//!   `[1 MSS, max_cwnd_bytes]`.
//! * **Retransmission timeout** as RFC 6298: SRTT and RTTVAR with gains 1/8 and 1/4,
//!   `RTO = SRTT + 4·RTTVAR`, 1 s before the first sample, at least 200 ms (see the `rtt`
//!   module for why not RFC 6298's 1 s), at most 60 s, doubled per timeout until the next
//!   round-trip sample. Samples must follow Karn's algorithm: none from retransmitted data.
//!
//! # Example
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! use ppsp_core::ledbat::Ledbat;
//!
//! let mut ledbat = Ledbat::default();
//! let mss = ledbat.config().mss;
//! let start = Instant::now(); // an engine passes its own clock in
//! assert!(ledbat.can_send(0));
//! ledbat.on_send(start, mss);
//! ledbat.on_send(start, mss);
//! assert!(!ledbat.can_send(ledbat.bytes_in_flight()));
//!
//! // The ACK's delay field, read as microseconds; the clock offset does not matter.
//! let delay_sample = Duration::from_micros(1_700_000_123_456);
//! let rtt = Duration::from_millis(40);
//! ledbat.on_ack(start + rtt, mss, delay_sample, Some(rtt));
//! assert_eq!(ledbat.queuing_delay(), Duration::ZERO);
//! assert!(ledbat.window_bytes() > 2 * mss);
//! assert_eq!(ledbat.rto(), Duration::from_millis(200));
//! ```

mod config;
mod delay;
mod rtt;
#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

pub use config::{LedbatConfig, LedbatConfigError};

use delay::DelayEstimator;
use rtt::{INITIAL_RTO, RttEstimator};

/// ALLOWED_INCREASE (RFC 6817 section 2.5: SHOULD be 1).
const ALLOWED_INCREASE_PACKETS: u64 = 1;

/// The LEDBAT controller of one channel: congestion window, delay estimates and
/// retransmission timeout. See the [module documentation](self) for the algorithm.
///
/// The engine reports every DATA it sends ([`Ledbat::on_send`]), every ACK
/// ([`Ledbat::on_ack`]), every DATA it gives up on ([`Ledbat::on_loss`]) and every
/// retransmission timer that fires ([`Ledbat::on_timeout`]), and sends only while
/// [`Ledbat::can_send`] allows it.
#[derive(Debug, Clone)]
pub struct Ledbat {
    config: LedbatConfig,
    /// The congestion window in bytes, fractional so that small increments add up; always
    /// within `[mss, max_cwnd_bytes]`.
    cwnd: f64,
    /// Bytes sent and neither acknowledged nor declared lost.
    flight: u64,
    delays: DelayEstimator,
    rtt: RttEstimator,
    /// When the window was last cut for a loss or a timeout.
    last_reduction: Option<Instant>,
    /// When DATA was last sent.
    last_send: Option<Instant>,
}

impl Default for Ledbat {
    /// A controller with [`LedbatConfig::default`], which is valid.
    fn default() -> Self {
        Self::with_valid_config(LedbatConfig::default())
    }
}

impl Ledbat {
    /// A controller for a new channel: window INIT_CWND, no delay or round-trip samples.
    ///
    /// # Errors
    ///
    /// The first parameter [`LedbatConfig::validate`] finds out of its limits.
    pub fn new(config: LedbatConfig) -> Result<Self, LedbatConfigError> {
        config.validate()?;
        Ok(Self::with_valid_config(config))
    }

    fn with_valid_config(config: LedbatConfig) -> Self {
        Self {
            cwnd: config.initial_window() as f64,
            flight: 0,
            delays: DelayEstimator::new(config.base_history, config.current_filter),
            rtt: RttEstimator::new(),
            last_reduction: None,
            last_send: None,
            config,
        }
    }

    /// The parameters in use.
    pub fn config(&self) -> &LedbatConfig {
        &self.config
    }

    /// Records a DATA datagram of `bytes` sent at `now` (a retransmission too). After more
    /// than one retransmission timeout without sending, the window first drops to at most
    /// INIT_CWND.
    pub fn on_send(&mut self, now: Instant, bytes: u64) {
        let idle = self
            .last_send
            .is_some_and(|last| now.saturating_duration_since(last) > self.rto());
        if idle {
            self.cwnd = self.cwnd.min(self.config.initial_window() as f64);
        }
        self.last_send = Some(now);
        self.flight = self.flight.saturating_add(bytes);
    }

    /// Handles an ACK that arrived at `now`.
    ///
    /// * `acked_bytes`: the bytes of DATA this ACK acknowledges for the first time; at most
    ///   the bytes in flight count.
    /// * `delay_sample`: the ACK's one-way delay field as `Duration::from_micros(field)`,
    ///   read modulo 2^64 microseconds. Implausible samples are ignored (see the module
    ///   documentation); the rest of the ACK still counts.
    /// * `rtt_sample`: the time since the acknowledged DATA was sent, if it was sent only
    ///   once (Karn's algorithm).
    pub fn on_ack(
        &mut self,
        now: Instant,
        acked_bytes: u64,
        delay_sample: Duration,
        rtt_sample: Option<Duration>,
    ) {
        let flight_before = self.flight;
        let newly_acked = acked_bytes.min(flight_before);
        self.flight = flight_before - newly_acked;
        if let Some(rtt) = rtt_sample {
            self.rtt.on_sample(rtt);
        }
        if self.delays.record(now, delay_sample) {
            self.follow_delay(newly_acked, flight_before);
        }
        self.cwnd = self
            .cwnd
            .max(self.config.min_window() as f64)
            .min(self.config.max_cwnd_bytes as f64);
    }

    /// Handles DATA of `lost_bytes` declared lost at `now`: it stops counting as in flight
    /// (report a retransmission, if any, with [`Ledbat::on_send`]). The window halves, down to
    /// MIN_CWND, unless it was already cut less than a round trip ago, so one call per lost
    /// datagram is fine.
    pub fn on_loss(&mut self, now: Instant, lost_bytes: u64) {
        self.flight = self.flight.saturating_sub(lost_bytes);
        let rtt = self.rtt.srtt().unwrap_or(INITIAL_RTO);
        let recently_cut = self
            .last_reduction
            .is_some_and(|at| now.saturating_duration_since(at) < rtt);
        if !recently_cut {
            let min = self.config.min_window() as f64;
            self.cwnd = self.cwnd.min((self.cwnd / 2.0).max(min));
            self.last_reduction = Some(now);
        }
    }

    /// Handles a retransmission timeout at `now`, i.e. no ACK for [`Ledbat::rto`]: everything
    /// outstanding counts as lost, the window drops to one MSS (RFC 6817 section 2.4.2) and
    /// the timeout doubles.
    pub fn on_timeout(&mut self, now: Instant) {
        self.cwnd = self.config.mss as f64;
        self.flight = 0;
        self.rtt.back_off();
        self.last_reduction = Some(now);
    }

    /// Whether one more datagram of up to MSS bytes fits in the window with
    /// `bytes_in_flight` already outstanding (the engine's count, or
    /// [`Ledbat::bytes_in_flight`]). With nothing in flight it is always true.
    pub fn can_send(&self, bytes_in_flight: u64) -> bool {
        bytes_in_flight.saturating_add(self.config.mss) <= self.window_bytes()
    }

    /// The congestion window in bytes, between one MSS (only right after a timeout; MIN_CWND
    /// otherwise) and `max_cwnd_bytes`.
    pub fn window_bytes(&self) -> u64 {
        self.cwnd as u64
    }

    /// Bytes sent and not yet acknowledged or declared lost, as reported to this controller.
    pub fn bytes_in_flight(&self) -> u64 {
        self.flight
    }

    /// The latest queuing delay estimate: current delay minus base delay; zero before the
    /// first delay sample.
    pub fn queuing_delay(&self) -> Duration {
        self.delays.queuing_delay().unwrap_or_default()
    }

    /// The base delay: the lowest delay sample of the history, as the receiver reported it,
    /// so including the unknown clock offset (modulo 2^64 µs). Useful only for comparing with
    /// other samples; `None` before the first sample.
    pub fn base_delay(&self) -> Option<Duration> {
        self.delays.base_delay()
    }

    /// The smoothed round-trip time, once measured.
    pub fn srtt(&self) -> Option<Duration> {
        self.rtt.srtt()
    }

    /// The retransmission timeout: how long to wait for an ACK before calling
    /// [`Ledbat::on_timeout`]. Between 200 ms and 60 s, 1 s before the first round-trip
    /// sample.
    pub fn rto(&self) -> Duration {
        self.rtt.rto()
    }

    /// The gap between datagrams of `bytes` that spreads one window over one smoothed round
    /// trip, for an engine that paces rather than sending a window in a burst; `None` before
    /// the first round-trip sample.
    pub fn pacing_interval(&self, bytes: u64) -> Option<Duration> {
        let srtt = self.rtt.srtt()?;
        let nanos = srtt.as_nanos() * u128::from(bytes) / u128::from(self.window_bytes());
        Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }

    /// The delay-based window update for one ACK (RFC 6817 section 2.4.2).
    fn follow_delay(&mut self, newly_acked: u64, flight_before: u64) {
        let queuing = self.queuing_delay().as_secs_f64();
        let off_target = 1.0 - queuing / self.config.target.as_secs_f64();
        let change =
            self.config.gain * off_target * newly_acked as f64 * self.config.mss as f64 / self.cwnd;
        if change > 0.0 {
            let allowed = flight_before
                .saturating_add(ALLOWED_INCREASE_PACKETS.saturating_mul(self.config.mss));
            let cap = self.cwnd.max(allowed as f64);
            self.cwnd = (self.cwnd + change).min(cap);
        } else {
            self.cwnd += change;
        }
    }
}
