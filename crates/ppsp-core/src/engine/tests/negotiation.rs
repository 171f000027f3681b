//! Option negotiation against hand-built datagrams: the Supported Messages option we send,
//! and the message types we then never send to a peer that does not support them (RFC 7574
//! section 7.10).

use bytes::Bytes;
use ppsp_wire::ppspp::{
    ChannelId, ChunkSpec, Datagram, DecodeContext, HandshakeOptions, Message, MessageType,
    ProtocolVersion, SupportedMessages,
};

use super::{Content, Driver, addr, content, datagram};
use crate::engine::EndpointConfig;

fn one_chunk() -> Content {
    Content::new(
        content(700, 3),
        1024,
        ppsp_wire::ppspp::MerkleHashFunction::Sha256,
        ppsp_wire::ppspp::ChunkAddressing::ChunkRanges32,
    )
}

fn kinds(sent: &[Bytes], ctx: &DecodeContext) -> Vec<MessageType> {
    sent.iter()
        .filter_map(|b| Datagram::decode(b.clone(), ctx).ok())
        .flat_map(|d| d.messages)
        .map(|m| m.message_type())
        .collect()
}

#[test]
fn datagram_1_says_which_messages_we_handle() {
    let content = one_chunk();
    for (pex, bitmap) in [(true, [0xFE, 0xF8]), (false, [0xF8, 0xF0])] {
        let config = EndpointConfig {
            pex,
            ..EndpointConfig::default()
        };
        let mut driver = Driver::new(config);
        let now = driver.now;
        driver.endpoint.add_swarm(now, content.download()).unwrap();
        driver
            .endpoint
            .connect(now, &content.id(), addr(0))
            .unwrap();
        let d1 = Datagram::decode(driver.sent().remove(0), &DecodeContext::default()).unwrap();
        let Some(Message::Handshake { options, .. }) = d1.messages.first() else {
            panic!("datagram 1 must start with a HANDSHAKE");
        };
        let supported = options.supported_messages.expect("Supported Messages sent");
        assert_eq!(supported.bitmap(), bitmap);
    }
}

#[test]
fn messages_the_peer_does_not_support_are_never_sent_to_it() {
    let content = one_chunk();
    let mut driver = Driver::new(EndpointConfig::default());
    let now = driver.now;
    driver.endpoint.add_swarm(now, content.download()).unwrap();
    driver
        .endpoint
        .connect(now, &content.id(), addr(0))
        .unwrap();
    let d1 = driver.sent();
    let chan_p = u32::from_be_bytes(d1[0][5..9].try_into().unwrap());
    let mut supported = SupportedMessages::all();
    supported.remove(MessageType::PexReq);
    supported.remove(MessageType::Ack);
    let options = HandshakeOptions {
        version: Some(ProtocolVersion::V1),
        content_integrity: Some(content.metadata.content_integrity),
        merkle_hash_function: Some(content.metadata.merkle_hash_function),
        chunk_addressing: Some(content.metadata.chunk_addressing),
        chunk_size: Some(content.metadata.chunk_size),
        supported_messages: Some(supported),
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
                spec: ChunkSpec::ChunkRange { start: 0, end: 0 },
            },
        ],
        &content.ctx(),
    );
    let d3 = driver.feed(addr(0), &d2);
    let sent = kinds(&d3, &content.ctx());
    assert!(sent.contains(&MessageType::Request));
    assert!(!sent.contains(&MessageType::PexReq));
    // The one chunk is the root: no hash needed. We verify it but send no ACK.
    let d4 = datagram(
        chan_p,
        vec![Message::Data {
            spec: ChunkSpec::ChunkRange { start: 0, end: 0 },
            timestamp: 5,
            payload: content.bytes.clone(),
        }],
        &content.ctx(),
    );
    let after = driver.feed(addr(0), &d4);
    assert!(!kinds(&after, &content.ctx()).contains(&MessageType::Ack));
    let stats = driver.endpoint.swarm_stats(&content.id()).unwrap();
    assert_eq!(stats.chunks_verified, 1);
}
