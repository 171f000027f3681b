//! Upload slots for HTTP peers, shared with the engine's channels: a peer fetching chunks holds
//! a slot while it keeps asking; when none is free it is choked, and it is told UNCHOKE once one
//! frees (draft 4.3).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ppsp_wire::ids::{PeerId, SwarmId};

/// Slot holders and the peers refused for want of one.
#[derive(Debug, Default)]
pub(crate) struct UploadSlots {
    /// Who holds a slot, and when it last used it.
    holders: BTreeMap<(SwarmId, PeerId), Instant>,
    /// Peers answered CHOKED (or sent CHOKE) that are owed an UNCHOKE.
    choked: BTreeSet<(SwarmId, PeerId)>,
}

/// The outcome of asking for a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Served.
    Granted,
    /// Choked: all slots are busy.
    Choked,
}

impl UploadSlots {
    /// Frees the slots of holders idle for `idle` or longer.
    fn expire(&mut self, now: Instant, idle: Duration) {
        self.holders
            .retain(|_, last| now.saturating_duration_since(*last) < idle);
    }

    /// Gives `peer` a slot, keeps the one it has, or chokes it. `total` slots exist, of which
    /// the engine holds `engine_used`.
    pub(crate) fn admit(
        &mut self,
        key: (SwarmId, PeerId),
        now: Instant,
        idle: Duration,
        total: usize,
        engine_used: usize,
    ) -> Admission {
        self.expire(now, idle);
        if let Some(last) = self.holders.get_mut(&key) {
            *last = now;
            return Admission::Granted;
        }
        if self.holders.len() + engine_used < total {
            self.choked.remove(&key);
            self.holders.insert(key, now);
            return Admission::Granted;
        }
        self.choked.insert(key);
        Admission::Choked
    }

    /// Whether `key` was choked and has not been given a slot since.
    pub(crate) fn is_choked(&self, key: &(SwarmId, PeerId)) -> bool {
        self.choked.contains(key)
    }

    /// Chokes `key` explicitly (the node decided to stop serving it).
    pub(crate) fn choke(&mut self, key: (SwarmId, PeerId)) {
        self.holders.remove(&key);
        self.choked.insert(key);
    }

    /// Choked peers that can now be unchoked, as many as slots are free; they leave the choked
    /// set (the caller sends them UNCHOKE) and must ask again to take the slot.
    pub(crate) fn take_unchokable(
        &mut self,
        now: Instant,
        idle: Duration,
        total: usize,
        engine_used: usize,
    ) -> Vec<(SwarmId, PeerId)> {
        self.expire(now, idle);
        let free = total.saturating_sub(self.holders.len() + engine_used);
        let chosen: Vec<_> = self.choked.iter().take(free).cloned().collect();
        for key in &chosen {
            self.choked.remove(key);
        }
        chosen
    }

    /// Slots held by HTTP peers now.
    pub(crate) fn in_use(&self) -> usize {
        self.holders.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> (SwarmId, PeerId) {
        (SwarmId::new(vec![1; 20]).unwrap(), PeerId([n; 20]))
    }

    #[test]
    fn busy_slots_choke_newcomers_until_a_holder_goes_idle() {
        let mut slots = UploadSlots::default();
        let idle = Duration::from_secs(5);
        let t0 = Instant::now();
        assert_eq!(slots.admit(key(1), t0, idle, 2, 1), Admission::Granted);
        assert_eq!(slots.admit(key(2), t0, idle, 2, 1), Admission::Choked);
        assert!(slots.is_choked(&key(2)));
        assert_eq!(slots.admit(key(1), t0, idle, 2, 1), Admission::Granted);
        assert!(slots.take_unchokable(t0, idle, 2, 1).is_empty());
        let later = t0 + idle;
        assert_eq!(slots.take_unchokable(later, idle, 2, 1), vec![key(2)]);
        assert_eq!(slots.admit(key(2), later, idle, 2, 1), Admission::Granted);
        assert_eq!(slots.in_use(), 1);
    }
}
