//! Live streams between engines: a source pushing signed chunks, receivers joining near the
//! edge, verifying, discarding behind the window and relaying to each other; forged
//! signatures and corrupted chunks getting their sender banned.

use std::time::Duration;

use bytes::Bytes;
use ppsp_wire::ppspp::{ChannelId, ChunkSpec, Datagram, DecodeContext, Message};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{Driver, Net, addr, datagram};
use crate::engine::handshake::{Role, our_options};
use crate::engine::{
    BanReason, EndpointConfig, EngineError, Event, LiveSettings, MemoryStore, SwarmConfig,
    SwarmContent, live_metadata,
};
use crate::live::{
    LiveConfig, LiveSignatureAlgorithm, LiveSigner, LiveSigningKey, NtpTimestamp, SignedMunro,
};
use crate::spec::SpecLayout;
use crate::swarm::SwarmMetadata;

const CHUNK: u32 = 1024;
/// Chunks pushed per second.
const RATE: f64 = 20.0;

/// A live stream: its key and metadata.
struct Stream {
    key: LiveSigningKey,
    meta: SwarmMetadata,
}

impl Stream {
    fn new(algorithm: LiveSignatureAlgorithm, ncps: Option<u32>, window: Option<u64>) -> Self {
        let mut rng = StdRng::seed_from_u64(11);
        let key = LiveSigningKey::generate(algorithm, &mut rng).unwrap();
        let meta = live_metadata(&key.public_key(), CHUNK, ncps, window).unwrap();
        Self { key, meta }
    }

    fn id(&self) -> ppsp_wire::ids::SwarmId {
        self.meta.swarm_id.clone()
    }

    fn settings() -> LiveSettings {
        LiveSettings {
            chunk_rate: Some(RATE),
            join_behind: 8,
            startup_delay: Duration::from_secs(2),
            ..LiveSettings::default()
        }
    }

    fn source(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.meta.clone(),
            store: Box::new(MemoryStore::new()),
            content: SwarmContent::LiveSource {
                key: self.key.clone(),
                settings: Self::settings(),
            },
        }
    }

    fn receiver(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.meta.clone(),
            store: Box::new(MemoryStore::new()),
            content: SwarmContent::LiveReceiver(Self::settings()),
        }
    }

    fn ctx(&self) -> DecodeContext {
        DecodeContext {
            chunk_addressing: self.meta.chunk_addressing,
            merkle_hash_function: self.meta.merkle_hash_function,
            chunk_size: self.meta.chunk_size,
            live_signature_algorithm: self.meta.live_signature_algorithm.unwrap(),
            rsa_modulus_len: None,
        }
    }
}

/// The bytes of live chunk `i`.
fn chunk_bytes(i: u64) -> Bytes {
    (0..CHUNK as usize)
        .map(|b| (b as u8).wrapping_mul(7) ^ (i as u8).wrapping_mul(13) ^ (i >> 8) as u8)
        .collect::<Vec<u8>>()
        .into()
}

/// Pushes chunks `range` at the stream rate on node 0, running the network in between.
fn stream(net: &mut Net, stream: &Stream, range: std::ops::Range<u64>) {
    let period = Duration::from_secs_f64(1.0 / RATE);
    for i in range {
        let now = net.now;
        let index = net
            .endpoint(0)
            .push_live_chunk(now, &stream.id(), chunk_bytes(i))
            .unwrap();
        assert_eq!(index, i);
        net.run_for(period);
    }
}

fn joined_at(net: &Net, node: usize) -> Option<u64> {
    net.nodes[node].events.iter().find_map(|e| match e {
        Event::LiveJoined { chunk, .. } => Some(*chunk),
        _ => None,
    })
}

fn verified(net: &Net, node: usize) -> Vec<u64> {
    net.nodes[node]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::ChunkVerified { index, .. } => Some(*index),
            _ => None,
        })
        .collect()
}

/// Node 0 is the source; nodes 1.. receive, each connected to the source and to every
/// earlier receiver.
fn live_net(s: &Stream, nodes: usize, config: &EndpointConfig) -> Net {
    let mut net = Net::new(nodes, config);
    let now = net.now;
    net.endpoint(0).add_swarm(now, s.source()).unwrap();
    net
}

fn join_all(net: &mut Net, s: &Stream) {
    let now = net.now;
    for i in 1..net.nodes.len() {
        net.endpoint(i).add_swarm(now, s.receiver()).unwrap();
        for j in 0..i {
            net.connect(i, j, &s.id());
        }
    }
}

