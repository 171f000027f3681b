//! The signalling plane inside a running node: what the driver, the HTTP server, the agent
//! and the caller's handle share.
//!
//! The driver owns the engine on its own thread, so nothing here may wait on it: the server
//! answers from a [`Snapshot`] the driver refreshes on a short tick, and the two things that
//! need the engine itself (reading a proven chunk, importing a chunk fetched over `http`) and
//! UDP connections chosen by negotiation go to the driver as [`PlaneRequest`]s.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ppsp_core::engine::{Endpoint, ImportError, PeerLink, ProvenChunk};
use ppsp_core::{Bin, ChunkSet, Digest, HashFunction};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer::TransportOffer;
use ppsp_wire::peer_list::{PeerAddress, PeerInfo, Transport};
use tokio::sync::{mpsc, oneshot};

use super::client::SignallingClient;
use super::properties::{RateMeter, live_buffer_level};
use super::state::{SignallingConfig, SignallingState};
use super::view::{KnownPeer, NodeProperties, NodeView};
use crate::metrics::{self, NodeMetrics};

/// What the plane asks of the driver.
pub(crate) enum PlaneRequest {
    /// A verified chunk with its proof, for a chunk GET.
    ProvenChunk {
        swarm: SwarmId,
        chunk: u64,
        reply: oneshot::Sender<Option<ProvenChunk>>,
    },
    /// A chunk fetched over `http`, with the hashes that came with it, for the engine.
    Import {
        swarm: SwarmId,
        chunk: u64,
        hashes: Vec<(Bin, Digest)>,
        data: Bytes,
    },
    /// Negotiation chose `ppspp/udp` with this peer: open a channel.
    Connect { swarm: SwarmId, peer: SocketAddr },
}

/// One swarm as the server sees it.
#[derive(Debug, Clone, Default)]
pub(crate) struct SwarmSnapshot {
    pub(crate) have: ChunkSet,
    /// Playback buffered ahead of a live receiver's playhead (`None` elsewhere).
    pub(crate) buffer_level: Option<Duration>,
    pub(crate) chunk_count: Option<u64>,
    /// The Merkle hash function; `None` for a live swarm (not fetched over `http`).
    pub(crate) hash: Option<HashFunction>,
    pub(crate) links: Vec<PeerLink>,
}

impl SwarmSnapshot {
    pub(crate) fn is_complete(&self) -> bool {
        self.chunk_count.is_some_and(|n| self.have.len() >= n)
    }
}

/// The engine's state as of the last refresh.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) taken: Instant,
    pub(crate) swarms: BTreeMap<SwarmId, SwarmSnapshot>,
    pub(crate) engine_slots: usize,
    pub(crate) open_links: usize,
    pub(crate) uplink_kbps: Option<u64>,
    pub(crate) downlink_kbps: Option<u64>,
    /// The engine's counters for `GET /metrics` (uptime and the plane's own added there).
    pub(crate) metrics: NodeMetrics,
}

/// Counters of what the plane did, for status lines and the overhead benchmark.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) peers_found_by_find: AtomicU64,
    pub(crate) http_chunks: AtomicU64,
    pub(crate) http_payload_bytes: AtomicU64,
    pub(crate) choked_by: AtomicU64,
    pub(crate) unchokes_sent: AtomicU64,
    pub(crate) reports_pushed: AtomicU64,
    pub(crate) udp_sources: AtomicU64,
    pub(crate) http_sources: AtomicU64,
    pub(crate) chunks_served: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// What a node's signalling plane has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignallingStats {
    /// Peers first learnt from FIND answers (not known from the tracker before).
    pub peers_found_by_find: u64,
    /// XML request and response bytes this node's requests exchanged (bodies).
    pub xml_bytes: u64,
    /// Chunks fetched over `http` and taken by the engine.
    pub http_chunks: u64,
    /// Their bytes.
    pub http_payload_bytes: u64,
    /// Times a peer answered CHOKED (we then asked others).
    pub choked_by: u64,
    /// UNCHOKEs sent to peers that slots freed up for.
    pub unchokes_sent: u64,
    /// Availability reports pushed (Hybrid flow), counted per receiver.
    pub reports_pushed: u64,
    /// Sources negotiated to `ppspp/udp` (handed to the engine).
    pub udp_sources: u64,
    /// Sources negotiated to `http`.
    pub http_sources: u64,
    /// Chunks served by chunk GETs.
    pub chunks_served: u64,
}

