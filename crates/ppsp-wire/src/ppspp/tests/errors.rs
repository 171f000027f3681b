//! Malformed input is refused with the right error and offset; unencodable values are refused
//! before anything is written.

use bytes::Bytes;

use super::vectors::tv1_bytes;
use super::{hex, sha1_context};
use crate::ids::SwarmId;
use crate::ppspp::{
    ChannelId, ChunkAddressing, ChunkSize, ChunkSpec, Datagram, DecodeContext, DecodeError,
    EncodeError, HandshakeOptions, LiveSignatureAlgorithm, Message, ProtocolOption,
};

fn decode(text: &str) -> Result<Datagram, DecodeError> {
    Datagram::decode_slice(&hex(text), &DecodeContext::default())
}

#[test]
fn datagram_shorter_than_the_channel_is_truncated() {
    for len in 0..4 {
        assert_eq!(
            Datagram::decode_slice(&[0; 3][..len], &DecodeContext::default()),
            Err(DecodeError::Truncated {
                what: "destination channel ID",
                offset: 0,
                needed: 4,
                available: len,
            })
        );
    }
}

#[test]
fn every_prefix_of_the_example_datagrams_is_handled_without_panic() {
    let ctx = sha1_context();
    for datagram in tv1_bytes() {
        for len in 0..datagram.len() {
            if let Ok(decoded) = Datagram::decode_slice(&datagram[..len], &ctx) {
                // Ending at a message boundary or inside the final DATA leaves a valid datagram.
                assert_eq!(decoded.encode(&ctx).unwrap(), &datagram[..len]);
            }
        }
    }
    // D1 is one HANDSHAKE: every proper prefix but the bare channel (a keep-alive) is an error.
    let d1 = &tv1_bytes()[0];
    for len in 0..d1.len() {
        let result = Datagram::decode_slice(&d1[..len], &ctx);
        assert_eq!(
            result.is_ok(),
            len == 4,
            "prefix of {len} bytes: {result:?}"
        );
    }
}

#[test]
fn truncated_fields_report_field_and_offset() {
    assert_eq!(
        decode("00000001 | 03 00000000 0000"),
        Err(DecodeError::Truncated {
            what: "chunk specification",
            offset: 5,
            needed: 8,
            available: 6,
        })
    );
    assert_eq!(
        decode("00000001 | 04 00000000 00000000 1122"),
        Err(DecodeError::Truncated {
            what: "INTEGRITY hash",
            offset: 13,
            needed: 32,
            available: 2
        })
    );
    assert_eq!(
        decode("00000001 | 0d 0010 3082"),
        Err(DecodeError::Truncated {
            what: "PEX_REScert certificate",
            offset: 7,
            needed: 16,
            available: 2,
        })
    );
    assert!(matches!(
        decode("00000001 | 0c 20010db8"),
        Err(DecodeError::Truncated {
            what: "PEX_RESv6 address",
            offset: 5,
            ..
        })
    ));
    assert!(matches!(
        decode("00000000 | 00 00000001 | 02 0014 47a0"),
        Err(DecodeError::Truncated {
            what: "Swarm Identifier",
            offset: 12,
            ..
        })
    ));
}

#[test]
fn unknown_message_types_are_refused_with_their_offset() {
    assert_eq!(
        decode("00000001 | 06 | 0e"),
        Err(DecodeError::UnknownMessageType {
            code: 14,
            offset: 5
        })
    );
    assert_eq!(
        decode("00000001 | ff"),
        Err(DecodeError::UnknownMessageType {
            code: 255,
            offset: 4
        })
    );
}

#[test]
fn unknown_option_is_refused_including_pyppspp_option_10() {
    // PyPPSPP appends a 16-byte peer UUID as option 10: without a length it cannot be skipped.
    assert_eq!(
        decode("00000000 | 00 00000001 | 00 01 | 0a 00112233445566778899aabbccddeeff | ff"),
        Err(DecodeError::UnknownOption {
            code: 10,
            offset: 11
        })
    );
}

#[test]
fn duplicate_option_is_refused() {
    assert_eq!(
        decode("00000000 | 00 00000001 | 00 01 | 06 02 | 00 01 | ff"),
        Err(DecodeError::DuplicateOption {
            option: ProtocolOption::Version,
            offset: 13
        })
    );
}

#[test]
fn option_list_without_end_is_refused() {
    assert_eq!(
        decode("00000000 | 00 00000001 | 00 01 | 01 01"),
        Err(DecodeError::MissingEndOption { offset: 13 })
    );
    assert_eq!(
        decode("00000000 | 00 00000001"),
        Err(DecodeError::MissingEndOption { offset: 9 })
    );
}

#[test]
fn handshake_after_another_message_is_refused() {
    assert_eq!(
        decode("00000001 | 06 | 00 00000000 | ff"),
        Err(DecodeError::HandshakeNotFirst { offset: 5 })
    );
    assert_eq!(
        decode("00000001 | 00 00000002 | ff | 00 00000000 | ff"),
        Err(DecodeError::HandshakeNotFirst { offset: 10 })
    );
}

