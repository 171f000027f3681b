//! The three-way handshake against hand-built datagrams (RFC 7574 section 3.1.1, TV1 of
//! section 8.16), and the cases where the responder must stay silent.

use std::time::Duration;

use bytes::Bytes;
use ppsp_wire::ppspp::{
    ChannelId, ChunkAddressing, ChunkSpec, Datagram, HandshakeOptions, MerkleHashFunction, Message,
    ProtocolVersion,
};

use super::{Content, Driver, addr, datagram, hex};
use crate::engine::{CloseReason, EndpointConfig, Event};

/// TV1: "Hello world!\n", one chunk, SHA-1, 32-bit chunk ranges, no Chunk Size option.
fn tv1() -> Content {
    Content::new(
        Bytes::from_static(b"Hello world!\n"),
        1024,
        MerkleHashFunction::Sha1,
        ChunkAddressing::ChunkRanges32,
    )
}

const TV1_D1: &str = "00000000 00 00000001 0001 0101 02 0014 47a013e660d408619d894b20806b1d5086aab03b \
                      0301 0400 0602 ff";

fn seeder(content: &Content, config: EndpointConfig) -> Driver {
    let mut driver = Driver::new(config);
    driver
        .endpoint
        .add_swarm(driver.now, content.seed())
        .unwrap();
    driver
}

/// Our channel ID as chosen in a reply to datagram 1.
fn responder_channel(reply: &[u8]) -> u32 {
    u32::from_be_bytes(reply[5..9].try_into().unwrap())
}

#[test]
fn tv1_flow_against_hand_built_datagrams() {
    let content = tv1();
    let mut q = seeder(&content, EndpointConfig::default());
    let p = addr(1);

    // D1 → D2: HANDSHAKE (Version, Min Version, CIPM, MHF, CAM; no Swarm ID, and no Chunk
    // Size since P sent none) + HAVE 0..0. TV1's D2 except our channel and the Minimum
    // Version option, which we repeat as libswift does (the RFC leaves it open).
    let replies = q.feed(p, &hex(TV1_D1));
    assert_eq!(replies.len(), 1);
    let d2 = &replies[0];
    let chan_q = responder_channel(d2);
    assert_ne!(chan_q, 0);
    assert_eq!(d2[..5], hex("00000001 00"));
    assert_eq!(
        d2[9..],
        hex("0001 0101 0301 0400 0602 ff 03 00000000 00000000")
    );
    assert_eq!(d2.len(), 29);
    assert!(q.events().is_empty(), "not open before datagram 3");

    // D3 → D4: REQUEST 0..0 and PEX_REQ; the DATA comes after the single peak (the root).
    let d3 = [&chan_q.to_be_bytes()[..], &hex("08 00000000 00000000 06")].concat();
    let replies = q.feed(p, &d3);
    assert!(matches!(q.events()[..], [Event::ChannelOpened { .. }]));
    assert_eq!(replies.len(), 1);
    let d4 = Datagram::decode(replies[0].clone(), &content.ctx()).unwrap();
    assert_eq!(d4.channel, ChannelId(1));
    let single = ChunkSpec::ChunkRange { start: 0, end: 0 };
    match &d4.messages[..] {
        [
            Message::Integrity { spec, hash },
            Message::Data {
                spec: data_spec,
                payload,
                ..
            },
        ] => {
            assert_eq!((*spec, *data_spec), (single, single));
            assert_eq!(hash[..], hex("47a013e660d408619d894b20806b1d5086aab03b"));
            assert_eq!(payload[..], *b"Hello world!\n");
        }
        other => panic!("unexpected D4 {other:?}"),
    }
    assert!(replies[0].ends_with(b"Hello world!\n"));

    // D5: ACK (delay 100 µs) + HAVE. P now holds everything, as Q does: Q closes with the
    // libswift form of the closing HANDSHAKE.
    let d5 = [
        &chan_q.to_be_bytes()[..],
        &hex("02 00000000 00000000 0000000000000064 03 00000000 00000000"),
    ]
    .concat();
    let replies = q.feed(p, &d5);
    assert_eq!(replies, [Bytes::from(hex("00000001 00 00000000 ff"))]);
    assert!(q.events().iter().any(|e| matches!(
        e,
        Event::ChannelClosed {
            reason: CloseReason::BothComplete,
            ..
        }
    )));

    // D6, P's own close, now addresses a channel that no longer exists: ignored.
    let d6 = [&chan_q.to_be_bytes()[..], &hex("00 00000000 ff")].concat();
    assert!(q.feed(p, &d6).is_empty());
    assert_eq!(q.endpoint.stats().unknown_channel, 1);
}

