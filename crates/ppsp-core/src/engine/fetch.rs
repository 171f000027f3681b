//! Downloading: what the peer has (HAVE), what we ask it for (REQUEST, CANCEL), and what it
//! sends (DATA, checked before anything else happens to it).

use std::time::{Duration, Instant};

use bytes::Bytes;
use ppsp_wire::ppspp::{ChunkSpec, Message};

use super::channel::Channel;
use super::event::{BanReason, Event};
use super::picker::rarity::gaps;
use super::picker::{PickContext, coalesce};
use super::swarm::{Flow, Io, Swarm};
use super::{ChunkProof, EndpointConfig};
use crate::chunk_range::ChunkRange;
use crate::merkle::{IntegrityError, content_len};

impl Channel {
    /// When the oldest request to this peer times out: after the backed-off timeout, or
    /// after the plain one if the peer has sent nothing at all meanwhile ([`Channel::mute`]).
    pub(crate) fn request_deadline(&self, config: &EndpointConfig) -> Option<Instant> {
        let oldest = *self.requested.values().min()?;
        let mute = oldest.max(self.last_recv) + self.mute_timeout(config);
        Some((oldest + self.request_timeout(config)).min(mute))
    }

    /// How long a peer may send nothing at all while requests to it are pending before
    /// they time out regardless of backoff: the un-backed-off request timeout. Backoff is
    /// meant for a slow peer, which still delivers now and then; one that says nothing may
    /// be gone, and its requests (and the peers that could serve them instead, since a
    /// requested chunk is not asked elsewhere) would otherwise wait for seconds.
    fn mute_timeout(&self, config: &EndpointConfig) -> Duration {
        self.rtt
            .base_timeout(config.min_request_timeout, config.max_request_timeout)
    }

    /// Whether a request made at `asked` is unanswered past its timeout at `now`.
    fn overdue(&self, asked: Instant, now: Instant, config: &EndpointConfig) -> bool {
        let waited = now.saturating_duration_since(asked);
        let mute = self.mute_timeout(config);
        waited >= self.request_timeout(config)
            || (waited >= mute && now.saturating_duration_since(self.last_recv) >= mute)
    }

    /// Requests this peer may have outstanding: its depth, or a single probe while its
    /// last request went unanswered (it may be gone; a chunk waiting at it counts as
    /// requested once, so the end game can still ask another peer for it).
    pub(crate) fn pipeline(&self) -> usize {
        if self.rtt.backed_off() { 1 } else { self.depth }
    }

    pub(crate) fn request_timeout(&self, config: &EndpointConfig) -> Duration {
        self.rtt
            .timeout(config.min_request_timeout, config.max_request_timeout)
    }
}

impl Swarm {
    /// A HAVE: the peer verified these chunks. It also withdraws its requests for them
    /// (the implicit CANCEL of section 3.2).
    pub(crate) fn on_have(&mut self, channel: &mut Channel, spec: ChunkSpec) -> Flow {
        match self.specs.range(spec, self.chunk_count()) {
            Ok(Some(range)) => {
                self.peer_gained(channel, range);
                channel.unqueue(range);
                Flow::Continue
            }
            Ok(None) => Flow::Continue,
            Err(_) => Flow::Stop,
        }
    }

    /// The peer's map grew by `range` (a HAVE or an ACK): the picker counts the chunks new
    /// to it, and the channel is worth a pick again.
    pub(crate) fn peer_gained(&mut self, channel: &mut Channel, range: ChunkRange) {
        for gap in gaps(&channel.peer_have, range) {
            self.picker.peer_gained(gap);
            channel.pick_idle = None;
        }
        channel.peer_have.insert_run(range);
    }

    /// A CHOKE: the peer will answer none of our requests (section 3.8); they go back to the
    /// pool for other peers.
    pub(crate) fn on_choke(&mut self, channel: &mut Channel) -> Flow {
        channel.choked_by_peer = true;
        for chunk in std::mem::take(&mut channel.requested).into_keys() {
            self.release(chunk);
        }
        Flow::Continue
    }

