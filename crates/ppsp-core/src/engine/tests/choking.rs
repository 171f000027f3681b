//! Choking (RFC 7574 section 3.8): a bounded number of upload slots, the regular ones to the
//! peers that reciprocate best, one optimistic slot that moves, and CHOKE/UNCHOKE sent to
//! match.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use ppsp_wire::ppspp::Message;

use super::{Content, Net, content};
use crate::engine::{EndpointConfig, SwarmConfig};

fn config() -> EndpointConfig {
    EndpointConfig {
        upload_slots: 2,
        choke_interval: Duration::from_millis(100),
        optimistic_unchoke_interval: Duration::from_millis(300),
        ..EndpointConfig::default()
    }
}

/// 1200 chunks: large enough to still be downloading while the choker works.
fn big() -> Content {
    Content::new(
        content(1200 * 1024, 4),
        1024,
        ppsp_wire::ppspp::MerkleHashFunction::Sha1,
        ppsp_wire::ppspp::ChunkAddressing::ChunkRanges32,
    )
}

/// The interested peers `node` currently lets download, by address.
fn unchoked(net: &Net, node: usize, content: &Content) -> BTreeSet<SocketAddr> {
    net.endpoint_ref(node)
        .peer_links(&content.id())
        .unwrap()
        .into_iter()
        .filter(|l| l.open && !l.choking)
        .map(|l| l.addr)
        .collect()
}

/// The last CHOKE or UNCHOKE `from` sent to `to`: whether it was a CHOKE.
fn last_choke_message(net: &Net, from: usize, to: usize, content: &Content) -> Option<bool> {
    net.messages(from, to, &content.ctx())
        .into_iter()
        .flatten()
        .filter_map(|m| match m {
            Message::Choke => Some(true),
            Message::Unchoke => Some(false),
            _ => None,
        })
        .last()
}

#[test]
fn a_seeder_uploads_to_at_most_its_slots_and_rotates_the_optimistic_one() {
    let content = big();
    let mut net = Net::new(5, &config());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    for leecher in 1..5 {
        net.endpoint(leecher)
            .add_swarm(now, content.download())
            .unwrap();
        net.connect(leecher, 0, &content.id());
    }
    let mut ever = BTreeSet::new();
    // Until the first leecher completes (and its channel closes).
    for _ in 0..40 {
        net.run_for(Duration::from_millis(50));
        if (1..5).any(|leecher| net.complete(leecher)) {
            break;
        }
        let now_unchoked = unchoked(&net, 0, &content);
        assert!(now_unchoked.len() <= 2, "{now_unchoked:?}");
        ever.extend(now_unchoked);
        // What each leecher was last told matches the seeder's state.
        for leecher in 1..5 {
            let addr = net.nodes[leecher].addr;
            let choking = net.endpoint_ref(0).is_choking(&content.id(), addr);
            let told = last_choke_message(&net, 0, leecher, &content).unwrap_or(false);
            assert_eq!(choking, Some(told), "leecher {leecher}");
        }
    }
    assert!(ever.len() > 2, "the optimistic slot never moved: {ever:?}");
}

#[test]
fn a_downloader_keeps_its_regular_slot_for_the_peer_that_reciprocates() {
    let content = big();
    let mut net = Net::new(4, &config());
    let now = net.now;
    // Node 0 needs chunks node 1 holds, and the other way round; nodes 2 and 3 only take.
    let (store_a, resume_a) = super::resume::partial_for_tests(&content, |i| i % 2 == 1);
    let (store_b, resume_b) = super::resume::partial_for_tests(&content, |i| i % 2 == 0);
    for (node, store, resume) in [(0, store_a, resume_a), (1, store_b, resume_b)] {
        let swarm = SwarmConfig {
            metadata: content.metadata.clone(),
            store: Box::new(store),
            content: resume,
        };
        net.endpoint(node).add_swarm(now, swarm).unwrap();
    }
    for taker in [2, 3] {
        net.endpoint(taker)
            .add_swarm(now, content.download())
            .unwrap();
        net.connect(taker, 0, &content.id());
    }
    net.connect(1, 0, &content.id());
    net.run_for(Duration::from_millis(300));
    let giver = net.nodes[1].addr;
    let mut rounds = 0;
    // While node 0 still downloads (once complete it ranks peers by what they take).
    while rounds < 10 && !net.complete(0) {
        let slots = unchoked(&net, 0, &content);
        assert!(slots.contains(&giver), "{slots:?}");
        assert!(slots.len() <= 2);
        net.run_for(Duration::from_millis(100));
        rounds += 1;
    }
    assert!(rounds >= 2, "node 0 completed before the choker ran twice");
}

/// A seeder with two slots, rounds far apart, and three leechers: one waits.
fn seeder_with_one_leecher_waiting(config: &EndpointConfig) -> (Net, Content, usize) {
    let content = big();
    let mut net = Net::new(4, config);
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    for leecher in 1..4 {
        net.endpoint(leecher)
            .add_swarm(now, content.download())
            .unwrap();
        net.connect(leecher, 0, &content.id());
        net.run_for(Duration::from_millis(50));
    }
    let slots = unchoked(&net, 0, &content);
    assert_eq!(slots.len(), 2, "{slots:?}");
    let waiting = (1..4)
        .find(|&l| !slots.contains(&net.nodes[l].addr))
        .expect("one leecher waits");
    (net, content, waiting)
}

#[test]
fn a_slot_freed_by_a_leaving_peer_goes_to_a_waiting_one_before_the_next_round() {
    let config = EndpointConfig {
        choke_interval: Duration::from_secs(60),
        ..config()
    };
    let (mut net, content, waiting) = seeder_with_one_leecher_waiting(&config);
    let leaving = (1..4).find(|&l| l != waiting).unwrap();
    let now = net.now;
    net.endpoint(leaving).remove_swarm(now, &content.id());
    net.run_for(Duration::from_millis(200));
    assert!(
        !net.complete(waiting),
        "the content is too small for this test"
    );
    let slots = unchoked(&net, 0, &content);
    assert!(slots.contains(&net.nodes[waiting].addr), "{slots:?}");
    assert_eq!(last_choke_message(&net, 0, waiting, &content), Some(false));
}

#[test]
fn a_silent_peer_loses_its_upload_slot_to_a_waiting_one() {
    let config = EndpointConfig {
        choke_interval: Duration::from_secs(600),
        keep_alive_interval: Duration::from_secs(1),
        ..config()
    };
    let (mut net, content, waiting) = seeder_with_one_leecher_waiting(&config);
    let silent = (1..4).find(|&l| l != waiting).unwrap();
    let silent_addr = net.nodes[silent].addr;
    net.filter = Some(Box::new(move |p| p.from == silent_addr));
    // Silence counts after two keep-alive intervals; the dead-peer rule takes 180 s.
    net.run_for(Duration::from_secs(3));
    let slots = unchoked(&net, 0, &content);
    assert!(!slots.contains(&silent_addr), "{slots:?}");
    if !net.complete(waiting) {
        assert!(slots.contains(&net.nodes[waiting].addr), "{slots:?}");
    }
    assert!(
        net.endpoint_ref(0)
            .peer_links(&content.id())
            .unwrap()
            .iter()
            .any(|l| l.addr == silent_addr),
        "the silent peer's channel is kept until the dead-peer rule"
    );
}