#[test]
fn invalid_first_datagrams_get_no_answer_at_all() {
    let content = tv1();
    let mut q = seeder(&content, EndpointConfig::default());
    let good = TV1_D1.to_string();
    let cases = [
        ("wrong swarm ID", good.replace("47a013e6", "47a013e7")),
        (
            "unsupported version",
            good.replace("0001 0101", "0002 0102"),
        ),
        ("mismatched hash function", good.replace("0400", "0402")),
        ("mismatched addressing", good.replace("0602", "0600")),
        (
            "mismatched chunk size",
            good.replace("0602 ff", "0602 09 00000200 ff"),
        ),
        ("missing integrity method", good.replace("0301", "")),
        ("truncated options", good.replace(" ff", "")),
        ("closing handshake", "00000000 00 00000000 ff".to_string()),
        ("too short", "0000".to_string()),
        (
            "not a handshake",
            "00000000 08 00000000 00000000".to_string(),
        ),
    ];
    for (i, (name, case)) in cases.iter().enumerate() {
        let from = addr(i + 1);
        assert!(q.feed(from, &hex(case)).is_empty(), "{name}: answered");
    }
    assert!(q.events().is_empty());
    let stats = q.endpoint.stats();
    assert_eq!(stats.channels, 0);
    assert_eq!(
        stats.refused_handshakes + stats.invalid_datagrams,
        cases.len() as u64
    );
    // Nothing pending on a timer either.
    assert!(q.advance(Duration::from_secs(60)).is_empty());
}

#[test]
fn datagrams_for_unknown_channels_are_ignored() {
    let mut q = seeder(&tv1(), EndpointConfig::default());
    assert!(
        q.feed(addr(1), &hex("12345678 08 00000000 00000000"))
            .is_empty()
    );
    assert!(q.feed(addr(1), &hex("12345678")).is_empty());
    assert_eq!(q.endpoint.stats().unknown_channel, 2);
}

#[test]
fn a_retransmitted_first_datagram_gets_the_same_reply_and_one_channel() {
    let mut q = seeder(&tv1(), EndpointConfig::default());
    let first = q.feed(addr(1), &hex(TV1_D1));
    let second = q.feed(addr(1), &hex(TV1_D1));
    assert_eq!(first.len(), 1);
    assert_eq!(first, second);
    assert_eq!(q.endpoint.stats().channels, 1);
    // The same source channel from another address is another peer.
    let third = q.feed(addr(2), &hex(TV1_D1));
    assert_ne!(responder_channel(&third[0]), responder_channel(&first[0]));
    assert_eq!(q.endpoint.stats().channels, 2);
}

#[test]
fn no_data_before_the_initiator_echoes_our_channel() {
    let content = tv1();
    let mut q = seeder(&content, EndpointConfig::default());
    // Datagram 1 carrying a REQUEST (which it must not): only HANDSHAKE + HAVE come back.
    let d1 = [hex(TV1_D1), hex("08 00000000 00000000")].concat();
    let replies = q.feed(addr(1), &d1);
    assert_eq!(replies.len(), 1);
    let reply = Datagram::decode(replies[0].clone(), &content.ctx()).unwrap();
    assert!(matches!(
        reply.messages[..],
        [Message::Handshake { .. }, Message::Have { .. }]
    ));
    assert!(q.advance(Duration::from_secs(5)).is_empty());
    // A datagram from the right address carrying our channel completes the handshake.
    let chan_q = responder_channel(&replies[0]);
    let d3 = [&chan_q.to_be_bytes()[..], &hex("08 00000000 00000000")].concat();
    assert!(q.feed(addr(2), &d3).is_empty(), "wrong address accepted");
    let replies = q.feed(addr(1), &d3);
    let d4 = Datagram::decode(replies[0].clone(), &content.ctx()).unwrap();
    assert!(matches!(d4.messages.last(), Some(Message::Data { .. })));
}

