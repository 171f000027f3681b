//! Arbitrary request sequences against the in-memory registry, with its invariants checked
//! after every step: the `tracker_registry` fuzz target and a seeded test both call [`replay`].
//!
//! The bytes are read as a small program: first the bounds (so small that they are reached),
//! then steps: CONNECT, FIND and STAT_REPORT with arbitrary fields from a few peers about a
//! few swarms, clock advances (including exactly one track timer) and sweeps. Running out of
//! bytes ends the program. Checked invariants:
//! - the tracker answers every request, echoing its transaction ID and request type;
//! - a peer list never holds the requester or a peer twice, never more than asked, and only
//!   peers that are registered, in that swarm and not expired;
//! - the store stays within its bounds (peers per swarm, swarms per peer, swarms, peers), a
//!   peer is LEECH in at most one swarm, and swarms and peer records agree;
//! - after a sweep no expired peer is left.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use ppsp_wire::ids::{SwarmId, TransactionId};
use ppsp_wire::tracker::{
    Action, AddressKind, Connect, Find, NatAbility, PeerMode, PeerNum, RequestBody,
    ResponseOutcome, StatReport, StreamStats, SwarmAction, TrackerPeerAddr, TrackerPeerId,
    TrackerRequest, TrackerResponse,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::config::RegistryConfig;
use crate::registry::fresh_since;
use crate::service::Tracker;
use crate::store::{MemoryState, MemoryStore};
use crate::time::Timestamp;

/// Peers the program can speak for.
const PEERS: u8 = 8;
/// Swarms the program can name.
const SWARMS: u8 = 4;
/// Transaction IDs per peer: few, so retries (a repeated ID) happen.
const TRANSACTIONS: u8 = 3;
/// The track timer of every replay.
const TRACK_TIMER: Duration = Duration::from_secs(10);
/// Most steps of one replay, whatever the input length.
const MAX_STEPS: usize = 4_096;
/// The clock at the start: far from the epoch, so saturation at zero is not what is tested.
const START_MILLIS: u64 = 1_700_000_000_000;

/// A broken invariant: what was expected, and the step where it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("step {step}: {what}")]
pub struct Violation {
    /// The index of the step (0 is the first).
    pub step: usize,
    /// The invariant, in words, with the values that broke it.
    pub what: String,
}

/// What a replay did, to judge how much of the registry an input reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replayed {
    /// Requests answered with success.
    pub accepted: usize,
    /// Requests answered with an error code.
    pub refused: usize,
    /// Peers listed in answers.
    pub listed: usize,
}

/// Decodes `data` into a request program, runs it against a fresh in-memory tracker and checks
/// the invariants after every step.
pub fn replay(data: &[u8]) -> Result<Replayed, Violation> {
    let mut input = Input { data, pos: 0 };
    let config = RegistryConfig {
        track_timer: TRACK_TIMER,
        keep_alive_interval: TRACK_TIMER / 2,
        default_peer_count: input.bound(6),
        max_peer_count: input.bound(8),
        candidate_pool: usize::from(input.bound(10)),
        max_peers_per_swarm: usize::from(input.bound(PEERS)),
        max_swarms_per_peer: usize::from(input.bound(SWARMS)),
        max_swarms: usize::from(input.bound(SWARMS)),
        max_peers: usize::from(input.bound(PEERS)),
    };
    let store = MemoryStore::new();
    let tracker = Tracker::new(store.clone(), config.clone());
    let mut rng = StdRng::seed_from_u64(u64::from(input.byte()));
    let mut now = Timestamp::from_unix_millis(START_MILLIS);
    let mut replayed = Replayed::default();
    for step in 0..MAX_STEPS {
        if input.is_empty() {
            break;
        }
        let fail = |what: String| Violation { step, what };
        match input.byte() % 16 {
            0 => now = now.saturating_add(Duration::from_millis(u64::from(input.byte()) * 20)),
            1 => now = now.saturating_add(TRACK_TIMER),
            2 => {
                let swept = ready(tracker.sweep(now)).map_err(&fail)?;
                swept.map_err(|e| fail(format!("sweep failed: {e}")))?;
                store.read(|state| no_expired_left(&config, now, state).map_err(&fail))?;
            }
            _ => {
                let (request, source) = input.request();
                let response =
                    ready(tracker.handle(now, source, &request, &mut rng)).map_err(&fail)?;
                let listed = store
                    .read(|state| check_answer(&config, now, state, &request, &response))
                    .map_err(&fail)?;
                match listed {
                    Some(listed) => {
                        replayed.accepted += 1;
                        replayed.listed += listed;
                    }
                    None => replayed.refused += 1,
                }
            }
        }
        store.read(|state| check_state(&config, state).map_err(&fail))?;
    }
    Ok(replayed)
}

/// Polls a future that must complete at once (the in-memory store never waits).
fn ready<F: Future>(future: F) -> Result<F::Output, String> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => Err("an in-memory tracker call did not complete at once".into()),
    }
}

