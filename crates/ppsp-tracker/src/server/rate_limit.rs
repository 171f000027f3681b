//! Per-address token buckets (RFC 7846 section 5 leaves overload protection to the tracker;
//! an over-eager client is told Service Unavailable, 05, with HTTP 429).
//!
//! Pure: the time is an argument. IPv6 clients are keyed by their /64, the block one host
//! usually gets, so a host cannot dodge its bucket by rotating addresses within it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often, at most, a full table is scanned for buckets that have refilled.
const PURGE_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
struct Table {
    buckets: HashMap<IpAddr, Bucket>,
    last_purge: Option<Instant>,
}

/// Token buckets per client address.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    capacity: usize,
    table: Mutex<Table>,
}

impl RateLimiter {
    /// `per_second` tokens refill each bucket, which holds `burst` at most; `capacity` buckets
    /// are remembered. A rate of 0 (or less) lets everything through.
    pub(crate) fn new(per_second: f64, burst: f64, capacity: usize) -> Self {
        Self {
            per_second,
            burst: burst.max(1.0),
            capacity,
            table: Mutex::new(Table {
                buckets: HashMap::new(),
                last_purge: None,
            }),
        }
    }

    /// Whether a request from `ip` at `now` may go ahead (taking one token if so).
    pub(crate) fn allow(&self, ip: IpAddr, now: Instant) -> bool {
        if self.per_second <= 0.0 || !self.per_second.is_finite() {
            return true;
        }
        let key = client_key(ip);
        let mut table = self
            .table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !table.buckets.contains_key(&key) && table.buckets.len() >= self.capacity {
            self.purge(&mut table, now);
            if table.buckets.len() >= self.capacity {
                // Every remembered client is active: let the newcomer through untracked
                // rather than refuse clients for others' load.
                return true;
            }
        }
        let bucket = table.buckets.entry(key).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let refill = now.saturating_duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Forgets buckets that have refilled: they behave as if never seen.
    fn purge(&self, table: &mut Table, now: Instant) {
        if table
            .last_purge
            .is_some_and(|t| now.saturating_duration_since(t) < PURGE_EVERY)
        {
            return;
        }
        table.last_purge = Some(now);
        let (rate, burst) = (self.per_second, self.burst);
        table.buckets.retain(|_, b| {
            b.tokens + now.saturating_duration_since(b.updated).as_secs_f64() * rate < burst
        });
    }
}

/// The key of a client: its IPv4 address, or its IPv6 /64.
pub(crate) fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill_at_the_rate() {
        let limiter = RateLimiter::new(2.0, 3.0, 10);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let t0 = Instant::now();
        assert!((0..3).all(|_| limiter.allow(ip, t0)));
        assert!(!limiter.allow(ip, t0));
        assert!(
            limiter.allow("192.0.2.2".parse().unwrap(), t0),
            "buckets are per address"
        );
        assert!(!limiter.allow(ip, t0 + Duration::from_millis(400)));
        assert!(limiter.allow(ip, t0 + Duration::from_millis(1_000)));
    }

    #[test]
    fn ipv6_hosts_share_their_slash_64() {
        let limiter = RateLimiter::new(1.0, 1.0, 10);
        let t0 = Instant::now();
        assert!(limiter.allow("2001:db8::1".parse().unwrap(), t0));
        assert!(!limiter.allow("2001:db8::2".parse().unwrap(), t0));
        assert!(limiter.allow("2001:db8:0:1::1".parse().unwrap(), t0));
    }

    #[test]
    fn full_table_forgets_refilled_buckets_and_never_grows_past_capacity() {
        let limiter = RateLimiter::new(1.0, 1.0, 2);
        let t0 = Instant::now();
        for i in 0..100u8 {
            assert!(limiter.allow(IpAddr::from([10, 0, 0, i]), t0));
        }
        assert!(limiter.table.lock().unwrap().buckets.len() <= 2);
        let later = t0 + Duration::from_secs(5);
        assert!(limiter.allow("10.1.0.1".parse().unwrap(), later));
        assert!(!limiter.allow("10.1.0.1".parse().unwrap(), later));
    }

    #[test]
    fn zero_rate_disables_limiting() {
        let limiter = RateLimiter::new(0.0, 1.0, 1);
        let t0 = Instant::now();
        assert!((0..1000).all(|_| limiter.allow("192.0.2.1".parse().unwrap(), t0)));
    }
}
