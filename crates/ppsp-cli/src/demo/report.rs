//! The QoE report of a demo run (the figures of DESIGN.md "Quality of experience"), as
//! text for people and JSON for scripts.

use std::fmt;

use serde::Serialize;

/// What one peer measured by the end of the run.
#[derive(Debug, Clone, Default)]
pub(super) struct PeerOutcome {
    /// Join to first chunk played, in seconds; `None` if nothing was played.
    pub(super) startup: Option<f64>,
    /// Chunks verified before their playback deadline, and missed.
    pub(super) on_time: u64,
    pub(super) missed: u64,
    /// Mean of the per-second samples of how far the playhead was behind the source.
    pub(super) mean_lag: Option<f64>,
    /// Why the peer failed, if it did.
    pub(super) failure: Option<String>,
}

impl PeerOutcome {
    /// on-time / (on-time + missed); `None` before any deadline passed.
    pub(super) fn continuity(&self) -> Option<f64> {
        let due = self.on_time + self.missed;
        (due > 0).then(|| self.on_time as f64 / due as f64)
    }
}

/// Totals of the run besides the peers'.
#[derive(Debug, Clone, Default)]
pub(super) struct Totals {
    pub(super) duration_s: f64,
    pub(super) bits_per_second: f64,
    pub(super) chunk_size: u32,
    pub(super) chunks_produced: u64,
    /// The first chunk any peer watched (the earliest join point): chunks before it were
    /// produced before anyone joined, and are not part of the copy the source must send.
    pub(super) first_watched: u64,
    /// Chunk bytes the source uploaded.
    pub(super) source_payload_up: u64,
    /// Every node's chunk bytes sent, and every byte of their datagrams.
    pub(super) payload_bytes: u64,
    pub(super) datagram_bytes: u64,
}

/// Percentiles of startup delay.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Startup {
    pub(super) p50: f64,
    pub(super) p95: f64,
    pub(super) max: f64,
}

/// Continuity over peers.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Continuity {
    pub(super) min: f64,
    pub(super) mean: f64,
}

/// Playback lag over peers.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Lag {
    pub(super) mean: f64,
    pub(super) stddev: f64,
    pub(super) min: f64,
    pub(super) max: f64,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Report {
    pub(super) peers: usize,
    pub(super) peers_failed: usize,
    pub(super) duration_s: f64,
    pub(super) bitrate_bps: f64,
    pub(super) chunk_size: u32,
    pub(super) chunks_produced: u64,
    pub(super) stream_bytes: u64,
    /// Join to first playable chunk, seconds, over the peers that played.
    pub(super) startup_delay_s: Option<Startup>,
    /// Chunks on time / chunks due, per peer.
    pub(super) continuity_index: Option<Continuity>,
    pub(super) chunks_on_time: u64,
    pub(super) chunks_missed: u64,
    /// How far behind the source's newest chunk the peers' playheads were, seconds.
    pub(super) playback_lag_s: Option<Lag>,
    /// Source chunk bytes uploaded / bytes of one copy of the stream (from the earliest
    /// join point on).
    pub(super) source_upload_ratio: f64,
    /// Non-payload datagram bytes / payload bytes, every node's PPSPP traffic together
    /// (tracker HTTP not counted).
    pub(super) control_overhead: f64,
    pub(super) failures: Vec<String>,
}

