//! One-way delay bookkeeping: the base-delay history, the current-delay filter and the
//! rejection of implausible samples.
//!
//! A sample is what the receiver computed: its receive time minus our DATA timestamp, in
//! microseconds modulo 2^64 (the wire field is a `u64`, so a receiver whose clock is behind
//! ours reports a wrapped-around "negative" delay). Samples are stored relative to the
//! channel's first one, the anchor: `sample − anchor` as a wrapping difference read as a
//! signed number. The unknown clock offset cancels in that difference, and ordinary signed
//! comparisons then work on both sides of the wrap (serial-number arithmetic, as RFC 1982).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The base-delay history holds this many minima, each over `BASE_HISTORY / 10`: RFC 6817's
/// ten one-minute minima with the default history of ten minutes.
pub(super) const BASE_HISTORY_BUCKETS: u32 = 10;
/// How far, in microseconds, a sample may lie from the base delay and still be believed. No
/// queue or route change moves a one-way delay by 10 s; a sample that far off is garbage or
/// the receiver's clock has stepped.
const MAX_DELAY_JUMP_MICROS: u64 = 10_000_000;
/// After this many implausible samples in a row, the receiver's clock is taken to have
/// stepped and the history restarts from the newest sample. Isolated garbage never gets
/// there, so it is simply ignored.
const OUTLIERS_BEFORE_RESTART: u32 = 8;

/// The base delay (minimum over the history) and the current delay (minimum over the last few
/// samples) of one channel, in microseconds relative to the anchor.
#[derive(Debug, Clone)]
pub(super) struct DelayEstimator {
    /// The channel's first sample, as received.
    anchor: Option<u64>,
    /// The history: for each interval, when it began and its lowest sample; oldest first.
    base_minima: VecDeque<(Instant, i64)>,
    /// The last `filter_len` believed samples, oldest first.
    recent: VecDeque<i64>,
    /// CURRENT_FILTER.
    filter_len: usize,
    /// BASE_HISTORY.
    history: Duration,
    /// Implausible samples received in a row.
    outliers: u32,
}

impl DelayEstimator {
    /// An empty estimator keeping minima for `history` and filtering over `filter_len`
    /// samples.
    pub(super) fn new(history: Duration, filter_len: usize) -> Self {
        Self {
            anchor: None,
            base_minima: VecDeque::with_capacity(BASE_HISTORY_BUCKETS as usize + 1),
            recent: VecDeque::with_capacity(filter_len),
            filter_len,
            history,
            outliers: 0,
        }
    }

    /// Takes a sample that arrived at `now` (RFC 6817 section 2.4.2, `update_base_delay` and
    /// `update_current_delay`); returns whether it was believed. Minima older than the
    /// history are dropped first, so a longer path is adopted once its last shorter-delay
    /// minimum has aged out, while a shorter one is adopted at once.
    pub(super) fn record(&mut self, now: Instant, sample: Duration) -> bool {
        self.expire(now);
        let raw = wire_micros(sample);
        let anchor = *self.anchor.get_or_insert(raw);
        let delay = raw.wrapping_sub(anchor).cast_signed();
        if !self.is_plausible(delay) {
            self.outliers += 1;
            if self.outliers < OUTLIERS_BEFORE_RESTART {
                return false;
            }
            self.base_minima.clear();
            self.recent.clear();
        }
        self.outliers = 0;
        self.add_to_base(now, delay);
        self.add_to_filter(delay);
        true
    }

    /// `FILTER(current_delays) − MIN(base_delays)`, or `None` before the first sample.
    pub(super) fn queuing_delay(&self) -> Option<Duration> {
        let current = self.recent.iter().min()?;
        let queuing = current.saturating_sub(self.base()?);
        Some(Duration::from_micros(u64::try_from(queuing).unwrap_or(0)))
    }

    /// The base delay as the receiver reports delays, clock offset included.
    pub(super) fn base_delay(&self) -> Option<Duration> {
        let raw = self.anchor?.wrapping_add(self.base()?.cast_unsigned());
        Some(Duration::from_micros(raw))
    }

    fn base(&self) -> Option<i64> {
        self.base_minima.iter().map(|&(_, min)| min).min()
    }

    fn is_plausible(&self, delay: i64) -> bool {
        self.base()
            .is_none_or(|base| delay.abs_diff(base) <= MAX_DELAY_JUMP_MICROS)
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(start, _)) = self.base_minima.front()
            && now.saturating_duration_since(start) >= self.history
        {
            self.base_minima.pop_front();
        }
    }

    fn add_to_base(&mut self, now: Instant, delay: i64) {
        let interval = self.history / BASE_HISTORY_BUCKETS;
        match self.base_minima.back_mut() {
            Some((start, min)) if now.saturating_duration_since(*start) < interval => {
                *min = (*min).min(delay);
            }
            _ => self.base_minima.push_back((now, delay)),
        }
    }

    fn add_to_filter(&mut self, delay: i64) {
        if self.recent.len() == self.filter_len {
            self.recent.pop_front();
        }
        self.recent.push_back(delay);
    }
}

/// A sample as the `u64` microseconds of the wire. `Duration::from_micros` gives any wire value
/// back unchanged; longer durations keep their low 64 bits, as the wrapping field would.
fn wire_micros(sample: Duration) -> u64 {
    sample.as_micros() as u64
}
