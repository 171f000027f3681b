//! Partitions: two nodes cannot reach each other, either way, for an interval, then can again.

use std::time::Duration;

use ppsp_sim::{NodeId, SimConfig, Simulator};

use crate::toys::{Probe, SendPlan};
use crate::{arrivals, ms};

/// Two probes sending to each other every 10 ms for 3 s, partitioned from 1 s to 2 s.
fn partitioned_pair() -> (Simulator<Probe>, NodeId, NodeId) {
    let mut sim = Simulator::new(SimConfig::new(1));
    let epoch = sim.start();
    let (a, b) = (NodeId::from_index(0), NodeId::from_index(1));
    let plan = |to: NodeId| SendPlan {
        to: to.addr(),
        count: 300,
        interval: ms(10),
        size: 100,
    };
    assert_eq!(
        sim.add_node(|context| Probe::sender(epoch, context.now, plan(b))),
        a
    );
    assert_eq!(
        sim.add_node(|context| Probe::sender(epoch, context.now, plan(a))),
        b
    );
    sim.network_mut().partition(a, b, ms(1_000), ms(2_000));
    sim.run_for(Duration::from_secs(4)).unwrap();
    (sim, a, b)
}

#[test]
fn partition_blocks_both_ways_then_heals() {
    let (sim, a, b) = partitioned_pair();
    for (sender, receiver) in [(a, b), (b, a)] {
        let sent: Vec<Duration> = arrivals(&sim, receiver)
            .iter()
            .map(|(_, a)| a.sent)
            .collect();
        assert_eq!(
            sent.len(),
            200,
            "{sender} -> {receiver}: a third was blocked"
        );
        assert!(sent.iter().all(|&at| at < ms(1_000) || at >= ms(2_000)));
        assert!(
            sent.iter().any(|&at| at >= ms(2_000)),
            "the partition heals"
        );
        assert_eq!(sim.node_stats(sender).dropped.partition.datagrams, 100);
    }
    assert!(!sim.network().is_partitioned(a, b, ms(999)));
    assert!(sim.network().is_partitioned(b, a, ms(1_000)));
    assert!(!sim.network().is_partitioned(a, b, ms(2_000)));
}

#[test]
fn datagrams_in_flight_when_the_partition_starts_still_arrive() {
    let (sim, _, b) = partitioned_pair();
    // Sent at 990 ms, before the partition, arriving at 1000 ms, inside it.
    let last_before = arrivals(&sim, b)
        .into_iter()
        .find(|(_, arrival)| arrival.sent == ms(990));
    assert_eq!(last_before.map(|(at, _)| at), Some(ms(1_000)));
}