#[test]
fn the_first_data_to_a_new_peer_is_preceded_by_the_peaks() {
    // RFC 7574 section 5.6: 7162 bytes in 1 KiB chunks, peaks at bins 3, 9 and 12.
    let content = Content::new(
        super::content(7162, 3),
        1024,
        MerkleHashFunction::Sha256,
        ChunkAddressing::ChunkRanges32,
    );
    let ctx = content.ctx();
    let mut q = seeder(&content, EndpointConfig::default());
    let options = HandshakeOptions {
        version: Some(ProtocolVersion::V1),
        min_version: Some(ProtocolVersion::V1),
        swarm_id: Some(content.id()),
        content_integrity: Some(content.metadata.content_integrity),
        merkle_hash_function: Some(MerkleHashFunction::Sha256),
        chunk_addressing: Some(ChunkAddressing::ChunkRanges32),
        chunk_size: Some(content.metadata.chunk_size),
        ..HandshakeOptions::default()
    };
    let d1 = datagram(
        0,
        vec![Message::Handshake {
            source_channel: ChannelId(5),
            options,
        }],
        &ctx,
    );
    let chan_q = responder_channel(&q.feed(addr(1), &d1)[0]);
    let range = |start, end| ChunkSpec::ChunkRange { start, end };
    let request = |c| Message::Request { spec: range(c, c) };
    let sent = q.feed(addr(1), &datagram(chan_q, vec![request(0)], &ctx));
    let d4 = Datagram::decode(sent[0].clone(), &ctx).unwrap();
    let specs: Vec<ChunkSpec> = d4
        .messages
        .iter()
        .map(|m| match m {
            Message::Integrity { spec, .. } | Message::Data { spec, .. } => *spec,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    // Peaks 3, 9, 12, then the uncles of chunk 0 below peak 3 (bins 5 and 2), height
    // descending, then the chunk.
    assert_eq!(
        specs,
        [
            range(0, 3),
            range(4, 5),
            range(6, 6),
            range(2, 3),
            range(1, 1),
            range(0, 0)
        ]
    );
    // Once chunk 0 is acknowledged, chunk 1 needs no hash at all.
    let ack = Message::Ack {
        spec: range(0, 0),
        delay_sample: 5,
    };
    let sent = q.feed(addr(1), &datagram(chan_q, vec![ack, request(1)], &ctx));
    let d = Datagram::decode(sent[0].clone(), &ctx).unwrap();
    assert!(matches!(d.messages[..], [Message::Data { .. }]));
}

#[test]
fn first_datagrams_beyond_the_channel_limit_are_not_answered() {
    let config = EndpointConfig {
        max_channels: 3,
        ..EndpointConfig::default()
    };
    let mut q = seeder(&tv1(), config);
    let answered = (0..10)
        .filter(|&i| !q.feed(addr(i + 1), &hex(TV1_D1)).is_empty())
        .count();
    assert_eq!(answered, 3);
    assert_eq!(q.endpoint.stats().channels, 3);
    assert_eq!(q.endpoint.stats().refused_handshakes, 7);
}

#[test]
fn swarms_the_engine_cannot_serve_are_refused() {
    let content = tv1();
    let mut driver = Driver::new(EndpointConfig::default());
    let now = driver.now;
    let mut live = content.download();
    live.metadata.content_integrity = ppsp_wire::ppspp::ContentIntegrity::UnifiedMerkleTree;
    live.metadata.live_signature_algorithm =
        Some(ppsp_wire::ppspp::LiveSignatureAlgorithm::EcdsaP256Sha256);
    live.metadata.chunks_per_signature = Some(32);
    live.metadata.content_length = None;
    assert!(driver.endpoint.add_swarm(now, live).is_err());
    let other = Content::new(
        Bytes::from_static(b"something else"),
        1024,
        MerkleHashFunction::Sha1,
        ChunkAddressing::ChunkRanges32,
    );
    let mut wrong_tree = content.seed();
    wrong_tree.content = crate::engine::SwarmContent::Seed(other.tree.clone());
    assert!(driver.endpoint.add_swarm(now, wrong_tree).is_err());
    driver.endpoint.add_swarm(now, content.seed()).unwrap();
    assert!(driver.endpoint.add_swarm(now, content.seed()).is_err());
}
