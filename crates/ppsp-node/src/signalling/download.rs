//! The `http` transport's downloader: chunks fetched with `GET /ppsp/chunk/{swarm}/{chunk}`
//! from several peers at once, rarest first, each verified against the swarm ID before it is
//! stored, with the same rules as the UDP path: peak hashes are trusted only if they combine
//! to the root, uncle hashes stay pending until a chunk proves them, a conflicting hash or a
//! chunk that does not verify bans the peer that sent it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::{Method, StatusCode};
use ppsp_core::engine::{ChunkProof, ChunkStore, StoreError};
use ppsp_core::{ChunkRange, ChunkSet, Digest, HashFunction, IntegrityError, MerkleVerifier};
use ppsp_wire::ids::{PeerId, SwarmId};
use ppsp_wire::peer_list::Transport;
use tokio::task::JoinSet;

use super::client::SignallingClient;
use super::flow::Source;
use super::frame::{ChunkFrame, MAX_FRAME_HASHES};
use super::http_client::Bounds;
use super::server::PEER_ID_HEADER;

/// A peer serving chunks over `http`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpSource {
    /// The peer.
    pub peer_id: PeerId,
    /// Its HTTP server.
    pub addr: SocketAddr,
    /// What it holds.
    pub availability: ChunkSet,
}

impl HttpSource {
    /// The `http` sources among negotiated ones.
    pub fn from_sources(sources: &[Source]) -> Vec<Self> {
        sources
            .iter()
            .filter(|s| s.transport.transport == Transport::Http)
            .map(|s| Self {
                peer_id: s.peer.peer_id,
                addr: s.transport.addr.unwrap_or(s.signalling),
                availability: s.availability.clone(),
            })
            .collect()
    }
}

/// Limits of one download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpDownloadConfig {
    /// Most requests in flight over all peers.
    pub max_in_flight: usize,
    /// Most requests in flight to one peer.
    pub per_peer: usize,
    /// The download gives up after this long.
    pub deadline: Duration,
    /// Largest chunk accepted, in bytes.
    pub max_chunk_bytes: usize,
    /// A peer is dropped after this many failed requests (timeouts, errors, refusals).
    pub max_failures: u32,
}

impl Default for HttpDownloadConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 16,
            per_peer: 4,
            deadline: Duration::from_secs(300),
            max_chunk_bytes: 1 << 20,
            max_failures: 8,
        }
    }
}

/// What a finished download did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadReport {
    /// Chunks verified and stored.
    pub chunks: u64,
    /// Chunk bytes stored.
    pub payload_bytes: u64,
    /// Chunks refused by verification.
    pub rejected: u64,
    /// Peers banned for sending corrupt content.
    pub banned: Vec<PeerId>,
    /// Peers that answered CHOKED.
    pub choked_by: Vec<PeerId>,
}

/// Why a download did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The swarm ID is not a root hash of the hash function.
    #[error("swarm ID is not a {0:?} root hash")]
    BadRoot(HashFunction),
    /// No peer left can give the missing chunks.
    #[error("stalled with {missing} chunks missing: no usable peer holds them")]
    Stalled {
        /// Chunks still missing (or `u64::MAX` when the count is unknown).
        missing: u64,
        /// What was done before stalling.
        report: DownloadReport,
    },
    /// The deadline passed.
    #[error("deadline passed with {missing} chunks missing")]
    TimedOut {
        /// Chunks still missing.
        missing: u64,
        /// What was done before.
        report: DownloadReport,
    },
    /// The store refused a verified chunk.
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Peer {
    source: HttpSource,
    in_flight: usize,
    failures: u32,
    usable: bool,
}

type Fetched = (usize, u64, Result<(StatusCode, Bytes), String>);

/// Downloads one swarm's content over `http` into a store.
pub struct HttpDownload<'a> {
    client: Arc<SignallingClient>,
    swarm: SwarmId,
    verifier: MerkleVerifier,
    peaks_known: bool,
    have: ChunkSet,
    store: &'a mut dyn ChunkStore,
    config: HttpDownloadConfig,
    report: DownloadReport,
}

impl<'a> HttpDownload<'a> {
    /// A download of `swarm` (a root hash of `hash`) into `store`, which holds `have` already.
    /// `chunk_count` may come from the metadata; otherwise it is learned from the peaks.
    pub fn new(
        client: Arc<SignallingClient>,
        swarm: SwarmId,
        hash: HashFunction,
        chunk_count: Option<u64>,
        have: ChunkSet,
        store: &'a mut dyn ChunkStore,
        config: HttpDownloadConfig,
    ) -> Result<Self, DownloadError> {
        let root = Digest::from_slice(swarm.as_bytes())
            .filter(|d| d.len() == hash.digest_len())
            .ok_or(DownloadError::BadRoot(hash))?;
        let verifier = match chunk_count {
            Some(count) => MerkleVerifier::with_chunk_count(hash, root, count),
            None => MerkleVerifier::new(hash, root),
        }
        .map_err(|_| DownloadError::BadRoot(hash))?;
        Ok(Self {
            client,
            swarm,
            verifier,
            peaks_known: false,
            have,
            store,
            config,
            report: DownloadReport::default(),
        })
    }