#[test]
fn receivers_join_near_the_edge_and_get_every_later_chunk_verified_in_time() {
    for (algorithm, ncps) in [
        (LiveSignatureAlgorithm::EcdsaP256Sha256, Some(4)),
        (LiveSignatureAlgorithm::Ed25519, None),
    ] {
        let s = Stream::new(algorithm, ncps, None);
        let mut net = live_net(&s, 3, &EndpointConfig::default());
        stream(&mut net, &s, 0..40);
        join_all(&mut net, &s);
        stream(&mut net, &s, 40..120);
        net.run_for(Duration::from_secs(3));
        for node in 1..3 {
            let join = joined_at(&net, node).expect("joined");
            assert!((24..40).contains(&join), "{algorithm:?} joined at {join}");
            let mut got = verified(&net, node);
            got.sort_unstable();
            let expected: Vec<u64> = (join..120).collect();
            assert_eq!(got, expected, "{algorithm:?} node {node}");
            let store = net.endpoint_ref(node).store(&s.id()).unwrap();
            for i in join..120 {
                assert_eq!(store.read_chunk(i), Some(chunk_bytes(i)));
            }
            let status = net.endpoint_ref(node).live_status(&s.id()).unwrap();
            assert_eq!(status.chunks_missed, 0, "{algorithm:?} node {node}");
            assert_eq!(status.join_chunk, Some(join));
            assert!(status.chunks_on_time >= 80, "{status:?}");
            assert!(!status.source);
        }
        let stats = net.endpoint_ref(1).swarm_stats(&s.id()).unwrap();
        assert_eq!(stats.banned_peers, 0);
    }
}

#[test]
fn the_source_refuses_chunks_of_the_wrong_size_and_receivers_cannot_push() {
    let s = Stream::new(LiveSignatureAlgorithm::Ed25519, Some(2), None);
    let mut net = live_net(&s, 2, &EndpointConfig::default());
    let now = net.now;
    net.endpoint(1).add_swarm(now, s.receiver()).unwrap();
    let short = Bytes::from(vec![0u8; 1000]);
    let err = net
        .endpoint(0)
        .push_live_chunk(now, &s.id(), short)
        .unwrap_err();
    assert!(
        matches!(&err, EngineError::InvalidChunk(m) if m.contains("1000 bytes")),
        "{err}"
    );
    let err = net
        .endpoint(1)
        .push_live_chunk(now, &s.id(), chunk_bytes(0))
        .unwrap_err();
    assert_eq!(err, EngineError::NotLiveSource(s.id()));
}

#[test]
fn chunks_behind_the_discard_window_are_never_requested_nor_kept() {
    let window = 16;
    let s = Stream::new(LiveSignatureAlgorithm::Ed25519, Some(4), Some(window));
    let mut net = live_net(&s, 2, &EndpointConfig::default());
    stream(&mut net, &s, 0..100);
    let now = net.now;
    let mut settings = Stream::settings();
    settings.join_behind = 50;
    let config = SwarmConfig {
        content: SwarmContent::LiveReceiver(settings),
        ..s.receiver()
    };
    net.endpoint(1).add_swarm(now, config).unwrap();
    net.connect(1, 0, &s.id());
    stream(&mut net, &s, 100..160);
    net.run_for(Duration::from_secs(3));
    let join = joined_at(&net, 1).unwrap();
    // The edge was 99 at most: 50 behind is outside the 16-chunk window.
    assert!(join >= 100 - window, "joined at {join}");
    let ctx = s.ctx();
    let requested: Vec<u64> = net
        .messages(1, 0, &ctx)
        .into_iter()
        .flatten()
        .filter_map(|m| match m {
            Message::Request {
                spec: ChunkSpec::ChunkRange { start, .. },
            } => Some(start),
            _ => None,
        })
        .collect();
    assert!(!requested.is_empty());
    assert!(requested.iter().all(|&c| c >= join), "{requested:?}");
    let source_store = net.endpoint_ref(0).store(&s.id()).unwrap();
    assert_eq!(
        source_store.read_chunk(100),
        None,
        "the source discards too"
    );
    let store = net.endpoint_ref(1).store(&s.id()).unwrap();
    let kept: Vec<u64> = (0..160)
        .filter(|&i| store.read_chunk(i).is_some())
        .collect();
    assert!(kept.len() as u64 <= window, "kept {kept:?}");
    let status = net.endpoint_ref(1).live_status(&s.id()).unwrap();
    assert!(status.window_start > join);
    assert_eq!(status.newest_held, Some(159));
}

#[test]
fn receivers_relay_so_the_source_uploads_less_than_they_download() {
    let s = Stream::new(LiveSignatureAlgorithm::Ed25519, Some(4), Some(256));
    let mut net = live_net(&s, 5, &EndpointConfig::default());
    stream(&mut net, &s, 0..20);
    join_all(&mut net, &s);
    stream(&mut net, &s, 20..220);
    net.run_for(Duration::from_secs(3));
    let up = net
        .endpoint_ref(0)
        .swarm_stats(&s.id())
        .unwrap()
        .payload_bytes_up;
    let mut down = 0;
    for node in 1..5 {
        let status = net.endpoint_ref(node).live_status(&s.id()).unwrap();
        assert_eq!(status.chunks_missed, 0, "node {node}: {status:?}");
        down += net
            .endpoint_ref(node)
            .swarm_stats(&s.id())
            .unwrap()
            .payload_bytes_down;
    }
    let copy = 200 * u64::from(CHUNK);
    assert!(down >= 4 * copy, "downloaded {down}");
    assert!(
        up < down && up <= 2 * copy,
        "source uploaded {up} for {down} downloaded ({} copies)",
        up as f64 / copy as f64
    );
}

