//! One channel: the state a peer keeps about another peer in one swarm (RFC 7574 section
//! 3.11), with the handshake state machine of section 3.1.1 and the liveness rules of
//! section 3.12.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ppsp_wire::ppspp::{ChannelId, Message, MessageType, SupportedMessages};

use super::EndpointConfig;
use super::congestion::SendWindow;
use super::event::CloseReason;
use super::rtt::RttEstimator;
use crate::availability::ChunkSet;
use crate::chunk_range::ChunkRange;

/// How long a peer may say nothing before it is [silent](Channel::is_silent).
fn silence(config: &EndpointConfig) -> Duration {
    config.keep_alive_interval.saturating_mul(2)
}

/// Where a channel is in the handshake (the states are ours; the RFC describes the rules).
pub(crate) enum State {
    /// Initiator: datagram 1 sent, no reply yet. It is resent with backoff.
    HandshakeSent {
        /// Datagram 1, resent as is.
        initial: Bytes,
        /// When to resend it.
        resend_at: Instant,
        /// The wait before the resend after that.
        backoff: Duration,
    },
    /// Responder: datagram 2 sent; waiting for a datagram carrying our channel ID, before
    /// which no heavy payload may be sent (rule 7).
    Replied {
        /// Datagram 2, sent again if datagram 1 is retransmitted.
        reply: Bytes,
    },
    /// The three-way handshake is complete on our side.
    Open,
    /// Closed; removed by the swarm at the end of the current call.
    Closed(CloseReason),
}

/// A swarm's channels by our channel ID. Boxed: a channel is several hundred bytes, and the
/// swarm takes each out of the map and puts it back around its handlers (to borrow the swarm
/// and the channel mutably at once), so unboxed values made every such round trip shift
/// whole B-tree nodes of channels in memory.
pub(crate) type Channels = BTreeMap<ChannelId, Box<Channel>>;

/// One channel to one peer.
pub(crate) struct Channel {
    /// The peer's channel ID (zero until its HANDSHAKE arrives).
    pub(crate) remote: ChannelId,
    /// The only address datagrams on this channel are accepted from and sent to.
    pub(crate) addr: SocketAddr,
    pub(crate) state: State,
    /// Message types the peer handles (all, unless it sent Supported Messages).
    pub(crate) supported: SupportedMessages,

    // Liveness (section 3.12).
    pub(crate) opened_at: Instant,
    pub(crate) last_recv: Instant,
    pub(crate) last_send: Instant,
    /// Datagrams sent since the last one received.
    pub(crate) sent_since_recv: u32,
    /// Whether the peer fell silent ([`Channel::is_silent`]) and its requests and upload
    /// slot were taken back; cleared by its next datagram.
    pub(crate) silenced: bool,

    /// Chunks the peer has verified: its HAVEs and ACKs.
    pub(crate) peer_have: ChunkSet,
    /// How many chunks we held when our HANDSHAKE (with its HAVEs) was built.
    pub(crate) have_at_handshake: u64,
    /// Whether our whole map is still to be announced (the channel just opened).
    pub(crate) map_pending: bool,
    /// Chunks verified but not yet announced to the peer, and when they must be at the
    /// latest: HAVEs are batched (see `Swarm::flush_haves`).
    pub(crate) unannounced: ChunkSet,
    pub(crate) have_due: Option<Instant>,

    // Downloading from the peer.
    /// Whether the peer choked us: no new REQUESTs until it unchokes (section 3.8).
    pub(crate) choked_by_peer: bool,
    /// Chunks requested from the peer and when.
    pub(crate) requested: BTreeMap<u64, Instant>,
    /// Chunks this peer failed to deliver in time, not asked of it again before the instant.
    pub(crate) avoid: BTreeMap<u64, Instant>,
    /// How many requests may be outstanding: grows with timely deliveries, halves on timeouts.
    pub(crate) depth: usize,
    pub(crate) rtt: RttEstimator,
    /// The swarm's pick epoch at which the picker found nothing to ask this peer for: not
    /// tried again until the epoch moves on or the peer's map grows.
    pub(crate) pick_idle: Option<u64>,
    /// Whether we sent PEX_REQ (PEX_RES is accepted only then).
    pub(crate) pex_asked: bool,
    /// PEX_RES addresses taken from this peer.
    pub(crate) pex_received: usize,

    // Uploading to the peer.
    /// Whether we choke the peer.
    pub(crate) choking: bool,
    /// Requested chunks to serve, in arrival order (section 3.7), and the same as a set.
    pub(crate) serve_queue: VecDeque<u64>,
    pub(crate) queued: ChunkSet,
    pub(crate) window: SendWindow,
    /// Whether a CHOKE must be repeated (a REQUEST arrived while choked).
    pub(crate) resend_choke: bool,
    /// Whether the peer asked for peers.
    pub(crate) pex_wanted: bool,

    // Reciprocity for the choker: payload bytes over the current and previous round.
    pub(crate) bytes_from_peer: u64,
    pub(crate) bytes_to_peer: u64,

    /// Messages to send at the next flush.
    pub(crate) outbox: Vec<Message>,
    /// Whether a datagram must go out at the next flush even if the outbox is empty (to
    /// complete the three-way handshake promptly, or as a keep-alive).
    pub(crate) poke: bool,
}

