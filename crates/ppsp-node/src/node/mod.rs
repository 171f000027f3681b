//! The UDP node: one socket serving many swarms, driving the sans-I/O
//! [`Endpoint`](ppsp_core::engine::Endpoint) with real time, datagrams and files.
//!
//! [`Node::spawn`] binds the socket (so a port in use is reported at once) and starts the
//! driver on a thread of its own with a single-threaded tokio runtime: the stores do
//! blocking file I/O (positional reads, `fsync` when a download is journaled), which must
//! not stall the caller's runtime. The driver owns the endpoint; the caller talks to it
//! through a [`NodeHandle`] (commands over a channel) and hears from it through
//! [`NodeEvents`].
//!
//! The driver loop waits for one of: datagrams (it then reads every ready one, up to a
//! batch limit, before draining), a command, the engine's timer, the journal flush tick,
//! the reconnect tick, or room in the send buffer; then it drains the engine as its drain
//! contract says. Nothing spins: every wait is on the runtime.
//!
//! ```no_run
//! # async fn run(seed: ppsp_node::storage::SeedFile) -> Result<(), ppsp_node::node::NodeError> {
//! use ppsp_node::node::{Node, NodeConfig, SwarmStorage};
//! let (node, _events) = Node::spawn(NodeConfig::default())?;
//! node.add_swarm(SwarmStorage::seed(seed)).await?;
//! // ... until Ctrl-C
//! node.shutdown().await;
//! # Ok(()) }
//! ```

mod content;
mod driver;
mod error;
mod handle;
mod live;
mod socket;

use std::net::SocketAddr;
use std::time::Duration;

use ppsp_core::engine::EndpointConfig;
use ppsp_wire::ids::PeerId;
use ppsp_wire::peer_list::Transport;

use crate::signalling::SignallingConfig;

pub use content::SwarmStorage;
pub use error::NodeError;
pub use handle::{Node, NodeEvent, NodeEvents, NodeHandle, SwarmReport};
pub use live::{DEFAULT_LIVE_WINDOW, LiveChunk, LiveProgress, LiveReader, LiveStart};

/// Settings of a [`Node`].
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where the UDP socket listens; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The engine's settings.
    pub endpoint: EndpointConfig,
    /// Receive and send buffer asked of the kernel, in bytes (best effort).
    pub socket_buffer: usize,
    /// How often downloads are journaled: at most this much progress is fetched again after a
    /// crash (a download also journals itself every `BATCH_BYTES`).
    pub flush_interval: Duration,
    /// How often peers given to [`NodeHandle::connect`] are connected again when their
    /// channel is gone and the swarm is not complete.
    pub reconnect_interval: Duration,
    /// Open channels per swarm beyond which peers learnt by PEX are not connected.
    pub max_peers_per_swarm: usize,
    /// Seed of the engine's random choices; fresh OS randomness when `None`.
    pub rng_seed: Option<[u8; 32]>,
    /// Where the HTTP server of the XML signalling plane (`POST /ppsp`) and the `http`
    /// transport listens; none when `None`. Port 0 picks a free one.
    pub http_listen: Option<SocketAddr>,
    /// Transports the node moves data over, preferred first (`ppspp/udp`, `http`). Without
    /// `ppspp/udp` the node opens no UDP channel and ignores datagrams; with `http` it runs
    /// the PULL flow and fetches over `http` from peers that negotiate it.
    pub transports: Vec<Transport>,
    /// Limits and timings of the signalling plane.
    pub signalling: SignallingConfig,
    /// The node's PPSP peer ID (signalling and tracker); random when `None`.
    pub peer_id: Option<PeerId>,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 0)),
            endpoint: EndpointConfig::default(),
            socket_buffer: 4 << 20,
            flush_interval: Duration::from_secs(1),
            reconnect_interval: Duration::from_secs(3),
            max_peers_per_swarm: 16,
            rng_seed: None,
            http_listen: None,
            transports: vec![Transport::PpsppUdp],
            signalling: SignallingConfig::default(),
            peer_id: None,
        }
    }
}

impl NodeConfig {
    /// The default settings listening on `listen`, with an MTU large enough for a chunk of
    /// `chunk_size` bytes in one datagram (RFC 7574 section 8.1 wants a DATA message whole in
    /// its datagram): 1500 up to 1 KiB chunks; above that, IP fragmentation, which loopback
    /// and most LANs handle.
    pub fn for_chunk_size(listen: SocketAddr, chunk_size: u32) -> Self {
        let mut config = Self {
            listen,
            ..Self::default()
        };
        // The engine's 1500-byte default fits a 1 KiB chunk; keep that headroom per chunk.
        let needed = usize::try_from(chunk_size)
            .unwrap_or(usize::MAX)
            .saturating_add(1500 - 1024);
        config.endpoint.mtu = config.endpoint.mtu.max(needed).min(MAX_MTU);
        config
    }
}

/// Largest MTU the node asks the engine to fill: a UDP datagram carries at most 65,507
/// bytes of payload over IPv4.
const MAX_MTU: usize = 65_507;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mtu_leaves_room_for_a_chunk_and_its_hashes() {
        let listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let small = NodeConfig::for_chunk_size(listen, 1024);
        assert_eq!(small.endpoint.mtu, 1500);
        let large = NodeConfig::for_chunk_size(listen, 8192);
        // The same headroom over the chunk as 1500 bytes leaves over 1 KiB.
        assert_eq!(large.endpoint.max_datagram_len() - 8192, 1452 - 1024);
        let huge = NodeConfig::for_chunk_size(listen, 1 << 20);
        assert_eq!(huge.endpoint.mtu, MAX_MTU);
    }
}
