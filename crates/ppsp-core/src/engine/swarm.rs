//! One swarm's state: its content, its channels, and the handling of datagrams on them.
//!
//! Message handlers live beside their subject: downloading in `fetch`, uploading in `serve`,
//! peer exchange in `pex`. This file routes a datagram's messages to them, in order, and
//! after each input runs the steps that involve several channels (`pump`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{
    ChannelId, Datagram, DecodeContext, HandshakeOptions, Message, MessageType,
};
use rand::rngs::StdRng;

use super::channel::{Channel, Channels, State};
use super::choker::Choker;
use super::content::Integrity;
use super::event::{BanReason, CloseReason, Event, SwarmStats, Transmit};
use super::handshake::{self, Role};
use super::live::LiveState;
use super::picker::Picker;
use super::specs::Specs;
use super::transmit::{self, Sink};
use super::{ChunkStore, EndpointConfig};
use crate::availability::ChunkSet;
use crate::bin::Bin;
use crate::hash::Digest;
use crate::merkle::IntegrityError;
use crate::swarm::SwarmMetadata;

/// The endpoint's shared pieces a swarm works with during one call.
pub(crate) struct Io<'a> {
    pub(crate) now: Instant,
    /// The engine's epoch: DATA timestamps are microseconds since it.
    pub(crate) epoch: Instant,
    pub(crate) config: &'a EndpointConfig,
    pub(crate) rng: &'a mut StdRng,
    pub(crate) events: &'a mut VecDeque<Event>,
    pub(crate) transmits: &'a mut VecDeque<Transmit>,
}

impl Io<'_> {
    /// Our clock in microseconds, for DATA timestamps and ACK delay samples (section 8.6).
    pub(crate) fn micros(&self) -> u64 {
        u64::try_from(self.now.saturating_duration_since(self.epoch).as_micros())
            .unwrap_or(u64::MAX)
    }

    pub(crate) fn sink(&mut self) -> Sink<'_> {
        Sink {
            transmits: self.transmits,
            now: self.now,
            bytes: 0,
        }
    }
}

/// Most HAVEs riding on a HANDSHAKE: a few are minor payload, many small messages would be
/// heavy (section 3.1.1). The rest of the map follows once the channel is open.
const HANDSHAKE_HAVES: usize = 8;

/// Whether to go on with the rest of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// An invalid message or a banned peer: the rest of the datagram is discarded
    /// (section 3.1.1 / 8.1).
    Stop,
}

/// A swarm we take part in.
pub(crate) struct Swarm {
    pub(crate) id: SwarmId,
    pub(crate) metadata: SwarmMetadata,
    /// Field sizes of the swarm's messages.
    pub(crate) ctx: DecodeContext,
    pub(crate) specs: Specs,
    pub(crate) store: Box<dyn ChunkStore>,
    pub(crate) integrity: Box<dyn Integrity>,
    /// Chunks verified and stored.
    pub(crate) have: ChunkSet,
    /// Content length, once known.
    pub(crate) content_length: Option<u64>,
    /// Requests outstanding per chunk over all channels.
    pub(crate) outstanding: BTreeMap<u64, u8>,
    /// Chunks verified since the last pump, to announce.
    pub(crate) newly_verified: Vec<u64>,
    /// Addresses learned by PEX since the last pump.
    pub(crate) discovered: Vec<SocketAddr>,
    /// Addresses learned by PEX for the endpoint to connect to (it allocates channel IDs).
    pub(crate) to_connect: Vec<SocketAddr>,
    pub(crate) picker: Picker,
    pub(crate) choker: Choker,
    /// Addresses of peers that sent corrupt content (section 12.2): never talked to again.
    pub(crate) banned: BTreeSet<SocketAddr>,
    pub(crate) channels: Channels,
    pub(crate) stats: SwarmStats,
    pub(crate) complete: bool,
    /// When late urgent requests were last looked at (see `late`).
    pub(crate) late_checked: Option<Instant>,
    /// Live streams only: join point, deadlines, discard window (see `live`).
    pub(crate) live: Option<Box<LiveState>>,
    /// Bumped whenever a request is released: chunks may have become pickable again on
    /// channels that had nothing to offer ([`Channel::pick_idle`]).
    pub(crate) pick_epoch: u64,
    /// Reused buffers.
    hashes: Vec<(Bin, Digest)>,
    pub(crate) ids: Vec<ChannelId>,
}

