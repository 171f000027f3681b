//! Message layouts under each parameter, the HANDSHAKE override rule and closing forms.

use std::net::{SocketAddrV4, SocketAddrV6};

use bytes::Bytes;

use super::{hex, round_trip, sha1_context};
use crate::ppspp::{
    ChannelId, ChunkAddressing, ChunkSize, ChunkSpec, Datagram, DecodeContext, DecodeError,
    HandshakeOptions, LiveSignatureAlgorithm, Message, MessageType, ProtocolVersion,
    SupportedMessages,
};

#[test]
fn handshake_addressing_method_applies_to_the_rest_of_its_datagram() {
    let ctx = DecodeContext::default(); // 32-bit chunk ranges
    let bytes = hex("00000001 | 00 00000002 | 06 00 | ff | 03 00000005 | 08 00000007");
    let datagram = round_trip(&bytes, &ctx);
    assert_eq!(
        datagram.messages[1..],
        [
            Message::Have {
                spec: ChunkSpec::Bin(5)
            },
            Message::Request {
                spec: ChunkSpec::Bin(7)
            }
        ]
    );
    // The override ends with the datagram: the next one is read with the context again.
    let next = hex("00000001 | 03 00000005 00000006");
    assert_eq!(
        round_trip(&next, &ctx).messages,
        [Message::Have {
            spec: ChunkSpec::ChunkRange { start: 5, end: 6 }
        }]
    );
}

#[test]
fn handshake_hash_function_sizes_following_integrity_hashes() {
    let sha1_hash = "11".repeat(20);
    let bytes = hex(&format!(
        "00000001 | 00 00000002 | 04 00 | ff | 04 00000000 00000000 {sha1_hash}"
    ));
    let datagram = round_trip(&bytes, &DecodeContext::default()); // context says SHA-256
    let Message::Integrity { hash, .. } = &datagram.messages[1] else {
        panic!("not an INTEGRITY: {datagram:?}");
    };
    assert_eq!(hash.len(), 20);

    let sha512_hash = "22".repeat(64);
    let bytes = hex(&format!(
        "00000001 | 00 00000002 | 04 04 | ff | 04 00000000 00000003 {sha512_hash}"
    ));
    round_trip(&bytes, &sha1_context());
}

