//! One store type for the server, whichever backend the configuration picks (async trait
//! methods are not object-safe, so an enum stands in for `dyn Store`).

use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::TrackerPeerId;

#[cfg(feature = "redis")]
use super::RedisStore;
use super::{Bounds, Change, Counts, MemoryStore, Store, StoreError, SwarmSummary};
use crate::registry::{PeerCard, PeerRecord};
use crate::time::Timestamp;

/// The in-memory or the Redis store.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// Swarms in this process.
    Memory(MemoryStore),
    /// Swarms in Redis, shared with other trackers.
    #[cfg(feature = "redis")]
    Redis(RedisStore),
}

/// Calls the same method on whichever store is inside.
macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Self::Memory($store) => $call.await,
            #[cfg(feature = "redis")]
            Self::Redis($store) => $call.await,
        }
    };
}

impl Store for AnyStore {
    async fn peer(&self, peer_id: &TrackerPeerId) -> Result<Option<PeerRecord>, StoreError> {
        dispatch!(self, store => store.peer(peer_id))
    }

    async fn commit(&self, change: Change<'_>, bounds: Bounds) -> Result<(), StoreError> {
        dispatch!(self, store => store.commit(change, bounds))
    }

    async fn candidates(
        &self,
        swarm_id: &SwarmId,
        fresh_since: Timestamp,
        pool: usize,
        seed: u64,
    ) -> Result<Vec<PeerCard>, StoreError> {
        dispatch!(self, store => store.candidates(swarm_id, fresh_since, pool, seed))
    }

    async fn expire(&self, before: Timestamp, max: usize) -> Result<usize, StoreError> {
        dispatch!(self, store => store.expire(before, max))
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        dispatch!(self, store => store.counts())
    }

    async fn swarms(&self, max: usize) -> Result<Vec<SwarmSummary>, StoreError> {
        dispatch!(self, store => store.swarms(max))
    }
}