impl Swarm {
    pub(crate) fn new(
        metadata: SwarmMetadata,
        specs: Specs,
        store: Box<dyn ChunkStore>,
        integrity: Box<dyn Integrity>,
        have: ChunkSet,
        content_length: Option<u64>,
        choker: Choker,
    ) -> Self {
        let complete = integrity.chunk_count().is_some_and(|n| have.len() >= n);
        let ctx = DecodeContext {
            chunk_addressing: metadata.chunk_addressing,
            merkle_hash_function: metadata.merkle_hash_function,
            chunk_size: metadata.chunk_size,
            ..DecodeContext::default()
        };
        Self {
            id: metadata.swarm_id.clone(),
            metadata,
            ctx,
            specs,
            store,
            integrity,
            have,
            content_length,
            outstanding: BTreeMap::new(),
            newly_verified: Vec::new(),
            discovered: Vec::new(),
            to_connect: Vec::new(),
            picker: Picker::default(),
            choker,
            banned: BTreeSet::new(),
            channels: BTreeMap::new(),
            stats: SwarmStats::default(),
            complete,
            late_checked: None,
            live: None,
            pick_epoch: 0,
            hashes: Vec::new(),
            ids: Vec::new(),
        }
    }

    pub(crate) fn chunk_count(&self) -> Option<u64> {
        self.integrity.chunk_count()
    }

    /// The counters, with the current sizes filled in.
    pub(crate) fn stats(&self) -> SwarmStats {
        SwarmStats {
            chunks_held: self.have.len(),
            chunk_count: self.chunk_count(),
            content_length: self.content_length,
            peers: self.channels.values().filter(|c| c.is_open()).count(),
            ..self.stats
        }
    }

    /// The HANDSHAKE plus as many HAVEs of what we hold as fit: datagram 1 or 2, which may
    /// carry minor payload only (section 3.1.1 rules 1 and 2).
    pub(crate) fn handshake_datagram(
        &self,
        dest: ChannelId,
        source: ChannelId,
        options: HandshakeOptions,
        max_len: usize,
    ) -> Option<Bytes> {
        let mut datagram = Datagram {
            channel: dest,
            messages: vec![Message::Handshake {
                source_channel: source,
                options,
            }],
        };
        for spec in self
            .specs
            .set_specs(&self.have)
            .into_iter()
            .take(HANDSHAKE_HAVES)
        {
            datagram.messages.push(Message::Have { spec });
            if datagram
                .encoded_len(&self.ctx)
                .map_or(true, |len| len > max_len)
            {
                datagram.messages.pop();
                break;
            }
        }
        transmit::encode(&datagram, &self.ctx)
    }

    /// Handles a datagram that arrived on channel `local` (already decoded with the swarm's
    /// context), then runs the swarm's follow-up steps.
    pub(crate) fn handle_datagram(
        &mut self,
        io: &mut Io<'_>,
        local: ChannelId,
        from: SocketAddr,
        datagram: Datagram,
        len: usize,
    ) {
        if let Some(mut channel) = self.channels.remove(&local) {
            // Return routability: a channel talks to one address only (section 12.1).
            if channel.addr == from && !channel.is_closed() {
                channel.on_receive(io.now);
                self.stats.bytes_down += len as u64;
                self.on_datagram(io, &mut channel, datagram.messages);
            }
            self.channels.insert(local, channel);
        }
        self.pump(io);
    }

