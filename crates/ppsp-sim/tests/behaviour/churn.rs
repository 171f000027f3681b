//! Churn: scripted joins and leaves happen at their times, a leaver's datagrams in flight are
//! dropped, datagrams to dead addresses vanish, and a churn script replaces the chosen share of
//! the swarm each period.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use ppsp_sim::{Churn, LinkConfig, NodeId, Record, SimConfig, Simulator};

use crate::toys::{Flood, Probe, SendPlan};
use crate::{arrivals, ms};

fn secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

#[test]
fn scripted_joins_and_leaves_happen_at_their_times() {
    let mut sim = Simulator::new(SimConfig {
        record_trace: true,
        ..SimConfig::new(1)
    });
    let epoch = sim.start();
    let sink = sim.add_node(|_| Probe::sink(epoch));
    let plan = SendPlan {
        to: sink.addr(),
        count: u64::MAX,
        interval: ms(100),
        size: 50,
    };
    let late = sim.add_node_at(secs(2), move |context| {
        Probe::sender(epoch, context.now, plan)
    });
    sim.remove_node_at(secs(5), late);
    sim.run_until(ms(1_999)).unwrap();
    assert!(!sim.is_alive(late), "not yet joined");
    sim.run_until(secs(3)).unwrap();
    assert!(sim.is_alive(late));
    sim.run_until(secs(10)).unwrap();
    assert!(!sim.is_alive(late));
    let membership: Vec<_> = sim
        .trace()
        .iter()
        .filter(|entry| matches!(entry.record, Record::Joined(_) | Record::Left(_)))
        .map(|entry| (entry.at, entry.record))
        .collect();
    assert_eq!(
        membership,
        [
            (Duration::ZERO, Record::Joined(sink)),
            (secs(2), Record::Joined(late)),
            (secs(5), Record::Left(late))
        ]
    );
    // It sent from 2 s to 5 s: 30 datagrams (the one sent at 4.9 s lands at 4.91 s).
    let sent: Vec<Duration> = arrivals(&sim, sink).iter().map(|(_, a)| a.sent).collect();
    assert_eq!(sent.len(), 30);
    assert_eq!((sent[0], sent[29]), (secs(2), ms(4_900)));
}

#[test]
fn a_leaving_node_s_datagrams_in_flight_are_dropped() {
    let mut sim = Simulator::new(SimConfig {
        link: LinkConfig {
            latency: ms(100),
            ..LinkConfig::default()
        },
        ..SimConfig::new(1)
    });
    let epoch = sim.start();
    let sink = sim.add_node(|_| Probe::sink(epoch));
    let plan = SendPlan {
        to: sink.addr(),
        count: u64::MAX,
        interval: ms(10),
        size: 50,
    };
    let sender = sim.add_node(|context| Probe::sender(epoch, context.now, plan));
    sim.run_until(secs(1)).unwrap();
    sim.remove_node(sender);
    sim.run_until(secs(2)).unwrap();
    // Sent every 10 ms up to 1 s (101 datagrams); the ten sent after 900 ms were in flight.
    let received = arrivals(&sim, sink);
    assert_eq!(received.len(), 91);
    assert!(received.iter().all(|(at, _)| *at <= secs(1)));
    let stats = sim.node_stats(sender);
    assert_eq!(stats.sent.datagrams, 101);
    assert_eq!(stats.dropped.dead_node.datagrams, 10);
    assert_eq!(sim.in_flight(), 0);
}

#[test]
fn datagrams_to_dead_addresses_vanish() {
    let mut sim = Simulator::new(SimConfig::new(1));
    let epoch = sim.start();
    let gone = sim.add_node(|_| Probe::sink(epoch));
    sim.remove_node(gone);
    let nowhere: SocketAddr = "198.18.7.7:6778".parse().unwrap();
    let outside: SocketAddr = "192.0.2.1:6778".parse().unwrap();
    let sender = sim.add_node(|_| Probe::sink(epoch));
    let now = sim.now();
    for (seq, to) in [gone.addr(), nowhere, outside].into_iter().enumerate() {
        sim.node_mut(sender).send_now(now, to, seq as u64, 50);
    }
    sim.run_for(secs(1)).unwrap();
    let stats = sim.node_stats(sender);
    assert_eq!(stats.sent.datagrams, 3);
    assert_eq!(stats.dropped.dead_node.datagrams, 3);
    assert_eq!(sim.stats().delivered.datagrams, 0);
}

#[test]
fn churn_script_replaces_the_chosen_share_each_period() {
    let mut sim = Simulator::new(SimConfig {
        record_trace: true,
        ..SimConfig::new(21)
    });
    let peers: Vec<SocketAddr> = (0..20).map(|i| NodeId::from_index(i).addr()).collect();
    let seeder = NodeId::from_index(0);
    for _ in 0..20 {
        sim.add_node(|context| Flood::new(context, &peers, ms(50)));
    }
    // From the first minute to the fifth, 10% of the nineteen unprotected nodes (two) leave
    // and two newcomers join, every minute.
    let churn = Churn {
        stop: Some(secs(300)),
        protected: vec![seeder],
        ..Churn::per_minute(0.1)
    };
    sim.add_churn(churn, move |context| Flood::new(context, &peers, ms(50)));
    sim.run_until(secs(400)).unwrap();

    let mut left = Vec::new();
    let mut joined = Vec::new();
    for entry in sim.trace() {
        match entry.record {
            Record::Left(id) => left.push((entry.at, id)),
            Record::Joined(id) if id.index() >= 20 => joined.push((entry.at, id)),
            _ => {}
        }
    }
    assert_eq!(left.len(), 8, "four rounds of two");
    assert_eq!(joined.len(), 8);
    for round in 1..=4 {
        let period = secs(60 * round)..secs(60 * (round + 1));
        assert_eq!(left.iter().filter(|(at, _)| period.contains(at)).count(), 2);
        assert_eq!(
            joined.iter().filter(|(at, _)| period.contains(at)).count(),
            2
        );
    }
    assert!(
        left.iter().all(|&(_, id)| id != seeder),
        "the protected node stays"
    );
    assert_eq!(sim.live_nodes().count(), 20, "the population is steady");
    // Newcomers learn about the swarm and take part.
    assert!(
        joined
            .iter()
            .all(|&(_, id)| sim.node_stats(id).delivered.datagrams > 0)
    );

    // Another seed picks other victims.
    let victims = |sim: &Simulator<Flood>| -> BTreeSet<NodeId> {
        sim.trace()
            .iter()
            .filter_map(|entry| match entry.record {
                Record::Left(id) => Some(id),
                _ => None,
            })
            .collect()
    };
    let mut other = Simulator::new(SimConfig {
        record_trace: true,
        ..SimConfig::new(22)
    });
    let peers: Vec<SocketAddr> = (0..20).map(|i| NodeId::from_index(i).addr()).collect();
    for _ in 0..20 {
        other.add_node(|context| Flood::new(context, &peers, ms(50)));
    }
    let churn = Churn {
        stop: Some(secs(300)),
        protected: vec![seeder],
        ..Churn::per_minute(0.1)
    };
    other.add_churn(churn, move |context| Flood::new(context, &peers, ms(50)));
    other.run_until(secs(400)).unwrap();
    assert_ne!(victims(&sim), victims(&other));
}
