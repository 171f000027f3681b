//! Joining a swarm at a tracker that does not answer fails with an error naming the tracker,
//! within the ten seconds `TrackingConfig::new` promises.

use std::time::{Duration, Instant};

use ppsp_node::node::{Node, NodeConfig};
use ppsp_node::tracking::{Tracking, TrackingConfig, TrackingError};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::PeerMode;

#[tokio::test]
async fn join_at_a_closed_port_fails_within_ten_seconds() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let config = NodeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..NodeConfig::default()
    };
    let (node, _events) = Node::spawn(config).unwrap();
    let swarm = SwarmId::new([0x11; 32]).unwrap();
    let started = Instant::now();
    let result = Tracking::join(
        &node,
        swarm,
        TrackingConfig::new(url.clone(), PeerMode::Leech),
    )
    .await;
    let elapsed = started.elapsed();
    let Err(error @ TrackingError::Tracker { .. }) = result else {
        panic!("joined a tracker that is not there: {result:?}");
    };
    assert!(error.to_string().contains(&url), "{error}");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
    node.shutdown().await;
}