    fn missing(&self) -> u64 {
        self.verifier
            .chunk_count()
            .map_or(u64::MAX, |n| n.saturating_sub(self.have.len()))
    }

    /// Chunks to fetch next, rarest first among usable peers (ties: lowest index), at most
    /// `limit`, none in flight.
    fn rarest(&self, peers: &[Peer], in_flight: &BTreeSet<u64>, limit: usize) -> VecDeque<u64> {
        let mut holders: BTreeMap<u64, usize> = BTreeMap::new();
        let count = self.verifier.chunk_count();
        // Until the peaks are known only one chunk is fetched (it brings them).
        let budget = if self.peaks_known { 1 << 20 } else { 1 };
        for peer in peers.iter().filter(|p| p.usable) {
            for run in peer.source.availability.runs() {
                for chunk in run.first()..=run.last() {
                    if holders.len() >= budget && !holders.contains_key(&chunk) {
                        break;
                    }
                    if count.is_some_and(|n| chunk >= n)
                        || self.have.contains(chunk)
                        || in_flight.contains(&chunk)
                    {
                        continue;
                    }
                    *holders.entry(chunk).or_default() += 1;
                }
            }
        }
        let mut ranked: Vec<(usize, u64)> = holders.into_iter().map(|(c, n)| (n, c)).collect();
        ranked.sort_unstable();
        ranked.into_iter().take(limit).map(|(_, c)| c).collect()
    }

    /// Runs until every chunk is stored, no peer can help, or the deadline passes.
    pub async fn run(mut self, sources: Vec<HttpSource>) -> Result<DownloadReport, DownloadError> {
        let deadline = Instant::now() + self.config.deadline;
        let mut peers: Vec<Peer> = sources
            .into_iter()
            .map(|source| Peer {
                source,
                in_flight: 0,
                failures: 0,
                usable: true,
            })
            .collect();
        let mut tasks: JoinSet<Fetched> = JoinSet::new();
        let mut in_flight: BTreeSet<u64> = BTreeSet::new();
        let mut queue: VecDeque<u64> = VecDeque::new();
        loop {
            if self.missing() == 0 {
                return Ok(self.report);
            }
            if queue.is_empty() {
                queue = self.rarest(&peers, &in_flight, 4096);
            }
            // Fill the pipeline: each chunk to the least busy usable peer holding it.
            let mut deferred = VecDeque::new();
            while in_flight.len() < self.config.max_in_flight
                && (self.peaks_known || in_flight.is_empty())
            {
                let Some(chunk) = queue.pop_front() else {
                    break;
                };
                if self.have.contains(chunk) || in_flight.contains(&chunk) {
                    continue;
                }
                let choice = peers
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| {
                        p.usable
                            && p.in_flight < self.config.per_peer
                            && p.source.availability.contains(chunk)
                    })
                    .min_by_key(|(_, p)| p.in_flight)
                    .map(|(i, _)| i);
                let Some(index) = choice else {
                    deferred.push_back(chunk);
                    if deferred.len() > self.config.max_in_flight {
                        break;
                    }
                    continue;
                };
                peers[index].in_flight += 1;
                in_flight.insert(chunk);
                tasks.spawn(fetch(
                    Arc::clone(&self.client),
                    self.swarm.clone(),
                    index,
                    peers[index].source.addr,
                    chunk,
                    !self.peaks_known,
                    self.config.max_chunk_bytes,
                ));
            }
            deferred.append(&mut queue);
            queue = deferred;
            if tasks.is_empty() {
                return Err(DownloadError::Stalled {
                    missing: self.missing(),
                    report: self.report,
                });
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(Some(joined)) = tokio::time::timeout(left, tasks.join_next()).await else {
                tasks.abort_all();
                return Err(DownloadError::TimedOut {
                    missing: self.missing(),
                    report: self.report,
                });
            };
            let Ok((index, chunk, result)) = joined else {
                continue;
            };
            peers[index].in_flight -= 1;
            in_flight.remove(&chunk);
            match self.take(&mut peers[index], chunk, result) {
                Ok(true) => {}
                Ok(false) => queue.push_front(chunk),
                Err(error) => return Err(error),
            }
        }
    }

