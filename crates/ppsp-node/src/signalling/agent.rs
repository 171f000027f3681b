//! The node's requesting side, a task beside the driver. For each incomplete swarm it runs
//! the PULL flow over the peers learnt (tracker, FIND), then moves data over what was
//! negotiated: `ppspp/udp` sources go to the engine as channels, `http` sources are fetched
//! with [`HttpDownload`] and imported into the engine. It also runs the Hybrid flow (batched
//! availability reports to the sources) and sends the UNCHOKEs owed once slots free.
//!
//! A live swarm's chunks are signed, not hashed into a tree, so they move over `ppspp/udp`
//! only: for it the flow finds peers, pulls their windows and negotiates, and reports go out
//! as chunks verify; it never completes, so the flow is rerun every few seconds.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ppsp_core::engine::{ChunkProof, ChunkStore, StoreError};
use ppsp_core::{Bin, ChunkRange, ChunkSet, Digest};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer_list::{PeerInfo, Transport};
use tokio::task::JoinSet;

use super::client::signalling_addr;
use super::download::{DownloadError, HttpDownload, HttpDownloadConfig, HttpSource};
use super::flow::{PullOptions, PushBatcher, discover, prepare_sources, push_report_to};
use super::plane::{Counters, Plane, PlaneRequest, SwarmSnapshot};

/// How often the agent looks at the node.
const TICK: Duration = Duration::from_millis(500);
/// First and longest wait between PULL flows of a swarm that is still incomplete.
const FIRST_RETRY: Duration = Duration::from_secs(1);
const LONGEST_RETRY: Duration = Duration::from_secs(8);
/// Reports go out when their oldest chunk waited this long, or at this many chunks.
const REPORT_INTERVAL: Duration = Duration::from_secs(1);
const REPORT_MAX_CHUNKS: u64 = 256;
/// Chunks added to the report batcher per swarm and tick (a seeder's first map is sent as
/// one report anyway; this only bounds the work of one tick).
const REPORT_SCAN: u64 = 1 << 16;
/// Most peers a report is pushed to.
const MAX_REPORT_TARGETS: usize = 32;
/// Longest an `http` download runs before the flow is run again.
const DOWNLOAD_DEADLINE: Duration = Duration::from_secs(120);

/// What the agent keeps per swarm.
struct SwarmAgent {
    running: bool,
    next_pull: Instant,
    retry: Duration,
    /// Signalling addresses of the peers we pull from: the Hybrid flow's receivers.
    targets: BTreeSet<SocketAddr>,
    reported: ChunkSet,
}

/// The result of one PULL flow and download.
struct Round {
    swarm: SwarmId,
    targets: Vec<SocketAddr>,
    progressed: bool,
}

/// Runs until the driver's runtime stops.
pub(crate) async fn run(plane: Arc<Plane>) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut agents: BTreeMap<SwarmId, SwarmAgent> = BTreeMap::new();
    let mut rounds: JoinSet<Round> = JoinSet::new();
    let mut sends: JoinSet<()> = JoinSet::new();
    let mut batcher = PushBatcher::new(REPORT_INTERVAL, REPORT_MAX_CHUNKS);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            Some(done) = rounds.join_next(), if !rounds.is_empty() => {
                if let Ok(round) = done
                    && let Some(agent) = agents.get_mut(&round.swarm)
                {
                    agent.running = false;
                    if round.progressed {
                        agent.retry = FIRST_RETRY;
                    }
                    for target in round.targets {
                        if agent.targets.len() < MAX_REPORT_TARGETS {
                            agent.targets.insert(target);
                        }
                    }
                }
                continue;
            }
            Some(_) = sends.join_next(), if !sends.is_empty() => continue,
        }
        let now = Instant::now();
        let swarms: Vec<(SwarmId, SwarmSnapshot)> = plane
            .snapshot()
            .swarms
            .iter()
            .map(|(id, s)| {
                let mut s = s.clone();
                s.links.clear();
                (id.clone(), s)
            })
            .collect();
        agents.retain(|id, _| swarms.iter().any(|(s, _)| s == id));
        for (id, snapshot) in swarms {
            let agent = agents.entry(id.clone()).or_insert_with(|| SwarmAgent {
                running: false,
                next_pull: now,
                retry: FIRST_RETRY,
                targets: BTreeSet::new(),
                reported: ChunkSet::new(),
            });
            if !agent.targets.is_empty() {
                batch_new_chunks(&mut batcher, &id, &snapshot.have, &mut agent.reported, now);
            }
            // A live swarm (no Merkle hash) moves data over UDP only: its flow runs only to
            // find peers and negotiate, and never completes.
            let hash = snapshot.hash;
            if hash.is_none() && !plane.speaks(&Transport::PpsppUdp) {
                continue;
            }
            if snapshot.is_complete() || agent.running || now < agent.next_pull {
                continue;
            }
            let initial = learnt_peers(&plane, &id);
            if initial.is_empty() {
                continue;
            }
            agent.running = true;
            agent.next_pull = now + agent.retry;
            agent.retry = (agent.retry * 2).min(LONGEST_RETRY);
            let plane = Arc::clone(&plane);
            rounds.spawn(async move { pull_and_fetch(plane, id, hash, snapshot, initial).await });
        }
        for (swarm, report) in batcher.take_due(now) {
            let Some(agent) = agents.get(&swarm) else {
                continue;
            };
            let targets: Vec<SocketAddr> = agent.targets.iter().copied().collect();
            let plane = Arc::clone(&plane);
            sends.spawn(async move {
                let delivered = push_report_to(&plane.client, &swarm, &report, &targets).await;
                Counters::add(&plane.counters.reports_pushed, delivered as u64);
            });
        }
        send_unchokes(&plane, &mut sends, now);
    }
}

