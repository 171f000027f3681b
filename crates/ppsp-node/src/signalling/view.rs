//! What the signalling plane needs to know about the node: a small trait the runtime implements
//! over its engine handle, so the XML server answers from live state without owning it.

use std::time::{Duration, Instant};

use ppsp_core::availability::ChunkSet;
use ppsp_core::engine::ProvenChunk;
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer::TransportOffer;
use ppsp_wire::peer_list::PeerInfo;
use ppsp_wire::property::{AccessType, NatType, Power};

/// A peer the node knows in a swarm (from the tracker, PEX or its channels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPeer {
    /// ID, addresses and the properties known about it.
    pub info: PeerInfo,
    /// When the node last heard from or about it; FIND lists only recent peers.
    pub last_seen: Instant,
    /// What it holds, if it told the node (HAVE on a channel, for example).
    pub availability: Option<ChunkSet>,
    /// Whether the node's engine chokes it (it holds no upload slot there).
    pub choked: bool,
}

/// Measured and configured values for PROPERTY_QUERY; `None` reads as `status="unknown"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeProperties {
    /// Upload rate, kbit/s.
    pub uplink_kbps: Option<u64>,
    /// Download rate, kbit/s.
    pub downlink_kbps: Option<u64>,
    /// Access link kind, from configuration.
    pub access_type: Option<AccessType>,
    /// NAT kind, from configuration or detection.
    pub nat_type: Option<NatType>,
    /// When the node started.
    pub started: Option<Instant>,
    /// Open peer connections.
    pub concurrent_links: Option<u64>,
    /// Power source.
    pub power: Option<Power>,
    /// Implementation name and version.
    pub software: Option<String>,
}

/// The node as the signalling plane sees it. Every method is a quick, non-blocking snapshot
/// except [`NodeView::proven_chunk`], which may read storage and is called off the async
/// threads.
pub trait NodeView: Send + Sync + 'static {
    /// This node's peer ID.
    fn peer_id(&self) -> PeerId;

    /// Whether the node takes part in `swarm`.
    fn has_swarm(&self, swarm: &SwarmId) -> bool;

    /// Chunks of `swarm` the node holds, verified; `None` if it is not in the swarm.
    fn local_availability(&self, swarm: &SwarmId) -> Option<ChunkSet>;

    /// Peers the node knows in `swarm`, itself excluded.
    fn known_peers(&self, swarm: &SwarmId) -> Vec<KnownPeer>;

    /// Transports the node speaks, with the address each is reached at, in its own order of
    /// preference. A node configured without UDP lists only `http`.
    fn transports(&self) -> Vec<TransportOffer>;

    /// Measured and configured properties.
    fn properties(&self) -> NodeProperties;

    /// Milliseconds buffered ahead of the playhead of `swarm`, when it is being played.
    fn buffer_level(&self, swarm: &SwarmId) -> Option<Duration>;

    /// Upload slots in all (shared by the engine's channels and HTTP uploads).
    fn upload_slots(&self) -> usize;

    /// Upload slots the engine's channels hold now.
    fn engine_slots_in_use(&self) -> usize;

    /// A verified chunk with the hashes that prove it to a peer knowing only the swarm ID.
    fn proven_chunk(&self, swarm: &SwarmId, chunk: u64) -> Option<ProvenChunk>;
}
