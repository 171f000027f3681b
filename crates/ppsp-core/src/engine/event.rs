//! What the engine tells its driver: datagrams to send, events, statistics and errors.

use std::net::SocketAddr;

use bytes::Bytes;
use ppsp_wire::ids::SwarmId;

/// A datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it.
    pub destination: SocketAddr,
    /// The UDP payload.
    pub contents: Bytes,
}

/// Something that happened, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The three-way handshake with `peer` completed (on our side).
    ChannelOpened {
        /// The swarm.
        swarm: SwarmId,
        /// The peer's address.
        peer: SocketAddr,
    },
    /// A channel was closed; no more datagrams go to `peer` on it.
    ChannelClosed {
        /// The swarm.
        swarm: SwarmId,
        /// The peer's address.
        peer: SocketAddr,
        /// Why.
        reason: CloseReason,
    },
    /// A chunk was verified against the swarm ID and written to the store.
    ChunkVerified {
        /// The swarm.
        swarm: SwarmId,
        /// The chunk.
        index: u64,
    },
    /// Every chunk of the content is verified.
    SwarmComplete {
        /// The swarm.
        swarm: SwarmId,
    },
    /// A peer told us about other peers (PEX_RESv4/v6). While the swarm downloads, the
    /// engine connects to them by itself up to
    /// [`EndpointConfig::max_peers_per_swarm`](super::EndpointConfig::max_peers_per_swarm)
    /// channels; [`Endpoint::connect`](super::Endpoint::connect) adds others.
    PeersDiscovered {
        /// The swarm.
        swarm: SwarmId,
        /// Their addresses.
        peers: Vec<SocketAddr>,
    },
    /// A peer proved dishonest; its channel is closed and its address will not be used in
    /// this swarm again.
    PeerBanned {
        /// The swarm.
        swarm: SwarmId,
        /// The peer's address.
        peer: SocketAddr,
        /// What it did.
        reason: BanReason,
    },
    /// Live streams: we chose where to start, a few chunks behind the live edge; chunks
    /// before it are never fetched.
    LiveJoined {
        /// The swarm.
        swarm: SwarmId,
        /// The first chunk for the player.
        chunk: u64,
    },
    /// Live streams: the chunk's playback deadline passed before it arrived; it is no
    /// longer fetched (the player skips it).
    ChunkMissed {
        /// The swarm.
        swarm: SwarmId,
        /// The chunk.
        index: u64,
    },
}

/// Why a channel closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer sent a closing HANDSHAKE.
    ClosedByPeer,
    /// The dead-peer rule: nothing received for the timeout while datagrams went out.
    DeadPeer,
    /// The responder never received the initiator's third datagram.
    HandshakeTimeout,
    /// The peer's HANDSHAKE reply did not match the swarm.
    HandshakeRejected,
    /// We left the swarm.
    SwarmRemoved,
    /// Both sides hold the whole content, so neither needs the other.
    BothComplete,
    /// The peer was banned.
    Banned,
}

/// Why a peer was banned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BanReason {
    /// A chunk did not hash up to the swarm's trusted hashes.
    CorruptChunk {
        /// The chunk.
        index: u64,
    },
    /// A hash contradicted one already verified.
    ConflictingHash,
    /// A live stream's SIGNED_INTEGRITY did not verify with the swarm's public key.
    ForgedSignature,
}

/// Counters of one swarm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwarmStats {
    /// Chunk bytes sent in DATA messages.
    pub payload_bytes_up: u64,
    /// Chunk bytes received in DATA messages, verified or not.
    pub payload_bytes_down: u64,
    /// Bytes of all datagrams sent on the swarm's channels.
    pub bytes_up: u64,
    /// Bytes of all datagrams received on the swarm's channels.
    pub bytes_down: u64,
    /// Chunks verified since the swarm was added.
    pub chunks_verified: u64,
    /// Chunks we hold.
    pub chunks_held: u64,
    /// Chunks in the content, once known.
    pub chunk_count: Option<u64>,
    /// Content length in bytes, once known.
    pub content_length: Option<u64>,
    /// Open channels.
    pub peers: usize,
    /// DATA messages that could not be verified (missing hashes) and were dropped.
    pub unverifiable_chunks: u64,
    /// Datagrams or messages refused as malformed (the rest of their datagram dropped).
    pub invalid_messages: u64,
    /// Peers banned.
    pub banned_peers: u64,
    /// Requests that timed out and were re-issued.
    pub request_timeouts: u64,
    /// Late requests for chunks the player needs next, moved from a slow peer to a faster
    /// one.
    pub late_requests_moved: u64,
}

/// Counters of the whole endpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndpointStats {
    /// Datagrams passed to [`Endpoint::handle_datagram`](super::Endpoint::handle_datagram).
    pub datagrams_received: u64,
    /// Datagrams handed out by [`Endpoint::poll_transmit`](super::Endpoint::poll_transmit).
    pub datagrams_sent: u64,
    /// Datagrams that could not be decoded.
    pub invalid_datagrams: u64,
    /// Datagrams for a channel we do not have.
    pub unknown_channel: u64,
    /// First datagrams that were not answered (invalid, unknown swarm, mismatched options,
    /// banned address or channel limit).
    pub refused_handshakes: u64,
    /// Channels currently held.
    pub channels: usize,
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The swarm was already added.
    #[error("swarm {0} already added")]
    DuplicateSwarm(SwarmId),
    /// No such swarm.
    #[error("unknown swarm {0}")]
    UnknownSwarm(SwarmId),
    /// The metadata is inconsistent.
    #[error("invalid swarm metadata: {0}")]
    InvalidMetadata(String),
    /// The engine does not implement what the metadata asks for.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The seed's hash tree does not match the metadata.
    #[error("the hash tree does not match the swarm metadata: {0}")]
    TreeMismatch(&'static str),
    /// [`EndpointConfig::max_channels`](super::EndpointConfig::max_channels) reached.
    #[error("channel limit reached")]
    TooManyChannels,
    /// The address was banned in this swarm.
    #[error("peer {0} is banned in this swarm")]
    Banned(SocketAddr),
    /// A channel to that address in that swarm exists already.
    #[error("already connected to {0}")]
    AlreadyConnected(SocketAddr),
    /// Only the source of a live swarm can push chunks into it.
    #[error("swarm {0} is not a live stream we are the source of")]
    NotLiveSource(SwarmId),
    /// A pushed live chunk was refused.
    #[error("invalid live chunk: {0}")]
    InvalidChunk(String),
}