/// Adds what verified since the last report to the batcher.
fn batch_new_chunks(
    batcher: &mut PushBatcher,
    swarm: &SwarmId,
    have: &ChunkSet,
    reported: &mut ChunkSet,
    now: Instant,
) {
    let new = have.difference(reported);
    let mut budget = REPORT_SCAN;
    for run in new.runs() {
        let last = run
            .last()
            .min(run.first().saturating_add(budget.saturating_sub(1)));
        for chunk in run.first()..=last {
            batcher.add(swarm, chunk, now);
        }
        if let Some(range) = ChunkRange::new(run.first(), last) {
            reported.insert_run(range);
        }
        budget = budget.saturating_sub(last - run.first() + 1);
        if budget == 0 {
            return;
        }
    }
}

/// Peers learnt in `swarm` (tracker, FIND) with an address to ask, this node left out.
fn learnt_peers(plane: &Plane, swarm: &SwarmId) -> Vec<PeerInfo> {
    plane
        .state
        .peers(swarm)
        .into_iter()
        .filter(|(id, _)| *id != plane.peer_id)
        .filter_map(|(_, p)| p.info)
        .filter(|info| signalling_addr(info).is_some())
        .collect()
}

/// UNCHOKE to each peer we choked that free slots now allow.
fn send_unchokes(plane: &Arc<Plane>, sends: &mut JoinSet<()>, now: Instant) {
    let engine_used = plane.snapshot().engine_slots;
    let owed = plane
        .state
        .take_unchokable(now, plane.upload_slots, engine_used);
    for (swarm, peer) in owed {
        let addr = plane
            .state
            .peers(&swarm)
            .into_iter()
            .find(|(id, _)| *id == peer)
            .and_then(|(_, p)| p.info.as_ref().and_then(signalling_addr));
        let Some(addr) = addr else {
            // Nowhere to send it: the peer finds the slot free when it asks again.
            continue;
        };
        let plane = Arc::clone(plane);
        sends.spawn(async move {
            match plane.client.send_choke(addr, &swarm, false).await {
                Ok(()) => Counters::add(&plane.counters.unchokes_sent, 1),
                Err(error) => tracing::debug!(%error, %addr, "UNCHOKE not delivered"),
            }
        });
    }
}

