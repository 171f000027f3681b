//! Choking (RFC 7574 section 3.8): which peers' REQUESTs we answer.
//!
//! A bounded number of upload slots go to the interested peers that reciprocate best over
//! the last rounds (bytes they sent us; a seeder, receiving nothing, prefers the peers that
//! take the most from it), plus one optimistic slot given at random and moved every
//! [`EndpointConfig::optimistic_unchoke_interval`](super::EndpointConfig) so newcomers get
//! a chance. Slots are re-assigned every `choke_interval`; a change is announced with CHOKE
//! or UNCHOKE, and either way the peer's queued requests are dropped (section 3.8). A slot
//! that frees up between rounds (its peer left, completed or fell silent) goes at once to
//! the best-reciprocating peer waiting, rather than idling until the next round.

use std::collections::BTreeSet;
use std::time::Instant;

use ppsp_wire::ppspp::{ChannelId, Message};
use rand::RngExt;

use super::EndpointConfig;
use super::channel::{Channel, Channels};
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
    pub(crate) fn admit(&self, io: &Io<'_>, channels: &Channels, chunk_count: Option<u64>) -> bool {
        let holding = channels
            .values()
            .filter(|c| holds_slot(c, io, chunk_count))
            .count();
        holding < io.config.upload_slots
    }

    /// Gives free upload slots to waiting interested peers, best reciprocating first (by
    /// the same score as a round), so a slot freed between rounds does not idle.
    pub(crate) fn fill(
        &mut self,
        io: &mut Io<'_>,
        channels: &mut Channels,
        seeding: bool,
        chunk_count: Option<u64>,
    ) {
        let holding = channels
            .values()
            .filter(|c| holds_slot(c, io, chunk_count))
            .count();
        let mut free = io.config.upload_slots.saturating_sub(holding);
        while free > 0 {
            let best = channels
                .iter_mut()
                .filter(|(_, c)| c.choking && wants_slot(c, io, chunk_count))
                .max_by_key(|(id, c)| (score(c, seeding), std::cmp::Reverse(**id)));
            let Some((_, channel)) = best else {
                return;
            };
            channel.choking = false;
            channel.clear_queue();
            channel.send(Message::Unchoke);
            free -= 1;
        }
    }

    /// Re-assigns the upload slots if a round is due.
    pub(crate) fn round(
        &mut self,
        io: &mut Io<'_>,
        channels: &mut Channels,
        seeding: bool,
        chunk_count: Option<u64>,
    ) {
        if io.now < self.next_round {
            return;
        }
        self.next_round = io.now + io.config.choke_interval;
        let slots = io.config.upload_slots;
        // Interested peers: open, not silent, and not already holding everything.
        let mut ranked: Vec<(u64, ChannelId)> = channels
            .iter()
            .filter(|(_, c)| wants_slot(c, io, chunk_count))
            .map(|(id, c)| (score(c, seeding), *id))
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

/// A peer that may hold an upload slot: open, still downloading, and not silent.
fn wants_slot(channel: &Channel, io: &Io<'_>, chunk_count: Option<u64>) -> bool {
    channel.is_open() && !channel.is_seeder(chunk_count) && !channel.is_silent(io.now, io.config)
}

/// Whether the peer occupies an upload slot now.
fn holds_slot(channel: &Channel, io: &Io<'_>, chunk_count: Option<u64>) -> bool {
    !channel.choking && wants_slot(channel, io, chunk_count)
}

/// Reciprocation: bytes the peer sent us, or, when seeding (nothing comes back), bytes it
/// took from us.
fn score(channel: &Channel, seeding: bool) -> u64 {
    if seeding {
        channel.bytes_to_peer
    } else {
        channel.bytes_from_peer
    }
}
