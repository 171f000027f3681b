//! The deadline-aware live picker, run after every input and on its own timer.
//!
//! Each run: learn the live edge from the peers' HAVEs (and who announces new chunks
//! first), join a few chunks behind it, move the playhead with the clock (counting chunks
//! that missed their deadline and withdrawing requests for them), apply the discard window,
//! send new peers our newest signed munro, move late urgent requests to faster peers, and
//! then request chunks in playback order from the playhead to the edge.
//!
//! Relaying: a chunk that only "upstream" peers (those announcing most chunks first, the
//! source above all) offer is left to them until its deadline is within a per-chunk
//! pseudo-random slack, so that usually one receiver fetches it from the source and the
//! others from that receiver once it announces it. Among holders, peers that are not
//! upstream, not demoted and least loaded are asked first.

use std::time::{Duration, Instant};

use ppsp_wire::ppspp::{ChannelId, Message};
use rand::RngExt;

use super::candidate::Candidate;
use super::state::LiveState;
use crate::engine::event::Event;
use crate::engine::picker::coalesce;
use crate::engine::swarm::{Io, Swarm};

/// Most chunks examined per run, from the playhead on: bounds the cost of a far edge.
const SPAN: u64 = 4096;

/// Most ChunkMissed events per run; further misses are only counted.
const MAX_MISS_EVENTS: u64 = 256;

/// How long a peer that failed a deadline stays demoted.
const DEMOTION: Duration = Duration::from_secs(2);

impl Swarm {
    /// One run of the live picker (see the module documentation).
    pub(crate) fn request_live(&mut self, io: &mut Io<'_>) {
        let Some(mut live) = self.live.take() else {
            return;
        };
        self.observe_peers(io, &mut live);
        self.tune_in_new_peers(&mut live);
        if !live.is_source() {
            self.join_and_play(io, &mut live);
        }
        self.live = Some(live);
        self.apply_discard_window();
        let Some(mut live) = self.live.take() else {
            return;
        };
        if !live.is_source() && live.join.is_some() {
            self.move_late_requests(io, &mut live);
            self.request_in_order(io, &mut live);
            live.next_tick = Some(io.now + live.tick());
        }
        self.live = Some(live);
    }

    /// The edge from the peers' maps, crediting whoever announced a new edge first.
    fn observe_peers(&mut self, io: &mut Io<'_>, live: &mut LiveState) {
        live.peers.retain(|id, _| self.channels.contains_key(id));
        let before = live.edge;
        let mut newest = self.have.runs().next_back().map(|r| r.last());
        let mut leaders = Vec::new();
        for (id, channel) in &self.channels {
            if !channel.is_open() {
                continue;
            }
            let Some(last) = channel.peer_have.runs().next_back().map(|r| r.last()) else {
                continue;
            };
            if before.is_none_or(|edge| last > edge) {
                leaders.push(*id);
            }
            newest = newest.max(Some(last));
        }
        if let Some(edge) = newest {
            live.observe_edge(io.now, edge);
        }
        if before.is_some() && live.edge > before {
            for id in leaders {
                live.credit_lead(id);
            }
        }
    }

    /// Our newest signed munro to every newly opened channel.
    fn tune_in_new_peers(&mut self, live: &mut LiveState) {
        // Collected only when a channel needs it (an empty Vec does not allocate): this
        // runs after every input.
        let mut fresh = Vec::new();
        for (id, channel) in &self.channels {
            let peer = live.peers.entry(*id).or_default();
            if !peer.tuned && channel.is_open() {
                peer.tuned = true;
                fresh.push(*id);
            }
        }
        for id in fresh {
            if let Some(mut channel) = self.channels.remove(&id) {
                self.tune_in(&mut channel);
                self.channels.insert(id, channel);
            }
        }
    }

    /// Joins near the edge once it is known, then advances the playhead with the clock.
    fn join_and_play(&mut self, io: &mut Io<'_>, live: &mut LiveState) {
        let Some(edge) = live.edge else {
            return;
        };
        if live.join.is_none() {
            let mut start = edge.saturating_sub(live.settings.join_behind);
            if let Some(window) = live.window {
                start = start.max((edge + 1).saturating_sub(window));
            }
            let start = start.max(live.floor);
            live.join = Some((start, io.now));
            io.events.push_back(Event::LiveJoined {
                swarm: self.id.clone(),
                chunk: start,
            });
        }
        let Some((join, _)) = live.join else {
            return;
        };
        let Some(due) = live.due_playhead(io.now) else {
            return;
        };
        // Chunks not produced yet cannot be missed: playback stalls at the edge instead.
        let due = due.min(edge + 1);
        let from = live.playhead.unwrap_or(join).max(join);
        if due <= from {
            live.playhead = Some(from);
            return;
        }
        let mut events = 0;
        for chunk in from..due {
            if self.have.contains(chunk) {
                live.on_time += 1;
            } else {
                live.missed += 1;
                if events < MAX_MISS_EVENTS {
                    events += 1;
                    io.events.push_back(Event::ChunkMissed {
                        swarm: self.id.clone(),
                        index: chunk,
                    });
                }
            }
        }
        live.playhead = Some(due);
        self.withdraw_requests_before(due);
    }

    /// The first chunk worth requesting: at the playhead, inside the window behind the edge.
    fn wanted_from(&self, live: &LiveState) -> Option<u64> {
        let (join, _) = live.join?;
        let edge = live.edge?;
        let mut from = live.playhead.unwrap_or(join).max(join).max(live.floor);
        if let Some(window) = live.window {
            from = from.max((edge + 1).saturating_sub(window));
        }
        Some(from)
    }