    fn on_datagram(&mut self, io: &mut Io<'_>, channel: &mut Channel, messages: Vec<Message>) {
        let mut messages = messages.into_iter().peekable();
        let handshake = match messages.next_if(|m| matches!(m, Message::Handshake { .. })) {
            Some(Message::Handshake {
                source_channel,
                options,
            }) => Some((source_channel, options)),
            _ => None,
        };
        if let Some((source, _)) = &handshake
            && *source == ChannelId::ZERO
        {
            // A closing HANDSHAKE (section 3.1.1 rule 8 / section 8.4).
            channel.close(CloseReason::ClosedByPeer);
            return;
        }
        match (&channel.state, handshake) {
            (State::HandshakeSent { .. }, Some((source, options))) => {
                // Datagram 2: the reply to our datagram 1.
                let peer = Role::Responder { chunk_size: true };
                if handshake::check_options(&options, &self.metadata, peer).is_err() {
                    channel.remote = source;
                    self.close_with_handshake(io, channel, CloseReason::HandshakeRejected);
                    return;
                }
                channel.remote = source;
                if let Some(supported) = options.supported_messages {
                    channel.supported = supported;
                }
                // Answer promptly: our next datagram completes the handshake (section 12.1).
                channel.poke = true;
                self.on_open(io, channel);
            }
            // Rule 3: until the reply arrives, nothing else from the peer is accepted.
            (State::HandshakeSent { .. }, None) | (State::Closed(_), _) => return,
            (State::Replied { .. }, _) => {
                // Rule 7: the first datagram carrying our channel ID completes the handshake.
                self.on_open(io, channel);
            }
            // A retransmitted reply; the messages after it are still valid.
            (State::Open, _) => {}
        }
        self.on_messages(io, channel, messages);
    }

    /// Handles the messages of a datagram in order, stopping at the first invalid one.
    pub(crate) fn on_messages(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        messages: impl Iterator<Item = Message>,
    ) {
        let mut hashes = std::mem::take(&mut self.hashes);
        hashes.clear();
        let mut flow = Flow::Continue;
        for message in messages {
            if let Message::Integrity { spec, hash } = message {
                match (self.specs.node(spec), Digest::from_slice(&hash)) {
                    (Ok(bin), Some(digest)) => {
                        hashes.push((bin, digest));
                        continue;
                    }
                    _ => {
                        flow = Flow::Stop;
                        break;
                    }
                }
            }
            if !hashes.is_empty() {
                flow = self.take_hashes(io, channel, &hashes);
                hashes.clear();
                if flow == Flow::Stop {
                    break;
                }
            }
            flow = self.on_message(io, channel, message);
            if flow == Flow::Stop {
                break;
            }
        }
        if flow == Flow::Continue && !hashes.is_empty() {
            flow = self.take_hashes(io, channel, &hashes);
        }
        if flow == Flow::Stop && !channel.is_closed() {
            self.stats.invalid_messages += 1;
        }
        self.hashes = hashes;
    }

    fn on_message(&mut self, io: &mut Io<'_>, channel: &mut Channel, message: Message) -> Flow {
        match message {
            Message::Data {
                spec,
                timestamp,
                payload,
            } => self.on_data(io, channel, spec, timestamp, payload),
            Message::Ack { spec, delay_sample } => self.on_ack(io, channel, spec, delay_sample),
            Message::Have { spec } => self.on_have(channel, spec),
            Message::Request { spec } => self.on_request(io, channel, spec),
            Message::Cancel { spec } => self.on_cancel(channel, spec),
            Message::Choke => self.on_choke(channel),
            Message::Unchoke => {
                channel.choked_by_peer = false;
                Flow::Continue
            }
            Message::PexReq => {
                channel.pex_wanted = io.config.pex;
                Flow::Continue
            }
            Message::PexResV4 { addr } => self.on_pex_res(io, channel, addr.into()),
            Message::PexResV6 { addr } => self.on_pex_res(io, channel, addr.into()),
            Message::SignedIntegrity {
                spec,
                timestamp,
                signature,
            } => self.on_signed_integrity(io, channel, spec, timestamp, signature),
            // Certificates need a trust anchor from the metadata, which static swarms lack.
            Message::PexResCert { .. } => Flow::Continue,
            // A HANDSHAKE after the first message is refused by the decoder; INTEGRITY was
            // taken by the caller.
            Message::Handshake { .. } | Message::Integrity { .. } => Flow::Stop,
        }
    }

