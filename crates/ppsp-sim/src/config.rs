//! How a simulation is set up.

use crate::link::LinkConfig;
use crate::queue::RateLimit;

/// The configuration of a [`Simulator`](crate::Simulator): a seed, the network everyone starts
/// with, and the guards. Same configuration, same nodes, same trace.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Seeds every random choice: the network's impairments, the nodes' seeds and churn.
    pub seed: u64,
    /// The link between any two nodes without one of their own.
    pub link: LinkConfig,
    /// The upload limit of every node without one of its own; `None` is unlimited.
    pub upload_limit: Option<RateLimit>,
    /// Turns a datagram over the MTU from a counted drop into an error, for tests asserting
    /// that the engine never sends one.
    pub strict_mtu: bool,
    /// Keeps every trace entry, not only the digest.
    pub record_trace: bool,
    /// Livelock guard: the most steps one run call may take.
    pub max_steps: u64,
    /// Livelock guard: the most steps a run call may take without virtual time advancing; a
    /// node that answers every datagram at once over a zero-latency link trips it quickly.
    pub max_steps_per_instant: u64,
}

impl SimConfig {
    /// The default configuration with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }
}

impl Default for SimConfig {
    /// Seed 0, default links, no upload limit, lenient MTU, digest only, and guards of ten
    /// million steps per run and a hundred thousand per instant.
    fn default() -> Self {
        Self {
            seed: 0,
            link: LinkConfig::default(),
            upload_limit: None,
            strict_mtu: false,
            record_trace: false,
            max_steps: 10_000_000,
            max_steps_per_instant: 100_000,
        }
    }
}
