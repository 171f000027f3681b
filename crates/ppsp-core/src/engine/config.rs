//! Endpoint and swarm configuration.

use std::time::Duration;

use super::ChunkStore;
use super::live::LiveSettings;
use crate::availability::ChunkSet;
use crate::live::LiveSigningKey;
use crate::merkle::{MerkleTree, MerkleVerifier};
use crate::swarm::SwarmMetadata;

/// Settings of an [`Endpoint`](super::Endpoint), shared by all its swarms.
///
/// [`Default`] gives the RFC 7574 defaults where the RFC has one (dead-peer rule of section
/// 3.12, 1500-byte Ethernet MTU of section 8.1) and conservative limits elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointConfig {
    /// Most channels (half-open ones included) over all swarms. A first datagram arriving
    /// when this many exist is ignored: state allocated for a spoofable datagram must be
    /// bounded (RFC 7574 section 12.1).
    pub max_channels: usize,
    /// Peers per swarm we answer REQUESTs from at once (regular plus one optimistic slot).
    pub upload_slots: usize,
    /// Idle time after which a keep-alive is sent on an open channel (section 8.14).
    pub keep_alive_interval: Duration,
    /// The dead-peer rule (section 3.12): a channel closes when nothing was received for
    /// this long while at least [`EndpointConfig::dead_peer_min_sent`] datagrams were sent.
    pub dead_peer_timeout: Duration,
    /// Datagrams that must have gone unanswered before the dead-peer rule applies.
    pub dead_peer_min_sent: u32,
    /// First resend interval of an unanswered first datagram; doubles on each resend.
    pub handshake_resend: Duration,
    /// How long a responder keeps a channel whose initiator never sent its third datagram.
    pub half_open_timeout: Duration,
    /// Most REQUESTed chunks outstanding at one peer; slow peers get fewer.
    pub request_pipeline: usize,
    /// Most requested chunks queued for one peer; further REQUESTs are dropped.
    pub max_queued_requests: usize,
    /// Lower bound of the request timeout derived from the measured round-trip time.
    pub min_request_timeout: Duration,
    /// Upper bound of the request timeout, also the limit of its exponential backoff.
    pub max_request_timeout: Duration,
    /// IP MTU of the path. Datagrams are kept to `mtu − 48` bytes (IPv6 and UDP headers),
    /// which leaves room for a 1 KiB chunk and its hashes in 1500 (section 8.1).
    pub mtu: usize,
    /// How often upload slots are re-assigned.
    pub choke_interval: Duration,
    /// How often the optimistic unchoke slot moves to another peer.
    pub optimistic_unchoke_interval: Duration,
    /// Whether to send PEX_REQ when a channel opens and answer the peer's PEX_REQ.
    pub pex: bool,
    /// Peers offered in a PEX answer must have sent us something this recently (section 3.10).
    pub pex_window: Duration,
    /// Most addresses in one PEX answer, and most accepted from one.
    pub max_pex_peers: usize,
    /// Longest a newly verified chunk waits to be announced to a peer (HAVE) when nothing
    /// else is sent to it: HAVEs are batched into few datagrams rather than one per chunk
    /// and peer. Live streams announce at once.
    pub have_delay: Duration,
    /// Chunks after the playhead fetched strictly in order when streaming on demand.
    pub playhead_window: u64,
    /// Channels per swarm up to which the engine connects by itself to peers learned by
    /// PEX while downloading (0: never). Peers that connect to us count too, but are
    /// bounded by [`EndpointConfig::max_channels`] only.
    pub max_peers_per_swarm: usize,
}

impl EndpointConfig {
    /// Largest datagram the engine builds: the MTU less 48 bytes of IPv6 and UDP headers.
    pub fn max_datagram_len(&self) -> usize {
        self.mtu
            .saturating_sub(48)
            .max(super::transmit::MIN_DATAGRAM_LEN)
    }
}

impl Default for EndpointConfig {
    fn default() -> Self {
        Self {
            max_channels: 512,
            upload_slots: 8,
            keep_alive_interval: Duration::from_secs(30),
            dead_peer_timeout: Duration::from_secs(180),
            dead_peer_min_sent: 3,
            handshake_resend: Duration::from_secs(1),
            half_open_timeout: Duration::from_secs(60),
            request_pipeline: 32,
            max_queued_requests: 256,
            min_request_timeout: Duration::from_millis(200),
            max_request_timeout: Duration::from_secs(30),
            mtu: 1500,
            choke_interval: Duration::from_secs(10),
            optimistic_unchoke_interval: Duration::from_secs(30),
            pex: true,
            pex_window: Duration::from_secs(60),
            max_pex_peers: 32,
            have_delay: Duration::from_millis(25),
            playhead_window: 32,
            max_peers_per_swarm: 40,
        }
    }
}

/// A swarm to join: its metadata, where its chunks live, and what we start with.
pub struct SwarmConfig {
    /// The swarm's metadata, from a trusted source (RFC 7574 section 3.1).
    pub metadata: SwarmMetadata,
    /// Where chunks are read from (to serve them) and written to (once verified).
    pub store: Box<dyn ChunkStore>,
    /// Whether we hold the whole content or download it.
    pub content: SwarmContent,
}

/// What we hold of a swarm's content when joining it.
#[derive(Debug, Clone)]
pub enum SwarmContent {
    /// All of it, with its hash tree; the root must be the swarm ID.
    Seed(MerkleTree),
    /// Nothing yet: chunks are fetched and verified against the swarm ID (the root hash).
    Download,
    /// Part of it, from storage that survived a restart: the chunks `verified` (already in
    /// the store) are announced and never requested again, and `verifier`, rooted at the
    /// swarm ID, already trusts every hash that proved them, so peers need not send those
    /// again (`DownloadFile::swarm_content` in `ppsp-node` builds this).
    Resume {
        /// Chunks verified and held by the store.
        verified: ChunkSet,
        /// The receiver-side hash tree that proved them.
        verifier: MerkleVerifier,
    },
    /// A live stream we inject: chunks come from
    /// [`Endpoint::push_live_chunk`](super::Endpoint::push_live_chunk) and are signed with
    /// `key`, whose public key must be the swarm ID.
    LiveSource {
        /// The stream's signing key.
        key: LiveSigningKey,
        /// Timing of the stream.
        settings: LiveSettings,
    },
    /// A live stream we receive and relay, joining near its live edge.
    LiveReceiver(LiveSettings),
}