    /// Passes a run of INTEGRITY hashes to the verifier; a hash contradicting a verified one
    /// proves the sender dishonest.
    fn take_hashes(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        hashes: &[(Bin, Digest)],
    ) -> Flow {
        match self.integrity.add_hashes(hashes) {
            Ok(()) => Flow::Continue,
            Err(IntegrityError::ConflictingHash { .. }) => {
                self.ban(io, channel, BanReason::ConflictingHash);
                Flow::Stop
            }
            Err(_) => Flow::Continue,
        }
    }

    /// The channel's three-way handshake completed.
    fn on_open(&mut self, io: &mut Io<'_>, channel: &mut Channel) {
        channel.state = State::Open;
        io.events.push_back(Event::ChannelOpened {
            swarm: self.id.clone(),
            peer: channel.addr,
        });
        // After this datagram's HAVEs, which tell whether the peer is a seeder.
        channel.map_pending = true;
        if !self.relays_freely() && !self.choker.admit(io, &self.channels, self.chunk_count()) {
            channel.choking = true;
            channel.send(Message::Choke);
        }
        // Peers are worth asking for only while we still download.
        if io.config.pex
            && !self.complete
            && channel.supports(MessageType::PexReq)
            && !channel.pex_asked
        {
            channel.pex_asked = true;
            channel.send(Message::PexReq);
        }
    }

    /// HAVEs for the whole map on newly opened channels, unless the handshake carried it
    /// all: a fragmented map (a resumed download) does not fit in minor payload, and chunks
    /// verified while a channel was half-open were not announced on it. Seeders get this
    /// initial map too (though not later HAVEs, section 3.2): it is what tells them which
    /// hashes we hold, so they send none of those again (section 5.4). Sent ahead of the
    /// channel's REQUESTs, so the peer serves them knowing it.
    fn announce_maps(&mut self) {
        if !self.channels.values().any(|c| c.map_pending) {
            return;
        }
        let specs = self.specs.set_specs(&self.have);
        for channel in self.channels.values_mut() {
            if !std::mem::take(&mut channel.map_pending)
                || !channel.is_open()
                || self.have.is_empty()
                || (specs.len() <= HANDSHAKE_HAVES && self.have.len() == channel.have_at_handshake)
            {
                continue;
            }
            for spec in &specs {
                channel.send(Message::Have { spec: *spec });
            }
        }
    }

    /// Bans the peer: it is closed without a word and its address refused in this swarm.
    pub(crate) fn ban(&mut self, io: &mut Io<'_>, channel: &mut Channel, reason: BanReason) {
        self.banned.insert(channel.addr);
        self.stats.banned_peers += 1;
        io.events.push_back(Event::PeerBanned {
            swarm: self.id.clone(),
            peer: channel.addr,
            reason,
        });
        channel.close(CloseReason::Banned);
    }

    /// Sends the closing HANDSHAKE (if the peer's channel is known) and closes.
    pub(crate) fn close_with_handshake(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        reason: CloseReason,
    ) {
        if channel.remote != ChannelId::ZERO
            && let Some(bytes) = transmit::closing_datagram(channel.remote)
        {
            let mut sink = io.sink();
            sink.send(channel, bytes);
            self.stats.bytes_up += sink.bytes;
        }
        channel.close(reason);
    }