impl Channel {
    pub(crate) fn new(
        addr: SocketAddr,
        state: State,
        now: Instant,
        config: &EndpointConfig,
    ) -> Self {
        Self {
            remote: ChannelId::ZERO,
            addr,
            state,
            supported: SupportedMessages::all(),
            opened_at: now,
            last_recv: now,
            last_send: now,
            sent_since_recv: 0,
            silenced: false,
            peer_have: ChunkSet::new(),
            have_at_handshake: 0,
            map_pending: false,
            unannounced: ChunkSet::new(),
            have_due: None,
            choked_by_peer: false,
            requested: BTreeMap::new(),
            avoid: BTreeMap::new(),
            depth: config.request_pipeline.clamp(1, 8),
            rtt: RttEstimator::new(),
            pick_idle: None,
            pex_asked: false,
            pex_received: 0,
            choking: false,
            serve_queue: VecDeque::new(),
            queued: ChunkSet::new(),
            window: SendWindow::new(),
            resend_choke: false,
            pex_wanted: false,
            bytes_from_peer: 0,
            bytes_to_peer: 0,
            outbox: Vec::new(),
            poke: false,
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        matches!(self.state, State::Open)
    }

    pub(crate) fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed(_))
    }

    pub(crate) fn close(&mut self, reason: CloseReason) {
        if !self.is_closed() {
            self.state = State::Closed(reason);
        }
    }

    /// Whether the peer holds every chunk of content with `chunk_count` chunks.
    pub(crate) fn is_seeder(&self, chunk_count: Option<u64>) -> bool {
        chunk_count.is_some_and(|n| n > 0 && self.peer_have.len() >= n)
    }

    /// Queues `message` if the peer handles its type.
    pub(crate) fn send(&mut self, message: Message) {
        if self.supported.contains(message.message_type()) {
            self.outbox.push(message);
        }
    }

    /// Whether the peer handles messages of `kind`.
    pub(crate) fn supports(&self, kind: MessageType) -> bool {
        self.supported.contains(kind)
    }

    /// Notes a datagram received on the channel.
    pub(crate) fn on_receive(&mut self, now: Instant) {
        self.last_recv = now;
        self.sent_since_recv = 0;
        self.silenced = false;
    }

    /// Whether the peer has been silent for two keep-alive intervals: a live peer sends at
    /// least a keep-alive per interval (section 8.14), so one lost keep-alive is forgiven.
    /// Such a peer keeps its channel until the dead-peer rule closes it, but neither an
    /// upload slot nor requests.
    pub(crate) fn is_silent(&self, now: Instant, config: &EndpointConfig) -> bool {
        self.is_open() && now.saturating_duration_since(self.last_recv) >= silence(config)
    }

    /// When the peer will count as silent, if that is still to be handled.
    pub(crate) fn silence_deadline(&self, config: &EndpointConfig) -> Option<Instant> {
        (self.is_open() && !self.silenced).then(|| self.last_recv + silence(config))
    }

    /// Notes a datagram sent on the channel.
    pub(crate) fn on_send(&mut self, now: Instant) {
        self.last_send = now;
        self.sent_since_recv = self.sent_since_recv.saturating_add(1);
    }

    /// Applies the liveness rules at `now`: resend datagram 1, close a dead or half-open
    /// channel, or ask for a keep-alive. Returns datagram 1 if it is due again.
    pub(crate) fn check_liveness(
        &mut self,
        now: Instant,
        config: &EndpointConfig,
    ) -> Option<Bytes> {
        if now.saturating_duration_since(self.last_recv) >= config.dead_peer_timeout
            && self.sent_since_recv >= config.dead_peer_min_sent
        {
            self.close(CloseReason::DeadPeer);
            return None;
        }
        match &mut self.state {
            State::HandshakeSent {
                initial,
                resend_at,
                backoff,
            } if now >= *resend_at => {
                *resend_at = now + *backoff;
                *backoff = (*backoff * 2).min(config.keep_alive_interval);
                Some(initial.clone())
            }
            State::Replied { .. }
                if now.saturating_duration_since(self.opened_at) >= config.half_open_timeout =>
            {
                self.close(CloseReason::HandshakeTimeout);
                None
            }
            State::Open
                if now.saturating_duration_since(self.last_send) >= config.keep_alive_interval =>
            {
                self.poke = true;
                None
            }
            _ => None,
        }
    }

    /// The next instant a liveness rule needs attention.
    pub(crate) fn liveness_deadline(&self, config: &EndpointConfig) -> Option<Instant> {
        let dead = (self.sent_since_recv >= config.dead_peer_min_sent)
            .then(|| self.last_recv + config.dead_peer_timeout);
        let state = match &self.state {
            State::HandshakeSent { resend_at, .. } => Some(*resend_at),
            State::Replied { .. } => Some(self.opened_at + config.half_open_timeout),
            State::Open => Some(self.last_send + config.keep_alive_interval),
            State::Closed(_) => return None,
        };
        [dead, state].into_iter().flatten().min()
    }

    /// Removes `chunk` from the requests pending at this peer; returns when it was asked.
    pub(crate) fn take_request(&mut self, chunk: u64) -> Option<Instant> {
        self.requested.remove(&chunk)
    }

    /// The chunks this peer should not be asked for now.
    pub(crate) fn avoids(&self, chunk: u64, now: Instant) -> bool {
        self.avoid.get(&chunk).is_some_and(|&until| now < until)
    }

    /// Removes a chunk from the queue of chunks to serve.
    pub(crate) fn unqueue(&mut self, chunks: ChunkRange) {
        if self.queued.intersects(chunks) {
            self.queued.remove_run(chunks);
            self.serve_queue.retain(|c| !chunks.contains(*c));
        }
    }

    /// Drops every queued request (on CHOKE, and again on UNCHOKE: section 3.8).
    pub(crate) fn clear_queue(&mut self) {
        self.serve_queue.clear();
        self.queued = ChunkSet::new();
    }
}