#[test]
fn swarm_id_must_be_1_to_1024_bytes() {
    let oversize = format!(
        "00000000 | 00 00000001 | 02 0401 {} | ff",
        "ab".repeat(1025)
    );
    assert_eq!(
        decode(&oversize),
        Err(DecodeError::SwarmIdLength {
            len: 1025,
            offset: 9
        })
    );
    assert_eq!(
        decode("00000000 | 00 00000001 | 02 0000 | ff"),
        Err(DecodeError::SwarmIdLength { len: 0, offset: 9 })
    );
    let largest = format!(
        "00000000 | 00 00000001 | 02 0400 {} | ff",
        "ab".repeat(1024)
    );
    assert!(decode(&largest).is_ok());
}

#[test]
fn unassigned_option_values_are_refused() {
    for (option, text) in [
        (ProtocolOption::ContentIntegrityProtectionMethod, "03 04"),
        (ProtocolOption::MerkleHashTreeFunction, "04 05"),
        (ProtocolOption::LiveSignatureAlgorithm, "05 07"),
        (ProtocolOption::ChunkAddressingMethod, "06 05"),
    ] {
        let value = hex(text)[1];
        assert_eq!(
            decode(&format!("00000000 | 00 00000001 | {text} | ff")),
            Err(DecodeError::InvalidOptionValue {
                option,
                value,
                offset: 9
            })
        );
    }
}

#[test]
fn supported_messages_longer_than_256_bits_is_refused() {
    let text = format!("00000000 | 00 00000001 | 08 21 {} | ff", "ff".repeat(33));
    assert_eq!(
        decode(&text),
        Err(DecodeError::SupportedMessagesLength { len: 33, offset: 9 })
    );
    // Refused on the length alone, before the bitmap is read.
    assert_eq!(
        decode("00000000 | 00 00000001 | 08 ff"),
        Err(DecodeError::SupportedMessagesLength {
            len: 255,
            offset: 9
        })
    );
}

#[test]
fn addressing_method_after_discard_window_must_not_change_its_width() {
    // Window read with the context's 4-byte width, then a 64-bit method: misread.
    assert_eq!(
        decode("00000000 | 00 00000001 | 07 000000ff | 06 04 | ff"),
        Err(DecodeError::LateChunkAddressing { offset: 14 })
    );
    // Same width: the order does not matter.
    assert!(decode("00000000 | 00 00000001 | 07 000000ff | 06 00 | ff").is_ok());
}

#[test]
fn byte_range_data_ending_before_its_start_is_refused() {
    let ctx = DecodeContext {
        chunk_addressing: ChunkAddressing::ByteRanges64,
        ..DecodeContext::default()
    };
    let bytes = hex("00000001 | 01 0000000000000002 0000000000000001 0000000000000000 aa");
    assert_eq!(
        Datagram::decode_slice(&bytes, &ctx),
        Err(DecodeError::InvalidByteRange {
            start: 2,
            end: 1,
            offset: 5
        })
    );
    let huge = hex("00000001 | 01 0000000000000000 ffffffffffffffff 0000000000000000 aa");
    assert!(matches!(
        Datagram::decode_slice(&huge, &ctx),
        Err(DecodeError::Truncated {
            what: "DATA chunk",
            offset: 29,
            ..
        })
    ));
}

#[test]
fn error_messages_name_the_field_and_offset() {
    let err = decode("00000000 | 00 00000001 | 00 01 | 00 01 | ff").unwrap_err();
    assert_eq!(err.to_string(), "duplicate Version option at offset 11");
    let err = decode("00000000 | 00 00000001 | 0a 00 | ff").unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown protocol option code 10 at offset 9"
    );
}

fn one(message: Message) -> Datagram {
    Datagram {
        channel: ChannelId(1),
        messages: vec![message],
    }
}

fn data(len: usize) -> Message {
    Message::Data {
        spec: ChunkSpec::ChunkRange { start: 0, end: 0 },
        timestamp: 0,
        payload: Bytes::from(vec![0; len]),
    }
}

#[test]
fn encoder_refuses_handshake_not_first() {
    let datagram = Datagram {
        channel: ChannelId(1),
        messages: vec![Message::PexReq, Message::close()],
    };
    assert_eq!(
        datagram.encode(&DecodeContext::default()),
        Err(EncodeError::HandshakeNotFirst { index: 1 })
    );
}

#[test]
fn encoder_refuses_chunk_specs_that_do_not_fit_the_addressing_method() {
    let ctx = DecodeContext::default();
    let wrong_kind = one(Message::Have {
        spec: ChunkSpec::Bin(3),
    });
    assert!(matches!(
        wrong_kind.encode(&ctx),
        Err(EncodeError::ChunkSpec { index: 0, .. })
    ));
    let too_wide = one(Message::Have {
        spec: ChunkSpec::ChunkRange {
            start: 0,
            end: 1 << 32,
        },
    });
    assert!(matches!(
        too_wide.encode(&ctx),
        Err(EncodeError::ChunkSpec { index: 0, .. })
    ));
}

