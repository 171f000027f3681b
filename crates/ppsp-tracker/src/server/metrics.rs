//! Counters for `GET /metrics` (Prometheus text, rendered by hand: a few atomics need no
//! metrics framework) and the request rate shown on `GET /`.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ppsp_wire::tracker::{ErrorCode, RequestType};

use crate::store::Counts;

/// Request labels: the three request types, then requests whose type is unknown.
const TYPES: [&str; 4] = ["CONNECT", "FIND", "STAT_REPORT", "UNKNOWN"];
/// Result labels: success, then the six error codes in registry order.
const RESULTS: [&str; 7] = [
    "SUCCESSFUL",
    "BAD_REQUEST",
    "UNSUPPORTED_VERSION",
    "FORBIDDEN_ACTION",
    "INTERNAL_SERVER_ERROR",
    "SERVICE_UNAVAILABLE",
    "AUTHENTICATION_REQUIRED",
];
/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 10] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1.0,
];
/// The request rate is averaged over this many one-second slots.
const RATE_WINDOW: usize = 60;

/// Everything the server counts.
#[derive(Debug)]
pub(crate) struct Metrics {
    started: Instant,
    requests: [[AtomicU64; RESULTS.len()]; TYPES.len()],
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_micros: AtomicU64,
    /// Requests per second of uptime and request type, for the last [`RATE_WINDOW`] seconds:
    /// (second, count per type).
    window: Mutex<[(u64, [u64; TYPES.len()]); RATE_WINDOW]>,
}

impl Metrics {
    pub(crate) fn new(started: Instant) -> Self {
        Self {
            started,
            requests: Default::default(),
            latency_buckets: Default::default(),
            latency_count: AtomicU64::new(0),
            latency_micros: AtomicU64::new(0),
            window: Mutex::new([(u64::MAX, [0; TYPES.len()]); RATE_WINDOW]),
        }
    }

    /// Counts one answered request that took `elapsed`.
    pub(crate) fn record(
        &self,
        request_type: Option<RequestType>,
        error: Option<ErrorCode>,
        elapsed: Duration,
        now: Instant,
    ) {
        let t = match request_type {
            Some(RequestType::Connect) => 0,
            Some(RequestType::Find) => 1,
            Some(RequestType::StatReport) => 2,
            None => 3,
        };
        let r = error.map_or(0, |e| usize::from(e.code()));
        if let Some(counter) = self.requests[t].get(r) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        let seconds = elapsed.as_secs_f64();
        if let Some(bucket) = BUCKETS.iter().position(|&b| seconds <= b) {
            self.latency_buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.fetch_add(micros, Ordering::Relaxed);
        let second = now.saturating_duration_since(self.started).as_secs();
        let mut window = self
            .window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = &mut window[(second % RATE_WINDOW as u64) as usize];
        if slot.0 != second {
            *slot = (second, [0; TYPES.len()]);
        }
        slot.1[t] += 1;
    }

    /// Requests per second by request type label, over the last minute (or the uptime, if
    /// shorter).
    pub(crate) fn request_rates(&self, now: Instant) -> Vec<(&'static str, f64)> {
        let uptime = now.saturating_duration_since(self.started).as_secs();
        let window = self
            .window
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut recent = [0u64; TYPES.len()];
        for (_, counts) in window
            .iter()
            .filter(|(second, _)| *second <= uptime && uptime - *second < RATE_WINDOW as u64)
        {
            for (sum, count) in recent.iter_mut().zip(counts) {
                *sum += count;
            }
        }
        let seconds = (uptime + 1).min(RATE_WINDOW as u64) as f64;
        TYPES
            .iter()
            .zip(recent)
            .map(|(name, count)| (*name, count as f64 / seconds))
            .collect()
    }

    /// Total requests answered, by request type label.
    pub(crate) fn totals(&self) -> Vec<(&'static str, u64)> {
        TYPES
            .iter()
            .zip(&self.requests)
            .map(|(name, row)| (*name, row.iter().map(|c| c.load(Ordering::Relaxed)).sum()))
            .collect()
    }

    /// The Prometheus text exposition of every metric, with the store's `counts`.
    pub(crate) fn render(&self, counts: Option<Counts>, now: Instant) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP ppsp_tracker_requests_total Protocol requests answered, by request type and result."
        );
        let _ = writeln!(out, "# TYPE ppsp_tracker_requests_total counter");
        for (name, row) in TYPES.iter().zip(&self.requests) {
            for (result, counter) in RESULTS.iter().zip(row) {
                let value = counter.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "ppsp_tracker_requests_total{{type=\"{name}\",result=\"{result}\"}} {value}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP ppsp_tracker_request_duration_seconds Time to answer a protocol request."
        );
        let _ = writeln!(
            out,
            "# TYPE ppsp_tracker_request_duration_seconds histogram"
        );
        let mut cumulative = 0;
        for (bound, bucket) in BUCKETS.iter().zip(&self.latency_buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "ppsp_tracker_request_duration_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let sum = self.latency_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(
            out,
            "ppsp_tracker_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(out, "ppsp_tracker_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "ppsp_tracker_request_duration_seconds_count {count}");
        if let Some(counts) = counts {
            let _ = writeln!(
                out,
                "# HELP ppsp_tracker_swarms Swarms with at least one peer."
            );
            let _ = writeln!(out, "# TYPE ppsp_tracker_swarms gauge");
            let _ = writeln!(out, "ppsp_tracker_swarms {}", counts.swarms);
            let _ = writeln!(out, "# HELP ppsp_tracker_peers Registered peers.");
            let _ = writeln!(out, "# TYPE ppsp_tracker_peers gauge");
            let _ = writeln!(out, "ppsp_tracker_peers {}", counts.peers);
        }
        let _ = writeln!(
            out,
            "# HELP ppsp_tracker_uptime_seconds Seconds since the server started."
        );
        let _ = writeln!(out, "# TYPE ppsp_tracker_uptime_seconds gauge");
        let _ = writeln!(
            out,
            "ppsp_tracker_uptime_seconds {}",
            now.saturating_duration_since(self.started).as_secs()
        );
        out
    }
}
