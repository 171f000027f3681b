//! Where swarms live. The registry decides; a store only persists, atomically, so the in-memory
//! store and the Redis store behave the same (the same test suite runs against both).
//!
//! Contract of every store:
//! - [`Store::commit`] applies a [`Change`] all at once or not at all, checking the
//!   [`Bounds`] inside the same atomic step;
//! - [`Store::candidates`] returns only members seen at or after `fresh_since` (the track
//!   timer), a random sample when there are more than `pool`;
//! - [`Store::expire`] removes peers not seen since a time, from every swarm they are in;
//! - [`Store::swarms`] lists swarms with their seeders and leechers, for the statistics page.

mod any;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::future::Future;

use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::TrackerPeerId;

pub use any::AnyStore;
pub use memory::{MemoryState, MemoryStore};
#[cfg(feature = "redis")]
pub use redis::RedisStore;

use crate::config::RegistryConfig;
use crate::registry::{PeerCard, PeerRecord};
use crate::time::Timestamp;

/// What one accepted request changes.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The peer.
    pub peer_id: &'a TrackerPeerId,
    /// Its record afterwards, or `None` to de-register it.
    pub record: Option<&'a PeerRecord>,
    /// Swarms it leaves.
    pub left: &'a [SwarmId],
    /// Swarms it joins.
    pub joined: &'a [SwarmId],
}

/// The bounds a store enforces while committing (RFC 7846 section 3.4.1: Service Unavailable
/// when the tracker cannot take more).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Most peers in one swarm.
    pub max_peers_per_swarm: usize,
    /// Most swarms.
    pub max_swarms: usize,
    /// Most registered peers.
    pub max_peers: usize,
}

impl From<&RegistryConfig> for Bounds {
    fn from(config: &RegistryConfig) -> Self {
        Self {
            max_peers_per_swarm: config.max_peers_per_swarm,
            max_swarms: config.max_swarms,
            max_peers: config.max_peers,
        }
    }
}

/// How many swarms and peers a store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Swarms with at least one member.
    pub swarms: u64,
    /// Registered peers.
    pub peers: u64,
}

/// One swarm as the statistics page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmSummary {
    /// The swarm.
    pub swarm_id: SwarmId,
    /// Members in it as SEEDER.
    pub seeders: u64,
    /// Members in it as LEECH.
    pub leechers: u64,
}

impl SwarmSummary {
    /// Members of the swarm.
    pub fn members(&self) -> u64 {
        self.seeders + self.leechers
    }

    /// The page's order: most members first, ties by swarm ID, so every store lists alike.
    pub fn largest_first(a: &Self, b: &Self) -> std::cmp::Ordering {
        b.members()
            .cmp(&a.members())
            .then_with(|| a.swarm_id.as_bytes().cmp(b.swarm_id.as_bytes()))
    }
}

/// Why a store did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A bound would be crossed; nothing was written.
    #[error("swarm {0} is full")]
    SwarmFull(SwarmId),
    /// The swarm bound would be crossed; nothing was written.
    #[error("the tracker holds its maximum number of swarms")]
    TooManySwarms,
    /// The peer bound would be crossed; nothing was written.
    #[error("the tracker holds its maximum number of peers")]
    TooManyPeers,
    /// The backend failed (connection lost, corrupt data).
    #[error("store backend: {0}")]
    Backend(String),
}

/// Persistence for the registry.
pub trait Store: Send + Sync {
    /// The stored record of a peer, fresh or not.
    fn peer(
        &self,
        peer_id: &TrackerPeerId,
    ) -> impl Future<Output = Result<Option<PeerRecord>, StoreError>> + Send;

    /// Applies `change` atomically, checking `bounds`; every membership of the record gets the
    /// record's `last_seen`.
    fn commit(
        &self,
        change: Change<'_>,
        bounds: Bounds,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Members of `swarm_id` seen at or after `fresh_since`: all of them, or a random sample
    /// of `pool` (seeded by `seed`) when there are more.
    fn candidates(
        &self,
        swarm_id: &SwarmId,
        fresh_since: Timestamp,
        pool: usize,
        seed: u64,
    ) -> impl Future<Output = Result<Vec<PeerCard>, StoreError>> + Send;

    /// Removes up to `max` peers last seen before `before`, returning how many.
    fn expire(
        &self,
        before: Timestamp,
        max: usize,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;

    /// How many swarms and peers are stored.
    fn counts(&self) -> impl Future<Output = Result<Counts, StoreError>> + Send;

    /// Up to `max` swarms with their seeders and leechers, the largest first: all of them when
    /// there are no more than `max`; beyond that the largest (memory) or a random sample
    /// (Redis, which cannot rank every swarm cheaply).
    fn swarms(
        &self,
        max: usize,
    ) -> impl Future<Output = Result<Vec<SwarmSummary>, StoreError>> + Send;
}
