//! The seed slides' flows over the client functions. PULL: FIND for more peers while fewer
//! than wanted are known, then per peer pull its availability, query its properties and
//! negotiate a transport, giving ranked download sources. Hybrid: the same, plus batched
//! availability reports pushed as chunks verify ([`PushBatcher`]).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use ppsp_core::{ChunkRange, ChunkSet};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer::{DEFAULT_PEERNUM, TransportOffer};
use ppsp_wire::peer_list::{PeerInfo, Transport};
use ppsp_wire::property::{Property, PropertyName, PropertyValue, Stat};

use super::client::{SignallingClient, signalling_addr};

/// What the PULL flow aims for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullOptions {
    /// FIND is sent while fewer peers than this are known.
    pub wanted_peers: usize,
    /// Most FIND rounds (each asks every known peer not asked yet).
    pub max_find_rounds: usize,
    /// `Peernum` of each FIND.
    pub peernum: u8,
    /// Properties preferred in peers (FIND preferences, and the ranking of sources).
    pub preferences: Vec<Property>,
    /// Transports we speak, most preferred first.
    pub transports: Vec<Transport>,
}

impl Default for PullOptions {
    fn default() -> Self {
        Self {
            wanted_peers: 20,
            max_find_rounds: 4,
            peernum: DEFAULT_PEERNUM,
            preferences: Vec::new(),
            transports: vec![Transport::PpsppUdp, Transport::Http],
        }
    }
}

/// A peer ready to download from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The peer.
    pub peer: PeerInfo,
    /// Where its signalling is answered.
    pub signalling: SocketAddr,
    /// The transport negotiated, with the address to use.
    pub transport: TransportOffer,
    /// What it holds (pulled).
    pub availability: ChunkSet,
    /// Its properties (empty if it did not answer the query).
    pub properties: Vec<Stat>,
}