/// One PULL flow for `swarm`, then the data: UDP sources to the engine, `http` ones fetched.
async fn pull_and_fetch(
    plane: Arc<Plane>,
    swarm: SwarmId,
    hash: Option<ppsp_core::HashFunction>,
    snapshot: SwarmSnapshot,
    initial: Vec<PeerInfo>,
) -> Round {
    let options = PullOptions {
        transports: plane.transports(),
        ..PullOptions::default()
    };
    let client = &plane.client;
    // Everyone known before, with or without a signalling address, so a peer is counted as
    // found by FIND once.
    let before: BTreeSet<PeerId> = plane
        .state
        .peers(&swarm)
        .into_iter()
        .map(|(id, _)| id)
        .chain(initial.iter().map(|p| p.peer_id))
        .collect();
    let mut peers = discover(client, &swarm, &initial, &options).await;
    // A peer that knows us only by our UDP address lists us under another ID: leave us out.
    let own: Vec<SocketAddr> = plane.offers.iter().filter_map(|o| o.addr).collect();
    peers.retain(|p| !p.addresses.iter().any(|a| own.contains(&a.addr)));
    let found = peers
        .iter()
        .filter(|p| !before.contains(&p.peer_id))
        .count();
    Counters::add(&plane.counters.peers_found_by_find, found as u64);
    if found > 0 {
        tracing::info!(swarm = %swarm, found, "peers learnt through FIND");
    }
    let sources = prepare_sources(client, &swarm, &peers, &options).await;
    let choking = peers
        .iter()
        .filter(|p| plane.state.is_choked_by(&swarm, &p.peer_id, Instant::now()))
        .count();
    Counters::add(&plane.counters.choked_by, choking as u64);
    let targets = sources.iter().map(|s| s.signalling).collect();
    let mut progressed = found > 0;
    for source in &sources {
        if source.transport.transport != Transport::PpsppUdp {
            continue;
        }
        let udp = source.transport.addr.or_else(|| {
            source
                .peer
                .addresses
                .iter()
                .find(|a| a.transport == Transport::PpsppUdp)
                .map(|a| a.addr)
        });
        if let Some(peer) = udp {
            Counters::add(&plane.counters.udp_sources, 1);
            let _ = plane.requests.send(PlaneRequest::Connect {
                swarm: swarm.clone(),
                peer,
            });
        }
    }
    let http = HttpSource::from_sources(&sources);
    if let Some(hash) = hash.filter(|_| !http.is_empty()) {
        Counters::add(&plane.counters.http_sources, http.len() as u64);
        let mut store = ImportStore {
            plane: Arc::clone(&plane),
            swarm: swarm.clone(),
            peaks: Vec::new(),
        };
        let config = HttpDownloadConfig {
            deadline: DOWNLOAD_DEADLINE,
            ..HttpDownloadConfig::default()
        };
        let download = HttpDownload::new(
            Arc::clone(client),
            swarm.clone(),
            hash,
            snapshot.chunk_count,
            snapshot.have,
            &mut store,
            config,
        );
        let result = match download {
            Ok(download) => download.run(http).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(report) => {
                progressed |= report.chunks > 0;
                Counters::add(&plane.counters.choked_by, report.choked_by.len() as u64);
            }
            Err(DownloadError::Stalled { report, .. } | DownloadError::TimedOut { report, .. }) => {
                progressed |= report.chunks > 0;
                Counters::add(&plane.counters.choked_by, report.choked_by.len() as u64);
            }
            Err(error) => tracing::warn!(%error, swarm = %swarm, "http download failed"),
        }
    }
    Round {
        swarm,
        targets,
        progressed,
    }
}

/// Hands chunks fetched over `http` to the driver, whose engine checks them again and
/// stores them in the swarm's own store.
struct ImportStore {
    plane: Arc<Plane>,
    swarm: SwarmId,
    /// The peak hashes, sent with the first chunk only and passed on with every one, so
    /// the engine can verify whichever arrives first.
    peaks: Vec<(Bin, Digest)>,
}

impl ChunkStore for ImportStore {
    fn read_chunk(&self, _index: u64) -> Option<Bytes> {
        None
    }

    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        self.write_proven_chunk(
            index,
            data,
            ChunkProof {
                peaks: &[],
                uncles: &[],
            },
        )
    }

    fn write_proven_chunk(
        &mut self,
        index: u64,
        data: Bytes,
        proof: ChunkProof<'_>,
    ) -> Result<(), StoreError> {
        if self.peaks.is_empty() {
            self.peaks = proof.peaks.to_vec();
        }
        let mut hashes = self.peaks.clone();
        hashes.extend_from_slice(proof.uncles);
        self.plane
            .requests
            .send(PlaneRequest::Import {
                swarm: self.swarm.clone(),
                chunk: index,
                hashes,
                data,
            })
            .map_err(|_| StoreError("the node has stopped".into()))
    }
}
