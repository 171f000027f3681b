//! Encode + decode cost of the messages on the hot paths: a DATA datagram with a 1 KiB chunk
//! (every chunk moved), a HAVE (every chunk verified), and a FIND response listing 50 peers (the
//! largest routine signalling message).
//!
//! ## Usage
//! `cargo bench -p ppsp-wire --bench codecs`

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ppsp_wire::ids::{PeerId, SwarmId, TransactionId};
use ppsp_wire::peer::{Method, PeerMessage, Response, ResponseBody};
use ppsp_wire::peer_list::{PeerAddress, PeerInfo, Transport};
use ppsp_wire::ppspp::{ChannelId, ChunkSpec, Datagram, DecodeContext, Message};

fn datagram_round_trip(c: &mut Criterion, name: &str, datagram: &Datagram) {
    let ctx = DecodeContext::default();
    let mut buffer = Vec::with_capacity(1500);
    datagram
        .encode_into(&ctx, &mut buffer)
        .expect("valid datagram");
    let mut group = c.benchmark_group("ppspp");
    group.throughput(Throughput::Bytes(buffer.len() as u64));
    group.bench_function(format!("{name}/encode+decode"), |b| {
        b.iter(|| {
            buffer.clear();
            black_box(datagram)
                .encode_into(&ctx, &mut buffer)
                .expect("valid datagram");
            let bytes = Bytes::copy_from_slice(&buffer);
            black_box(Datagram::decode(bytes, &ctx).expect("decodes"))
        })
    });
    group.finish();
}

fn data_1k(c: &mut Criterion) {
    let datagram = Datagram {
        channel: ChannelId(0x1234_5678),
        messages: vec![Message::Data {
            spec: ChunkSpec::ChunkRange {
                start: 4711,
                end: 4711,
            },
            timestamp: 1_700_000_000_000_000,
            payload: Bytes::from(vec![0xa5; 1024]),
        }],
    };
    datagram_round_trip(c, "data_1k", &datagram);
}

fn have(c: &mut Criterion) {
    let datagram = Datagram {
        channel: ChannelId(0x1234_5678),
        messages: vec![Message::Have {
            spec: ChunkSpec::ChunkRange {
                start: 0,
                end: 4711,
            },
        }],
    };
    datagram_round_trip(c, "have", &datagram);
}

fn find_response_50_peers(c: &mut Criterion) {
    let peers = (0..50u8)
        .map(|i| PeerInfo {
            peer_id: PeerId([i; 20]),
            addresses: vec![
                PeerAddress {
                    addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, i)), 6778),
                    transport: Transport::PpsppUdp,
                },
                PeerAddress {
                    addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, i)), 8080),
                    transport: Transport::Http,
                },
            ],
            properties: Vec::new(),
        })
        .collect();
    let message = PeerMessage::Response(Response::success(
        TransactionId::new("7f3a9c").expect("valid"),
        Method::Find,
        ResponseBody::Peers {
            swarm_id: SwarmId::new(vec![0x47; 32]).expect("valid"),
            chunk: None,
            peers,
        },
    ));
    let size = message.encoded_len();
    let mut group = c.benchmark_group("peer_xml");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function("find_response_50_peers/encode+decode", |b| {
        b.iter(|| {
            let text = black_box(&message).to_xml();
            black_box(PeerMessage::from_xml(text.as_bytes()).expect("decodes"))
        })
    });
    group.finish();
}

criterion_group!(benches, data_1k, have, find_response_50_peers);
criterion_main!(benches);
