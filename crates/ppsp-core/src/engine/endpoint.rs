//! The endpoint: one UDP socket's worth of PPSPP, serving many swarms and channels.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{
    ChannelId, ChunkSize, ContentIntegrity, Datagram, DecodeContext, Message, SupportedMessages,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::channel::{Channel, State};
use super::choker::Choker;
use super::content::{Integrity, StaticMerkle};
use super::event::{CloseReason, EndpointStats, EngineError, Event, SwarmStats, Transmit};
use super::handshake::{self, Role};
use super::live;
use super::resume;
use super::specs::Specs;
use super::swarm::{Io, Swarm};
use super::{ChunkStore, EndpointConfig, SwarmConfig, SwarmContent};
use crate::availability::ChunkSet;
use crate::chunk_range::ChunkRange;
use crate::hash::{Digest, HashFunction};
use crate::merkle::MerkleVerifier;
use crate::spec::SpecLayout;

/// The PPSPP engine of one UDP socket. See the [module documentation](super) for the
/// driving contract.
pub struct Endpoint {
    config: EndpointConfig,
    rng: StdRng,
    epoch: Instant,
    pub(super) swarms: BTreeMap<SwarmId, Swarm>,
    /// Our channel IDs, endpoint-wide (one socket), to their swarm.
    routes: BTreeMap<ChannelId, SwarmId>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    stats: EndpointStats,
}

/// Borrows the endpoint's shared parts and one swarm at once.
macro_rules! with_swarm {
    ($self:ident, $now:expr, $swarm:expr, |$s:ident, $io:ident| $body:expr) => {{
        let mut $io = Io {
            now: $now,
            epoch: $self.epoch,
            config: &$self.config,
            rng: &mut $self.rng,
            events: &mut $self.events,
            transmits: &mut $self.transmits,
        };
        let $s = $swarm;
        let result = $body;
        let mut freed = Vec::new();
        $s.reap(&mut $io, &mut freed);
        for id in freed {
            $self.routes.remove(&id);
        }
        result
    }};
}

