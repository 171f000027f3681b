//! The in-memory store (the default: nothing to install). [`MemoryState`] is plain data with
//! synchronous methods; [`MemoryStore`] puts it behind a mutex for the server. Critical
//! sections are short (no I/O, no await under the lock), so a std mutex is the right tool.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::{PeerMode, TrackerPeerId};

use super::{Bounds, Change, Counts, Store, StoreError, SwarmSummary};
use crate::registry::{PeerCard, PeerRecord};
use crate::time::Timestamp;

/// One swarm member: its card (shared by all its swarms), its mode in this swarm and when it
/// was last seen.
#[derive(Debug, Clone)]
struct Member {
    card: Arc<PeerCard>,
    mode: PeerMode,
    last_seen: Timestamp,
}

/// One swarm: members in a vector (cheap random windows) with an index by peer ID.
#[derive(Debug, Default)]
struct Swarm {
    members: Vec<Member>,
    index: HashMap<TrackerPeerId, usize>,
}

impl Swarm {
    fn upsert(&mut self, member: Member) {
        match self.index.get(&member.card.peer_id) {
            Some(&slot) => self.members[slot] = member,
            None => {
                self.index
                    .insert(member.card.peer_id.clone(), self.members.len());
                self.members.push(member);
            }
        }
    }

    fn remove(&mut self, peer_id: &TrackerPeerId) {
        let Some(slot) = self.index.remove(peer_id) else {
            return;
        };
        self.members.swap_remove(slot);
        if let Some(moved) = self.members.get(slot) {
            self.index.insert(moved.card.peer_id.clone(), slot);
        }
    }

    fn contains(&self, peer_id: &TrackerPeerId) -> bool {
        self.index.contains_key(peer_id)
    }
}

/// All swarms and peers of one tracker process.
#[derive(Debug, Default)]
pub struct MemoryState {
    peers: HashMap<TrackerPeerId, PeerRecord>,
    swarms: HashMap<SwarmId, Swarm>,
    /// Peers by last-seen time, for the expiry sweep.
    by_age: BTreeSet<(Timestamp, TrackerPeerId)>,
}

impl MemoryState {
    /// The stored record of a peer.
    pub fn peer(&self, peer_id: &TrackerPeerId) -> Option<&PeerRecord> {
        self.peers.get(peer_id)
    }

    /// Applies `change` if it stays within `bounds`.
    pub fn commit(&mut self, change: Change<'_>, bounds: Bounds) -> Result<(), StoreError> {
        self.check(change, bounds)?;
        self.apply(change);
        Ok(())
    }

    /// Applies `change` without checking bounds.
    fn apply(&mut self, change: Change<'_>) {
        let peer_id = change.peer_id;
        let old = self.peers.remove(peer_id);
        if let Some(old) = &old {
            self.by_age.remove(&(old.last_seen, peer_id.clone()));
        }
        let stays = |swarm_id: &SwarmId| {
            change
                .record
                .is_some_and(|r| r.membership(swarm_id).is_some())
        };
        let old_swarms = old
            .iter()
            .flat_map(|r| r.swarms.iter().map(|m| &m.swarm_id));
        let gone: Vec<SwarmId> = old_swarms
            .chain(change.left)
            .filter(|s| !stays(s))
            .cloned()
            .collect();
        for swarm_id in &gone {
            self.leave(swarm_id, peer_id);
        }
        if let Some(record) = change.record {
            let card = Arc::new(record.card.clone());
            for membership in &record.swarms {
                self.swarms
                    .entry(membership.swarm_id.clone())
                    .or_default()
                    .upsert(Member {
                        card: Arc::clone(&card),
                        mode: membership.mode,
                        last_seen: record.last_seen,
                    });
            }
            self.by_age.insert((record.last_seen, peer_id.clone()));
            self.peers.insert(peer_id.clone(), record.clone());
        }
    }

    /// Refuses a change that would cross a bound.
    fn check(&self, change: Change<'_>, bounds: Bounds) -> Result<(), StoreError> {
        if change.record.is_none() {
            return Ok(());
        }
        if !self.peers.contains_key(change.peer_id) && self.peers.len() >= bounds.max_peers {
            return Err(StoreError::TooManyPeers);
        }
        let mut new_swarms = 0;
        for swarm_id in change.joined {
            let swarm = self.swarms.get(swarm_id);
            if swarm.is_some_and(|s| s.contains(change.peer_id)) {
                continue;
            }
            // A new swarm counts as empty: a bound of 0 refuses it too, as in Redis.
            if swarm.map_or(0, |s| s.members.len()) >= bounds.max_peers_per_swarm {
                return Err(StoreError::SwarmFull(swarm_id.clone()));
            }
            if swarm.is_none() {
                new_swarms += 1;
            }
        }
        if new_swarms > 0 && self.swarms.len() + new_swarms > bounds.max_swarms {
            return Err(StoreError::TooManySwarms);
        }
        Ok(())
    }

