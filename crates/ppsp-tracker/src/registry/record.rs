//! What the registry remembers about a peer: its card (what other peers are told and what
//! peer selection compares) and its swarm memberships.

use ppsp_wire::ids::{SwarmId, TransactionId};
use ppsp_wire::tracker::{
    Connection, NatAbility, PeerMode, PeerNum, TrackerPeer, TrackerPeerAddr, TrackerPeerId,
};

use crate::time::Timestamp;

/// The properties a peer reported about itself (RFC 7846 section 3.2.2, `peer_num`, and the
/// `connection` of its address), used to hand it peers like itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerProfile {
    /// How it traverses NAT.
    pub nat: Option<NatAbility>,
    /// Its open peer connections.
    pub concurrent_links: Option<u32>,
    /// Seconds it has been online, when it last said.
    pub online_time: Option<u64>,
    /// Its upload bandwidth, kbit/s.
    pub upload_bandwidth: Option<u64>,
    /// Wired or wireless access.
    pub connection: Option<Connection>,
}

impl PeerProfile {
    /// This profile with whatever a request's `peer_num` says replacing what was known.
    pub fn updated(mut self, peer_num: Option<&PeerNum>) -> Self {
        if let Some(num) = peer_num {
            self.nat = num.ability_nat.or(self.nat);
            self.concurrent_links = num.concurrent_links.or(self.concurrent_links);
            self.online_time = num.online_time.or(self.online_time);
            self.upload_bandwidth = num.upload_bandwidth.or(self.upload_bandwidth);
        }
        self
    }
}

/// A peer as a swarm member: enough to put it in a peer list and to rank it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCard {
    /// The peer.
    pub peer_id: TrackerPeerId,
    /// The one address handed to other peers (see [`crate::registry::address`]).
    pub addr: TrackerPeerAddr,
    /// What it reported about itself.
    pub profile: PeerProfile,
}

impl PeerCard {
    /// The peer-list entry for this card.
    pub fn to_tracker_peer(&self) -> TrackerPeer {
        TrackerPeer {
            peer_id: self.peer_id.clone(),
            peer_addr: self.addr.clone(),
        }
    }
}

/// One swarm a peer is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The swarm.
    pub swarm_id: SwarmId,
    /// Seeder or leech in it.
    pub mode: PeerMode,
    /// Bytes uploaded in this swarm, as last reported (RFC 7846 section 3.2.9).
    pub uploaded_bytes: u64,
    /// Bytes downloaded in this swarm, as last reported.
    pub downloaded_bytes: u64,
}

impl Membership {
    /// A new membership with no statistics yet.
    pub fn new(swarm_id: SwarmId, mode: PeerMode) -> Self {
        Self {
            swarm_id,
            mode,
            uploaded_bytes: 0,
            downloaded_bytes: 0,
        }
    }
}

/// A registered peer (RFC 7846 section 2.5: a peer in state TRACKING).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRecord {
    /// Its card, copied into every swarm it is in.
    pub card: PeerCard,
    /// The swarms it is in; never empty (a peer in no swarm is de-registered).
    pub swarms: Vec<Membership>,
    /// The transaction ID of its last successful CONNECT, so a retry of that CONNECT (same
    /// transaction ID, RFC 7846 section 3.4) is answered again instead of refused.
    pub last_connect: Option<TransactionId>,
    /// When it was last heard from: every valid request resets the track timer.
    pub last_seen: Timestamp,
}

impl PeerRecord {
    /// Its membership of `swarm_id`, if any.
    pub fn membership(&self, swarm_id: &SwarmId) -> Option<&Membership> {
        self.swarms.iter().find(|m| &m.swarm_id == swarm_id)
    }
}