/// A node's plane, shared by its driver, server, agent and handle.
#[derive(Debug)]
pub struct Plane {
    pub(crate) peer_id: PeerId,
    pub(crate) state: Arc<SignallingState>,
    pub(crate) client: Arc<SignallingClient>,
    /// What this node speaks, preferred first, with the address of each.
    pub(crate) offers: Vec<TransportOffer>,
    pub(crate) upload_slots: usize,
    pub(crate) started: Instant,
    pub(crate) snapshot: RwLock<Snapshot>,
    pub(crate) requests: mpsc::UnboundedSender<PlaneRequest>,
    pub(crate) counters: Counters,
}

/// The plane of a node: `transports` in preference order, `udp` and `http` the addresses
/// they are reached at (a transport without an address is spoken as a client only).
pub(crate) fn new_plane(
    peer_id: PeerId,
    config: SignallingConfig,
    transports: &[Transport],
    udp: SocketAddr,
    http: Option<SocketAddr>,
    upload_slots: usize,
) -> (Arc<Plane>, mpsc::UnboundedReceiver<PlaneRequest>) {
    let offers = transports
        .iter()
        .map(|t| TransportOffer {
            transport: t.clone(),
            addr: match t {
                Transport::PpsppUdp => Some(udp),
                Transport::Http => http,
                _ => None,
            },
            key: None,
        })
        .collect();
    let state = Arc::new(SignallingState::new(config));
    let client = Arc::new(SignallingClient::new(peer_id, Arc::clone(&state)));
    let (requests, receiver) = mpsc::unbounded_channel();
    let plane = Plane {
        peer_id,
        state,
        client,
        offers,
        upload_slots,
        started: Instant::now(),
        snapshot: RwLock::new(Snapshot {
            taken: Instant::now(),
            swarms: BTreeMap::new(),
            engine_slots: 0,
            open_links: 0,
            uplink_kbps: None,
            downlink_kbps: None,
            metrics: NodeMetrics::default(),
        }),
        requests,
        counters: Counters::default(),
    };
    (Arc::new(plane), receiver)
}

impl Plane {
    /// Whether this node speaks `transport`.
    pub(crate) fn speaks(&self, transport: &Transport) -> bool {
        self.offers.iter().any(|o| &o.transport == transport)
    }

    /// The transports spoken, preferred first.
    pub fn transports(&self) -> Vec<Transport> {
        self.offers.iter().map(|o| o.transport.clone()).collect()
    }

    /// The address of the HTTP server, if the node runs one.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.offers
            .iter()
            .find(|o| o.transport == Transport::Http)
            .and_then(|o| o.addr)
    }

    /// The shared signalling state (peers learnt, availability, chokes).
    pub fn state(&self) -> &Arc<SignallingState> {
        &self.state
    }

    pub(crate) fn snapshot(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.snapshot.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The counters so far.
    pub fn stats(&self) -> SignallingStats {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        SignallingStats {
            peers_found_by_find: get(&c.peers_found_by_find),
            xml_bytes: self.client.signalling_bytes(),
            http_chunks: get(&c.http_chunks),
            http_payload_bytes: get(&c.http_payload_bytes),
            choked_by: get(&c.choked_by),
            unchokes_sent: get(&c.unchokes_sent),
            reports_pushed: get(&c.reports_pushed),
            udp_sources: get(&c.udp_sources),
            http_sources: get(&c.http_sources),
            chunks_served: get(&c.chunks_served),
        }
    }
}