    /// A DATA: verify the chunk (the INTEGRITY hashes before it are already in), then store,
    /// acknowledge and announce it. A chunk that fails against trusted hashes gets its sender
    /// banned; one that cannot be checked (hashes missing) is dropped and fetched again.
    pub(crate) fn on_data(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        spec: ChunkSpec,
        timestamp: u64,
        payload: Bytes,
    ) -> Flow {
        let count = self.chunk_count();
        let Some(chunk) = self
            .specs
            .data_chunk(spec)
            .filter(|&c| count.is_none_or(|n| c < n))
        else {
            return Flow::Stop;
        };
        let len = payload.len() as u64;
        self.stats.payload_bytes_down += len;
        channel.bytes_from_peer += len;
        if let Some(asked) = channel.take_request(chunk) {
            channel
                .rtt
                .on_sample(io.now.saturating_duration_since(asked));
            channel.depth = (channel.depth + 1).min(io.config.request_pipeline.max(1));
            self.release(chunk);
        }
        if !self.have.contains(chunk) {
            match self.integrity.verify_chunk(chunk, &payload) {
                Ok(()) => {
                    let (peaks, uncles) = self.integrity.chunk_proof(chunk).unwrap_or_default();
                    let proof = ChunkProof {
                        peaks: &peaks,
                        uncles: &uncles,
                    };
                    if self
                        .store
                        .write_proven_chunk(chunk, payload.clone(), proof)
                        .is_err()
                    {
                        return Flow::Continue;
                    }
                    self.have.insert(chunk);
                    self.picker.verified(chunk);
                    self.newly_verified.push(chunk);
                    self.stats.chunks_verified += 1;
                    io.events.push_back(Event::ChunkVerified {
                        swarm: self.id.clone(),
                        index: chunk,
                    });
                    self.learn_length(chunk, payload.len());
                }
                Err(IntegrityError::ChunkRejected { .. }) => {
                    self.ban(io, channel, BanReason::CorruptChunk { index: chunk });
                    return Flow::Stop;
                }
                Err(_) => {
                    self.stats.unverifiable_chunks += 1;
                    return Flow::Continue;
                }
            }
        }
        // ACK every DATA we hold, with the one-way delay sample: our clock minus the sender's
        // timestamp; only differences matter to LEDBAT, so wrapping is harmless (section 8.7).
        if let Some(spec) = self.specs.interval_spec(&self.have, chunk) {
            channel.send(Message::Ack {
                spec,
                delay_sample: io.micros().wrapping_sub(timestamp),
            });
        }
        Flow::Continue
    }

    /// Automatic size detection (section 5.6): the last chunk's length gives the content's.
    fn learn_length(&mut self, chunk: u64, len: usize) {
        if self.content_length.is_some() {
            return;
        }
        let (Some(count), Some(size)) = (self.chunk_count(), self.metadata.fixed_chunk_size())
        else {
            return;
        };
        if chunk + 1 == count
            && let Some(length) = content_len(count, size, len)
        {
            self.content_length = Some(length);
            self.specs.set_content_len(length);
        }
    }

    /// Sends CANCEL for newly verified chunks still requested from other peers (end game,
    /// or a late chunk that arrived after all).
    pub(crate) fn cancel_arrived(&mut self) {
        let have = &self.have;
        let mut released = Vec::new();
        for channel in self.channels.values_mut() {
            let done: Vec<u64> = channel
                .requested
                .keys()
                .copied()
                .filter(|c| have.contains(*c))
                .collect();
            for chunk in &done {
                channel.requested.remove(chunk);
            }
            if channel.is_open() {
                for range in coalesce(&done) {
                    let mut specs = Vec::new();
                    self.specs.run_specs(range, &mut specs);
                    for spec in specs {
                        channel.send(Message::Cancel { spec });
                    }
                }
            }
            released.extend(done);
        }
        for chunk in released {
            self.release(chunk);
        }
    }