/// Checks one answer; returns how many peers it listed, or `None` for a refusal.
fn check_answer(
    config: &RegistryConfig,
    now: Timestamp,
    state: &MemoryState,
    request: &TrackerRequest,
    response: &TrackerResponse,
) -> Result<Option<usize>, String> {
    if response.transaction_id != request.transaction_id {
        return Err(format!(
            "answer to transaction {} echoes {}",
            request.transaction_id, response.transaction_id
        ));
    }
    if response.request_type != Some(request.body.request_type()) {
        return Err(format!(
            "answer to {} names {:?}",
            request.body.request_type(),
            response.request_type
        ));
    }
    let ResponseOutcome::Success { swarm_results, .. } = &response.outcome else {
        return Ok(None);
    };
    let asked = match &request.body {
        RequestBody::Connect(connect) => connect.peer_num.as_ref(),
        RequestBody::Find(find) => find.peer_num.as_ref(),
        RequestBody::StatReport(_) => None,
    }
    .map_or(config.default_peer_count, |n| n.peer_count)
    .min(config.max_peer_count);
    let oldest = fresh_since(config, now);
    let mut total = 0;
    for result in swarm_results {
        if result.peers.len() > usize::from(asked) {
            return Err(format!(
                "{} peers listed for swarm {} when {asked} were asked",
                result.peers.len(),
                result.swarm_id
            ));
        }
        let mut seen = HashSet::new();
        for peer in &result.peers {
            let id = &peer.peer_id;
            if id == &request.peer_id {
                return Err(format!("requester {id} listed to itself"));
            }
            if !seen.insert(id) {
                return Err(format!("peer {id} listed twice"));
            }
            let Some(record) = state.peer(id) else {
                return Err(format!("listed peer {id} is not registered"));
            };
            if record.membership(&result.swarm_id).is_none() {
                return Err(format!(
                    "listed peer {id} is not in swarm {}",
                    result.swarm_id
                ));
            }
            if record.last_seen < oldest {
                return Err(format!(
                    "listed peer {id} expired: last seen {} ms before now, track timer {} ms",
                    now.since(record.last_seen).as_millis(),
                    TRACK_TIMER.as_millis()
                ));
            }
        }
        total += result.peers.len();
    }
    Ok(Some(total))
}

/// Bounds, at most one LEECH swarm per peer, and swarms agreeing with peer records.
fn check_state(config: &RegistryConfig, state: &MemoryState) -> Result<(), String> {
    let counts = state.counts();
    if counts.peers > config.max_peers as u64 || counts.swarms > config.max_swarms as u64 {
        return Err(format!(
            "{} peers in {} swarms, bounds {} and {}",
            counts.peers, counts.swarms, config.max_peers, config.max_swarms
        ));
    }
    let mut members: HashMap<&SwarmId, (u64, u64)> = HashMap::new();
    for record in state.records() {
        let id = &record.card.peer_id;
        if record.swarms.is_empty() || record.swarms.len() > config.max_swarms_per_peer {
            return Err(format!(
                "peer {id} is in {} swarms, bound {}",
                record.swarms.len(),
                config.max_swarms_per_peer
            ));
        }
        let leeching = record.swarms.iter().filter(|m| m.mode == PeerMode::Leech);
        if leeching.count() > 1 {
            return Err(format!("peer {id} leeches in more than one swarm"));
        }
        for membership in &record.swarms {
            let entry = members.entry(&membership.swarm_id).or_default();
            match membership.mode {
                PeerMode::Seeder => entry.0 += 1,
                PeerMode::Leech => entry.1 += 1,
            }
        }
    }
    let swarms = state.swarms(usize::MAX);
    if swarms.len() as u64 != counts.swarms || swarms.len() != members.len() {
        return Err(format!(
            "{} swarms listed, {} counted, {} named by peer records",
            swarms.len(),
            counts.swarms,
            members.len()
        ));
    }
    for swarm in &swarms {
        if swarm.members() > config.max_peers_per_swarm as u64 {
            return Err(format!(
                "swarm {} has {} members, bound {}",
                swarm.swarm_id,
                swarm.members(),
                config.max_peers_per_swarm
            ));
        }
        let expected = members.get(&swarm.swarm_id).copied().unwrap_or_default();
        if (swarm.seeders, swarm.leechers) != expected {
            return Err(format!(
                "swarm {} holds {}/{} seeders/leechers, peer records say {}/{}",
                swarm.swarm_id, swarm.seeders, swarm.leechers, expected.0, expected.1
            ));
        }
    }
    Ok(())
}

/// After a sweep at `now`, every stored peer was seen within one track timer.
fn no_expired_left(
    config: &RegistryConfig,
    now: Timestamp,
    state: &MemoryState,
) -> Result<(), String> {
    match state
        .records()
        .find(|r| now.since(r.last_seen) > config.track_timer)
    {
        Some(stale) => Err(format!(
            "peer {} last seen {} ms ago survived a sweep",
            stale.card.peer_id,
            now.since(stale.last_seen).as_millis()
        )),
        None => Ok(()),
    }
}

