//! Why a run stopped short, with a summary of where it stood so the failure is diagnosable from
//! the message alone.

use std::fmt;
use std::time::Duration;

use crate::node::NodeId;
use crate::stats::Stats;

/// A run that did not finish as asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// The condition did not hold within the virtual-time limit.
    #[error("condition not met within {limit:?} of virtual time; {summary}")]
    TimedOut {
        /// The limit given to the run.
        limit: Duration,
        /// Where the simulation stood.
        summary: Box<RunSummary>,
    },
    /// Nothing is left to happen (no datagram in flight, no timeout, no churn) and the
    /// condition does not hold, so it never will.
    #[error("nothing left to simulate and the condition does not hold; {summary}")]
    Idle {
        /// Where the simulation stood.
        summary: Box<RunSummary>,
    },
    /// Livelock guard: the run took [`SimConfig::max_steps`](crate::SimConfig::max_steps).
    #[error("livelock guard: {steps} steps in one run; {summary}")]
    StepLimit {
        /// Steps taken by the run.
        steps: u64,
        /// Where the simulation stood.
        summary: Box<RunSummary>,
    },
    /// Livelock guard: the run took
    /// [`SimConfig::max_steps_per_instant`](crate::SimConfig::max_steps_per_instant) steps
    /// without virtual time advancing.
    #[error("livelock guard: {steps} steps without virtual time advancing; {summary}")]
    TimeStalled {
        /// Steps taken at the same instant.
        steps: u64,
        /// Where the simulation stood.
        summary: Box<RunSummary>,
    },
    /// In strict-MTU mode, a node sent a datagram larger than the link MTU.
    #[error("strict MTU: {from} sent {len} bytes to {to} at {at:?}, over the link MTU of {mtu}")]
    MtuExceeded {
        /// Virtual time since the start.
        at: Duration,
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Datagram length.
        len: usize,
        /// The link MTU.
        mtu: usize,
    },
}

/// A snapshot of a simulation for error messages and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    /// Virtual time since the start.
    pub elapsed: Duration,
    /// Steps taken since the start.
    pub steps: u64,
    /// Nodes that have joined and not left.
    pub live_nodes: usize,
    /// Datagrams scheduled for delivery.
    pub in_flight: usize,
    /// The node that has sent the most datagrams, and how many: in a livelock, usually the
    /// culprit.
    pub busiest_sender: Option<(NodeId, u64)>,
    /// Traffic totals.
    pub stats: Stats,
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at {:?} after {} steps: {} live nodes, {} datagrams in flight",
            self.elapsed, self.steps, self.live_nodes, self.in_flight
        )?;
        if let Some((node, sent)) = self.busiest_sender {
            write!(f, ", busiest sender {node} ({sent} datagrams)")?;
        }
        write!(f, "; {}", self.stats)
    }
}