    /// Handles one answer; `Ok(false)` puts the chunk back in the queue.
    fn take(
        &mut self,
        peer: &mut Peer,
        chunk: u64,
        result: Result<(StatusCode, Bytes), String>,
    ) -> Result<bool, DownloadError> {
        let id = peer.source.peer_id;
        let fail = |peer: &mut Peer, max: u32| {
            peer.failures += 1;
            if peer.failures >= max {
                peer.usable = false;
            }
        };
        let body = match result {
            Ok((StatusCode::OK, body)) => body,
            Ok((StatusCode::SERVICE_UNAVAILABLE, _)) => {
                // Choked: stop asking this peer; others may serve the chunk.
                peer.usable = false;
                self.client
                    .state()
                    .set_choked_by(&self.swarm, id, true, Instant::now());
                self.report.choked_by.push(id);
                return Ok(false);
            }
            Ok((StatusCode::NOT_FOUND, _)) => {
                if let Some(range) = ChunkRange::single(chunk) {
                    peer.source.availability.remove_run(range);
                }
                fail(peer, self.config.max_failures);
                return Ok(false);
            }
            Ok((status, _)) => {
                tracing::debug!(%status, peer = %id, chunk, "chunk GET refused");
                fail(peer, self.config.max_failures);
                return Ok(false);
            }
            Err(problem) => {
                tracing::debug!(%problem, peer = %id, chunk, "chunk GET failed");
                fail(peer, self.config.max_failures);
                return Ok(false);
            }
        };
        match self.verify(chunk, &body) {
            Ok(frame) => {
                let len = frame.data.len() as u64;
                // The hashes that proved it go along, for stores that check or keep them
                // (the node's engine verifies the chunk again on import).
                let proof = ChunkProof {
                    peaks: &frame.peaks,
                    uncles: &frame.uncles,
                };
                self.store
                    .write_proven_chunk(chunk, frame.data.clone(), proof)?;
                if let Some(range) = ChunkRange::single(chunk) {
                    self.have.insert_run(range);
                }
                self.report.chunks += 1;
                self.report.payload_bytes += len;
                Ok(true)
            }
            Err(problem) => {
                tracing::warn!(%problem, peer = %id, chunk, "chunk rejected; peer banned");
                self.report.rejected += 1;
                self.report.banned.push(id);
                peer.usable = false;
                Ok(false)
            }
        }
    }

    /// Checks a frame for `chunk` exactly as the engine checks INTEGRITY and DATA.
    fn verify(&mut self, chunk: u64, body: &Bytes) -> Result<ChunkFrame, String> {
        let frame =
            ChunkFrame::decode(body, self.config.max_chunk_bytes).map_err(|e| e.to_string())?;
        if frame.chunk != chunk {
            return Err(format!("frame holds chunk {} instead", frame.chunk));
        }
        if frame.uncles.len() > MAX_FRAME_HASHES {
            return Err("too many hashes".into());
        }
        if !self.peaks_known {
            if frame.peaks.is_empty() {
                return Err("peak hashes missing".into());
            }
            self.verifier
                .add_peaks(&frame.peaks)
                .map_err(|e| format!("peaks: {e}"))?;
            self.peaks_known = true;
        }
        for (bin, digest) in &frame.uncles {
            match self.verifier.add_hash(*bin, *digest) {
                Ok(()) => {}
                Err(error @ IntegrityError::ConflictingHash { .. }) => {
                    return Err(error.to_string());
                }
                // Outside the tree or too many pending: useless, not proof of malice.
                Err(_) => {}
            }
        }
        self.verifier
            .verify_chunk(chunk, &frame.data)
            .map_err(|e| e.to_string())?;
        Ok(frame)
    }
}

/// One chunk GET.
async fn fetch(
    client: Arc<SignallingClient>,
    swarm: SwarmId,
    index: usize,
    addr: SocketAddr,
    chunk: u64,
    with_peaks: bool,
    max_chunk: usize,
) -> Fetched {
    let mut path = format!("/ppsp/chunk/{}/{chunk}", swarm.to_hex());
    if !with_peaks {
        path.push_str("?peaks=0");
    }
    let headers = [(
        hyper::header::HeaderName::from_static(PEER_ID_HEADER),
        client.peer_id().to_string(),
    )];
    // The frame: the chunk plus at most 128 hashes of at most 72 bytes, plus its header.
    let max = max_chunk + 2 * MAX_FRAME_HASHES * 72 + 64;
    let timeout = client.state().config().request_timeout;
    let result = client
        .http
        .exchange(
            addr,
            Method::GET,
            &path,
            &headers,
            Bytes::new(),
            Bounds {
                max_bytes: max,
                timeout,
            },
        )
        .await
        .map(|answer| (answer.status, answer.body))
        .map_err(|e| e.to_string());
    (index, chunk, result)
}
