//! The figures of one run, as JSON and as a table row.

use serde::{Deserialize, Serialize};

/// Figures of one swarm size. QoE fields are `None` when the run was aborted (partial runs
/// are not averaged into figures that look complete).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunResult {
    pub(crate) receivers: usize,
    /// Whether the whole stream ran; otherwise `aborted` says why.
    pub(crate) completed: bool,
    pub(crate) aborted: Option<String>,
    /// Virtual seconds simulated (stream plus the tail that lets the last deadlines pass).
    pub(crate) virtual_seconds: f64,
    pub(crate) chunks_produced: u64,
    pub startup_p50_s: Option<f64>,
    pub startup_p95_s: Option<f64>,
    /// Receivers that never held a playable chunk.
    pub(crate) never_started: usize,
    pub(crate) continuity_min: Option<f64>,
    pub(crate) continuity_mean: Option<f64>,
    pub(crate) lag_mean_s: Option<f64>,
    pub(crate) lag_stddev_s: Option<f64>,
    pub(crate) source_upload_ratio: Option<f64>,
    pub(crate) control_overhead: Option<f64>,
    /// Datagrams the simulator carried, and simulator steps (deliveries and timeouts).
    pub(crate) datagrams: u64,
    pub(crate) steps: u64,
    pub(crate) wall_seconds: f64,
    /// CPU time of the run: on a shared machine the fairer measure of its cost.
    pub(crate) cpu_seconds: Option<f64>,
    /// Peak resident memory of the process during this run.
    pub(crate) peak_rss_mib: Option<f64>,
}

/// The header of [`row`].
pub(crate) fn header() -> String {
    format!(
        "{:>7} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8} {:>9} {:>8} {:>8}  {}",
        "peers",
        "start50",
        "start95",
        "ci_min",
        "ci_mean",
        "lag",
        "lag_sd",
        "src_up",
        "ctl_ovh",
        "wall_s",
        "cpu_s",
        "rss_MiB",
        "status"
    )
}

/// One run as a table row.
pub(crate) fn row(r: &RunResult) -> String {
    let f = |v: Option<f64>, digits: usize| v.map_or("-".to_owned(), |v| format!("{v:.digits$}"));
    let status = match &r.aborted {
        Some(why) => format!("aborted at {:.1} s virtual: {why}", r.virtual_seconds),
        None => format!("ok ({} never started)", r.never_started),
    };
    format!(
        "{:>7} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8} {:>9.1} {:>8} {:>8}  {}",
        r.receivers,
        f(r.startup_p50_s, 3),
        f(r.startup_p95_s, 3),
        f(r.continuity_min, 4),
        f(r.continuity_mean, 4),
        f(r.lag_mean_s, 3),
        f(r.lag_stddev_s, 3),
        f(r.source_upload_ratio, 2),
        f(r.control_overhead, 4),
        r.wall_seconds,
        f(r.cpu_seconds, 1),
        f(r.peak_rss_mib, 0),
        status
    )
}
