//! Peers learned by PEX are connected to by the engine itself, within the per-swarm bound,
//! and never when banned.

use std::net::SocketAddr;
use std::time::Duration;

use super::{Content, Net};
use crate::engine::{EndpointConfig, Event};

/// The peers node `i` opened channels with.
fn opened_with(net: &Net, i: usize) -> Vec<SocketAddr> {
    let mut peers: Vec<SocketAddr> = net.nodes[i]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ChannelOpened { peer, .. } => Some(*peer),
            _ => None,
        })
        .collect();
    peers.sort();
    peers.dedup();
    peers
}

/// Node 0 seeds; leechers 1 and 2 know only the seeder, and 3 joins later, knowing only
/// the seeder too.
fn late_joiner(config: &EndpointConfig) -> (Net, Content) {
    let content = Content::standard();
    let mut net = Net::new(4, config);
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    for leecher in [1, 2, 3] {
        net.endpoint(leecher)
            .add_swarm(now, content.download())
            .unwrap();
    }
    net.connect(1, 0, &content.id());
    net.connect(2, 0, &content.id());
    net.run_for(Duration::from_millis(100));
    net.connect(3, 0, &content.id());
    net.run_for(Duration::from_millis(300));
    (net, content)
}

#[test]
fn peers_learned_by_pex_are_connected_to() {
    let (net, _) = late_joiner(&EndpointConfig::default());
    let addrs: Vec<SocketAddr> = (0..3).map(|i| net.nodes[i].addr).collect();
    assert_eq!(opened_with(&net, 3), addrs);
}

#[test]
fn pex_connections_stop_at_the_per_swarm_bound() {
    let config = EndpointConfig {
        max_peers_per_swarm: 2,
        ..EndpointConfig::default()
    };
    let (net, _) = late_joiner(&config);
    // The seeder plus one of the two peers PEX named.
    let opened = opened_with(&net, 3);
    assert_eq!(opened.len(), 2, "{opened:?}");
    assert!(opened.contains(&net.nodes[0].addr));
    let none = EndpointConfig {
        max_peers_per_swarm: 0,
        ..EndpointConfig::default()
    };
    let (net, _) = late_joiner(&none);
    assert_eq!(opened_with(&net, 3), [net.nodes[0].addr]);
}
