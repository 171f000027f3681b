//! MTU: oversized datagrams are dropped and counted, or, in strict mode, stop the run.

use std::time::Duration;

use ppsp_sim::{DEFAULT_MTU, LinkConfig, SimConfig, SimError, Simulator};

use crate::toys::{Probe, SendPlan};
use crate::{ms, received_seqs, sender_and_sink};

#[test]
fn datagrams_over_the_mtu_are_dropped_and_counted() {
    let (mut sim, sender, sink) = sender_and_sink(1, LinkConfig::default(), 3, ms(1), DEFAULT_MTU);
    let now = sim.now();
    let probe = sim.node_mut(sender);
    probe.send_now(now, sink.addr(), 100, DEFAULT_MTU + 1);
    probe.send_now(now, sink.addr(), 101, 9000);
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert_eq!(
        received_seqs(&sim, sink),
        [0, 1, 2],
        "exactly the MTU passes"
    );
    let dropped = sim.stats().dropped;
    assert_eq!(dropped.mtu.datagrams, 2);
    assert_eq!(dropped.mtu.bytes, (DEFAULT_MTU + 1 + 9000) as u64);
    assert_eq!(dropped.total(), dropped.mtu);
}

#[test]
fn a_link_can_have_a_smaller_mtu_of_its_own() {
    let (mut sim, sender, sink) = sender_and_sink(1, LinkConfig::default(), 10, ms(1), 1400);
    let tunnel = LinkConfig {
        mtu: 1280,
        ..LinkConfig::default()
    };
    sim.network_mut().set_link(sender, sink, tunnel);
    sim.run_for(Duration::from_secs(1)).unwrap();
    assert!(received_seqs(&sim, sink).is_empty());
    assert_eq!(sim.stats().dropped.mtu.datagrams, 10);
    // The reverse direction keeps the default.
    assert_eq!(sim.network().link(sink, sender).mtu, DEFAULT_MTU);
}

#[test]
fn strict_mtu_turns_an_oversized_datagram_into_an_error() {
    let mut sim = Simulator::new(SimConfig {
        strict_mtu: true,
        ..SimConfig::new(1)
    });
    let epoch = sim.start();
    let sink = sim.add_node(|_| Probe::sink(epoch));
    let plan = SendPlan {
        to: sink.addr(),
        count: 5,
        interval: ms(10),
        size: 1500,
    };
    let sender = sim.add_node(|context| Probe::sender(epoch, context.now, plan));
    let error = sim.run_for(Duration::from_secs(1)).unwrap_err();
    let SimError::MtuExceeded {
        at,
        from,
        to,
        len,
        mtu,
    } = error
    else {
        panic!("expected an MTU error, got {error}");
    };
    assert_eq!(
        (at, from, to, len, mtu),
        (Duration::ZERO, sender, sink, 1500, DEFAULT_MTU)
    );
    assert!(
        error.to_string().contains("over the link MTU of 1472"),
        "{error}"
    );
}