    /// Tops up the requests of every open, unchoked, live channel with chunks chosen by the
    /// picker, once its pipeline has room for a batch: picking per received datagram for
    /// one free slot was most of a download's CPU time, and batches coalesce into fewer
    /// REQUESTs. A channel that had nothing to offer is not asked again until its map grows
    /// or a request is released somewhere ([`Swarm::pick_epoch`]).
    pub(crate) fn request_more(&mut self, io: &mut Io<'_>) {
        if self.live.is_some() {
            // Live streams have their own, deadline-aware picker.
            self.request_live(io);
            return;
        }
        if self.complete {
            return;
        }
        let count = self.chunk_count();
        self.picker
            .track(count, &self.have, self.channels.values().map(|c| &**c));
        let best_srtt = self.best_srtt();
        let epoch = self.pick_epoch;
        let (now, config) = (io.now, io.config);
        let mut ids = std::mem::take(&mut self.ids);
        ids.clear();
        ids.extend(
            self.channels
                .iter()
                .filter(|(_, c)| {
                    c.is_open()
                        && !c.choked_by_peer
                        && !c.is_silent(now, config)
                        && c.pick_idle != Some(epoch)
                        && c.pipeline().saturating_sub(c.requested.len())
                            >= pick_batch(c.pipeline())
                })
                .map(|(id, _)| *id),
        );
        let mut specs = Vec::new();
        for id in &ids {
            let picks = {
                let Some(channel) = self.channels.get(id) else {
                    continue;
                };
                let cx = PickContext {
                    have: &self.have,
                    outstanding: &self.outstanding,
                    chunk_count: count,
                    last_first: self.content_length.is_none(),
                    playhead_window: config.playhead_window,
                    now,
                    best_srtt,
                };
                let want = channel.pipeline() - channel.requested.len();
                self.picker.pick(
                    &cx,
                    channel,
                    self.channels.values().map(|c| &**c),
                    want,
                    io.rng,
                )
            };
            let Some(channel) = self.channels.get_mut(id) else {
                continue;
            };
            if picks.is_empty() {
                channel.pick_idle = Some(epoch);
                continue;
            }
            for &chunk in &picks {
                channel.requested.insert(chunk, now);
                *self.outstanding.entry(chunk).or_default() += 1;
            }
            specs.clear();
            for range in coalesce(&picks) {
                self.specs.run_specs(range, &mut specs);
            }
            for spec in &specs {
                channel.send(Message::Request { spec: *spec });
            }
        }
        self.ids = ids;
    }

    /// Requests unanswered within the timeout are cancelled at this peer and put back in the
    /// pool, so the picker asks another peer (section 3.7: CANCEL when re-requesting
    /// elsewhere). The peer's timeout backs off and its pipeline halves: slow peers are
    /// asked for less (see [`Channel::request_deadline`] for a peer that says nothing).
    pub(crate) fn expire_requests(&mut self, io: &mut Io<'_>, channel: &mut Channel) {
        let timeout = channel.request_timeout(io.config);
        let now = io.now;
        channel.avoid.retain(|_, until| now < *until);
        let expired: Vec<u64> = channel
            .requested
            .iter()
            .filter(|&(_, &asked)| channel.overdue(asked, now, io.config))
            .map(|(&chunk, _)| chunk)
            .collect();
        if expired.is_empty() {
            return;
        }
        for &chunk in &expired {
            channel.requested.remove(&chunk);
            channel.avoid.insert(chunk, now + timeout);
            self.release(chunk);
        }
        self.stats.request_timeouts += expired.len() as u64;
        let mut specs = Vec::new();
        for range in coalesce(&expired) {
            self.specs.run_specs(range, &mut specs);
        }
        for spec in specs {
            channel.send(Message::Cancel { spec });
        }
        channel.rtt.on_timeout();
        channel.depth = (channel.depth / 2).max(1);
    }
}

/// Free pipeline slots worth a pick: a quarter of the pipeline, so REQUESTs go out in runs
/// while the pipeline never drains below three quarters.
fn pick_batch(depth: usize) -> usize {
    (depth / 4).max(1)
}
