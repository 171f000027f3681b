//! Closing, keep-alives, handshake retransmission and the dead-peer rule (RFC 7574 sections
//! 3.1.1 and 3.12).

use std::time::Duration;

use super::{Content, Net};
use crate::engine::{CloseReason, EndpointConfig, Event};

fn closed(net: &Net, node: usize) -> Vec<CloseReason> {
    net.nodes[node]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ChannelClosed { reason, .. } => Some(*reason),
            _ => None,
        })
        .collect()
}

fn opened(net: &Net, node: usize) -> bool {
    net.nodes[node]
        .events
        .iter()
        .any(|e| matches!(e, Event::ChannelOpened { .. }))
}

#[test]
fn a_closing_handshake_closes_the_channel_on_the_other_side() {
    let content = Content::standard();
    let mut net = Net::new(2, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.connect(1, 0, &content.id());
    assert!(net.run_until(Duration::from_secs(1), |n| opened(n, 0) && opened(n, 1)));
    let now = net.now;
    net.endpoint(1).remove_swarm(now, &content.id());
    net.run_for(Duration::from_secs(1));
    assert_eq!(closed(&net, 1), [CloseReason::SwarmRemoved]);
    assert_eq!(closed(&net, 0), [CloseReason::ClosedByPeer]);
    assert_eq!(net.nodes[0].endpoint.stats().channels, 0);
}

#[test]
fn an_unanswered_first_datagram_is_resent_until_the_dead_peer_rule() {
    let content = Content::standard();
    let mut net = Net::new(2, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    // Node 0 has no swarm: it stays silent.
    net.connect(1, 0, &content.id());
    net.run_for(Duration::from_secs(179));
    assert!(closed(&net, 1).is_empty());
    let sent = net
        .log
        .iter()
        .filter(|p| p.from == net.nodes[1].addr)
        .count();
    assert!(
        (3..=12).contains(&sent),
        "{sent} handshakes: backoff expected"
    );
    net.run_for(Duration::from_secs(60));
    assert_eq!(closed(&net, 1), [CloseReason::DeadPeer]);
    assert_eq!(net.nodes[1].endpoint.poll_timeout(), None);
}

#[test]
fn an_open_channel_to_a_silent_peer_dies_after_three_minutes() {
    let content = Content::standard();
    let mut net = Net::new(2, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.connect(1, 0, &content.id());
    assert!(net.run_until(Duration::from_secs(1), |n| opened(n, 1)));
    // The seeder vanishes: everything it sends is lost.
    let seeder = net.nodes[0].addr;
    net.filter = Some(Box::new(move |p| p.from == seeder));
    let silent_since = net.now;
    assert!(net.run_until(Duration::from_secs(600), |n| !closed(n, 1).is_empty()));
    assert_eq!(closed(&net, 1), [CloseReason::DeadPeer]);
    let waited = net.now - silent_since;
    assert!(
        waited >= Duration::from_secs(180),
        "closed after {waited:?}"
    );
    assert!(waited < Duration::from_secs(240), "closed after {waited:?}");
}

#[test]
fn keep_alives_keep_an_idle_channel_open() {
    // No upload slot: the leecher is choked, so the channel carries nothing but keep-alives.
    let config = EndpointConfig {
        upload_slots: 0,
        ..EndpointConfig::default()
    };
    let content = Content::standard();
    let mut net = Net::new(2, &config);
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.connect(1, 0, &content.id());
    net.run_for(Duration::from_secs(600));
    assert!(closed(&net, 0).is_empty() && closed(&net, 1).is_empty());
    for node in [0, 1] {
        let keep_alives = net
            .log
            .iter()
            .filter(|p| p.from == net.nodes[node].addr && p.contents.len() == 4)
            .count();
        assert!(
            keep_alives >= 10,
            "node {node} sent {keep_alives} keep-alives"
        );
    }
    assert_eq!(
        net.nodes[1]
            .endpoint
            .swarm_stats(&content.id())
            .unwrap()
            .chunks_held,
        0
    );
}
