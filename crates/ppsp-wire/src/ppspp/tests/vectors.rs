//! Test vectors TV1, TV1', TV2 and TV4 of the standards digest (section 1.17), and the option
//! orders seen in draft -10 implementations.

use bytes::Bytes;

use super::{hex, round_trip, sha1_context};
use crate::ids::SwarmId;
use crate::ppspp::{
    ChannelId, ChunkAddressing, ChunkSize, ChunkSpec, ContentIntegrity, Datagram, DecodeContext,
    HandshakeOptions, LiveSignatureAlgorithm, MerkleHashFunction, Message, ProtocolVersion,
};

const CHUNK_0: ChunkSpec = ChunkSpec::ChunkRange { start: 0, end: 0 };

fn swarm_id(hex_text: &str) -> SwarmId {
    hex_text.parse().unwrap()
}

/// The six datagrams of the RFC 8.16 example, SHA-1 flavour, with their expected contents.
fn tv1() -> Vec<(&'static str, Datagram)> {
    let handshake_options = HandshakeOptions {
        version: Some(ProtocolVersion::V1),
        content_integrity: Some(ContentIntegrity::MerkleHashTree),
        merkle_hash_function: Some(MerkleHashFunction::Sha1),
        chunk_addressing: Some(ChunkAddressing::ChunkRanges32),
        ..HandshakeOptions::default()
    };
    vec![
        (
            "00000000 | 00 00000001 | 00 01 | 01 01 | 02 0014 \
             47a013e660d408619d894b20806b1d5086aab03b | 03 01 | 04 00 | 06 02 | ff",
            Datagram {
                channel: ChannelId(0),
                messages: vec![Message::Handshake {
                    source_channel: ChannelId(1),
                    options: HandshakeOptions {
                        min_version: Some(ProtocolVersion::V1),
                        swarm_id: Some(swarm_id("47a013e660d408619d894b20806b1d5086aab03b")),
                        ..handshake_options.clone()
                    },
                }],
            },
        ),
        (
            "00000001 | 00 00000008 | 00 01 | 03 01 | 04 00 | 06 02 | ff | 03 00000000 00000000",
            Datagram {
                channel: ChannelId(1),
                messages: vec![
                    Message::Handshake {
                        source_channel: ChannelId(8),
                        options: handshake_options,
                    },
                    Message::Have { spec: CHUNK_0 },
                ],
            },
        ),
        (
            "00000008 | 08 00000000 00000000 | 06",
            Datagram {
                channel: ChannelId(8),
                messages: vec![Message::Request { spec: CHUNK_0 }, Message::PexReq],
            },
        ),
        (
            "00000001 | 01 00000000 00000000 0004e94180b7db44 48656c6c6f20776f726c64210a",
            Datagram {
                channel: ChannelId(1),
                messages: vec![Message::Data {
                    spec: CHUNK_0,
                    timestamp: 0x0004_e941_80b7_db44,
                    payload: Bytes::from_static(b"Hello world!\n"),
                }],
            },
        ),
        (
            "00000008 | 02 00000000 00000000 0000000000000064 | 03 00000000 00000000",
            Datagram {
                channel: ChannelId(8),
                messages: vec![
                    Message::Ack {
                        spec: CHUNK_0,
                        delay_sample: 100,
                    },
                    Message::Have { spec: CHUNK_0 },
                ],
            },
        ),
        (
            "00000008 | 00 00000000 | ff",
            Datagram {
                channel: ChannelId(8),
                messages: vec![Message::close()],
            },
        ),
    ]
}

/// TV1 as hex, for the truncation test.
pub(super) fn tv1_bytes() -> Vec<Vec<u8>> {
    tv1().into_iter().map(|(text, _)| hex(text)).collect()
}

#[test]
fn tv1_datagrams_decode_to_the_example_messages_and_re_encode_exactly() {
    let ctx = sha1_context();
    let lengths: Vec<usize> = tv1()
        .into_iter()
        .map(|(text, expected)| {
            let bytes = hex(text);
            assert_eq!(round_trip(&bytes, &ctx), expected);
            bytes.len()
        })
        .collect();
    assert_eq!(lengths, [43, 27, 14, 34, 30, 10]);
}

#[test]
fn tv1_closing_datagram_is_a_close() {
    let (_, d6) = tv1().pop().unwrap();
    assert!(d6.messages[0].is_close());
}

#[test]
fn tv1_prime_rfc_form_with_sha256_root_and_chunk_size_round_trips() {
    let bytes = hex("00000000 00 00000001 0001 0101 02 0020 \
         0ba904eae8773b70c75333db4de2f3ac45a8ad4ddba1b242f0b3cfc199391dd8 \
         0301 0402 0602 09 00000400 ff");
    assert_eq!(bytes.len(), 60);
    let datagram = round_trip(&bytes, &DecodeContext::default());
    let Message::Handshake { options, .. } = &datagram.messages[0] else {
        panic!("not a handshake: {datagram:?}");
    };
    assert_eq!(
        options.merkle_hash_function,
        Some(MerkleHashFunction::Sha256)
    );
    assert_eq!(options.chunk_size, Some(ChunkSize::Fixed(1024)));
    assert_eq!(
        options.swarm_id.as_ref().map(SwarmId::to_hex).as_deref(),
        Some("0ba904eae8773b70c75333db4de2f3ac45a8ad4ddba1b242f0b3cfc199391dd8")
    );
}