#[test]
fn encoder_refuses_data_the_receiver_would_cut_elsewhere() {
    let ctx = DecodeContext {
        chunk_size: ChunkSize::Fixed(4),
        ..DecodeContext::default()
    };
    let short_not_last = Datagram {
        channel: ChannelId(1),
        messages: vec![data(3), data(4)],
    };
    assert_eq!(
        short_not_last.encode(&ctx),
        Err(EncodeError::ChunkLength {
            index: 0,
            len: 3,
            chunk_size: 4
        })
    );
    assert_eq!(
        one(data(5)).encode(&ctx),
        Err(EncodeError::ChunkLength {
            index: 0,
            len: 5,
            chunk_size: 4
        })
    );
    let full_then_short = Datagram {
        channel: ChannelId(1),
        messages: vec![data(4), data(3)],
    };
    assert!(full_then_short.encode(&ctx).is_ok());

    let variable = DecodeContext {
        chunk_size: ChunkSize::Variable,
        ..DecodeContext::default()
    };
    let not_last = Datagram {
        channel: ChannelId(1),
        messages: vec![data(9), Message::Choke],
    };
    assert_eq!(
        not_last.encode(&variable),
        Err(EncodeError::DataNotLast { index: 0 })
    );

    let bytes = DecodeContext {
        chunk_addressing: ChunkAddressing::ByteRanges64,
        ..DecodeContext::default()
    };
    let mismatch = one(Message::Data {
        spec: ChunkSpec::ByteRange { start: 10, end: 12 },
        timestamp: 0,
        payload: Bytes::from_static(b"ab"),
    });
    assert_eq!(
        mismatch.encode(&bytes),
        Err(EncodeError::ByteRangeLength {
            index: 0,
            len: 2,
            start: 10,
            end: 12
        })
    );
}

#[test]
fn encoder_refuses_hashes_and_signatures_of_the_wrong_length() {
    let ctx = DecodeContext::default();
    let spec = ChunkSpec::ChunkRange { start: 0, end: 1 };
    let hash = one(Message::Integrity {
        spec,
        hash: Bytes::from(vec![0; 20]),
    });
    assert_eq!(
        hash.encode(&ctx),
        Err(EncodeError::HashLength {
            index: 0,
            len: 20,
            expected: 32
        })
    );
    let signature = one(Message::SignedIntegrity {
        spec,
        timestamp: 0,
        signature: Bytes::from(vec![0; 96]),
    });
    assert_eq!(
        signature.encode(&ctx),
        Err(EncodeError::SignatureLength {
            index: 0,
            len: 96,
            expected: 64
        })
    );
    let rsa = DecodeContext {
        live_signature_algorithm: LiveSignatureAlgorithm::RsaSha1,
        ..DecodeContext::default()
    };
    assert_eq!(
        signature.encode(&rsa),
        Err(EncodeError::UnknownSignatureLength {
            index: 0,
            algorithm: LiveSignatureAlgorithm::RsaSha1
        })
    );
}

#[test]
fn encoder_refuses_values_too_wide_for_their_fields() {
    let ctx = DecodeContext::default();
    let cert = one(Message::PexResCert {
        certificate: Bytes::from(vec![0; 65536]),
    });
    assert_eq!(
        cert.encode(&ctx),
        Err(EncodeError::CertificateTooLong {
            index: 0,
            len: 65536
        })
    );

    let handshake = |options| {
        one(Message::Handshake {
            source_channel: ChannelId(2),
            options,
        })
    };
    let window = handshake(HandshakeOptions {
        live_discard_window: Some(1 << 32),
        ..HandshakeOptions::default()
    });
    assert_eq!(
        window.encode(&ctx),
        Err(EncodeError::DiscardWindowTooWide {
            value: 1 << 32,
            width: 4
        })
    );
    let wide_cam = handshake(HandshakeOptions {
        chunk_addressing: Some(ChunkAddressing::Bins64),
        live_discard_window: Some(1 << 32),
        ..HandshakeOptions::default()
    });
    assert!(wide_cam.encode(&ctx).is_ok());
    let size = handshake(HandshakeOptions {
        chunk_size: Some(ChunkSize::Fixed(u32::MAX)),
        ..HandshakeOptions::default()
    });
    assert_eq!(size.encode(&ctx), Err(EncodeError::AmbiguousChunkSize));
}

#[test]
fn failed_encode_leaves_the_buffer_untouched() {
    let mut out = vec![0xAA];
    let bad = one(Message::Have {
        spec: ChunkSpec::Bin(1),
    });
    assert!(
        bad.encode_into(&DecodeContext::default(), &mut out)
            .is_err()
    );
    assert_eq!(out, [0xAA]);
    let swarm_id = SwarmId::new(vec![1; 4]).unwrap();
    let good = one(Message::Handshake {
        source_channel: ChannelId(2),
        options: HandshakeOptions {
            swarm_id: Some(swarm_id),
            ..HandshakeOptions::default()
        },
    });
    good.encode_into(&DecodeContext::default(), &mut out)
        .unwrap();
    assert_eq!(
        out,
        hex("aa | 00000001 | 00 00000002 | 02 0004 01010101 | ff")
    );
}
