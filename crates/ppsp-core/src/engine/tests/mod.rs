//! Scenario tests of the engine on a virtual clock, quinn-proto style: a tiny network moves
//! datagrams between endpoints with a fixed latency and optional deterministic loss.

mod choking;
mod discovery;
mod handshake;
mod live;
mod liveness;
mod negotiation;
mod peers;
mod resume;
mod robustness;
mod streaming;
mod transfer;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{
    ChannelId, ChunkAddressing, Datagram, DecodeContext, MerkleHashFunction, Message,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{
    ChunkStore, Endpoint, EndpointConfig, Event, MemoryStore, StoreError, SwarmConfig, SwarmContent,
};
use crate::hash::HashFunction;
use crate::merkle::MerkleTree;
use crate::swarm::SwarmMetadata;

/// Deterministic content: `len` bytes that differ from chunk to chunk.
pub(super) fn content(len: usize, seed: u8) -> Bytes {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ ((i / 1024) as u8).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

/// A static swarm over `content`.
pub(super) struct Content {
    pub(super) bytes: Bytes,
    pub(super) tree: MerkleTree,
    pub(super) metadata: SwarmMetadata,
}

impl Content {
    pub(super) fn new(
        bytes: Bytes,
        chunk_size: u32,
        mhf: MerkleHashFunction,
        cam: ChunkAddressing,
    ) -> Self {
        let tree = MerkleTree::from_content(HashFunction::from(mhf), &bytes, chunk_size).unwrap();
        let id = SwarmId::new(tree.root_hash().as_bytes().to_vec()).unwrap();
        let mut metadata = SwarmMetadata::static_content(id, chunk_size, mhf, bytes.len() as u64);
        metadata.chunk_addressing = cam;
        Self {
            bytes,
            tree,
            metadata,
        }
    }

    /// 100 chunks of 1 KiB plus a 300-byte last chunk, SHA-256, 32-bit chunk ranges.
    pub(super) fn standard() -> Self {
        Self::new(
            content(100 * 1024 + 300, 1),
            1024,
            MerkleHashFunction::Sha256,
            ChunkAddressing::ChunkRanges32,
        )
    }

    pub(super) fn id(&self) -> SwarmId {
        self.metadata.swarm_id.clone()
    }

    pub(super) fn chunk_size(&self) -> u32 {
        self.metadata.fixed_chunk_size().unwrap()
    }

    pub(super) fn seed(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.metadata.clone(),
            store: Box::new(MemoryStore::from_content(&self.bytes, self.chunk_size())),
            content: SwarmContent::Seed(self.tree.clone()),
        }
    }

    pub(super) fn download(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.metadata.clone(),
            store: Box::new(MemoryStore::new()),
            content: SwarmContent::Download,
        }
    }

    /// The decoding context of the swarm's datagrams.
    pub(super) fn ctx(&self) -> DecodeContext {
        DecodeContext {
            chunk_addressing: self.metadata.chunk_addressing,
            merkle_hash_function: self.metadata.merkle_hash_function,
            chunk_size: self.metadata.chunk_size,
            ..DecodeContext::default()
        }
    }
}

/// A store that corrupts every chunk it hands out: a lying seeder.
pub(super) struct LyingStore(pub(super) MemoryStore);

impl ChunkStore for LyingStore {
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        let mut chunk = self.0.read_chunk(index)?.to_vec();
        chunk[0] ^= 0xFF;
        Some(chunk.into())
    }

    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        self.0.write_chunk(index, data)
    }
}

pub(super) fn addr(i: usize) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, i as u8 + 1], 6778))
}

/// One endpoint on the test network.
pub(super) struct Node {
    pub(super) endpoint: Endpoint,
    pub(super) addr: SocketAddr,
    pub(super) events: Vec<Event>,
}

/// A datagram in flight or delivered.
#[derive(Debug, Clone)]
pub(super) struct Packet {
    pub(super) from: SocketAddr,
    pub(super) to: SocketAddr,
    pub(super) contents: Bytes,
}