/// FIND to known peers while fewer than `wanted_peers` are known; returns every peer known,
/// the `initial` ones (from the tracker) first.
pub async fn discover(
    client: &SignallingClient,
    swarm: &SwarmId,
    initial: &[PeerInfo],
    options: &PullOptions,
) -> Vec<PeerInfo> {
    let mut known: BTreeMap<PeerId, PeerInfo> = BTreeMap::new();
    let mut order: Vec<PeerId> = Vec::new();
    let mut add = |info: PeerInfo, known: &mut BTreeMap<PeerId, PeerInfo>| {
        if info.peer_id != client.peer_id() && !known.contains_key(&info.peer_id) {
            order.push(info.peer_id);
            known.insert(info.peer_id, info);
        }
    };
    for info in initial {
        add(info.clone(), &mut known);
    }
    let mut asked: BTreeSet<PeerId> = BTreeSet::new();
    for _ in 0..options.max_find_rounds {
        if known.len() >= options.wanted_peers {
            break;
        }
        let round: Vec<(PeerId, SocketAddr)> = known
            .values()
            .filter(|p| !asked.contains(&p.peer_id))
            .filter_map(|p| Some((p.peer_id, signalling_addr(p)?)))
            .collect();
        if round.is_empty() {
            break;
        }
        for (id, addr) in round {
            asked.insert(id);
            match client
                .find(addr, swarm, options.peernum, options.preferences.clone())
                .await
            {
                Ok(peers) => {
                    for info in peers {
                        add(info, &mut known);
                    }
                }
                Err(error) => tracing::debug!(%error, peer = %id, "FIND failed"),
            }
            if known.len() >= options.wanted_peers {
                break;
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| known.remove(&id))
        .collect()
}

/// How well a source's properties match the preferences, then its uplink bandwidth.
fn rank(source: &Source, preferences: &[Property]) -> (usize, u64) {
    let matched = preferences
        .iter()
        .filter(|p| {
            source
                .properties
                .iter()
                .any(|s| s.name == p.name && s.value.as_ref() == Some(&p.value))
        })
        .count();
    let uplink = source
        .properties
        .iter()
        .find(|s| s.name == PropertyName::UplinkBandwidth)
        .and_then(|s| match s.value {
            Some(PropertyValue::Kbps(kbps)) => Some(kbps),
            _ => None,
        })
        .unwrap_or(0);
    (matched, uplink)
}

/// Pulls each peer's availability, queries its properties and negotiates a transport; peers
/// that hold nothing, choke us, share no transport or do not answer are left out. The sources
/// come best first: most preferences matched, then highest uplink bandwidth.
pub async fn prepare_sources(
    client: &SignallingClient,
    swarm: &SwarmId,
    peers: &[PeerInfo],
    options: &PullOptions,
) -> Vec<Source> {
    let mut sources = Vec::new();
    for peer in peers {
        let now = Instant::now();
        if peer.peer_id == client.peer_id()
            || client.state().is_choked_by(swarm, &peer.peer_id, now)
        {
            continue;
        }
        let Some(addr) = signalling_addr(peer) else {
            continue;
        };
        let availability = match client.pull_availability(addr, swarm).await {
            Ok((_, set)) if !set.is_empty() => set,
            Ok(_) => continue,
            Err(error) => {
                client.note_refusal(swarm, peer.peer_id, &error);
                tracing::debug!(%error, peer = %peer.peer_id, "availability pull failed");
                continue;
            }
        };
        let properties = client
            .query_properties(addr, Some(swarm), Vec::new())
            .await
            .map(|(_, stats)| stats)
            .unwrap_or_default();
        let transport = match client.negotiate(addr, swarm, &options.transports).await {
            Ok(transport) => transport,
            Err(error) => {
                client.note_refusal(swarm, peer.peer_id, &error);
                tracing::debug!(%error, peer = %peer.peer_id, "transport negotiation failed");
                continue;
            }
        };
        sources.push(Source {
            peer: peer.clone(),
            signalling: addr,
            transport,
            availability,
            properties,
        });
    }
    sources.sort_by_key(|s| std::cmp::Reverse(rank(s, &options.preferences)));
    sources
}

/// The whole PULL flow: [`discover`] then [`prepare_sources`].
pub async fn pull_flow(
    client: &SignallingClient,
    swarm: &SwarmId,
    initial: &[PeerInfo],
    options: &PullOptions,
) -> Vec<Source> {
    let peers = discover(client, swarm, initial, options).await;
    prepare_sources(client, swarm, &peers, options).await
}

/// Batches newly verified chunks into availability reports (the Hybrid flow): a report goes
/// out when its first chunk has waited `interval`, or when it holds `max_chunks`.
#[derive(Debug, Clone)]
pub struct PushBatcher {
    interval: Duration,
    max_chunks: u64,
    pending: BTreeMap<SwarmId, (Instant, ChunkSet)>,
}

impl PushBatcher {
    /// A batcher flushing after `interval` or at `max_chunks` chunks.
    pub fn new(interval: Duration, max_chunks: u64) -> Self {
        Self {
            interval,
            max_chunks: max_chunks.max(1),
            pending: BTreeMap::new(),
        }
    }

    /// Notes that `chunk` of `swarm` verified at `now`.
    pub fn add(&mut self, swarm: &SwarmId, chunk: u64, now: Instant) {
        let Some(range) = ChunkRange::single(chunk) else {
            return;
        };
        self.pending
            .entry(swarm.clone())
            .or_insert_with(|| (now, ChunkSet::new()))
            .1
            .insert_run(range);
    }

    /// The reports due at `now`, removed from the batcher.
    pub fn take_due(&mut self, now: Instant) -> Vec<(SwarmId, ChunkSet)> {
        let due: Vec<SwarmId> = self
            .pending
            .iter()
            .filter(|(_, (since, set))| {
                now.saturating_duration_since(*since) >= self.interval
                    || set.len() >= self.max_chunks
            })
            .map(|(swarm, _)| swarm.clone())
            .collect();
        due.into_iter()
            .filter_map(|swarm| self.pending.remove(&swarm).map(|(_, set)| (swarm, set)))
            .collect()
    }

    /// When the next report falls due, if any is pending.
    pub fn next_due(&self) -> Option<Instant> {
        self.pending
            .values()
            .map(|(since, _)| *since + self.interval)
            .min()
    }
}

/// Pushes one report to each of `targets`; returns how many took it.
pub async fn push_report_to(
    client: &SignallingClient,
    swarm: &SwarmId,
    report: &ChunkSet,
    targets: &[SocketAddr],
) -> usize {
    let mut delivered = 0;
    for &addr in targets {
        match client.push_report(addr, swarm, report).await {
            Ok(()) => delivered += 1,
            Err(error) => tracing::debug!(%error, %addr, "availability report not delivered"),
        }
    }
    delivered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batcher_flushes_on_age_or_size() {
        let swarm = SwarmId::new(vec![9; 32]).unwrap();
        let mut batcher = PushBatcher::new(Duration::from_millis(500), 3);
        let t0 = Instant::now();
        batcher.add(&swarm, 1, t0);
        batcher.add(&swarm, 2, t0);
        assert!(batcher.take_due(t0).is_empty());
        assert_eq!(batcher.next_due(), Some(t0 + Duration::from_millis(500)));
        let due = batcher.take_due(t0 + Duration::from_millis(500));
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].1.len(), 2);
        for chunk in 10..13 {
            batcher.add(&swarm, chunk, t0);
        }
        assert_eq!(batcher.take_due(t0).len(), 1, "a full batch goes at once");
        assert_eq!(batcher.next_due(), None);
    }
}
