//! A node's upload bottleneck: a rate-limited link fed by a bounded drop-tail queue.
//!
//! Without a bottleneck, delay never grows with load and a delay-based congestion controller
//! such as LEDBAT has nothing to measure. This queue delays each datagram by the time needed to
//! serialise everything ahead of it, and drops datagrams that arrive when it is full, as a home
//! router's uplink does.

use std::collections::VecDeque;
use std::time::Duration;

/// An upload rate limit with its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Serialisation rate in bytes per second.
    pub bytes_per_sec: u64,
    /// Queue capacity in bytes, including the datagram on the wire; a datagram that does not fit
    /// is dropped. Make it at least one MTU, or every datagram is dropped.
    pub queue_bytes: usize,
}

impl RateLimit {
    /// A limit of `bytes_per_sec` with a queue of `queue_bytes`.
    ///
    /// # Panics
    ///
    /// When `bytes_per_sec` is zero.
    pub fn new(bytes_per_sec: u64, queue_bytes: usize) -> Self {
        let limit = Self {
            bytes_per_sec,
            queue_bytes,
        };
        limit.validate();
        limit
    }

    /// Panics on a zero rate, which would hold every datagram forever.
    pub(crate) fn validate(&self) {
        assert!(
            self.bytes_per_sec > 0,
            "an upload rate limit must be above zero"
        );
    }

    /// Time to put `len` bytes on the wire, rounded up so that the rate is never exceeded.
    fn serialisation_time(&self, len: usize) -> Duration {
        let rate = u128::from(self.bytes_per_sec);
        let nanos = (len as u128 * 1_000_000_000).div_ceil(rate);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// The state of one node's limited uplink.
#[derive(Debug, Clone)]
pub(crate) struct Uplink {
    limit: RateLimit,
    /// When each queued datagram has left, with its length, oldest first.
    backlog: VecDeque<(Duration, usize)>,
    queued_bytes: usize,
}

impl Uplink {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            backlog: VecDeque::new(),
            queued_bytes: 0,
        }
    }

    /// Queues a datagram of `len` bytes handed over at `now`: returns when its last byte has
    /// left, or `None` if the queue is full (tail drop).
    pub(crate) fn enqueue(&mut self, now: Duration, len: usize) -> Option<Duration> {
        while let Some(&(done, sent)) = self.backlog.front()
            && done <= now
        {
            self.backlog.pop_front();
            self.queued_bytes -= sent;
        }
        if self.queued_bytes + len > self.limit.queue_bytes {
            return None;
        }
        let start = self.backlog.back().map_or(now, |&(done, _)| done.max(now));
        let done = start + self.limit.serialisation_time(len);
        self.backlog.push_back((done, len));
        self.queued_bytes += len;
        Some(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_back_to_back_and_drops_at_the_tail() {
        // 1000 bytes take 10 ms at 100 kB/s; the queue holds three of them.
        let mut uplink = Uplink::new(RateLimit::new(100_000, 3000));
        let ms = Duration::from_millis;
        assert_eq!(uplink.enqueue(ms(0), 1000), Some(ms(10)));
        assert_eq!(uplink.enqueue(ms(0), 1000), Some(ms(20)));
        assert_eq!(uplink.enqueue(ms(0), 1000), Some(ms(30)));
        assert_eq!(uplink.enqueue(ms(0), 1000), None);
        // Once the first has left there is room again, behind the others.
        assert_eq!(uplink.enqueue(ms(10), 1000), Some(ms(40)));
        // An idle link starts at once.
        assert_eq!(uplink.enqueue(ms(100), 500), Some(ms(105)));
    }
}