#[test]
fn tv2_swirl_handshakes_decode() {
    for source in ["ef1961d4", "8ba57ecb"] {
        let bytes = hex(&format!(
            "00000000 00 {source} 0001 0101 02 0014 c89800bfc82ed01ed6e3bfd5408c51274491f7d4 \
             0301 0400 0602 ff"
        ));
        let datagram = round_trip(&bytes, &DecodeContext::default());
        let expected = Message::Handshake {
            source_channel: ChannelId(u32::from_str_radix(source, 16).unwrap()),
            options: HandshakeOptions {
                version: Some(ProtocolVersion::V1),
                min_version: Some(ProtocolVersion::V1),
                swarm_id: Some(swarm_id("c89800bfc82ed01ed6e3bfd5408c51274491f7d4")),
                content_integrity: Some(ContentIntegrity::MerkleHashTree),
                merkle_hash_function: Some(MerkleHashFunction::Sha1),
                chunk_addressing: Some(ChunkAddressing::ChunkRanges32),
                ..HandshakeOptions::default()
            },
        };
        assert_eq!(datagram.messages, [expected]);
    }
}

#[test]
fn tv4_swirl_chunk_ranges_decode() {
    let bytes = hex(
        "00000001 | 03 00000000 0000000f | 03 00000010 00000017 | 03 00000018 00000019 \
         | 03 00000000 00000004",
    );
    let datagram = round_trip(&bytes, &DecodeContext::default());
    let ranges: Vec<_> = datagram
        .messages
        .iter()
        .map(|m| match m {
            Message::Have {
                spec: ChunkSpec::ChunkRange { start, end },
            } => (*start, *end),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(ranges, [(0, 15), (16, 23), (24, 25), (0, 4)]);
}

#[test]
fn draft_10_live_handshake_in_libswift_order_round_trips() {
    // Version, Min Version, Swarm ID (P-256 key), CIPM 3, MHF, LSA, CAM, LDW all ones, End.
    let mut key = "0d".to_owned();
    key.push_str(&"ab".repeat(64));
    let bytes = hex(&format!(
        "00000000 00 00000007 0001 0101 02 0041 {key} 0303 0400 050d 0602 07 ffffffff ff"
    ));
    let datagram = round_trip(&bytes, &DecodeContext::default());
    let Message::Handshake { options, .. } = &datagram.messages[0] else {
        panic!("not a handshake: {datagram:?}");
    };
    assert_eq!(
        options.content_integrity,
        Some(ContentIntegrity::UnifiedMerkleTree)
    );
    assert_eq!(
        options.live_signature_algorithm,
        Some(LiveSignatureAlgorithm::EcdsaP256Sha256)
    );
    assert_eq!(options.live_discard_window, Some(0xFFFF_FFFF));
}

#[test]
fn options_in_any_order_decode_and_re_encode_in_code_order() {
    let ctx = DecodeContext::default();
    let shuffled = hex(
        "00000000 00 00000007 | 09 00000400 | 06 03 | 07 00000000000000ff | 01 01 \
                        | 00 01 | 03 01 | ff",
    );
    let datagram = Datagram::decode_slice(&shuffled, &ctx).unwrap();
    let sorted = hex(
        "00000000 00 00000007 | 00 01 | 01 01 | 03 01 | 06 03 | 07 00000000000000ff \
                      | 09 00000400 | ff",
    );
    assert_eq!(datagram.encode(&ctx).unwrap(), sorted);
    assert_eq!(Datagram::decode_slice(&sorted, &ctx).unwrap(), datagram);
}

#[test]
fn decoded_datagram_prints_as_json() {
    let (text, _) = tv1().swap_remove(3);
    let datagram = Datagram::decode_slice(&hex(text), &sha1_context()).unwrap();
    let json = serde_json::to_value(&datagram).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "channel": 1,
            "messages": [{
                "type": "data",
                "spec": { "chunk_range": { "start": 0, "end": 0 } },
                "timestamp": 0x0004_e941_80b7_db44_u64,
                "payload": "48656c6c6f20776f726c64210a",
            }],
        })
    );
    let (text, _) = tv1().swap_remove(0);
    let json = serde_json::to_string(&Datagram::decode_slice(&hex(text), &sha1_context()).unwrap())
        .unwrap();
    assert!(
        json.contains(r#""type":"handshake","source_channel":1"#),
        "{json}"
    );
    assert!(
        json.contains(r#""swarm_id":"47a013e660d408619d894b20806b1d5086aab03b""#),
        "{json}"
    );
    assert!(json.contains(r#""merkle_hash_function":"sha1""#), "{json}");
}
