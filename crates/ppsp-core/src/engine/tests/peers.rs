//! Behaviour towards other peers: banning liars, HAVE etiquette, choking and PEX.

use std::time::Duration;

use bytes::Bytes;
use ppsp_wire::ppspp::{
    ChannelId, ChunkSpec, Datagram, HandshakeOptions, Message, ProtocolVersion,
};

use super::{Content, Driver, LyingStore, Net, addr, datagram};
use crate::engine::{
    BanReason, CloseReason, EndpointConfig, Event, MemoryStore, SwarmConfig, SwarmContent,
};

#[test]
fn a_peer_sending_corrupt_chunks_is_banned_and_the_others_complete() {
    let content = Content::standard();
    let mut net = Net::new(4, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    // Node 1 has the right tree (so it passes the handshake) but serves corrupt bytes.
    let liar = || SwarmConfig {
        metadata: content.metadata.clone(),
        store: Box::new(LyingStore(MemoryStore::from_content(&content.bytes, 1024))),
        content: SwarmContent::Seed(content.tree.clone()),
    };
    net.endpoint(1).add_swarm(now, liar()).unwrap();
    for leecher in [2, 3] {
        net.endpoint(leecher)
            .add_swarm(now, content.download())
            .unwrap();
        net.connect(leecher, 1, &content.id());
        net.connect(leecher, 0, &content.id());
    }
    assert!(net.run_until(Duration::from_secs(120), |n| n.complete(2) && n.complete(3)));
    let liar_addr = net.nodes[1].addr;
    for leecher in [2, 3] {
        let chunks = content.tree.chunk_count();
        assert_eq!(
            net.stored(leecher, &content.id(), chunks),
            content.bytes[..]
        );
        assert!(net.nodes[leecher].events.iter().any(|e| matches!(
            e,
            Event::PeerBanned { peer, reason: BanReason::CorruptChunk { .. }, .. } if *peer == liar_addr
        )));
        // Its channel was dropped, and it is never asked again: reconnecting is refused.
        assert!(net.nodes[leecher].events.iter().any(|e| matches!(
            e,
            Event::ChannelClosed { peer, reason: CloseReason::Banned, .. } if *peer == liar_addr
        )));
        let now = net.now;
        assert!(
            net.endpoint(leecher)
                .connect(now, &content.id(), liar_addr)
                .is_err()
        );
    }
    // The liar rejoining and reaching out again gets no answer at all.
    let now = net.now;
    net.endpoint(1).remove_swarm(now, &content.id());
    net.endpoint(1).add_swarm(now, liar()).unwrap();
    let mark = net.log.len();
    net.connect(1, 2, &content.id());
    net.connect(1, 3, &content.id());
    net.run_for(Duration::from_secs(5));
    assert!(net.log.len() > mark);
    assert!(net.log[mark..].iter().any(|p| p.from == liar_addr));
    assert!(net.log[mark..].iter().all(|p| p.to != liar_addr));
}

#[test]
fn have_is_never_sent_to_a_seeder() {
    let content = Content::standard();
    let mut net = Net::new(3, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    for leecher in [1, 2] {
        net.endpoint(leecher)
            .add_swarm(now, content.download())
            .unwrap();
        net.connect(leecher, 0, &content.id());
    }
    net.connect(2, 1, &content.id());
    assert!(net.run_until(Duration::from_secs(60), |n| n.complete(1) && n.complete(2)));
    let ctx = content.ctx();
    let is_have = |m: &Message| matches!(m, Message::Have { .. });
    for leecher in [1, 2] {
        let to_seeder = net.messages(leecher, 0, &ctx);
        assert!(
            !to_seeder.iter().flatten().any(is_have),
            "HAVE sent to the seeder"
        );
    }
    // Between the two leechers HAVEs do flow.
    assert!(net.messages(1, 2, &ctx).iter().flatten().any(is_have));
}

/// A leecher connected to a hand-driven seeder at `addr(0)`: returns the driver and the
/// leecher's channel ID, after the seeder's reply announcing 100 chunks.
pub(super) fn leecher_with_fake_seeder(content: &Content) -> (Driver, u32, Vec<Bytes>) {
    let mut driver = Driver::new(EndpointConfig::default());
    let now = driver.now;
    driver.endpoint.add_swarm(now, content.download()).unwrap();
    driver
        .endpoint
        .connect(now, &content.id(), addr(0))
        .unwrap();
    let d1 = driver.sent();
    let chan_p = u32::from_be_bytes(d1[0][5..9].try_into().unwrap());
    let options = HandshakeOptions {
        version: Some(ProtocolVersion::V1),
        content_integrity: Some(content.metadata.content_integrity),
        merkle_hash_function: Some(content.metadata.merkle_hash_function),
        chunk_addressing: Some(content.metadata.chunk_addressing),
        chunk_size: Some(content.metadata.chunk_size),
        ..HandshakeOptions::default()
    };
    let d2 = datagram(
        chan_p,
        vec![
            Message::Handshake {
                source_channel: ChannelId(77),
                options,
            },
            Message::Have {
                spec: ChunkSpec::ChunkRange { start: 0, end: 100 },
            },
        ],
        &content.ctx(),
    );
    let sent = driver.feed(addr(0), &d2);
    (driver, chan_p, sent)
}

fn requests(content: &Content, sent: &[Bytes]) -> usize {
    sent.iter()
        .filter_map(|b| Datagram::decode(b.clone(), &content.ctx()).ok())
        .flat_map(|d| d.messages)
        .filter(|m| matches!(m, Message::Request { .. }))
        .count()
}

#[test]
fn choke_stops_requests_and_unchoke_resumes_them() {
    let content = Content::standard();
    let (mut driver, chan_p, sent) = leecher_with_fake_seeder(&content);
    assert!(requests(&content, &sent) > 0, "no requests after the reply");
    let ctx = content.ctx();
    let choke = datagram(chan_p, vec![Message::Choke], &ctx);
    let mut after = driver.feed(addr(0), &choke);
    after.extend(driver.advance(Duration::from_secs(5)));
    after.extend(driver.advance(Duration::from_secs(5)));
    assert_eq!(requests(&content, &after), 0, "requested while choked");
    let unchoke = datagram(chan_p, vec![Message::Unchoke], &ctx);
    let resumed = driver.feed(addr(0), &unchoke);
    assert!(
        requests(&content, &resumed) > 0,
        "no requests after UNCHOKE"
    );
}

#[test]
fn requests_to_a_choking_seeder_are_dropped_and_the_choke_repeated() {
    let content = Content::standard();
    let config = EndpointConfig {
        upload_slots: 0,
        ..EndpointConfig::default()
    };
    let mut net = Net::new(2, &config);
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    net.endpoint(1).add_swarm(now, content.download()).unwrap();
    net.connect(1, 0, &content.id());
    net.run_for(Duration::from_secs(20));
    let ctx = content.ctx();
    let from_seeder: Vec<Message> = net.messages(0, 1, &ctx).into_iter().flatten().collect();
    assert!(from_seeder.contains(&Message::Choke));
    assert!(
        !from_seeder
            .iter()
            .any(|m| matches!(m, Message::Data { .. }))
    );
    // The leecher's REQUESTs of datagram 3 crossed the CHOKE; none followed it.
    let to_seeder = net.messages(1, 0, &ctx);
    let requesting: Vec<usize> = to_seeder
        .iter()
        .enumerate()
        .filter(|(_, d)| d.iter().any(|m| matches!(m, Message::Request { .. })))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(requesting, [1], "requests after the CHOKE");
}

#[test]
fn pex_req_is_answered_with_recent_peers() {
    let content = Content::standard();
    let mut net = Net::new(4, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(0).add_swarm(now, content.seed()).unwrap();
    for leecher in [1, 2, 3] {
        net.endpoint(leecher)
            .add_swarm(now, content.download())
            .unwrap();
    }
    net.connect(1, 0, &content.id());
    net.connect(2, 0, &content.id());
    net.run_for(Duration::from_millis(200));
    net.connect(3, 0, &content.id());
    let discovered = |n: &Net| {
        n.nodes[3].events.iter().find_map(|e| match e {
            Event::PeersDiscovered { peers, .. } => Some(peers.clone()),
            _ => None,
        })
    };
    assert!(net.run_until(Duration::from_secs(5), |n| discovered(n).is_some()));
    let mut peers = discovered(&net).unwrap();
    peers.sort();
    assert_eq!(peers, [net.nodes[1].addr, net.nodes[2].addr]);
}

#[test]
fn an_invalid_message_discards_the_rest_of_its_datagram() {
    let content = Content::standard();
    let (mut driver, chan_p, _) = leecher_with_fake_seeder(&content);
    let range = |start, end| ChunkSpec::ChunkRange { start, end };
    // A HAVE, an inverted (invalid) HAVE, then a REQUEST that must not be looked at.
    let messages = vec![
        Message::Have { spec: range(0, 3) },
        Message::Have { spec: range(9, 2) },
        Message::Request { spec: range(0, 0) },
    ];
    driver.feed(addr(0), &datagram(chan_p, messages, &content.ctx()));
    let stats = driver.endpoint.swarm_stats(&content.id()).unwrap();
    assert_eq!(stats.invalid_messages, 1);
    assert_eq!(stats.payload_bytes_up, 0);
}
