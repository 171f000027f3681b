//! Streaming on demand with peers of unequal speed: the chunks the player needs next go to
//! fast peers, and one that is late at a slow peer is asked of a faster one, with a CANCEL
//! to the slow one (RFC 7574 section 3.7; issue 4's scheduler rules).
//!
//! Speed is the smoothed REQUEST-to-DATA round trip. A peer is *slow* when its round trip
//! exceeds [`SLOW_FACTOR`] times the best one among the open channels (a peer without a
//! sample yet counts as RFC 6298's initial second). A slow peer is *demoted*: it gets no
//! playhead-window chunk that a fast peer could give (the picker asks), and an urgent chunk
//! waiting at it for [`SLOW_FACTOR`] round trips of a fast peer that has the chunk and room
//! in its pipeline is moved there.

use std::collections::BTreeMap;
use std::ops::Range;
use std::time::{Duration, Instant};

use ppsp_wire::ppspp::{ChannelId, Message};

use super::channel::Channel;
use super::rtt::RttEstimator;
use super::swarm::{Io, Swarm};
use crate::chunk_range::ChunkRange;

/// How much slower than the best peer a peer may be before it is demoted.
pub(crate) const SLOW_FACTOR: u32 = 2;

impl Channel {
    /// The smoothed round trip, or the initial estimate before any sample.
    fn pace(&self) -> Duration {
        self.rtt.srtt().unwrap_or(RttEstimator::INITIAL)
    }

    /// Whether this peer is slow next to a best round trip of `best`. Peers without a
    /// sample are not, so that new peers get urgent chunks too.
    pub(crate) fn is_slow(&self, best: Option<Duration>) -> bool {
        match (self.rtt.srtt(), best) {
            (Some(own), Some(best)) => own > best * SLOW_FACTOR,
            _ => false,
        }
    }

    /// Whether this peer may take a request for `chunk` now, on top of `extra` more.
    fn can_take(&self, chunk: u64, now: Instant, extra: usize) -> bool {
        self.is_open()
            && !self.choked_by_peer
            && self.peer_have.contains(chunk)
            && !self.requested.contains_key(&chunk)
            && !self.avoids(chunk, now)
            && self.requested.len() + extra < self.depth
    }
}

impl Swarm {
    /// The best smoothed round trip among open channels.
    pub(crate) fn best_srtt(&self) -> Option<Duration> {
        self.channels
            .values()
            .filter(|c| c.is_open())
            .filter_map(|c| c.rtt.srtt())
            .min()
    }

    /// The chunks the player needs next, if streaming.
    fn urgent(&self, io: &Io<'_>) -> Option<Range<u64>> {
        let playhead = self.picker.playhead()?;
        Some(playhead..playhead.saturating_add(io.config.playhead_window))
    }

    /// Moves late urgent requests from slow peers to faster ones.
    pub(crate) fn reassign_late(&mut self, io: &mut Io<'_>) {
        self.late_checked = Some(io.now);
        let Some(urgent) = self.urgent(io) else {
            return;
        };
        let mut moves: Vec<(u64, ChannelId, ChannelId)> = Vec::new();
        let mut taken: BTreeMap<ChannelId, usize> = BTreeMap::new();
        for (&slow_id, slow) in &self.channels {
            if !slow.is_open() {
                continue;
            }
            for (&chunk, &asked) in slow.requested.range(urgent.clone()) {
                let waited = io.now.saturating_duration_since(asked);
                let extra = |id: &ChannelId| taken.get(id).copied().unwrap_or(0);
                let faster = self
                    .channels
                    .iter()
                    .filter(|&(id, c)| *id != slow_id && c.can_take(chunk, io.now, extra(id)))
                    .filter_map(|(id, c)| Some((c.rtt.srtt()?, *id)))
                    .filter(|&(fast, _)| {
                        slow.pace() > fast * SLOW_FACTOR && waited >= fast * SLOW_FACTOR
                    })
                    .min();
                if let Some((_, fast_id)) = faster {
                    *taken.entry(fast_id).or_default() += 1;
                    moves.push((chunk, slow_id, fast_id));
                }
            }
        }
        for (chunk, slow_id, fast_id) in moves {
            self.move_request(io, chunk, slow_id, fast_id);
        }
    }

    /// CANCEL `chunk` at one peer, REQUEST it at another. The slow peer is not asked for
    /// it again before its request timeout.
    fn move_request(&mut self, io: &mut Io<'_>, chunk: u64, from: ChannelId, to: ChannelId) {
        let Some(range) = ChunkRange::single(chunk) else {
            return;
        };
        let mut specs = Vec::with_capacity(1);
        self.specs.run_specs(range, &mut specs);
        if let Some(slow) = self.channels.get_mut(&from) {
            slow.requested.remove(&chunk);
            let until = io.now + slow.request_timeout(io.config);
            slow.avoid.insert(chunk, until);
            for spec in &specs {
                slow.send(Message::Cancel { spec: *spec });
            }
        }
        if let Some(fast) = self.channels.get_mut(&to) {
            fast.requested.insert(chunk, io.now);
            for spec in specs {
                fast.send(Message::Request { spec });
            }
        }
        self.stats.late_requests_moved += 1;
    }

    /// When an urgent request at a slow peer becomes late, if after the last check: a
    /// request that found no faster taker then is looked at again on the next input.
    pub(crate) fn late_deadline(&self, config: &super::EndpointConfig) -> Option<Instant> {
        let playhead = self.picker.playhead()?;
        let urgent = playhead..playhead.saturating_add(config.playhead_window);
        let best = self.best_srtt()?;
        let patience = best * SLOW_FACTOR;
        self.channels
            .values()
            .filter(|c| c.is_open() && c.pace() > patience)
            .flat_map(|c| {
                c.requested
                    .range(urgent.clone())
                    .map(|(_, &asked)| asked + patience)
            })
            .filter(|&at| self.late_checked.is_none_or(|checked| at > checked))
            .min()
    }
}