/// Latency added to a datagram on top of the network's.
pub(super) type Delay = Box<dyn Fn(&Packet) -> Duration>;

/// Decides whether to drop a datagram.
pub(super) type Filter = Box<dyn FnMut(&Packet) -> bool>;

/// The test network: endpoints, a virtual clock, fixed latency, deterministic loss.
pub(super) struct Net {
    pub(super) nodes: Vec<Node>,
    pub(super) now: Instant,
    pub(super) latency: Duration,
    /// Probability of dropping a datagram, drawn from a seeded RNG.
    pub(super) loss: f64,
    /// Drops a datagram when it returns true (applied after `loss`).
    pub(super) filter: Option<Filter>,
    /// Latency added to some datagrams (a slow link).
    pub(super) extra_delay: Option<Delay>,
    /// Every datagram sent, dropped or not, in order.
    pub(super) log: Vec<Packet>,
    in_flight: Vec<(Instant, u64, Packet)>,
    sequence: u64,
    rng: StdRng,
}

impl Net {
    pub(super) fn new(nodes: usize, config: &EndpointConfig) -> Self {
        let start = Instant::now();
        let nodes = (0..nodes)
            .map(|i| Node {
                endpoint: Endpoint::new(config.clone(), [i as u8 + 1; 32], start),
                addr: addr(i),
                events: Vec::new(),
            })
            .collect();
        Self {
            nodes,
            now: start,
            latency: Duration::from_millis(10),
            loss: 0.0,
            filter: None,
            extra_delay: None,
            log: Vec::new(),
            in_flight: Vec::new(),
            sequence: 0,
            rng: StdRng::from_seed([99; 32]),
        }
    }

    pub(super) fn endpoint(&mut self, i: usize) -> &mut Endpoint {
        &mut self.nodes[i].endpoint
    }

    pub(super) fn endpoint_ref(&self, i: usize) -> &Endpoint {
        &self.nodes[i].endpoint
    }

    /// Node `from` opens a channel to node `to`.
    pub(super) fn connect(&mut self, from: usize, to: usize, swarm: &SwarmId) {
        let (now, to) = (self.now, self.nodes[to].addr);
        self.nodes[from].endpoint.connect(now, swarm, to).unwrap();
    }

    /// Drains every endpoint's outputs: datagrams go on the wire, events to the node.
    fn drain(&mut self) {
        for node in &mut self.nodes {
            while let Some(t) = node.endpoint.poll_transmit() {
                let packet = Packet {
                    from: node.addr,
                    to: t.destination,
                    contents: t.contents,
                };
                self.log.push(packet.clone());
                let lost = self.loss > 0.0 && self.rng.random_bool(self.loss);
                let filtered = self.filter.as_mut().is_some_and(|f| f(&packet));
                if !lost && !filtered {
                    self.sequence += 1;
                    let extra = self
                        .extra_delay
                        .as_ref()
                        .map_or(Duration::ZERO, |d| d(&packet));
                    self.in_flight
                        .push((self.now + self.latency + extra, self.sequence, packet));
                }
            }
            while let Some(event) = node.endpoint.poll_event() {
                node.events.push(event);
            }
        }
    }

    /// Advances to the next delivery or timer, if it is not after `end`, and processes it.
    /// Returns false when nothing is left to do before `end`.
    fn step(&mut self, end: Instant) -> bool {
        self.drain();
        let delivery = self.in_flight.iter().map(|(at, _, _)| *at).min();
        let timer = self
            .nodes
            .iter()
            .filter_map(|n| n.endpoint.poll_timeout())
            .min();
        let Some(next) = [delivery, timer].into_iter().flatten().min() else {
            return false;
        };
        if next > end {
            self.now = end;
            return false;
        }
        self.now = self.now.max(next);
        self.in_flight.sort_by_key(|(at, seq, _)| (*at, *seq));
        let due = self.in_flight.partition_point(|(at, _, _)| *at <= self.now);
        let now = self.now;
        for (_, _, packet) in self.in_flight.drain(..due).collect::<Vec<_>>() {
            if let Some(node) = self.nodes.iter_mut().find(|n| n.addr == packet.to) {
                node.endpoint
                    .handle_datagram(now, packet.from, packet.contents);
            }
        }
        for node in &mut self.nodes {
            if node.endpoint.poll_timeout().is_some_and(|t| t <= now) {
                node.endpoint.handle_timeout(now);
            }
        }
        self.drain();
        true
    }

