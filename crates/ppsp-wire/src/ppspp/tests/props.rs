//! Properties: well-formed datagrams survive encoding and decoding unchanged, and no input
//! makes the decoder panic.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use bytes::Bytes;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};

use crate::ids::SwarmId;
use crate::ppspp::{
    ChannelId, ChunkAddressing, ChunkSize, ChunkSpec, ContentIntegrity, Datagram, DecodeContext,
    HandshakeOptions, LiveSignatureAlgorithm, MerkleHashFunction, Message, ProtocolVersion,
    SupportedMessages,
};

fn chunk_size() -> impl Strategy<Value = ChunkSize> {
    prop_oneof![
        Just(ChunkSize::Variable),
        (0u32..48).prop_map(ChunkSize::Fixed)
    ]
}

fn context() -> impl Strategy<Value = DecodeContext> {
    (
        select(ChunkAddressing::ALL.to_vec()),
        select(MerkleHashFunction::ALL),
        select(LiveSignatureAlgorithm::ALL),
        chunk_size(),
        option::of(1usize..300),
    )
        .prop_map(|(cam, mhf, lsa, size, rsa)| DecodeContext {
            chunk_addressing: cam,
            merkle_hash_function: mhf,
            live_signature_algorithm: lsa,
            chunk_size: size,
            rsa_modulus_len: rsa,
        })
}

fn swarm_id() -> impl Strategy<Value = SwarmId> {
    let rsa_key = (1usize..300).prop_map(|modulus| {
        let mut key = vec![8, 3, 0x01, 0x00, 0x01];
        key.resize(key.len() + modulus, 0xC3);
        key
    });
    prop_oneof![vec(any::<u8>(), 1..80), rsa_key].prop_map(|bytes| SwarmId::new(bytes).unwrap())
}

fn handshake_options() -> impl Strategy<Value = HandshakeOptions> {
    (
        (
            option::of(any::<u8>().prop_map(ProtocolVersion)),
            option::of(any::<u8>().prop_map(ProtocolVersion)),
            option::of(swarm_id()),
            option::of(select(ContentIntegrity::ALL)),
            option::of(select(MerkleHashFunction::ALL)),
        ),
        (
            option::of(select(LiveSignatureAlgorithm::ALL)),
            option::of(select(ChunkAddressing::ALL.to_vec())),
            option::of(any::<u64>()),
            option::of(
                vec(any::<u8>(), 0..=32)
                    .prop_map(|bitmap| SupportedMessages::from_bitmap(&bitmap).unwrap()),
            ),
            option::of(chunk_size()),
        ),
    )
        .prop_map(
            |((version, min_version, swarm_id, cipm, mhf), (lsa, cam, ldw, sm, size))| {
                HandshakeOptions {
                    version,
                    min_version,
                    swarm_id,
                    content_integrity: cipm,
                    merkle_hash_function: mhf,
                    live_signature_algorithm: lsa,
                    chunk_addressing: cam,
                    live_discard_window: ldw,
                    supported_messages: sm,
                    chunk_size: size,
                }
            },
        )
}

/// Any message but HANDSHAKE, with field sizes still to be fitted to a context by [`conform`].
fn body_message() -> impl Strategy<Value = Message> {
    let spec =
        (any::<u64>(), any::<u64>()).prop_map(|(start, end)| ChunkSpec::ChunkRange { start, end });
    let bytes = |max: usize| vec(any::<u8>(), 0..max).prop_map(Bytes::from);
    prop_oneof![
        (spec.clone(), any::<u64>(), bytes(64)).prop_map(|(spec, timestamp, payload)| {
            Message::Data {
                spec,
                timestamp,
                payload,
            }
        }),
        (spec.clone(), any::<u64>())
            .prop_map(|(spec, delay_sample)| Message::Ack { spec, delay_sample }),
        spec.clone().prop_map(|spec| Message::Have { spec }),
        (spec.clone(), bytes(8)).prop_map(|(spec, hash)| Message::Integrity { spec, hash }),
        (any::<u32>(), any::<u16>()).prop_map(|(ip, port)| Message::PexResV4 {
            addr: SocketAddrV4::new(Ipv4Addr::from(ip), port)
        }),
        Just(Message::PexReq),
        (spec.clone(), any::<u64>(), bytes(8)).prop_map(|(spec, timestamp, signature)| {
            Message::SignedIntegrity {
                spec,
                timestamp,
                signature,
            }
        }),
        spec.clone().prop_map(|spec| Message::Request { spec }),
        spec.prop_map(|spec| Message::Cancel { spec }),
        Just(Message::Choke),
        Just(Message::Unchoke),
        (any::<u128>(), any::<u16>()).prop_map(|(ip, port)| Message::PexResV6 {
            addr: SocketAddrV6::new(Ipv6Addr::from(ip), port, 0, 0)
        }),
        bytes(100).prop_map(|certificate| Message::PexResCert { certificate }),
    ]
}

/// The spec with the same numbers, in the form and width of `cam`.
fn conform_spec(spec: ChunkSpec, cam: ChunkAddressing) -> ChunkSpec {
    let (start, end) = match spec {
        ChunkSpec::Bin(bin) => (bin, bin),
        ChunkSpec::ByteRange { start, end } | ChunkSpec::ChunkRange { start, end } => (start, end),
    };
    let narrow = |v: u64| v & 0xFFFF_FFFF;
    match cam {
        ChunkAddressing::Bins32 => ChunkSpec::Bin(narrow(start)),
        ChunkAddressing::Bins64 => ChunkSpec::Bin(start),
        ChunkAddressing::ByteRanges64 => ChunkSpec::ByteRange { start, end },
        ChunkAddressing::ChunkRanges32 => ChunkSpec::ChunkRange {
            start: narrow(start),
            end: narrow(end),
        },
        ChunkAddressing::ChunkRanges64 => ChunkSpec::ChunkRange { start, end },
    }
}