/// A stable peer ID for a peer known only by its UDP address (PEX, or a tracker that gave
/// no usable ID): the first 20 bytes of SHA-1 over a fixed label and the address, so every
/// node names the same address the same way.
pub fn synthesized_peer_id(addr: SocketAddr) -> PeerId {
    let digest =
        HashFunction::Sha1.hash(&[b"ppsp synthesized peer id\0", addr.to_string().as_bytes()]);
    let mut id = [0u8; 20];
    let bytes = digest.as_bytes();
    let n = bytes.len().min(20);
    id[..n].copy_from_slice(&bytes[..n]);
    PeerId(id)
}

/// The driver's side of the plane: refreshing the snapshot and doing what is asked.
#[derive(Debug)]
pub(crate) struct PlaneDriver {
    pub(crate) plane: Arc<Plane>,
    hashes: BTreeMap<SwarmId, Option<HashFunction>>,
    up: RateMeter,
    down: RateMeter,
}

/// How often the driver refreshes the snapshot.
pub(crate) const REFRESH_INTERVAL: Duration = Duration::from_millis(200);

impl PlaneDriver {
    pub(crate) fn new(plane: Arc<Plane>) -> Self {
        Self {
            plane,
            hashes: BTreeMap::new(),
            up: RateMeter::new(Duration::from_secs(5)),
            down: RateMeter::new(Duration::from_secs(5)),
        }
    }

    /// Notes the hash function of a swarm being added (`None` for a live one).
    pub(crate) fn swarm_added(&mut self, swarm: SwarmId, hash: Option<HashFunction>) {
        self.hashes.insert(swarm, hash);
    }

    /// Takes a new snapshot of the engine; `send_failures` is the driver's count, for the
    /// metrics page.
    pub(crate) fn refresh(&mut self, endpoint: &Endpoint, send_failures: u64) {
        let now = Instant::now();
        self.hashes.retain(|id, _| endpoint.has_swarm(id));
        let mut swarms = BTreeMap::new();
        for id in endpoint.swarm_ids() {
            let have = endpoint.local_availability(id).cloned().unwrap_or_default();
            let buffer_level = endpoint
                .live_status(id)
                .and_then(|status| live_buffer_level(&status, &have));
            swarms.insert(
                id.clone(),
                SwarmSnapshot {
                    have,
                    buffer_level,
                    chunk_count: endpoint.swarm_stats(id).and_then(|s| s.chunk_count),
                    hash: self.hashes.get(id).copied().flatten(),
                    links: endpoint.peer_links(id).unwrap_or_default(),
                },
            );
        }
        let (up, down) = endpoint.payload_totals();
        // Imported chunks are in the engine's download total; chunk GETs served are not in
        // its upload total, which is the UDP rate.
        self.up.sample(now, up);
        self.down.sample(now, down);
        let snapshot = Snapshot {
            taken: now,
            swarms,
            engine_slots: endpoint.upload_slots_in_use(),
            open_links: endpoint.open_links(),
            uplink_kbps: self.up.kbps(),
            downlink_kbps: self.down.kbps(),
            metrics: metrics::collect(endpoint, send_failures),
        };
        *self
            .plane
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = snapshot;
    }

    /// Does one request; returns whether the engine took a chunk (the caller then runs its
    /// timers so HAVEs and completion follow).
    pub(crate) fn handle(
        &mut self,
        endpoint: &mut Endpoint,
        request: PlaneRequest,
        connect: &mut dyn FnMut(&mut Endpoint, &SwarmId, SocketAddr),
    ) -> bool {
        match request {
            PlaneRequest::ProvenChunk {
                swarm,
                chunk,
                reply,
            } => {
                let proven = endpoint.proven_chunk(&swarm, chunk);
                if proven.is_some() {
                    Counters::add(&self.plane.counters.chunks_served, 1);
                }
                let _ = reply.send(proven);
                false
            }
            PlaneRequest::Import {
                swarm,
                chunk,
                hashes,
                data,
            } => {
                let len = data.len() as u64;
                match endpoint.import_chunk(&swarm, chunk, &hashes, data) {
                    Ok(true) => {
                        Counters::add(&self.plane.counters.http_chunks, 1);
                        Counters::add(&self.plane.counters.http_payload_bytes, len);
                        true
                    }
                    Ok(false) => false,
                    Err(error @ ImportError::Store(_)) => {
                        tracing::warn!(%error, chunk, "chunk fetched over http not stored");
                        false
                    }
                    Err(error) => {
                        tracing::warn!(%error, chunk, "chunk fetched over http refused");
                        false
                    }
                }
            }
            PlaneRequest::Connect { swarm, peer } => {
                connect(endpoint, &swarm, peer);
                false
            }
        }
    }
}