impl Report {
    pub(super) fn new(totals: &Totals, peers: &[PeerOutcome]) -> Self {
        let stream_bytes = totals.chunks_produced * u64::from(totals.chunk_size);
        let mut startups: Vec<f64> = peers.iter().filter_map(|p| p.startup).collect();
        startups.sort_by(f64::total_cmp);
        let continuities: Vec<f64> = peers.iter().filter_map(PeerOutcome::continuity).collect();
        let lags: Vec<f64> = peers.iter().filter_map(|p| p.mean_lag).collect();
        let failures: Vec<String> = peers
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some(format!("peer {}: {}", i + 1, p.failure.as_ref()?)))
            .collect();
        Self {
            peers: peers.len(),
            peers_failed: failures.len(),
            duration_s: totals.duration_s,
            bitrate_bps: totals.bits_per_second,
            chunk_size: totals.chunk_size,
            chunks_produced: totals.chunks_produced,
            stream_bytes,
            startup_delay_s: (!startups.is_empty()).then(|| Startup {
                p50: percentile(&startups, 0.50),
                p95: percentile(&startups, 0.95),
                max: startups.last().copied().unwrap_or_default(),
            }),
            continuity_index: (!continuities.is_empty()).then(|| Continuity {
                min: continuities.iter().copied().fold(f64::INFINITY, f64::min),
                mean: mean(&continuities),
            }),
            chunks_on_time: peers.iter().map(|p| p.on_time).sum(),
            chunks_missed: peers.iter().map(|p| p.missed).sum(),
            playback_lag_s: (!lags.is_empty()).then(|| {
                let m = mean(&lags);
                let variance =
                    lags.iter().map(|l| (l - m).powi(2)).sum::<f64>() / lags.len() as f64;
                Lag {
                    mean: m,
                    stddev: variance.sqrt(),
                    min: lags.iter().copied().fold(f64::INFINITY, f64::min),
                    max: lags.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                }
            }),
            source_upload_ratio: ratio(
                totals.source_payload_up,
                totals.chunks_produced.saturating_sub(totals.first_watched)
                    * u64::from(totals.chunk_size),
            ),
            control_overhead: ratio(
                totals.datagram_bytes.saturating_sub(totals.payload_bytes),
                totals.payload_bytes,
            ),
            failures,
        }
    }
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ppsp demo: QoE report, {} peers, {:.0} s of a {:.2} Mbit/s stream in {} B chunks ({} chunks, {:.1} MiB)",
            self.peers,
            self.duration_s,
            self.bitrate_bps / 1e6,
            self.chunk_size,
            self.chunks_produced,
            self.stream_bytes as f64 / f64::from(1 << 20),
        )?;
        match &self.startup_delay_s {
            Some(s) => writeln!(
                f,
                "  startup delay      p50 {:.2} s, p95 {:.2} s, max {:.2} s (join to first playable chunk)",
                s.p50, s.p95, s.max
            )?,
            None => writeln!(f, "  startup delay      no peer played")?,
        }
        match &self.continuity_index {
            Some(c) => writeln!(
                f,
                "  continuity index   min {:.4}, mean {:.4} ({} chunks on time, {} missed)",
                c.min, c.mean, self.chunks_on_time, self.chunks_missed
            )?,
            None => writeln!(f, "  continuity index   no chunk was due")?,
        }
        match &self.playback_lag_s {
            Some(l) => writeln!(
                f,
                "  playback lag       mean {:.2} s, spread (stddev) {:.2} s, min {:.2} s, max {:.2} s",
                l.mean, l.stddev, l.min, l.max
            )?,
            None => writeln!(f, "  playback lag       not measured")?,
        }
        writeln!(
            f,
            "  source upload      {:.2} copies of the stream (from the first peer's join point)",
            self.source_upload_ratio
        )?;
        writeln!(
            f,
            "  control overhead   {:.3} (non-payload / payload bytes, PPSPP datagrams)",
            self.control_overhead
        )?;
        if self.failures.is_empty() {
            write!(f, "  all peers played the stream")
        } else {
            write!(f, "  {} peers failed:", self.failures.len())?;
            for failure in &self.failures {
                write!(f, "\n    {failure}")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_summarises_peers() {
        let peers = vec![
            PeerOutcome {
                startup: Some(1.0),
                on_time: 99,
                missed: 1,
                mean_lag: Some(2.0),
                failure: None,
            },
            PeerOutcome {
                startup: Some(3.0),
                on_time: 100,
                missed: 0,
                mean_lag: Some(4.0),
                failure: None,
            },
            PeerOutcome {
                failure: Some("played nothing".into()),
                ..PeerOutcome::default()
            },
        ];
        let totals = Totals {
            chunks_produced: 100,
            chunk_size: 1000,
            source_payload_up: 150_000,
            payload_bytes: 1000,
            datagram_bytes: 1100,
            ..Totals::default()
        };
        let report = Report::new(&totals, &peers);
        assert_eq!(report.peers_failed, 1);
        assert_eq!(report.failures, vec!["peer 3: played nothing".to_string()]);
        let startup = report.startup_delay_s.expect("two peers played");
        assert_eq!((startup.p50, startup.p95), (1.0, 3.0));
        let continuity = report.continuity_index.expect("chunks were due");
        assert_eq!(continuity.min, 0.99);
        assert!((continuity.mean - 0.995).abs() < 1e-9);
        let lag = report.playback_lag_s.expect("lags sampled");
        assert_eq!((lag.mean, lag.stddev), (3.0, 1.0));
        assert_eq!(report.source_upload_ratio, 1.5);
        assert!((report.control_overhead - 0.1).abs() < 1e-9);
    }
}