/// The fuzzer's bytes, read one at a time; zeros once they run out.
struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn byte(&mut self) -> u8 {
        let byte = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        byte
    }

    /// A bound from 1 to `max`, or 0 (refuse everything) when the byte is 0.
    fn bound(&mut self, max: u8) -> u8 {
        match self.byte() {
            0 => 0,
            byte => 1 + byte % max,
        }
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) << 32 | u64::from(self.u32())
    }

    /// One request and the address it comes from.
    fn request(&mut self) -> (TrackerRequest, SocketAddr) {
        let peer = self.byte() % PEERS;
        let transaction = self.byte() % TRANSACTIONS;
        let body = match self.byte() % 4 {
            0 | 1 => RequestBody::Connect(self.connect()),
            2 => RequestBody::Find(Find {
                swarm_id: self.swarm(),
                peer_num: self.peer_num(),
            }),
            _ => RequestBody::StatReport(self.stat_report()),
        };
        let peer_id = TrackerPeerId::new(format!("peer-{peer}")).expect("a valid peer ID");
        let tid = TransactionId::new(format!("{peer}-{transaction}")).expect("a valid ID");
        let source = SocketAddr::new(self.ip(), 40_000 + u16::from(peer));
        (TrackerRequest::new(tid, peer_id, body), source)
    }

    fn connect(&mut self) -> Connect {
        let peer_num = self.peer_num();
        let peer_addrs = (0..self.byte() % 3)
            .map(|_| TrackerPeerAddr {
                ip: self.ip(),
                port: u16::from(self.byte()).max(1),
                priority: u32::from(self.byte() % 3),
                kind: AddressKind::Host,
                connection: None,
                asn: None,
                peer_protocol: None,
            })
            .collect();
        // Mostly one action: several random ones are nearly always an invalid combination.
        let actions = match self.byte() % 8 {
            0 => 0,
            1..=5 => 1,
            6 => 2,
            _ => 3,
        };
        let swarm_actions = (0..actions)
            .map(|_| {
                let flags = self.byte();
                SwarmAction {
                    swarm_id: self.swarm(),
                    action: if flags & 1 == 0 {
                        Action::Join
                    } else {
                        Action::Leave
                    },
                    mode: if flags & 2 == 0 {
                        PeerMode::Seeder
                    } else {
                        PeerMode::Leech
                    },
                }
            })
            .collect();
        Connect {
            peer_num,
            peer_addrs,
            swarm_actions,
        }
    }

    fn stat_report(&mut self) -> StatReport {
        let stats = (0..self.byte() % 3)
            .map(|_| StreamStats {
                swarm_id: self.swarm(),
                uploaded_bytes: self.u64(),
                downloaded_bytes: self.u64(),
                available_bandwidth: u64::from(self.u32()),
                concurrent_links: u32::from(self.byte()),
            })
            .collect();
        StatReport { stats }
    }

    fn peer_num(&mut self) -> Option<PeerNum> {
        let flags = self.byte();
        if flags & 1 == 0 {
            return None;
        }
        let optional = |bit: u8, value: u64| (flags & bit != 0).then_some(value);
        Some(PeerNum {
            peer_count: self.byte() % 10,
            ability_nat: optional(2, 0).map(|_| NatAbility::ALL[usize::from(flags >> 6) % 3]),
            concurrent_links: optional(4, 0).map(|_| u32::from(self.byte())),
            online_time: optional(8, 0).map(|_| u64::from(self.u32())),
            upload_bandwidth: optional(16, 0).map(|_| u64::from(self.u32())),
        })
    }

    fn swarm(&mut self) -> SwarmId {
        let index = self.byte() % SWARMS;
        SwarmId::new(vec![0x11 * (index + 1); 4]).expect("a valid swarm ID")
    }

    /// Loopback, a private, a public and an unspecified address, so NAT handling runs.
    fn ip(&mut self) -> IpAddr {
        match self.byte() % 4 {
            0 => IpAddr::V4(Ipv4Addr::LOCALHOST),
            1 => IpAddr::V4(Ipv4Addr::new(192, 168, 1, 2)),
            2 => IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)),
            _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::*;

    #[test]
    fn random_programs_keep_every_invariant() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut total = Replayed::default();
        for _ in 0..300 {
            let len = rng.random_range(0..600);
            let data: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            let replayed = replay(&data).unwrap_or_else(|v| panic!("{v} for input {data:?}"));
            total.accepted += replayed.accepted;
            total.refused += replayed.refused;
            total.listed += replayed.listed;
        }
        assert!(total.accepted > 500, "{total:?}");
        assert!(total.refused > 500, "{total:?}");
        assert!(total.listed > 20, "{total:?}");
    }

    #[test]
    fn empty_input_is_an_empty_program() {
        assert_eq!(replay(&[]), Ok(Replayed::default()));
    }
}