fn resized(bytes: &Bytes, len: usize) -> Bytes {
    let mut bytes = bytes.to_vec();
    bytes.resize(len, 0x5A);
    Bytes::from(bytes)
}

/// Fits a message to `ctx` so that it encodes; `None` if it cannot be sent at that position.
fn conform(message: Message, ctx: &DecodeContext, is_last: bool) -> Option<Message> {
    let cam = ctx.chunk_addressing;
    Some(match message {
        Message::Data {
            spec,
            timestamp,
            payload,
        } => {
            let spec = conform_spec(spec, cam);
            let payload = match (spec, ctx.chunk_size) {
                (ChunkSpec::ByteRange { start, .. }, _) => {
                    let payload = if payload.is_empty() {
                        Bytes::from_static(b"x")
                    } else {
                        payload
                    };
                    let start = start >> 1;
                    let end = start + payload.len() as u64 - 1;
                    return Some(Message::Data {
                        spec: ChunkSpec::ByteRange { start, end },
                        timestamp,
                        payload,
                    });
                }
                (_, ChunkSize::Fixed(size)) if !is_last => resized(&payload, size as usize),
                (_, ChunkSize::Fixed(size)) => payload.slice(..payload.len().min(size as usize)),
                (_, ChunkSize::Variable) if is_last => payload,
                (_, ChunkSize::Variable) => return None,
            };
            Message::Data {
                spec,
                timestamp,
                payload,
            }
        }
        Message::Ack { spec, delay_sample } => Message::Ack {
            spec: conform_spec(spec, cam),
            delay_sample,
        },
        Message::Have { spec } => Message::Have {
            spec: conform_spec(spec, cam),
        },
        Message::Request { spec } => Message::Request {
            spec: conform_spec(spec, cam),
        },
        Message::Cancel { spec } => Message::Cancel {
            spec: conform_spec(spec, cam),
        },
        Message::Integrity { spec, hash } => Message::Integrity {
            spec: conform_spec(spec, cam),
            hash: resized(&hash, ctx.merkle_hash_function.digest_len()),
        },
        Message::SignedIntegrity {
            spec,
            timestamp,
            signature,
        } => Message::SignedIntegrity {
            spec: conform_spec(spec, cam),
            timestamp,
            signature: resized(&signature, ctx.signature_len()?),
        },
        other => other,
    })
}

/// A context and a datagram that encodes under it: an optional leading HANDSHAKE, then
/// messages fitted to the context that HANDSHAKE establishes.
fn datagram() -> impl Strategy<Value = (DecodeContext, Datagram)> {
    (
        context(),
        any::<u32>(),
        option::of((any::<u32>(), handshake_options())),
        vec(body_message(), 0..8),
    )
        .prop_map(|(ctx, channel, handshake, body)| {
            let mut messages = Vec::new();
            let mut body_ctx = ctx;
            if let Some((source, mut options)) = handshake {
                let width = options
                    .chunk_addressing
                    .unwrap_or(ctx.chunk_addressing)
                    .window_len();
                options.live_discard_window = options.live_discard_window.map(|window| {
                    if width == 4 {
                        window & 0xFFFF_FFFF
                    } else {
                        window
                    }
                });
                body_ctx = ctx.with_handshake(&options);
                messages.push(Message::Handshake {
                    source_channel: ChannelId(source),
                    options,
                });
            }
            let last = body.len().checked_sub(1);
            for (index, message) in body.into_iter().enumerate() {
                messages.extend(conform(message, &body_ctx, Some(index) == last));
            }
            (
                ctx,
                Datagram {
                    channel: ChannelId(channel),
                    messages,
                },
            )
        })
}

/// Decoding `bytes` must not panic; if it succeeds, the result must encode and decode back.
fn check_decodes_consistently(bytes: &[u8], ctx: &DecodeContext) -> Result<(), TestCaseError> {
    if let Ok(decoded) = Datagram::decode_slice(bytes, ctx) {
        let encoded = decoded
            .encode(ctx)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(decoded.encoded_len(ctx), Ok(encoded.len()));
        prop_assert_eq!(Datagram::decode_slice(&encoded, ctx), Ok(decoded));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn well_formed_datagrams_round_trip((ctx, datagram) in datagram()) {
        let encoded = datagram.encode(&ctx).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(datagram.encoded_len(&ctx), Ok(encoded.len()));
        prop_assert_eq!(Datagram::decode_slice(&encoded, &ctx), Ok(datagram));
    }

    #[test]
    fn arbitrary_bytes_never_panic(ctx in context(), bytes in vec(any::<u8>(), 0..2048)) {
        check_decodes_consistently(&bytes, &ctx)?;
    }

    #[test]
    fn corrupted_datagrams_never_panic(
        (ctx, datagram) in datagram(),
        at in any::<Index>(),
        flip in 1..=u8::MAX,
        cut in any::<Index>(),
    ) {
        let mut bytes = datagram.encode(&ctx).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let at = at.index(bytes.len());
        bytes[at] ^= flip;
        check_decodes_consistently(&bytes, &ctx)?;
        bytes.truncate(cut.index(bytes.len() + 1));
        check_decodes_consistently(&bytes, &ctx)?;
    }
}