    fn leave(&mut self, swarm_id: &SwarmId, peer_id: &TrackerPeerId) {
        if let Some(swarm) = self.swarms.get_mut(swarm_id) {
            swarm.remove(peer_id);
            if swarm.members.is_empty() {
                self.swarms.remove(swarm_id);
            }
        }
    }

    /// Fresh members of a swarm: all, or a window of `pool` starting at a point chosen by
    /// `seed` when there are more (members sit in arrival order, shuffled by removals).
    pub fn candidates(
        &self,
        swarm_id: &SwarmId,
        fresh_since: Timestamp,
        pool: usize,
        seed: u64,
    ) -> Vec<PeerCard> {
        let Some(swarm) = self.swarms.get(swarm_id) else {
            return vec![];
        };
        let len = swarm.members.len();
        let start = if len > pool {
            usize::try_from(seed % len as u64).unwrap_or(0)
        } else {
            0
        };
        swarm.members[start..]
            .iter()
            .chain(&swarm.members[..start])
            .filter(|m| m.last_seen >= fresh_since)
            .take(pool)
            .map(|m| PeerCard::clone(&m.card))
            .collect()
    }

    /// Removes up to `max` peers last seen before `before`.
    pub fn expire(&mut self, before: Timestamp, max: usize) -> usize {
        let stale: Vec<TrackerPeerId> = self
            .by_age
            .iter()
            .take_while(|(seen, _)| *seen < before)
            .take(max)
            .map(|(_, id)| id.clone())
            .collect();
        for peer_id in &stale {
            self.apply(Change {
                peer_id,
                record: None,
                left: &[],
                joined: &[],
            });
        }
        stale.len()
    }

    /// Up to `max` swarms, the largest first (ties by swarm ID), with their seeders and
    /// leechers.
    pub fn swarms(&self, max: usize) -> Vec<SwarmSummary> {
        let mut all: Vec<SwarmSummary> = self
            .swarms
            .iter()
            .map(|(swarm_id, swarm)| {
                let seeders = swarm
                    .members
                    .iter()
                    .filter(|m| m.mode == PeerMode::Seeder)
                    .count() as u64;
                SwarmSummary {
                    swarm_id: swarm_id.clone(),
                    seeders,
                    leechers: swarm.members.len() as u64 - seeders,
                }
            })
            .collect();
        all.sort_by(SwarmSummary::largest_first);
        all.truncate(max);
        all
    }

    /// Every registered peer's record, fresh or not, in no particular order.
    pub fn records(&self) -> impl Iterator<Item = &PeerRecord> {
        self.peers.values()
    }

    /// How many swarms and peers are held.
    pub fn counts(&self) -> Counts {
        Counts {
            swarms: self.swarms.len() as u64,
            peers: self.peers.len() as u64,
        }
    }
}

/// [`MemoryState`] shared between the server's tasks.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore(Arc<Mutex<MemoryState>>);

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `read` on the state (for inspection: tests, the fuzz target's invariant checks).
    pub fn read<T>(&self, read: impl FnOnce(&MemoryState) -> T) -> T {
        read(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        // A panic while holding the lock cannot leave the maps half-updated in a way later
        // calls cannot read, so a poisoned lock is still usable.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Store for MemoryStore {
    async fn peer(&self, peer_id: &TrackerPeerId) -> Result<Option<PeerRecord>, StoreError> {
        Ok(self.lock().peer(peer_id).cloned())
    }

    async fn commit(&self, change: Change<'_>, bounds: Bounds) -> Result<(), StoreError> {
        self.lock().commit(change, bounds)
    }

    async fn candidates(
        &self,
        swarm_id: &SwarmId,
        fresh_since: Timestamp,
        pool: usize,
        seed: u64,
    ) -> Result<Vec<PeerCard>, StoreError> {
        Ok(self.lock().candidates(swarm_id, fresh_since, pool, seed))
    }

    async fn expire(&self, before: Timestamp, max: usize) -> Result<usize, StoreError> {
        Ok(self.lock().expire(before, max))
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        Ok(self.lock().counts())
    }

    async fn swarms(&self, max: usize) -> Result<Vec<SwarmSummary>, StoreError> {
        Ok(self.lock().swarms(max))
    }
}