    /// Runs until `done` holds or `limit` of virtual time passes; returns whether it held.
    pub(super) fn run_until(
        &mut self,
        limit: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) -> bool {
        let end = self.now + limit;
        while self.now < end {
            if done(self) {
                return true;
            }
            if !self.step(end) {
                break;
            }
        }
        done(self)
    }

    /// Runs for `duration` of virtual time.
    pub(super) fn run_for(&mut self, duration: Duration) {
        self.run_until(duration, |_| false);
    }

    /// Whether node `i` reported the swarm complete.
    pub(super) fn complete(&self, i: usize) -> bool {
        self.nodes[i]
            .events
            .iter()
            .any(|e| matches!(e, Event::SwarmComplete { .. }))
    }

    /// The content node `i` stored for `swarm`, chunk by chunk.
    pub(super) fn stored(&self, i: usize, swarm: &SwarmId, chunks: u64) -> Vec<u8> {
        let store = self.nodes[i].endpoint.store(swarm).unwrap();
        (0..chunks)
            .flat_map(|c| store.read_chunk(c).unwrap_or_default().to_vec())
            .collect()
    }

    /// The datagrams logged from node `from` to node `to`, decoded with `ctx`.
    pub(super) fn messages(
        &self,
        from: usize,
        to: usize,
        ctx: &DecodeContext,
    ) -> Vec<Vec<Message>> {
        let (from, to) = (self.nodes[from].addr, self.nodes[to].addr);
        self.log
            .iter()
            .filter(|p| p.from == from && p.to == to)
            .filter_map(|p| Datagram::decode(p.contents.clone(), ctx).ok())
            .map(|d| d.messages)
            .collect()
    }
}

/// Drives one endpoint by hand: feed bytes, collect what it sends.
pub(super) struct Driver {
    pub(super) endpoint: Endpoint,
    pub(super) now: Instant,
}

impl Driver {
    pub(super) fn new(config: EndpointConfig) -> Self {
        let now = Instant::now();
        Self {
            endpoint: Endpoint::new(config, [42; 32], now),
            now,
        }
    }

    /// Feeds `bytes` from `from` and returns the datagrams sent in response.
    pub(super) fn feed(&mut self, from: SocketAddr, bytes: &[u8]) -> Vec<Bytes> {
        self.endpoint
            .handle_datagram(self.now, from, Bytes::copy_from_slice(bytes));
        self.sent()
    }

    /// Advances the clock by `by`, runs timers, and returns what was sent.
    pub(super) fn advance(&mut self, by: Duration) -> Vec<Bytes> {
        self.now += by;
        self.endpoint.handle_timeout(self.now);
        self.sent()
    }

    pub(super) fn sent(&mut self) -> Vec<Bytes> {
        std::iter::from_fn(|| self.endpoint.poll_transmit())
            .map(|t| t.contents)
            .collect()
    }

    pub(super) fn events(&mut self) -> Vec<Event> {
        std::iter::from_fn(|| self.endpoint.poll_event()).collect()
    }
}

/// Encodes a datagram to `channel` with `ctx`.
pub(super) fn datagram(channel: u32, messages: Vec<Message>, ctx: &DecodeContext) -> Vec<u8> {
    Datagram {
        channel: ChannelId(channel),
        messages,
    }
    .encode(ctx)
    .unwrap()
}

/// Parses hex with optional spaces and `|` separators.
pub(super) fn hex(text: &str) -> Vec<u8> {
    let clean: String = text.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    ppsp_wire::ids::from_hex(&clean).unwrap()
}