    /// The steps after every input that involve several channels: announce new chunks,
    /// answer PEX, finish, request, serve, and send.
    pub(crate) fn pump(&mut self, io: &mut Io<'_>) {
        self.announce(io);
        self.announce_maps();
        self.answer_pex(io);
        self.report_discovered(io);
        self.finish(io);
        if !self.complete {
            self.reassign_late(io);
        }
        self.request_more(io);
        if !self.relays_freely() {
            let (seeding, count) = (self.complete, self.chunk_count());
            self.choker.fill(io, &mut self.channels, seeding, count);
        }
        let mut ids = std::mem::take(&mut self.ids);
        ids.clear();
        ids.extend(self.channels.keys().copied());
        let max_len = io.config.max_datagram_len();
        for id in &ids {
            let Some(mut channel) = self.channels.remove(id) else {
                continue;
            };
            if channel.is_open() {
                self.serve(io, &mut channel);
                self.flush_haves(io.now, &mut channel);
                let mut sink = io.sink();
                sink.flush(&mut channel, &self.ctx, max_len);
                self.stats.bytes_up += sink.bytes;
            }
            self.channels.insert(*id, channel);
        }
        self.ids = ids;
    }

    /// Newly verified chunks are queued for announcement on every open channel whose peer
    /// is not a seeder (sections 3.2 and 4.3.1), and CANCELs sent where they were also
    /// requested. Live streams announce at once: their chunks have deadlines.
    fn announce(&mut self, io: &Io<'_>) {
        if self.newly_verified.is_empty() {
            return;
        }
        let count = self.chunk_count();
        let due = io.now + io.config.have_delay;
        let live = self.live.is_some();
        for channel in self.channels.values_mut() {
            if !channel.is_open() || channel.is_seeder(count) {
                continue;
            }
            for &chunk in &self.newly_verified {
                channel.unannounced.insert(chunk);
            }
            channel.have_due = Some(match channel.have_due {
                Some(at) if !live => at.min(due),
                _ if live => io.now,
                _ => due,
            });
        }
        self.newly_verified.clear();
        self.cancel_arrived();
    }

    /// Puts the channel's queued HAVEs in front of its outbox if they are due or other
    /// messages go to the peer anyway: the peer learns of our chunks in few datagrams
    /// instead of one per chunk. Each HAVE names the largest complete interval of verified
    /// chunks around the chunk (section 3.2), so runs collapse into few specs.
    fn flush_haves(&self, now: Instant, channel: &mut Channel) {
        if channel.unannounced.is_empty()
            || (channel.outbox.is_empty() && channel.have_due.is_none_or(|at| now < at))
        {
            return;
        }
        channel.have_due = None;
        let pending = std::mem::take(&mut channel.unannounced);
        if channel.is_seeder(self.chunk_count()) || !channel.supports(MessageType::Have) {
            return;
        }
        let count = self.chunk_count();
        let mut haves = Vec::new();
        for run in pending.runs() {
            let mut chunk = run.first();
            while chunk <= run.last() {
                let Some(spec) = self.specs.interval_spec(&self.have, chunk) else {
                    chunk += 1;
                    continue;
                };
                haves.push(Message::Have { spec });
                match self.specs.range(spec, count) {
                    Ok(Some(covered)) if covered.last() >= chunk => chunk = covered.last() + 1,
                    _ => chunk += 1,
                }
            }
        }
        channel.outbox.splice(0..0, haves);
    }

    /// The swarm became complete: report it, and close channels to seeders, since neither
    /// side needs the other any more (section 3.12, "after completion stop messaging
    /// seeders").
    fn finish(&mut self, io: &mut Io<'_>) {
        let Some(count) = self.chunk_count() else {
            return;
        };
        if !self.complete && self.have.len() >= count {
            self.complete = true;
            io.events.push_back(Event::SwarmComplete {
                swarm: self.id.clone(),
            });
        }
        if !self.complete {
            return;
        }
        let seeders: Vec<ChannelId> = self
            .channels
            .iter()
            .filter(|(_, c)| c.is_open() && c.is_seeder(Some(count)))
            .map(|(id, _)| *id)
            .collect();
        for id in seeders {
            if let Some(mut channel) = self.channels.remove(&id) {
                self.close_with_handshake(io, &mut channel, CloseReason::BothComplete);
                self.channels.insert(id, channel);
            }
        }
    }

