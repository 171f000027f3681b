//! Whole transfers between engines: every hash function and addressing method, several
//! leechers, loss, size detection and on-demand streaming.

use std::time::Duration;

use ppsp_wire::ppspp::{ChunkAddressing, MerkleHashFunction, Message};

use super::{Content, Net, content};
use crate::engine::{EndpointConfig, Event};

/// Node 0 seeds; nodes 1.. download, each connecting to the seeder and to every earlier
/// leecher. Runs until all are complete (or `limit`), returning whether they are.
fn swarm_run(net: &mut Net, content: &Content, limit: Duration) -> bool {
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    let leechers = net.nodes.len();
    for i in 1..leechers {
        net.endpoint(i).add_swarm(now, content.download()).unwrap();
        for j in 0..i {
            net.connect(i, j, &content.id());
        }
    }
    net.run_until(limit, |n| (1..leechers).all(|i| n.complete(i)))
}

fn assert_identical(net: &Net, content: &Content, node: usize) {
    let chunks = content.tree.chunk_count();
    assert_eq!(
        net.stored(node, &content.id(), chunks),
        content.bytes[..],
        "node {node} stored different bytes"
    );
}

#[test]
fn a_seeder_and_a_leecher_transfer_identical_bytes_with_every_hash_and_addressing() {
    for mhf in [MerkleHashFunction::Sha256, MerkleHashFunction::Sha1] {
        for cam in ChunkAddressing::ALL {
            let content = Content::new(content(100 * 1024 + 300, 7), 1024, mhf, cam);
            let mut net = Net::new(2, &EndpointConfig::default());
            assert!(
                swarm_run(&mut net, &content, Duration::from_secs(60)),
                "{mhf:?} {cam:?} did not complete"
            );
            assert_identical(&net, &content, 1);
            let stats = net.nodes[1].endpoint.swarm_stats(&content.id()).unwrap();
            assert_eq!(stats.chunks_verified, 101);
            assert_eq!(stats.banned_peers, 0);
            let verified = net.nodes[1]
                .events
                .iter()
                .filter(|e| matches!(e, Event::ChunkVerified { .. }))
                .count();
            assert_eq!(verified, 101);
        }
    }
}

#[test]
fn datagrams_stay_within_the_mtu() {
    let content = Content::standard();
    let mut net = Net::new(2, &EndpointConfig::default());
    assert!(swarm_run(&mut net, &content, Duration::from_secs(60)));
    let max = EndpointConfig::default().max_datagram_len();
    assert!(net.log.iter().all(|p| p.contents.len() <= max));
}

#[test]
fn the_content_length_is_detected_from_the_peaks() {
    let mut content = Content::standard();
    let mut net = Net::new(2, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    content.metadata.content_length = None;
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.connect(1, 0, &content.id());
    assert!(net.run_until(Duration::from_secs(60), |n| n.complete(1)));
    assert_identical(&net, &content, 1);
    let stats = net.nodes[1].endpoint.swarm_stats(&content.id()).unwrap();
    assert_eq!(stats.content_length, Some(content.bytes.len() as u64));
    // The last chunk was fetched as soon as the peaks told the count, to learn the length:
    // right after the first round of requests.
    let position = net.nodes[1]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ChunkVerified { index, .. } => Some(*index),
            _ => None,
        })
        .position(|index| index == 100);
    assert!(
        position.is_some_and(|p| p <= 12),
        "last chunk verified at {position:?}"
    );
}

#[test]
fn one_seeder_and_five_leechers_all_complete() {
    let content = Content::standard();
    let mut net = Net::new(6, &EndpointConfig::default());
    assert!(swarm_run(&mut net, &content, Duration::from_secs(120)));
    for i in 1..6 {
        assert_identical(&net, &content, i);
    }
    // Leechers served each other: the seeder did not upload everything five times.
    let seeder = net.nodes[0].endpoint.swarm_stats(&content.id()).unwrap();
    let leechers_up: u64 = (1..6)
        .map(|i| {
            net.nodes[i]
                .endpoint
                .swarm_stats(&content.id())
                .unwrap()
                .payload_bytes_up
        })
        .sum();
    assert!(
        leechers_up > 0,
        "leechers never uploaded (seeder sent {})",
        seeder.payload_bytes_up
    );
}

