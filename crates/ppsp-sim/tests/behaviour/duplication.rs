//! Duplication: extra copies arrive when, and only when, it is switched on, and are counted.

use std::collections::BTreeMap;
use std::time::Duration;

use ppsp_sim::LinkConfig;

use crate::{ms, received_seqs, sender_and_sink};

#[test]
fn duplicates_arrive_and_are_counted_when_enabled() {
    let link = LinkConfig {
        duplicate: 0.1,
        jitter: ms(3),
        ..LinkConfig::default()
    };
    let (mut sim, sender, sink) = sender_and_sink(13, link, 5_000, ms(1), 64);
    sim.run_for(Duration::from_secs(6)).unwrap();
    let mut copies = BTreeMap::<u64, u64>::new();
    for seq in received_seqs(&sim, sink) {
        *copies.entry(seq).or_default() += 1;
    }
    assert_eq!(copies.len(), 5_000, "every datagram arrives at least once");
    assert!(copies.values().all(|&n| n <= 2));
    let doubled = copies.values().filter(|&&n| n == 2).count() as u64;
    assert_eq!(sim.node_stats(sender).duplicated.datagrams, doubled);
    assert_eq!(sim.node_stats(sink).delivered.datagrams, 5_000 + doubled);
    assert!((400..=600).contains(&doubled), "{doubled} duplicated");
}

#[test]
fn nothing_is_duplicated_when_disabled() {
    let (mut sim, sender, sink) = sender_and_sink(13, LinkConfig::default(), 2_000, ms(1), 64);
    sim.run_for(Duration::from_secs(3)).unwrap();
    assert_eq!(received_seqs(&sim, sink), (0..2_000).collect::<Vec<_>>());
    assert_eq!(sim.node_stats(sender).duplicated.datagrams, 0);
}