    /// A peer silent past the keep-alive period ([`Channel::is_silent`]) keeps its channel
    /// until the dead-peer rule closes it, but its requests go back to the pool for other
    /// peers and its upload slot to a waiting peer.
    fn on_silence(&mut self, io: &mut Io<'_>, channel: &mut Channel) {
        if channel.silenced || !channel.is_silent(io.now, io.config) {
            return;
        }
        channel.silenced = true;
        for chunk in std::mem::take(&mut channel.requested).into_keys() {
            self.release(chunk);
        }
        if !channel.choking && !self.relays_freely() {
            channel.choking = true;
            channel.clear_queue();
            channel.send(Message::Choke);
        }
    }

    /// Handles timers: liveness, request and loss timeouts, and the choker.
    pub(crate) fn handle_timeout(&mut self, io: &mut Io<'_>) {
        // Chunks a peer was to be avoided for may be askable again.
        self.pick_epoch = self.pick_epoch.wrapping_add(1);
        let mut ids = std::mem::take(&mut self.ids);
        ids.clear();
        ids.extend(self.channels.keys().copied());
        for id in &ids {
            let Some(mut channel) = self.channels.remove(id) else {
                continue;
            };
            if let Some(initial) = channel.check_liveness(io.now, io.config) {
                let mut sink = io.sink();
                sink.send(&mut channel, initial);
                self.stats.bytes_up += sink.bytes;
            }
            if channel.is_open() {
                self.expire_requests(io, &mut channel);
                channel.window.detect_losses(io.now);
                self.on_silence(io, &mut channel);
            }
            self.channels.insert(*id, channel);
        }
        self.ids = ids;
        let (seeding, count) = (self.complete, self.chunk_count());
        if !self.relays_freely() {
            self.choker.round(io, &mut self.channels, seeding, count);
        }
        self.pump(io);
    }

    /// The earliest instant `handle_timeout` has work to do.
    pub(crate) fn next_timeout(&self, config: &EndpointConfig) -> Option<Instant> {
        let channels = self.channels.values().filter_map(|c| {
            let liveness = c.liveness_deadline(config);
            let request = c.request_deadline(config);
            let loss = c.is_open().then(|| c.window.loss_deadline()).flatten();
            let haves = c.is_open().then_some(c.have_due).flatten();
            let silence = c.silence_deadline(config);
            [liveness, request, loss, haves, silence]
                .into_iter()
                .flatten()
                .min()
        });
        let choking = !self.channels.is_empty() && !self.relays_freely();
        let choker = choking.then(|| self.choker.deadline());
        let live = self.live.as_ref().and_then(|l| l.next_tick);
        let late = (!self.complete)
            .then(|| self.late_deadline(config))
            .flatten();
        channels.chain(choker).chain(live).chain(late).min()
    }

    /// Removes closed channels, releasing their requests, and reports them. Returns the
    /// channel IDs freed.
    pub(crate) fn reap(&mut self, io: &mut Io<'_>, freed: &mut Vec<ChannelId>) {
        let closed: Vec<ChannelId> = self
            .channels
            .iter()
            .filter(|(_, c)| c.is_closed())
            .map(|(id, _)| *id)
            .collect();
        for id in closed {
            let Some(channel) = self.channels.remove(&id) else {
                continue;
            };
            for chunk in channel.requested.keys() {
                self.release(*chunk);
            }
            self.picker.peer_lost(&channel.peer_have);
            if let State::Closed(reason) = channel.state {
                io.events.push_back(Event::ChannelClosed {
                    swarm: self.id.clone(),
                    peer: channel.addr,
                    reason,
                });
            }
            freed.push(id);
        }
    }

    /// One request for `chunk` is no longer outstanding.
    pub(crate) fn release(&mut self, chunk: u64) {
        self.pick_epoch = self.pick_epoch.wrapping_add(1);
        if let Some(count) = self.outstanding.get_mut(&chunk) {
            *count -= 1;
            if *count == 0 {
                self.outstanding.remove(&chunk);
            }
        }
    }
}