#[test]
fn ten_percent_loss_still_completes() {
    let content = Content::standard();
    let mut net = Net::new(3, &EndpointConfig::default());
    net.loss = 0.10;
    assert!(swarm_run(&mut net, &content, Duration::from_secs(300)));
    assert_identical(&net, &content, 1);
    assert_identical(&net, &content, 2);
    let timeouts: u64 = (1..3)
        .map(|i| {
            net.nodes[i]
                .endpoint
                .swarm_stats(&content.id())
                .unwrap()
                .request_timeouts
        })
        .sum();
    assert!(timeouts > 0, "loss was never noticed");
}

#[test]
fn a_playhead_fetches_the_window_after_it_first_and_in_order() {
    let content = Content::standard();
    let config = EndpointConfig {
        playhead_window: 16,
        ..EndpointConfig::default()
    };
    let mut net = Net::new(2, &config);
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.endpoint(1)
        .set_playhead(now, &content.id(), 40)
        .unwrap();
    net.connect(1, 0, &content.id());
    assert!(net.run_until(Duration::from_secs(60), |n| n.complete(1)));
    let order: Vec<u64> = net.nodes[1]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ChunkVerified { index, .. } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(order[..16], (40..56).collect::<Vec<_>>()[..]);
    assert_identical(&net, &content, 1);
}

#[test]
fn one_endpoint_serves_several_swarms_on_one_socket() {
    let a = Content::standard();
    let b = Content::new(
        content(20 * 1024, 9),
        1024,
        MerkleHashFunction::Sha1,
        ChunkAddressing::Bins32,
    );
    let mut net = Net::new(2, &EndpointConfig::default());
    let now = net.now;
    for swarm in [&a, &b] {
        net.endpoint(0).add_swarm(now, swarm.seed()).unwrap();
        net.endpoint(1).add_swarm(now, swarm.download()).unwrap();
        net.connect(1, 0, &swarm.id());
    }
    let both = |n: &Net| {
        n.nodes[1]
            .events
            .iter()
            .filter(|e| matches!(e, Event::SwarmComplete { .. }))
            .count()
            == 2
    };
    assert!(net.run_until(Duration::from_secs(60), both));
    assert_identical(&net, &a, 1);
    assert_identical(&net, &b, 1);
}

#[test]
fn haves_are_batched_not_sent_one_datagram_per_chunk() {
    let content = Content::standard();
    let mut net = Net::new(3, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    // Node 1 downloads from the seeder and announces what it gets to node 2, which
    // downloads from node 1 only.
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.endpoint(2).add_swarm(now, content.download()).unwrap();
    net.connect(1, 0, &content.id());
    net.connect(2, 1, &content.id());
    assert!(net.run_until(Duration::from_secs(60), |n| n.complete(1) && n.complete(2)));
    let verified = net.nodes[1]
        .endpoint
        .swarm_stats(&content.id())
        .unwrap()
        .chunks_verified;
    let datagrams = net.messages(1, 2, &content.ctx());
    let haves = |d: &Vec<Message>| {
        d.iter()
            .filter(|m| matches!(m, Message::Have { .. }))
            .count()
    };
    let announced: usize = datagrams.iter().map(haves).sum();
    // Datagrams that carry nothing but HAVEs: the ones batching saves.
    let have_only = datagrams
        .iter()
        .filter(|d| !d.is_empty() && haves(d) == d.len())
        .count() as u64;
    assert!(announced > 0, "node 2 never heard of node 1's chunks");
    assert!(
        have_only * 4 < verified,
        "{have_only} datagrams of HAVEs alone for {verified} chunks"
    );
}
