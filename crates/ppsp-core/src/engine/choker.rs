//! Choking (RFC 7574 section 3.8): which peers' REQUESTs we answer.
//!
//! A bounded number of upload slots go to the interested peers that reciprocate best over
//! the last rounds (bytes they sent us; a seeder, receiving nothing, prefers the peers that
//! take the most from it), plus one optimistic slot given at random and moved every
//! [`EndpointConfig::optimistic_unchoke_interval`](super::EndpointConfig) so newcomers get
//! a chance. Slots are re-assigned every `choke_interval`; a change is announced with CHOKE
//! or UNCHOKE, and either way the peer's queued requests are dropped (section 3.8).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use ppsp_wire::ppspp::{ChannelId, Message};
use rand::RngExt;

use super::EndpointConfig;
use super::channel::Channel;
use super::swarm::Io;

/// The per-swarm choking schedule.
pub(crate) struct Choker {
    next_round: Instant,
    next_optimistic: Instant,
    optimistic: Option<ChannelId>,
}

impl Choker {
    pub(crate) fn new(now: Instant, config: &EndpointConfig) -> Self {
        Self {
            next_round: now + config.choke_interval,
            next_optimistic: now,
            optimistic: None,
        }
    }

    /// When the next round is due.
    pub(crate) fn deadline(&self) -> Instant {
        self.next_round
    }

    /// Whether a newly opened channel may start unchoked: a slot is free.
    pub(crate) fn admit(&self, channels: &BTreeMap<ChannelId, Channel>, slots: usize) -> bool {
        channels
            .values()
            .filter(|c| c.is_open() && !c.choking)
            .count()
            < slots
    }

    /// Re-assigns the upload slots if a round is due.
    pub(crate) fn round(
        &mut self,
        io: &mut Io<'_>,
        channels: &mut BTreeMap<ChannelId, Channel>,
        seeding: bool,
        chunk_count: Option<u64>,
    ) {
        if io.now < self.next_round {
            return;
        }
        self.next_round = io.now + io.config.choke_interval;
        let slots = io.config.upload_slots;
        // Interested peers: open, and not already holding everything.
        let mut ranked: Vec<(u64, ChannelId)> = channels
            .iter()
            .filter(|(_, c)| c.is_open() && !c.is_seeder(chunk_count))
            .map(|(id, c)| {
                let score = if seeding {
                    c.bytes_to_peer
                } else {
                    c.bytes_from_peer
                };
                (score, *id)
            })
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let regular = slots.saturating_sub(1);
        let mut unchoked: BTreeSet<ChannelId> =
            ranked.iter().take(regular).map(|(_, id)| *id).collect();
        let others: Vec<ChannelId> = ranked
            .iter()
            .map(|(_, id)| *id)
            .filter(|id| !unchoked.contains(id))
            .collect();
        if slots > 0 {
            let keep = self.optimistic.filter(|id| others.contains(id));
            self.optimistic = match keep {
                Some(id) if io.now < self.next_optimistic => Some(id),
                _ if others.is_empty() => None,
                _ => {
                    self.next_optimistic = io.now + io.config.optimistic_unchoke_interval;
                    Some(others[io.rng.random_range(0..others.len())])
                }
            };
            unchoked.extend(self.optimistic);
        }
        for (id, channel) in channels.iter_mut() {
            if !channel.is_open() {
                continue;
            }
            let interested = !channel.is_seeder(chunk_count);
            let choke = interested && !unchoked.contains(id);
            if interested && choke != channel.choking {
                channel.choking = choke;
                channel.clear_queue();
                channel.send(if choke {
                    Message::Choke
                } else {
                    Message::Unchoke
                });
            }
            // A rolling window: each round halves the weight of the past.
            channel.bytes_from_peer /= 2;
            channel.bytes_to_peer /= 2;
        }
    }
}