impl Endpoint {
    /// A new endpoint. `now` becomes the epoch of DATA timestamps; `rng_seed` seeds every
    /// random choice (channel IDs, tie-breaks, optimistic unchokes).
    pub fn new(config: EndpointConfig, rng_seed: [u8; 32], now: Instant) -> Self {
        Self {
            config,
            rng: StdRng::from_seed(rng_seed),
            epoch: now,
            swarms: BTreeMap::new(),
            routes: BTreeMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: EndpointStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EndpointConfig {
        &self.config
    }

    /// Joins a swarm, to seed or download it.
    ///
    /// Static content with a Merkle hash tree and a fixed chunk size, and live streams
    /// (Unified Merkle Tree or Sign All, fixed chunk size) are supported: a live swarm is
    /// joined with [`SwarmContent::LiveSource`] to inject it, or
    /// [`SwarmContent::LiveReceiver`] (or [`SwarmContent::Download`]) to receive it.
    pub fn add_swarm(&mut self, now: Instant, swarm: SwarmConfig) -> Result<(), EngineError> {
        let SwarmConfig {
            metadata,
            store,
            content,
        } = swarm;
        let id = metadata.swarm_id.clone();
        if self.swarms.contains_key(&id) {
            return Err(EngineError::DuplicateSwarm(id));
        }
        metadata
            .validate()
            .map_err(|e| EngineError::InvalidMetadata(e.to_string()))?;
        if metadata.is_live() {
            let swarm =
                live::new_swarm(now, metadata, store, content, &self.config, &mut self.rng)?;
            self.swarms.insert(id, swarm);
            return Ok(());
        }
        if metadata.content_integrity != ContentIntegrity::MerkleHashTree {
            return Err(EngineError::Unsupported(
                "content integrity other than a Merkle hash tree",
            ));
        }
        let ChunkSize::Fixed(chunk_size) = metadata.chunk_size else {
            return Err(EngineError::Unsupported("variable chunk sizes"));
        };
        let hash = HashFunction::from(metadata.merkle_hash_function);
        let root = Digest::from_slice(id.as_bytes())
            .filter(|d| d.len() == hash.digest_len())
            .ok_or(EngineError::TreeMismatch("swarm ID is not a root hash"))?;
        let layout = SpecLayout::new(metadata.chunk_addressing, chunk_size)
            .map_err(|e| EngineError::InvalidMetadata(e.to_string()))?;
        let resumed = matches!(content, SwarmContent::Resume { .. });
        let (integrity, have, content_length): (Box<dyn Integrity>, _, _) = match content {
            SwarmContent::Seed(tree) => {
                if tree.hash_function() != hash || tree.root_hash() != root {
                    return Err(EngineError::TreeMismatch("root hash or hash function"));
                }
                let count = tree.chunk_count();
                let length = seed_length(&metadata, store.as_ref(), count, chunk_size)?;
                let have: ChunkSet = ChunkRange::new(0, count - 1).into_iter().collect();
                let integrity = StaticMerkle::Seed(tree);
                (Box::new(integrity), have, Some(length))
            }
            SwarmContent::Download => {
                let verifier = match metadata.chunk_count() {
                    Some(count) => MerkleVerifier::with_chunk_count(hash, root, count),
                    None => MerkleVerifier::new(hash, root),
                }
                .map_err(|e| EngineError::InvalidMetadata(e.to_string()))?;
                let integrity = StaticMerkle::Download {
                    verifier,
                    peaks_known: false,
                };
                (
                    Box::new(integrity),
                    ChunkSet::new(),
                    metadata.content_length,
                )
            }
            SwarmContent::LiveSource { .. } | SwarmContent::LiveReceiver(_) => {
                return Err(EngineError::InvalidMetadata(
                    "live content needs live swarm metadata".into(),
                ));
            }
            SwarmContent::Resume { verified, verifier } => {
                let resumed = resume::check(&metadata, store.as_ref(), verified, verifier)?;
                let integrity = StaticMerkle::Download {
                    peaks_known: resumed.peaks_known,
                    verifier: resumed.verifier,
                };
                (Box::new(integrity), resumed.have, resumed.content_length)
            }
        };
        let layout = match content_length {
            Some(len) => layout.with_content_len(len),
            None => layout,
        };
        let choker = Choker::new(now, &self.config);
        let swarm = Swarm::new(
            metadata,
            Specs::new(layout, chunk_size),
            store,
            integrity,
            have,
            content_length,
            choker,
        );
        // A resumed download that was already whole (a crash before the caller finished
        // it) is reported at once, as if its last chunk had just arrived.
        if resumed && swarm.complete {
            self.events
                .push_back(Event::SwarmComplete { swarm: id.clone() });
        }
        self.swarms.insert(id, swarm);
        Ok(())
    }

    /// Runs `f` on one swarm with the endpoint's shared parts, then reaps closed channels:
    /// for commands implemented beside this file (the live ones).
    pub(super) fn with_swarm<R>(
        &mut self,
        now: Instant,
        swarm_id: &SwarmId,
        f: impl FnOnce(&mut Swarm, &mut Io<'_>) -> R,
    ) -> Result<R, EngineError> {
        let Some(swarm) = self.swarms.get_mut(swarm_id) else {
            return Err(EngineError::UnknownSwarm(swarm_id.clone()));
        };
        Ok(with_swarm!(self, now, swarm, |s, io| f(s, &mut io)))
    }

    /// Leaves a swarm: every channel gets a closing HANDSHAKE (section 3.1.1 rule 8).
    pub fn remove_swarm(&mut self, now: Instant, swarm_id: &SwarmId) {
        let Some(mut swarm) = self.swarms.remove(swarm_id) else {
            return;
        };
        let ids: Vec<ChannelId> = swarm.channels.keys().copied().collect();
        with_swarm!(self, now, &mut swarm, |s, io| {
            for id in ids {
                if let Some(mut channel) = s.channels.remove(&id) {
                    s.close_with_handshake(&mut io, &mut channel, CloseReason::SwarmRemoved);
                    s.channels.insert(id, channel);
                }
            }
        });
    }

    /// Leaves every swarm, closing all channels.
    pub fn shutdown(&mut self, now: Instant) {
        let ids: Vec<SwarmId> = self.swarms.keys().cloned().collect();
        for id in ids {
            self.remove_swarm(now, &id);
        }
    }

    /// Opens a channel to `remote` in a swarm, as initiator: sends datagram 1 (section
    /// 3.1.1), which is resent with backoff until answered or the dead-peer rule applies.
    pub fn connect(
        &mut self,
        now: Instant,
        swarm_id: &SwarmId,
        remote: SocketAddr,
    ) -> Result<(), EngineError> {
        let Some(swarm) = self.swarms.get_mut(swarm_id) else {
            return Err(EngineError::UnknownSwarm(swarm_id.clone()));
        };
        if swarm.banned.contains(&remote) {
            return Err(EngineError::Banned(remote));
        }
        if swarm
            .channels
            .values()
            .any(|c| c.addr == remote && !c.is_closed())
        {
            return Err(EngineError::AlreadyConnected(remote));
        }
        if self.routes.len() >= self.config.max_channels {
            return Err(EngineError::TooManyChannels);
        }
        let local = new_channel_id(&mut self.rng, &self.routes);
        let options = handshake::our_options(&swarm.metadata, Role::Initiator, self.config.pex);
        let max_len = self.config.max_datagram_len();
        let Some(initial) = swarm.handshake_datagram(ChannelId::ZERO, local, options, max_len)
        else {
            return Err(EngineError::InvalidMetadata(
                "cannot encode the handshake".into(),
            ));
        };
        let state = State::HandshakeSent {
            initial: initial.clone(),
            resend_at: now + self.config.handshake_resend,
            backoff: self.config.handshake_resend * 2,
        };
        let mut channel = Channel::new(remote, state, now, &self.config);
        channel.have_at_handshake = swarm.have.len();
        with_swarm!(self, now, swarm, |s, io| {
            let mut sink = io.sink();
            sink.send(&mut channel, initial);
            s.stats.bytes_up += sink.bytes;
            s.channels.insert(local, Box::new(channel));
        });
        self.routes.insert(local, swarm_id.clone());
        Ok(())
    }

    /// Connects to the peers PEX told a swarm about, while it has fewer than
    /// [`EndpointConfig::max_peers_per_swarm`] channels. Addresses that cannot be used
    /// (banned, already connected, channel limit) are skipped.
    fn connect_discovered(&mut self, now: Instant, swarm_id: &SwarmId) {
        let Some(swarm) = self.swarms.get_mut(swarm_id) else {
            return;
        };
        let candidates = std::mem::take(&mut swarm.to_connect);
        for peer in candidates {
            let Some(swarm) = self.swarms.get(swarm_id) else {
                return;
            };
            let channels = swarm.channels.values().filter(|c| !c.is_closed()).count();
            if channels >= self.config.max_peers_per_swarm {
                return;
            }
            // Refusals (banned, already connected, channel limit) just skip the address.
            let _ = self.connect(now, swarm_id, peer);
        }
    }

    /// Streams on demand: fetch the chunks after `chunk` first, in order (see
    /// [`EndpointConfig::playhead_window`]).
    pub fn set_playhead(
        &mut self,
        now: Instant,
        swarm_id: &SwarmId,
        chunk: u64,
    ) -> Result<(), EngineError> {
        let Some(swarm) = self.swarms.get_mut(swarm_id) else {
            return Err(EngineError::UnknownSwarm(swarm_id.clone()));
        };
        swarm.picker.set_playhead(chunk);
        // Channels that had nothing to offer may have the new window.
        swarm.pick_epoch = swarm.pick_epoch.wrapping_add(1);
        with_swarm!(self, now, swarm, |s, io| s.pump(&mut io));
        Ok(())
    }

    /// Handles a UDP datagram from `from`.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: Bytes) {
        self.stats.datagrams_received += 1;
        let Some(&dest) = data.first_chunk::<4>() else {
            self.stats.invalid_datagrams += 1;
            return;
        };
        let dest = ChannelId(u32::from_be_bytes(dest));
        if dest == ChannelId::ZERO {
            if !self.accept(now, from, data) {
                self.stats.refused_handshakes += 1;
            }
            return;
        }
        let Some(swarm) = self
            .routes
            .get(&dest)
            .and_then(|id| self.swarms.get_mut(id))
        else {
            // Unknown channel: dropped without a word (section 3.11).
            self.stats.unknown_channel += 1;
            return;
        };
        let len = data.len();
        // The messages before an undecodable one are processed, the rest of the datagram
        // discarded (section 8.1); nothing is ever answered to the bad part.
        match Datagram::decode_prefix(data, &swarm.ctx) {
            Ok((datagram, bad_tail)) if bad_tail.is_none() || !datagram.messages.is_empty() => {
                if bad_tail.is_some() {
                    self.stats.invalid_datagrams += 1;
                    swarm.stats.invalid_messages += 1;
                }
                let discovered = with_swarm!(self, now, swarm, |s, io| {
                    s.handle_datagram(&mut io, dest, from, datagram, len);
                    (!s.to_connect.is_empty()).then(|| s.id.clone())
                });
                if let Some(id) = discovered {
                    self.connect_discovered(now, &id);
                }
            }
            _ => {
                // Nothing valid: the datagram is discarded whole.
                self.stats.invalid_datagrams += 1;
                swarm.stats.invalid_messages += 1;
            }
        }
    }

    /// Handles a datagram for channel 0: datagram 1 of a handshake. On any failure we stay
    /// silent, since the datagram may be spoofed (section 3.1.1 rule 2). Returns whether it
    /// was accepted (or recognised as a retransmission).
    fn accept(&mut self, now: Instant, from: SocketAddr, data: Bytes) -> bool {
        let Ok(datagram) = Datagram::decode(data, &DecodeContext::default()) else {
            return false;
        };
        let mut messages = datagram.messages.into_iter();
        let Some(Message::Handshake {
            source_channel,
            options,
        }) = messages.next()
        else {
            return false;
        };
        let Some(swarm) = options
            .swarm_id
            .as_ref()
            .and_then(|id| self.swarms.get_mut(id))
        else {
            return false;
        };
        if source_channel == ChannelId::ZERO || swarm.banned.contains(&from) {
            return false;
        }
        // A retransmitted datagram 1 gets the same reply, not a new channel (section 3.1.1).
        let duplicate = swarm
            .channels
            .iter()
            .find(|(_, c)| c.addr == from && c.remote == source_channel)
            .map(|(id, c)| match &c.state {
                State::Replied { reply } => (*id, Some(reply.clone())),
                _ => (*id, None),
            });
        if let Some((id, reply)) = duplicate {
            if let Some(reply) = reply {
                with_swarm!(self, now, swarm, |s, io| {
                    if let Some(channel) = s.channels.get_mut(&id) {
                        let mut sink = io.sink();
                        sink.send(channel, reply);
                        s.stats.bytes_up += sink.bytes;
                    }
                });
            }
            return true;
        }
        if self.routes.len() >= self.config.max_channels
            || handshake::check_options(&options, &swarm.metadata, Role::Initiator).is_err()
        {
            return false;
        }
        let swarm_id = swarm.id.clone();
        let local = new_channel_id(&mut self.rng, &self.routes);
        let mut channel = Channel::new(from, State::Open, now, &self.config);
        channel.remote = source_channel;
        channel.supported = options
            .supported_messages
            .unwrap_or_else(SupportedMessages::all);
        // Minor payload: the initiator's HAVEs. Anything heavier is ignored; anything
        // invalid makes the whole datagram invalid.
        for message in messages {
            if let Message::Have { spec } = message {
                match swarm.specs.range(spec, swarm.chunk_count()) {
                    Ok(Some(range)) => channel.peer_have.insert_run(range),
                    Ok(None) => {}
                    Err(_) => return false,
                }
            }
        }
        let reply_options = handshake::our_options(
            &swarm.metadata,
            Role::Responder {
                chunk_size: options.chunk_size.is_some(),
            },
            self.config.pex,
        );
        let max_len = self.config.max_datagram_len();
        let Some(reply) = swarm.handshake_datagram(source_channel, local, reply_options, max_len)
        else {
            return false;
        };
        channel.state = State::Replied {
            reply: reply.clone(),
        };
        channel.have_at_handshake = swarm.have.len();
        with_swarm!(self, now, swarm, |s, io| {
            let mut sink = io.sink();
            sink.send(&mut channel, reply);
            s.stats.bytes_up += sink.bytes;
            channel
                .peer_have
                .runs()
                .for_each(|run| s.picker.peer_gained(run));
            s.channels.insert(local, Box::new(channel));
        });
        self.routes.insert(local, swarm_id);
        true
    }

    /// Handles expired timers; calling it early is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let ids: Vec<SwarmId> = self.swarms.keys().cloned().collect();
        for id in ids {
            if let Some(swarm) = self.swarms.get_mut(&id) {
                with_swarm!(self, now, swarm, |s, io| s.handle_timeout(&mut io));
            }
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let transmit = self.transmits.pop_front()?;
        self.stats.datagrams_sent += 1;
        Some(transmit)
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Endpoint::handle_timeout`] should next be called; `None` if no timer runs.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.swarms
            .values()
            .filter_map(|s| s.next_timeout(&self.config))
            .min()
    }

    /// A swarm's counters.
    pub fn swarm_stats(&self, swarm_id: &SwarmId) -> Option<SwarmStats> {
        self.swarms.get(swarm_id).map(Swarm::stats)
    }

    /// The endpoint's counters.
    pub fn stats(&self) -> EndpointStats {
        EndpointStats {
            channels: self.routes.len(),
            ..self.stats
        }
    }

    /// A swarm's chunk store, to read what was downloaded.
    pub fn store(&self, swarm_id: &SwarmId) -> Option<&dyn ChunkStore> {
        self.swarms.get(swarm_id).map(|s| s.store.as_ref())
    }
}

/// A random channel ID, non-zero and not in use (RFC 7574 section 3.11, after RFC 4960
/// section 5.1.3).
fn new_channel_id(rng: &mut StdRng, routes: &BTreeMap<ChannelId, SwarmId>) -> ChannelId {
    loop {
        let id = ChannelId(rng.random());
        if id != ChannelId::ZERO && !routes.contains_key(&id) {
            return id;
        }
    }
}

/// The content length of a seed: from the metadata, checked against the tree, or from the
/// stored last chunk.
fn seed_length(
    metadata: &crate::swarm::SwarmMetadata,
    store: &dyn ChunkStore,
    chunk_count: u64,
    chunk_size: u32,
) -> Result<u64, EngineError> {
    match metadata.content_length {
        Some(len) if len.div_ceil(u64::from(chunk_size)) == chunk_count => Ok(len),
        Some(_) => Err(EngineError::TreeMismatch("content length")),
        None => store
            .read_chunk(chunk_count - 1)
            .and_then(|last| crate::merkle::content_len(chunk_count, chunk_size, last.len()))
            .ok_or(EngineError::TreeMismatch("the store lacks the last chunk")),
    }
}
