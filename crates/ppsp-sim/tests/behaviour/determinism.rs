//! Same seed, same trace; another seed, another trace; and the counters always balance.

use std::net::SocketAddr;
use std::time::Duration;

use ppsp_sim::{
    Churn, LinkConfig, LossModel, NodeId, RateLimit, Reorder, SimConfig, Simulator, Stats,
};

use crate::ms;
use crate::toys::Flood;

/// Twelve gossiping nodes over every impairment at once, with churn, for 30 virtual seconds.
fn busy_swarm(seed: u64) -> Simulator<Flood> {
    let link = LinkConfig {
        latency: ms(40),
        jitter: ms(15),
        loss: LossModel::bursty(0.03, 3.0),
        reorder: Some(Reorder {
            probability: 0.02,
            extra_delay: ms(25),
        }),
        duplicate: 0.01,
        mtu: 1200,
    };
    let config = SimConfig {
        link,
        upload_limit: Some(RateLimit::new(120_000, 8_000)),
        record_trace: true,
        ..SimConfig::new(seed)
    };
    let mut sim = Simulator::new(config);
    let peers: Vec<SocketAddr> = (0..12).map(|i| NodeId::from_index(i).addr()).collect();
    let first: Vec<NodeId> = (0..12)
        .map(|_| sim.add_node(|context| Flood::new(context, &peers, ms(5))))
        .collect();
    sim.network_mut()
        .partition(first[1], first[2], ms(3_000), ms(8_000));
    let churn = Churn {
        period: Duration::from_secs(10),
        fraction: 0.25,
        start: Duration::from_secs(5),
        stop: Some(Duration::from_secs(25)),
        protected: vec![first[0]],
    };
    sim.add_churn(churn, move |context| Flood::new(context, &peers, ms(5)));
    sim.run_until(Duration::from_secs(30)).unwrap();
    sim
}

#[test]
fn same_seed_gives_same_trace() {
    let (one, two) = (busy_swarm(42), busy_swarm(42));
    assert_eq!(one.trace_digest(), two.trace_digest());
    assert_eq!(one.trace(), two.trace());
    assert_eq!(one.stats(), two.stats());
    assert!(
        one.stats().delivered.datagrams > 10_000,
        "{}",
        one.summary()
    );
}

#[test]
fn different_seed_gives_different_trace() {
    let digests: Vec<u64> = (1..=4)
        .map(|seed| busy_swarm(seed).trace_digest())
        .collect();
    for (i, a) in digests.iter().enumerate() {
        for b in &digests[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn every_datagram_is_delivered_dropped_or_in_flight() {
    let sim = busy_swarm(7);
    let total = sim.stats();
    assert_eq!(
        total.sent.datagrams + total.duplicated.datagrams,
        total.delivered.datagrams + total.dropped.total().datagrams + sim.in_flight() as u64,
    );
    // Every impairment of the scenario actually fired.
    let dropped = total.dropped;
    for (cause, count) in [
        ("loss", dropped.loss),
        ("mtu", dropped.mtu),
        ("queue", dropped.queue),
        ("partition", dropped.partition),
        ("dead node", dropped.dead_node),
        ("duplicated", total.duplicated),
    ] {
        assert!(count.datagrams > 0, "no {cause}: {}", sim.summary());
    }
    // Per-node counters add up to the totals.
    let mut sum = Stats::default();
    for id in sim.node_ids() {
        let node = sim.node_stats(id);
        sum.sent = sum.sent + node.sent;
        sum.duplicated = sum.duplicated + node.duplicated;
        sum.delivered = sum.delivered + node.delivered;
        sum.dropped.loss = sum.dropped.loss + node.dropped.loss;
    }
    assert_eq!(sum.sent, total.sent);
    assert_eq!(sum.duplicated, total.duplicated);
    assert_eq!(sum.delivered, total.delivered);
    assert_eq!(sum.dropped.loss, total.dropped.loss);
}