    /// Requests for urgent chunks that their peer is late with go to a faster peer that has
    /// them, with CANCEL to the slow one, which is demoted.
    fn move_late_requests(&mut self, io: &mut Io<'_>, live: &mut LiveState) {
        let urgent = live.settings.urgent_slack;
        let (min, max) = (io.config.min_request_timeout / 4, urgent);
        let mut late: Vec<(ChannelId, u64)> = Vec::new();
        for (id, channel) in &self.channels {
            let expected = channel.rtt.timeout(min, max);
            for (&chunk, &asked) in &channel.requested {
                let urgent_now = live.slack(chunk, io.now).is_some_and(|s| s < urgent);
                if urgent_now && io.now.saturating_duration_since(asked) >= expected {
                    late.push((*id, chunk));
                }
            }
        }
        for (slow, chunk) in late {
            let faster = self
                .channels
                .iter()
                .filter(|(id, c)| {
                    **id != slow
                        && c.is_open()
                        && !c.choked_by_peer
                        && c.requested.len() < c.depth
                        && c.peer_have.contains(chunk)
                        && !c.avoids(chunk, io.now)
                        && !c.requested.contains_key(&chunk)
                        && !demoted(live, **id, io.now)
                })
                .min_by_key(|(_, c)| c.requested.len())
                .map(|(id, _)| *id);
            let Some(faster) = faster else {
                continue;
            };
            let deadline = live.deadline(chunk).unwrap_or(io.now);
            if let Some(channel) = self.channels.get_mut(&slow) {
                channel.requested.remove(&chunk);
                channel.avoid.insert(chunk, deadline.max(io.now + urgent));
                channel.depth = (channel.depth / 2).max(1);
                let mut specs = Vec::new();
                if let Some(range) = crate::chunk_range::ChunkRange::single(chunk) {
                    self.specs.run_specs(range, &mut specs);
                }
                for spec in specs {
                    channel.send(Message::Cancel { spec });
                }
            }
            live.peers.entry(slow).or_default().demoted_until = Some(io.now + DEMOTION);
            self.release(chunk);
            self.ask(io.now, faster, &[chunk]);
        }
    }

    /// Requests chunks in playback order, each from its best holder with room.
    ///
    /// This runs after every input, so the peers are summarised once per run
    /// ([`Candidate`]) rather than looked up per chunk examined.
    fn request_in_order(&mut self, io: &mut Io<'_>, live: &mut LiveState) {
        let (Some(from), Some(edge)) = (self.wanted_from(live), live.edge) else {
            return;
        };
        let mut candidates: Vec<Candidate<'_>> = self
            .channels
            .iter()
            .filter(|(_, c)| c.is_open() && !c.choked_by_peer)
            .map(|(id, c)| Candidate::new(*id, c, live, io.now))
            .collect();
        let mut room_left: usize = candidates.iter().map(|c| c.room).sum();
        let mut picks: Vec<(ChannelId, u64)> = Vec::new();
        let last = edge.min(from.saturating_add(SPAN - 1));
        for chunk in from..=last {
            if room_left == 0 {
                break;
            }
            if self.have.contains(chunk) || self.outstanding.contains_key(&chunk) {
                continue;
            }
            let mut held = false;
            let mut only_upstream = true;
            for candidate in candidates.iter().filter(|c| c.holds(chunk)) {
                held = true;
                only_upstream &= candidate.upstream;
            }
            if !held {
                continue;
            }
            let slack = live.slack(chunk, io.now);
            let urgent = slack.is_some_and(|s| s < live.settings.urgent_slack);
            // Only upstream peers have it: leave it to a relay while there is time.
            if only_upstream && slack.is_some_and(|s| s > live.relay_slack(chunk)) {
                continue;
            }
            let best = candidates
                .iter()
                .enumerate()
                .filter(|(_, c)| c.room > 0 && c.holds(chunk) && !c.avoids(chunk, io.now))
                .map(|(i, c)| {
                    let slow = !urgent && c.demoted;
                    let key = (slow, c.upstream, c.load, usize::MAX - c.room);
                    ((key, io.rng.random::<u32>()), i)
                })
                .min()
                .map(|(_, i)| i);
            let Some(best) = best else {
                continue;
            };
            candidates[best].room -= 1;
            room_left -= 1;
            picks.push((candidates[best].id, chunk));
        }
        drop(candidates);
        let mut by_channel: Vec<(ChannelId, Vec<u64>)> = Vec::new();
        for (id, chunk) in picks {
            match by_channel.iter_mut().find(|(c, _)| *c == id) {
                Some((_, chunks)) => chunks.push(chunk),
                None => by_channel.push((id, vec![chunk])),
            }
        }
        for (id, chunks) in by_channel {
            self.ask(io.now, id, &chunks);
        }
    }

    /// Sends REQUESTs for `chunks` on channel `id` and books them as outstanding.
    fn ask(&mut self, now: Instant, id: ChannelId, chunks: &[u64]) {
        let Some(channel) = self.channels.get_mut(&id) else {
            return;
        };
        for &chunk in chunks {
            channel.requested.insert(chunk, now);
            *self.outstanding.entry(chunk).or_default() += 1;
        }
        let mut specs = Vec::new();
        for range in coalesce(chunks) {
            self.specs.run_specs(range, &mut specs);
        }
        for spec in specs {
            channel.send(Message::Request { spec });
        }
    }
}

/// Whether the peer on channel `id` is demoted at `now`.
pub(super) fn demoted(live: &LiveState, id: ChannelId, now: Instant) -> bool {
    live.peers
        .get(&id)
        .and_then(|p| p.demoted_until)
        .is_some_and(|until| now < until)
}
