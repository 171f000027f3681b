//! Helpers shared by the signalling tests: an in-process node (a [`NodeView`] over a Merkle
//! tree and a memory store) served by a real axum server on 127.0.0.1:0, and raw HTTP posts.
#![allow(dead_code, unreachable_pub)] // Each test binary uses a different subset.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use ppsp_core::engine::{ChunkStore, MemoryStore, ProvenChunk};
use ppsp_core::merkle::MerkleTree;
use ppsp_core::{ChunkRange, ChunkSet, HashFunction};
use ppsp_node::signalling::{
    KnownPeer, NodeProperties, NodeView, SignallingConfig, SignallingState, router,
};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer::TransportOffer;
use ppsp_wire::peer_list::{PeerAddress, PeerInfo, Transport};
use ppsp_wire::property::{AccessType, NatType, Property, PropertyName, PropertyValue};
use tokio::net::TcpListener;

/// Chunk size of the test content.
pub const CHUNK: u32 = 1024;

/// Deterministic pseudo-random bytes (xorshift), different for each seed.
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Content with its tree and swarm ID.
pub struct Content {
    pub bytes: Bytes,
    pub tree: MerkleTree,
    pub swarm: SwarmId,
}

impl Content {
    pub fn new(len: usize, seed: u64) -> Self {
        let bytes = Bytes::from(content(len, seed));
        let tree = MerkleTree::from_content(HashFunction::Sha256, &bytes, CHUNK).unwrap();
        let swarm = SwarmId::new(tree.root_hash().as_bytes().to_vec()).unwrap();
        Self { bytes, tree, swarm }
    }

    pub fn chunk_count(&self) -> u64 {
        self.tree.chunk_count()
    }
}

/// A peer ID made of one repeated byte.
pub fn peer_id(n: u8) -> PeerId {
    PeerId([n; 20])
}

/// A peer-list entry with an `http` address on loopback.
pub fn peer_info(n: u8, port: u16, access: Option<AccessType>) -> PeerInfo {
    PeerInfo {
        peer_id: peer_id(n),
        addresses: vec![PeerAddress {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            transport: Transport::Http,
        }],
        properties: access
            .map(|a| Property {
                name: PropertyName::AccessType,
                value: PropertyValue::AccessType(a),
            })
            .into_iter()
            .collect(),
    }
}

/// A node as the signalling plane sees it, all of it settable by the test.
pub struct TestView {
    pub id: PeerId,
    pub swarm: SwarmId,
    pub tree: MerkleTree,
    pub store: Mutex<MemoryStore>,
    pub have: Mutex<ChunkSet>,
    pub peers: Mutex<Vec<KnownPeer>>,
    pub transports: Mutex<Vec<TransportOffer>>,
    pub slots: usize,
    pub engine_slots: Mutex<usize>,
    /// Flip a byte of every chunk served (a lying peer).
    pub corrupt: bool,
    pub started: Instant,
}

impl TestView {
    /// A node holding `held` chunks of `content`.
    pub fn new(id: u8, content: &Content, held: &[(u64, u64)]) -> Self {
        let store = MemoryStore::from_content(&content.bytes, CHUNK);
        let mut have = ChunkSet::new();
        for &(a, b) in held {
            have.insert_run(ChunkRange::new(a, b).unwrap());
        }
        Self {
            id: peer_id(id),
            swarm: content.swarm.clone(),
            tree: content.tree.clone(),
            store: Mutex::new(store),
            have: Mutex::new(have),
            peers: Mutex::new(Vec::new()),
            transports: Mutex::new(Vec::new()),
            slots: 4,
            engine_slots: Mutex::new(0),
            corrupt: false,
            started: Instant::now(),
        }
    }

    pub fn add_peer(&self, info: PeerInfo, availability: Option<ChunkSet>) {
        self.peers.lock().unwrap().push(KnownPeer {
            info,
            last_seen: Instant::now(),
            availability,
            choked: false,
        });
    }
}

impl NodeView for TestView {
    fn peer_id(&self) -> PeerId {
        self.id
    }

    fn has_swarm(&self, swarm: &SwarmId) -> bool {
        *swarm == self.swarm
    }

    fn local_availability(&self, swarm: &SwarmId) -> Option<ChunkSet> {
        self.has_swarm(swarm)
            .then(|| self.have.lock().unwrap().clone())
    }

    fn known_peers(&self, swarm: &SwarmId) -> Vec<KnownPeer> {
        if self.has_swarm(swarm) {
            self.peers.lock().unwrap().clone()
        } else {
            Vec::new()
        }
    }

    fn transports(&self) -> Vec<TransportOffer> {
        self.transports.lock().unwrap().clone()
    }

    fn properties(&self) -> NodeProperties {
        NodeProperties {
            uplink_kbps: Some(8000),
            downlink_kbps: Some(16000),
            access_type: Some(AccessType::Ftth),
            nat_type: Some(NatType::None),
            started: Some(self.started),
            concurrent_links: Some(self.peers.lock().unwrap().len() as u64),
            power: None,
            software: Some("ppsp-test".into()),
        }
    }

    fn buffer_level(&self, swarm: &SwarmId) -> Option<Duration> {
        self.has_swarm(swarm).then_some(Duration::from_millis(1500))
    }

    fn upload_slots(&self) -> usize {
        self.slots
    }

    fn engine_slots_in_use(&self) -> usize {
        *self.engine_slots.lock().unwrap()
    }

    fn proven_chunk(&self, swarm: &SwarmId, chunk: u64) -> Option<ProvenChunk> {
        if !self.has_swarm(swarm) || !self.have.lock().unwrap().contains(chunk) {
            return None;
        }
        let mut data = self.store.lock().unwrap().read_chunk(chunk)?;
        if self.corrupt {
            let mut bytes = data.to_vec();
            bytes[0] ^= 0xFF;
            data = Bytes::from(bytes);
        }
        Some(ProvenChunk {
            data,
            chunk_count: self.tree.chunk_count(),
            peaks: self.tree.peaks(),
            uncles: self.tree.uncles_for(chunk, |_| false)?,
        })
    }
}

/// A running node: its view, state and address.
pub struct Node {
    pub view: Arc<TestView>,
    pub state: Arc<SignallingState>,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds 127.0.0.1:0 and serves `view`; the node speaks the given transports at its address.
pub async fn serve(view: TestView, transports: &[Transport], config: SignallingConfig) -> Node {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    *view.transports.lock().unwrap() = transports
        .iter()
        .map(|t| TransportOffer {
            transport: t.clone(),
            addr: Some(addr),
            key: None,
        })
        .collect();
    let view = Arc::new(view);
    let state = Arc::new(SignallingState::new(config));
    let app = router(Arc::clone(&view) as Arc<dyn NodeView>, Arc::clone(&state));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Node {
        view,
        state,
        addr,
        task,
    }
}

/// POSTs `body` to `/ppsp` with a content type; returns the HTTP status and body text.
pub async fn post_raw(addr: SocketAddr, content_type: &str, body: Vec<u8>) -> (u16, String) {
    post_raw_with(addr, content_type, body, &[]).await
}

/// [`post_raw`] with extra headers.
pub async fn post_raw_with(
    addr: SocketAddr,
    content_type: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(connection);
    let mut request = hyper::Request::post("/ppsp")
        .header("host", addr.to_string())
        .header("content-type", content_type);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::from(body))).unwrap();
    let response = tokio::time::timeout(Duration::from_secs(10), sender.send_request(request))
        .await
        .unwrap()
        .unwrap();
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}