/// A receiver driven by hand, and a fake peer's channel to it.
struct Fake {
    driver: Driver,
    stream: Stream,
    signer: LiveSigner,
    /// The receiver's channel ID.
    channel: u32,
}

impl Fake {
    /// A receiver that accepted a handshake from a fake source which announced 8 chunks;
    /// the fake signs them (munros of 4) with the real key.
    fn new() -> Self {
        let stream = Stream::new(LiveSignatureAlgorithm::Ed25519, Some(4), None);
        let mut driver = Driver::new(EndpointConfig::default());
        let now = driver.now;
        driver.endpoint.add_swarm(now, stream.receiver()).unwrap();
        let ctx = stream.ctx();
        let options = our_options(&stream.meta, Role::Initiator, false);
        let hello = datagram(
            0,
            vec![
                Message::Handshake {
                    source_channel: ChannelId(77),
                    options,
                },
                Message::Have {
                    spec: ChunkSpec::ChunkRange { start: 0, end: 7 },
                },
            ],
            &ctx,
        );
        let reply = driver.feed(addr(9), &hello);
        let reply = Datagram::decode(reply[0].clone(), &ctx).unwrap();
        let Message::Handshake { source_channel, .. } = &reply.messages[0] else {
            panic!("no handshake reply: {reply:?}");
        };
        let layout = SpecLayout::new(stream.meta.chunk_addressing, CHUNK).unwrap();
        let config = LiveConfig::new(crate::hash::HashFunction::Sha256, layout, 4).unwrap();
        let mut signer = LiveSigner::new(stream.key.clone(), config);
        for i in 0..8 {
            signer
                .push_chunk(&chunk_bytes(i), NtpTimestamp::from_bits(i))
                .unwrap();
        }
        Self {
            driver,
            stream,
            signer,
            channel: source_channel.0,
        }
    }

    /// INTEGRITY + SIGNED_INTEGRITY of chunk's munro, its uncles, and DATA with `payload`.
    fn serve(&mut self, chunk: u64, munro: SignedMunro, payload: Bytes) -> Vec<Event> {
        let layout = SpecLayout::new(self.stream.meta.chunk_addressing, CHUNK).unwrap();
        let spec = |bin| layout.bin_to_spec(bin).unwrap();
        let mut messages = vec![
            Message::Integrity {
                spec: spec(munro.bin),
                hash: Bytes::copy_from_slice(munro.hash.as_bytes()),
            },
            Message::SignedIntegrity {
                spec: spec(munro.bin),
                timestamp: munro.timestamp.to_bits(),
                signature: Bytes::copy_from_slice(munro.signature.as_bytes()),
            },
        ];
        for (bin, hash) in self.signer.uncles_for(chunk, |_| false).unwrap() {
            messages.push(Message::Integrity {
                spec: spec(bin),
                hash: Bytes::copy_from_slice(hash.as_bytes()),
            });
        }
        messages.push(Message::Data {
            spec: ChunkSpec::ChunkRange {
                start: chunk,
                end: chunk,
            },
            timestamp: 1,
            payload,
        });
        let bytes = datagram(self.channel, messages, &self.stream.ctx());
        self.driver.feed(addr(9), &bytes);
        self.driver.events()
    }
}

fn banned(events: &[Event]) -> Option<BanReason> {
    events.iter().find_map(|e| match e {
        Event::PeerBanned { reason, .. } => Some(*reason),
        _ => None,
    })
}

#[test]
fn an_honest_signed_chunk_is_verified() {
    let mut fake = Fake::new();
    let munro = fake.signer.munro_for(5).unwrap().clone();
    let events = fake.serve(5, munro, chunk_bytes(5));
    assert_eq!(banned(&events), None, "{events:?}");
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ChunkVerified { index: 5, .. }))
    );
}

#[test]
fn a_forged_munro_signature_bans_the_sender() {
    let mut fake = Fake::new();
    let mut munro = fake.signer.munro_for(5).unwrap().clone();
    let mut forged = munro.signature.as_bytes().to_vec();
    forged[3] ^= 1;
    munro.signature = crate::live::Signature::new(forged);
    let events = fake.serve(5, munro, chunk_bytes(5));
    assert_eq!(banned(&events), Some(BanReason::ForgedSignature));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::ChunkVerified { .. }))
    );
}

#[test]
fn a_chunk_with_a_flipped_bit_bans_the_sender() {
    let mut fake = Fake::new();
    let munro = fake.signer.munro_for(5).unwrap().clone();
    let mut bad = chunk_bytes(5).to_vec();
    bad[100] ^= 0x10;
    let events = fake.serve(5, munro, bad.into());
    assert_eq!(
        banned(&events),
        Some(BanReason::CorruptChunk { index: 5 }),
        "{events:?}"
    );
    let stats = fake.driver.endpoint.swarm_stats(&fake.stream.id()).unwrap();
    assert_eq!(stats.chunks_verified, 0);
}