/// The server's view of the node: the snapshot, the plane's state, and the driver for
/// proven chunks.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotView(pub(crate) Arc<Plane>);

impl NodeView for SnapshotView {
    fn peer_id(&self) -> PeerId {
        self.0.peer_id
    }

    fn has_swarm(&self, swarm: &SwarmId) -> bool {
        self.0.snapshot().swarms.contains_key(swarm)
    }

    fn local_availability(&self, swarm: &SwarmId) -> Option<ChunkSet> {
        self.0.snapshot().swarms.get(swarm).map(|s| s.have.clone())
    }

    fn known_peers(&self, swarm: &SwarmId) -> Vec<KnownPeer> {
        let snapshot = self.0.snapshot();
        let Some(side) = snapshot.swarms.get(swarm) else {
            return Vec::new();
        };
        let learned = self.0.state.peers(swarm);
        side.links
            .iter()
            .filter(|link| link.open)
            .map(|link| {
                // A peer learnt with this UDP address keeps its own ID (and its other
                // addresses); otherwise the address names it.
                let info = learned
                    .iter()
                    .filter_map(|(_, p)| p.info.as_ref())
                    .find(|info| {
                        info.addresses
                            .iter()
                            .any(|a| a.addr == link.addr && a.transport == Transport::PpsppUdp)
                    })
                    .cloned()
                    .unwrap_or_else(|| PeerInfo {
                        peer_id: synthesized_peer_id(link.addr),
                        addresses: vec![PeerAddress {
                            addr: link.addr,
                            transport: Transport::PpsppUdp,
                        }],
                        properties: Vec::new(),
                    });
                KnownPeer {
                    info,
                    last_seen: snapshot.taken,
                    availability: Some(link.have.clone()),
                    choked: link.choking,
                }
            })
            .collect()
    }

    fn transports(&self) -> Vec<TransportOffer> {
        self.0.offers.clone()
    }

    fn properties(&self) -> NodeProperties {
        let snapshot = self.0.snapshot();
        NodeProperties {
            uplink_kbps: snapshot.uplink_kbps,
            downlink_kbps: snapshot.downlink_kbps,
            access_type: self.0.state.config().access_type,
            nat_type: self.0.state.config().nat_type,
            started: Some(self.0.started),
            concurrent_links: u64::try_from(snapshot.open_links).ok(),
            power: None,
            software: Some(concat!("ppsp-rs/", env!("CARGO_PKG_VERSION")).to_string()),
        }
    }

    fn buffer_level(&self, swarm: &SwarmId) -> Option<Duration> {
        self.0.snapshot().swarms.get(swarm)?.buffer_level
    }

    fn upload_slots(&self) -> usize {
        self.0.upload_slots
    }

    fn engine_slots_in_use(&self) -> usize {
        self.0.snapshot().engine_slots
    }

    fn proven_chunk(&self, swarm: &SwarmId, chunk: u64) -> Option<ProvenChunk> {
        // Called on a blocking thread: waiting here never stalls the driver.
        let (reply, answer) = oneshot::channel();
        self.0
            .requests
            .send(PlaneRequest::ProvenChunk {
                swarm: swarm.clone(),
                chunk,
                reply,
            })
            .ok()?;
        answer.blocking_recv().ok().flatten()
    }
}
