//! Behaviour of the simulator, shown with toy nodes: one module per impairment or feature.
//!
//! One test binary rather than one per file: on two cores, linking a dozen binaries costs more
//! than the tests take to run.

mod toys;

mod bursty_loss;
mod churn;
mod determinism;
mod duplication;
mod latency_and_jitter;
mod livelock_guard;
mod mtu;
mod node_commands;
mod partition;
mod random_loss;
mod rate_limit;
mod reliable_transfer;
mod reordering;

use std::time::Duration;

use ppsp_sim::{LinkConfig, NodeId, SimConfig, Simulator};
use toys::{Arrival, Probe, SendPlan};

/// Milliseconds, for brevity.
fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

/// A simulation over `link` with a sink and a probe that sends it `count` datagrams of `size`
/// bytes every `interval` from time zero. Returns the simulator, the sender and the sink.
fn sender_and_sink(
    seed: u64,
    link: LinkConfig,
    count: u64,
    interval: Duration,
    size: usize,
) -> (Simulator<Probe>, NodeId, NodeId) {
    let mut sim = Simulator::new(SimConfig {
        link,
        ..SimConfig::new(seed)
    });
    let epoch = sim.start();
    let sink = sim.add_node(|_| Probe::sink(epoch));
    let plan = SendPlan {
        to: sink.addr(),
        count,
        interval,
        size,
    };
    let sender = sim.add_node(|context| Probe::sender(epoch, context.now, plan));
    (sim, sender, sink)
}

/// What `node` received, with arrival times, in arrival order.
fn arrivals(sim: &Simulator<Probe>, node: NodeId) -> Vec<(Duration, Arrival)> {
    sim.events(node)
        .iter()
        .map(|timed| (timed.at, timed.event))
        .collect()
}

/// Sequence numbers `node` received, in arrival order.
fn received_seqs(sim: &Simulator<Probe>, node: NodeId) -> Vec<u64> {
    sim.events(node)
        .iter()
        .map(|timed| timed.event.seq)
        .collect()
}
