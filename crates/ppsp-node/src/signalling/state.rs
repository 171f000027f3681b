//! What the signalling plane itself remembers, beside the engine: peers learned from FIND
//! answers, availability reported (push) or pulled, who choked whom, and the HTTP upload slots.
//! Everything is bounded by [`SignallingConfig`].

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ppsp_core::ChunkSet;
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer_list::PeerInfo;
use ppsp_wire::property::{AccessType, NatType};

use super::slots::{Admission, UploadSlots};

/// Limits and timings of the signalling plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignallingConfig {
    /// Largest request body accepted, in bytes (answered `PAYLOAD_TOO_LARGE` above).
    pub max_body_bytes: usize,
    /// FIND lists only peers heard from within this time.
    pub peer_ttl: Duration,
    /// Most peers remembered per swarm; the least recently seen are forgotten first.
    pub max_peers_per_swarm: usize,
    /// Most swarms remembered.
    pub max_swarms: usize,
    /// An HTTP peer's upload slot is freed after this long without a request.
    pub slot_idle: Duration,
    /// A peer that choked us is asked again only after this long, even without UNCHOKE.
    pub choke_backoff: Duration,
    /// Time allowed for one HTTP exchange (client side) and one request (server side).
    pub request_timeout: Duration,
    /// This node's access link, answered to PROPERTY_QUERY (`None`: unknown). Declared by the
    /// operator: a host cannot tell ADSL from fibre by itself.
    pub access_type: Option<AccessType>,
    /// The NAT in front of this node, answered to PROPERTY_QUERY (`None`: unknown).
    pub nat_type: Option<NatType>,
}

impl Default for SignallingConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            peer_ttl: Duration::from_secs(300),
            max_peers_per_swarm: 1024,
            max_swarms: 256,
            slot_idle: Duration::from_secs(10),
            choke_backoff: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
            access_type: None,
            nat_type: None,
        }
    }
}

/// A peer learned through the signalling plane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedPeer {
    /// ID and addresses, when known (a peer that only pushed reports has none).
    pub info: Option<PeerInfo>,
    /// Last time it was heard from or listed.
    pub last_seen: Instant,
    /// What it holds, as reported or pulled.
    pub availability: Option<ChunkSet>,
    /// Until when it refuses to upload to us (it sent CHOKE or answered CHOKED).
    pub choked_us_until: Option<Instant>,
}

#[derive(Debug, Default)]
struct Inner {
    swarms: BTreeMap<SwarmId, BTreeMap<PeerId, LearnedPeer>>,
    slots: UploadSlots,
}

/// The signalling plane's memory, shared by the server and the client of one node.
#[derive(Debug, Default)]
pub struct SignallingState {
    config: SignallingConfig,
    inner: Mutex<Inner>,
}

impl SignallingState {
    /// Empty state with the given limits.
    pub fn new(config: SignallingConfig) -> Self {
        Self {
            config,
            inner: Mutex::default(),
        }
    }

    /// The limits.
    pub fn config(&self) -> &SignallingConfig {
        &self.config
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the entry of `peer` in `swarm`, creating it if there is room.
    fn with_peer<R>(
        &self,
        swarm: &SwarmId,
        peer: PeerId,
        now: Instant,
        f: impl FnOnce(&mut LearnedPeer) -> R,
    ) -> Option<R> {
        let mut inner = self.lock();
        if !inner.swarms.contains_key(swarm) && inner.swarms.len() >= self.config.max_swarms {
            return None;
        }
        let peers = inner.swarms.entry(swarm.clone()).or_default();
        if !peers.contains_key(&peer) && peers.len() >= self.config.max_peers_per_swarm {
            let oldest = peers
                .iter()
                .min_by_key(|(_, p)| p.last_seen)
                .map(|(id, _)| *id)?;
            peers.remove(&oldest);
        }
        let entry = peers.entry(peer).or_insert_with(|| LearnedPeer {
            info: None,
            last_seen: now,
            availability: None,
            choked_us_until: None,
        });
        entry.last_seen = entry.last_seen.max(now);
        Some(f(entry))
    }

    /// Remembers peers listed by a FIND answer (or the tracker).
    pub fn learn_peers(&self, swarm: &SwarmId, peers: &[PeerInfo], now: Instant) {
        for info in peers {
            self.with_peer(swarm, info.peer_id, now, |p| p.info = Some(info.clone()));
        }
    }

    /// Adds a pushed report (what changed since the last one) to the peer's availability.
    pub fn add_reported(&self, swarm: &SwarmId, peer: PeerId, report: &ChunkSet, now: Instant) {
        self.with_peer(swarm, peer, now, |p| {
            p.availability = Some(match &p.availability {
                Some(known) => known.union(report),
                None => report.clone(),
            });
        });
    }

    /// Replaces the peer's availability with a pulled map (a full picture).
    pub fn set_pulled(&self, swarm: &SwarmId, peer: PeerId, map: ChunkSet, now: Instant) {
        self.with_peer(swarm, peer, now, |p| p.availability = Some(map));
    }

    /// Records that `peer` will not upload to us for now.
    pub fn set_choked_by(&self, swarm: &SwarmId, peer: PeerId, choked: bool, now: Instant) {
        let until = choked.then(|| now + self.config.choke_backoff);
        self.with_peer(swarm, peer, now, |p| p.choked_us_until = until);
    }

    /// Whether `peer` refuses to upload to us at `now`.
    pub fn is_choked_by(&self, swarm: &SwarmId, peer: &PeerId, now: Instant) -> bool {
        self.lock()
            .swarms
            .get(swarm)
            .and_then(|peers| peers.get(peer))
            .and_then(|p| p.choked_us_until)
            .is_some_and(|until| now < until)
    }

    /// The peers learned in `swarm`.
    pub fn peers(&self, swarm: &SwarmId) -> Vec<(PeerId, LearnedPeer)> {
        self.lock()
            .swarms
            .get(swarm)
            .map(|peers| peers.iter().map(|(id, p)| (*id, p.clone())).collect())
            .unwrap_or_default()
    }

    /// Asks for an upload slot for `peer` (see [`UploadSlots`]).
    pub(crate) fn admit(
        &self,
        swarm: &SwarmId,
        peer: PeerId,
        now: Instant,
        total: usize,
        engine_used: usize,
    ) -> Admission {
        self.lock().slots.admit(
            (swarm.clone(), peer),
            now,
            self.config.slot_idle,
            total,
            engine_used,
        )
    }

    /// Whether we choke `peer` in `swarm`.
    pub fn is_choking(&self, swarm: &SwarmId, peer: PeerId) -> bool {
        self.lock().slots.is_choked(&(swarm.clone(), peer))
    }

    /// Stops serving `peer` (the caller sends it CHOKE).
    pub fn choke(&self, swarm: &SwarmId, peer: PeerId) {
        self.lock().slots.choke((swarm.clone(), peer));
    }

    /// Choked peers that free slots now allow; the caller sends each an UNCHOKE.
    pub fn take_unchokable(
        &self,
        now: Instant,
        total: usize,
        engine_used: usize,
    ) -> Vec<(SwarmId, PeerId)> {
        self.lock()
            .slots
            .take_unchokable(now, self.config.slot_idle, total, engine_used)
    }

    /// Upload slots HTTP peers hold now.
    pub fn http_slots_in_use(&self) -> usize {
        self.lock().slots.in_use()
    }
}