#[test]
fn handshake_chunk_size_delimits_following_data() {
    // Chunk size 2: the first DATA takes two bytes, the second the rest.
    let bytes = hex("00000001 | 00 00000002 | 09 00000002 | ff \
         | 01 00000000 00000000 0000000000000001 aabb | 01 00000001 00000001 0000000000000002 cc");
    let datagram = round_trip(&bytes, &DecodeContext::default());
    let payloads: Vec<_> = datagram.messages[1..]
        .iter()
        .map(|m| match m {
            Message::Data { payload, .. } => payload.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        payloads,
        [
            Bytes::from_static(&[0xAA, 0xBB]),
            Bytes::from_static(&[0xCC])
        ]
    );
}

#[test]
fn handshake_rsa_swarm_id_sizes_following_signatures() {
    // RSASHA256 key with exponent 65537 and a 128-byte modulus: signatures are 128 bytes.
    let key = format!("08 03 010001 {}", "c3".repeat(128));
    let signature = "5a".repeat(128);
    let bytes = hex(&format!(
        "00000001 | 00 00000002 | 02 0085 {key} | 05 08 | ff \
         | 07 00000000 00000001 00000000deadbeef {signature}"
    ));
    let datagram = round_trip(&bytes, &DecodeContext::default());
    assert_eq!(
        datagram.messages[1].message_type(),
        MessageType::SignedIntegrity
    );
}

#[test]
fn signed_integrity_signature_length_follows_the_algorithm() {
    for (algorithm, len) in [
        (LiveSignatureAlgorithm::EcdsaP256Sha256, 64),
        (LiveSignatureAlgorithm::EcdsaP384Sha384, 96),
        (LiveSignatureAlgorithm::Ed25519, 64),
    ] {
        let ctx = DecodeContext {
            live_signature_algorithm: algorithm,
            ..DecodeContext::default()
        };
        let bytes = hex(&format!(
            "00000001 | 07 00000000 00000001 0123456789abcdef {}",
            "ee".repeat(len)
        ));
        assert_eq!(bytes.len(), 4 + 17 + len);
        let datagram = round_trip(&bytes, &ctx);
        assert!(matches!(
            &datagram.messages[..],
            [Message::SignedIntegrity { timestamp: 0x0123_4567_89ab_cdef, signature, .. }]
                if signature.len() == len
        ));
    }
}

#[test]
fn rsa_signature_length_comes_from_the_context_when_known() {
    let ctx = DecodeContext {
        live_signature_algorithm: LiveSignatureAlgorithm::RsaSha1,
        rsa_modulus_len: Some(256),
        ..DecodeContext::default()
    };
    let bytes = hex(&format!(
        "00000001 | 07 00000000 00000001 0000000000000000 {}",
        "01".repeat(256)
    ));
    round_trip(&bytes, &ctx);
}

#[test]
fn every_addressing_method_round_trips_every_chunk_message() {
    let specs = [
        (ChunkAddressing::Bins32, ChunkSpec::Bin(0x7FFF_FFFF)),
        (
            ChunkAddressing::ByteRanges64,
            ChunkSpec::ByteRange {
                start: 1024,
                end: 1027,
            },
        ),
        (
            ChunkAddressing::ChunkRanges32,
            ChunkSpec::ChunkRange { start: 3, end: 9 },
        ),
        (ChunkAddressing::Bins64, ChunkSpec::Bin(u64::MAX)),
        (
            ChunkAddressing::ChunkRanges64,
            ChunkSpec::ChunkRange {
                start: 1 << 40,
                end: 1 << 41,
            },
        ),
    ];
    for (cam, spec) in specs {
        let ctx = DecodeContext {
            chunk_addressing: cam,
            chunk_size: ChunkSize::Fixed(4),
            ..DecodeContext::default()
        };
        let datagram = Datagram {
            channel: ChannelId(0x0102_0304),
            messages: vec![
                Message::Have { spec },
                Message::Request { spec },
                Message::Cancel { spec },
                Message::Ack {
                    spec,
                    delay_sample: 7,
                },
                Message::Integrity {
                    spec,
                    hash: Bytes::from(vec![9; 32]),
                },
                Message::SignedIntegrity {
                    spec,
                    timestamp: 1,
                    signature: Bytes::from(vec![8; 64]),
                },
                Message::Data {
                    spec,
                    timestamp: 2,
                    payload: Bytes::from_static(b"abcd"),
                },
            ],
        };
        let bytes = datagram.encode(&ctx).unwrap();
        let s = cam.spec_len();
        let expected =
            4 + 3 * (1 + s) + (1 + s + 8) + (1 + s + 32) + (1 + s + 8 + 64) + (1 + s + 8 + 4);
        assert_eq!(bytes.len(), expected, "{cam:?}");
        assert_eq!(round_trip(&bytes, &ctx), datagram, "{cam:?}");
    }
}

#[test]
fn byte_range_data_is_delimited_by_its_range_and_may_be_followed() {
    let ctx = DecodeContext {
        chunk_addressing: ChunkAddressing::ByteRanges64,
        ..DecodeContext::default()
    };
    let bytes = hex(
        "00000001 | 01 0000000000000010 0000000000000012 0000000000000000 010203 | 0a \
         | 01 0000000000000000 0000000000000000 0000000000000000 ff",
    );
    let datagram = round_trip(&bytes, &ctx);
    assert_eq!(datagram.messages.len(), 3);
    assert_eq!(datagram.messages[1], Message::Choke);
}

#[test]
fn variable_chunk_size_data_takes_the_rest_of_the_datagram() {
    let ctx = DecodeContext {
        chunk_size: ChunkSize::Variable,
        ..DecodeContext::default()
    };
    let payload = "0b".repeat(3000);
    let bytes = hex(&format!(
        "00000001 | 01 00000000 00000000 0000000000000000 {payload}"
    ));
    let datagram = round_trip(&bytes, &ctx);
    assert!(
        matches!(&datagram.messages[..], [Message::Data { payload, .. }] if payload.len() == 3000)
    );
}

#[test]
fn live_discard_window_width_follows_the_addressing_method() {
    // No addressing option: the context's (32-bit chunk ranges) gives 4 bytes.
    let narrow = round_trip(
        &hex("00000000 | 00 00000001 | 07 ffffffff | ff"),
        &DecodeContext::default(),
    );
    // An earlier 64-bit addressing option gives 8 bytes.
    let wide = round_trip(
        &hex("00000000 | 00 00000001 | 06 04 | 07 ffffffffffffffff | ff"),
        &DecodeContext::default(),
    );
    let window = |d: &Datagram| match &d.messages[0] {
        Message::Handshake { options, .. } => options.live_discard_window,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(window(&narrow), Some(0xFFFF_FFFF));
    assert_eq!(window(&wide), Some(u64::MAX));
}

#[test]
fn supported_messages_option_encodes_as_in_the_rfc() {
    let mut options = HandshakeOptions {
        supported_messages: Some(SupportedMessages::all()),
        ..HandshakeOptions::default()
    };
    let datagram = |options: &HandshakeOptions| Datagram {
        channel: ChannelId(0),
        messages: vec![Message::Handshake {
            source_channel: ChannelId(1),
            options: options.clone(),
        }],
    };
    let ctx = DecodeContext::default();
    assert_eq!(
        datagram(&options).encode(&ctx).unwrap(),
        hex("00000000 | 00 00000001 | 08 02 fffc | ff")
    );
    let mut subset = SupportedMessages::all();
    for message in [
        MessageType::Ack,
        MessageType::PexResV4,
        MessageType::PexReq,
        MessageType::PexResV6,
        MessageType::PexResCert,
    ] {
        subset.remove(message);
    }
    options.supported_messages = Some(subset);
    let bytes = datagram(&options).encode(&ctx).unwrap();
    assert_eq!(bytes, hex("00000000 | 00 00000001 | 08 02 d9f0 | ff"));
    assert_eq!(round_trip(&bytes, &ctx), datagram(&options));
}

#[test]
fn closing_handshake_has_two_forms() {
    let ctx = DecodeContext::default();
    let short = round_trip(&hex("00000005 | 00 00000000 | ff"), &ctx);
    assert_eq!(short.messages, [Message::close()]);
    let versioned = round_trip(&hex("00000005 | 00 00000000 | 00 01 | ff"), &ctx);
    assert_eq!(
        versioned.messages,
        [Message::close_with_version(ProtocolVersion::V1)]
    );
    assert!(short.messages[0].is_close() && versioned.messages[0].is_close());

    let with_swarm = round_trip(&hex("00000005 | 00 00000000 | 02 0001 aa | ff"), &ctx);
    assert!(!with_swarm.messages[0].is_close());
    let open = round_trip(&hex("00000005 | 00 00000009 | ff"), &ctx);
    assert!(!open.messages[0].is_close());
    assert!(!Message::PexReq.is_close());
}

#[test]
fn keep_alive_is_the_channel_alone() {
    let keep_alive = Datagram::keep_alive(ChannelId(0xCAFE_F00D));
    assert!(keep_alive.is_keep_alive());
    let bytes = keep_alive.encode(&DecodeContext::default()).unwrap();
    assert_eq!(bytes, [0xCA, 0xFE, 0xF0, 0x0D]);
    assert_eq!(round_trip(&bytes, &DecodeContext::default()), keep_alive);
}

#[test]
fn pex_responses_carry_addresses_and_certificates() {
    let bytes = hex(
        "00000001 | 05 c0000207 1a6a | 0c 20010db8000000000000000000000001 1a6b \
         | 0d 0003 308201 | 06",
    );
    let datagram = round_trip(&bytes, &DecodeContext::default());
    assert_eq!(
        datagram.messages,
        [
            Message::PexResV4 {
                addr: "192.0.2.7:6762".parse::<SocketAddrV4>().unwrap()
            },
            Message::PexResV6 {
                addr: "[2001:db8::1]:6763".parse::<SocketAddrV6>().unwrap()
            },
            Message::PexResCert {
                certificate: Bytes::from_static(&[0x30, 0x82, 0x01])
            },
            Message::PexReq,
        ]
    );
    let json = serde_json::to_string(&datagram).unwrap();
    assert!(json.contains(r#""addr":"192.0.2.7:6762""#), "{json}");
    assert!(json.contains(r#""addr":"[2001:db8::1]:6763""#), "{json}");
    assert!(json.contains(r#""certificate":"308201""#), "{json}");
}

#[test]
fn choke_and_unchoke_are_single_bytes() {
    let datagram = round_trip(&hex("00000001 | 0a | 0b"), &DecodeContext::default());
    assert_eq!(datagram.messages, [Message::Choke, Message::Unchoke]);
}

#[test]
fn payloads_are_slices_of_the_received_buffer() {
    let bytes = Bytes::from(hex(
        "00000001 | 01 00000000 00000000 0000000000000000 68690a",
    ));
    let datagram = Datagram::decode(bytes.clone(), &DecodeContext::default()).unwrap();
    let Message::Data { payload, .. } = &datagram.messages[0] else {
        panic!("not a DATA: {datagram:?}");
    };
    assert_eq!(payload.as_ptr(), bytes[21..].as_ptr());
}

#[test]
fn unknown_rsa_modulus_is_a_decode_error() {
    let ctx = DecodeContext {
        live_signature_algorithm: LiveSignatureAlgorithm::RsaSha256,
        ..DecodeContext::default()
    };
    let bytes = hex(&format!(
        "00000001 | 07 00000000 00000001 0000000000000000 {}",
        "01".repeat(64)
    ));
    assert_eq!(
        Datagram::decode_slice(&bytes, &ctx),
        Err(DecodeError::UnknownSignatureLength {
            algorithm: LiveSignatureAlgorithm::RsaSha256,
            offset: 21,
        })
    );
}
