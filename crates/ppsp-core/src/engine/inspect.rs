//! Read-only views of the endpoint's state, for the planes beside the datagram engine: the XML
//! signalling server answers FIND, CHUNK_AVAILABILITY and PROPERTY_QUERY from them, and the
//! HTTP transport serves chunks with the hashes that prove them.
//!
//! Nothing here changes the endpoint, so calling these between inputs never breaks the drain
//! contract.

use std::net::SocketAddr;

use bytes::Bytes;
use ppsp_wire::ids::SwarmId;

use super::Endpoint;
use crate::availability::ChunkSet;
use crate::bin::Bin;
use crate::hash::Digest;

/// One channel of a swarm as seen from outside: who, what it holds, and the choke state both
/// ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerLink {
    /// The peer's address (the only one datagrams on the channel use).
    pub addr: SocketAddr,
    /// Whether the three-way handshake completed.
    pub open: bool,
    /// Chunks the peer announced (HAVE) or acknowledged.
    pub have: ChunkSet,
    /// Whether we refuse its requests (it holds no upload slot).
    pub choking: bool,
    /// Whether it refuses ours.
    pub choked_by_peer: bool,
}

/// A chunk with everything a receiver that trusts only the root hash needs to verify it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenChunk {
    /// The chunk's bytes.
    pub data: Bytes,
    /// Chunks in the content.
    pub chunk_count: u64,
    /// The peak hashes, left to right (RFC 7574 section 5.6).
    pub peaks: Vec<(Bin, Digest)>,
    /// The sibling and uncle hashes from the chunk up to its peak, height descending
    /// (section 5.4).
    pub uncles: Vec<(Bin, Digest)>,
}

impl Endpoint {
    /// The swarms joined, in ID order.
    pub fn swarm_ids(&self) -> impl Iterator<Item = &SwarmId> + '_ {
        self.swarms.keys()
    }

    /// Whether the endpoint is in `swarm_id`.
    pub fn has_swarm(&self, swarm_id: &SwarmId) -> bool {
        self.swarms.contains_key(swarm_id)
    }

    /// The chunks of a swarm we hold, verified; `None` for a swarm we are not in.
    pub fn local_availability(&self, swarm_id: &SwarmId) -> Option<&ChunkSet> {
        self.swarms.get(swarm_id).map(|s| &s.have)
    }

    /// The channels of a swarm (closed ones left out); `None` for a swarm we are not in.
    pub fn peer_links(&self, swarm_id: &SwarmId) -> Option<Vec<PeerLink>> {
        let swarm = self.swarms.get(swarm_id)?;
        Some(
            swarm
                .channels
                .values()
                .filter(|c| !c.is_closed())
                .map(|c| PeerLink {
                    addr: c.addr,
                    open: c.is_open(),
                    have: c.peer_have.clone(),
                    choking: c.choking,
                    choked_by_peer: c.choked_by_peer,
                })
                .collect(),
        )
    }

    /// What the peer at `addr` holds in a swarm, as far as it told us.
    pub fn peer_availability(&self, swarm_id: &SwarmId, addr: SocketAddr) -> Option<&ChunkSet> {
        self.swarms
            .get(swarm_id)?
            .channels
            .values()
            .find(|c| c.addr == addr && !c.is_closed())
            .map(|c| &c.peer_have)
    }

    /// Whether we choke the peer at `addr` in a swarm; `None` without a channel to it.
    pub fn is_choking(&self, swarm_id: &SwarmId, addr: SocketAddr) -> Option<bool> {
        self.swarms
            .get(swarm_id)?
            .channels
            .values()
            .find(|c| c.addr == addr && !c.is_closed())
            .map(|c| c.choking)
    }

    /// Open channels over all swarms: the `concurrent_links` property.
    pub fn open_links(&self) -> usize {
        self.swarms
            .values()
            .map(|s| s.channels.values().filter(|c| c.is_open()).count())
            .sum()
    }

    /// Upload slots in use over all swarms: open channels we do not choke.
    pub fn upload_slots_in_use(&self) -> usize {
        self.swarms
            .values()
            .map(|s| {
                s.channels
                    .values()
                    .filter(|c| c.is_open() && !c.choking)
                    .count()
            })
            .sum()
    }

    /// Chunk payload bytes sent and received over all swarms since they were added: sampled
    /// over time, the upload and download rates.
    pub fn payload_totals(&self) -> (u64, u64) {
        self.swarms.values().fold((0, 0), |(up, down), s| {
            (
                up + s.stats.payload_bytes_up,
                down + s.stats.payload_bytes_down,
            )
        })
    }

    /// Chunk `chunk` of a swarm with its full proof, if we hold it verified and know the hashes
    /// to prove it (a downloader passes on only hashes it verified).
    pub fn proven_chunk(&self, swarm_id: &SwarmId, chunk: u64) -> Option<ProvenChunk> {
        let swarm = self.swarms.get(swarm_id)?;
        if !swarm.have.contains(chunk) {
            return None;
        }
        let chunk_count = swarm.integrity.chunk_count()?;
        let peaks = swarm.integrity.peaks()?;
        // Up to the chunk's peak: the receiver takes the peaks first. A downloader's verifier
        // holds no hash above the peaks, so a proof up to the root would fail for content
        // that is not a power of two chunks long.
        let (_, uncles) = swarm.integrity.chunk_proof(chunk)?;
        let data = swarm.store.read_chunk(chunk)?;
        Some(ProvenChunk {
            data,
            chunk_count,
            peaks,
            uncles,
        })
    }
}

/// Why [`Endpoint::import_chunk`] did not take a chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The endpoint is not in that swarm.
    #[error("not in that swarm")]
    UnknownSwarm,
    /// Live swarms are verified by signatures, which this path does not carry.
    #[error("live swarms take chunks only over their channels")]
    Live,
    /// A hash contradicts one already trusted, or the chunk does not verify.
    #[error(transparent)]
    Integrity(#[from] crate::merkle::IntegrityError),
    /// The store refused the verified chunk.
    #[error(transparent)]
    Store(#[from] super::StoreError),
}

impl Endpoint {
    /// Takes a chunk fetched over another transport (the XML plane's `http`) with the hashes
    /// sent along: checked exactly like INTEGRITY followed by DATA, then stored and counted.
    /// `Ok(false)` when the chunk was held already. The HAVEs to channels and the completion
    /// event go out at the next [`Endpoint::handle_timeout`], which the caller runs right
    /// after (early calls are harmless).
    pub fn import_chunk(
        &mut self,
        swarm_id: &SwarmId,
        chunk: u64,
        hashes: &[(Bin, Digest)],
        data: Bytes,
    ) -> Result<bool, ImportError> {
        let swarm = self
            .swarms
            .get_mut(swarm_id)
            .ok_or(ImportError::UnknownSwarm)?;
        if swarm.live.is_some() {
            return Err(ImportError::Live);
        }
        if swarm.have.contains(chunk) {
            return Ok(false);
        }
        match swarm.integrity.add_hashes(hashes) {
            Ok(()) => {}
            Err(error @ crate::merkle::IntegrityError::ConflictingHash { .. }) => {
                return Err(error.into());
            }
            // Outside the tree or not needed: the chunk's own check decides.
            Err(_) => {}
        }
        swarm.integrity.verify_chunk(chunk, &data)?;
        let (peaks, uncles) = swarm.integrity.chunk_proof(chunk).unwrap_or_default();
        let proof = super::ChunkProof {
            peaks: &peaks,
            uncles: &uncles,
        };
        let len = data.len() as u64;
        swarm.store.write_proven_chunk(chunk, data, proof)?;
        swarm.have.insert(chunk);
        swarm.picker.verified(chunk);
        swarm.newly_verified.push(chunk);
        swarm.stats.chunks_verified += 1;
        swarm.stats.payload_bytes_down += len;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use bytes::Bytes;
    use ppsp_wire::ids::SwarmId;
    use ppsp_wire::ppspp::MerkleHashFunction;

    use crate::engine::{Endpoint, EndpointConfig, MemoryStore, SwarmConfig, SwarmContent};
    use crate::hash::HashFunction;
    use crate::merkle::{MerkleTree, MerkleVerifier};
    use crate::swarm::SwarmMetadata;

    #[test]
    fn a_proven_chunk_verifies_against_the_swarm_id_alone() {
        let now = Instant::now();
        let content = Bytes::from((0..5 * 64 + 7).map(|i| i as u8).collect::<Vec<_>>());
        let tree = MerkleTree::from_content(HashFunction::Sha256, &content, 64).unwrap();
        let id = SwarmId::new(tree.root_hash().as_bytes().to_vec()).unwrap();
        let metadata = SwarmMetadata::static_content(
            id.clone(),
            64,
            MerkleHashFunction::Sha256,
            content.len() as u64,
        );
        let mut endpoint = Endpoint::new(EndpointConfig::default(), [1; 32], now);
        endpoint
            .add_swarm(
                now,
                SwarmConfig {
                    metadata,
                    store: Box::new(MemoryStore::from_content(&content, 64)),
                    content: SwarmContent::Seed(tree.clone()),
                },
            )
            .unwrap();
        assert!(endpoint.has_swarm(&id));
        assert_eq!(endpoint.local_availability(&id).map(|s| s.len()), Some(6));
        assert_eq!(endpoint.peer_links(&id), Some(Vec::new()));
        assert_eq!(
            (endpoint.open_links(), endpoint.upload_slots_in_use()),
            (0, 0)
        );

        let proven = endpoint.proven_chunk(&id, 3).unwrap();
        let mut verifier = MerkleVerifier::new(HashFunction::Sha256, tree.root_hash()).unwrap();
        assert_eq!(verifier.add_peaks(&proven.peaks), Ok(proven.chunk_count));
        for (bin, digest) in &proven.uncles {
            verifier.add_hash(*bin, *digest).unwrap();
        }
        assert_eq!(verifier.verify_chunk(3, &proven.data), Ok(()));
        assert!(endpoint.proven_chunk(&id, 6).is_none(), "past the end");
    }

    #[test]
    fn an_imported_chunk_is_verified_like_data_and_a_wrong_one_refused() {
        let now = Instant::now();
        let content = Bytes::from((0..4 * 64 + 9).map(|i| (i * 7) as u8).collect::<Vec<_>>());
        let tree = MerkleTree::from_content(HashFunction::Sha256, &content, 64).unwrap();
        let id = SwarmId::new(tree.root_hash().as_bytes().to_vec()).unwrap();
        let metadata = SwarmMetadata::static_content(
            id.clone(),
            64,
            MerkleHashFunction::Sha256,
            content.len() as u64,
        );
        let mut endpoint = Endpoint::new(EndpointConfig::default(), [2; 32], now);
        endpoint
            .add_swarm(
                now,
                SwarmConfig {
                    metadata,
                    store: Box::new(MemoryStore::new()),
                    content: SwarmContent::Download,
                },
            )
            .unwrap();
        let chunk = |i: usize| content.slice(i * 64..((i + 1) * 64).min(content.len()));
        let mut hashes = tree.peaks();
        hashes.extend(tree.uncles_for(1, |_| false).unwrap());
        let wrong = Bytes::from(vec![0u8; 64]);
        assert!(matches!(
            endpoint.import_chunk(&id, 1, &hashes, wrong),
            Err(super::ImportError::Integrity(_))
        ));
        assert_eq!(endpoint.import_chunk(&id, 1, &hashes, chunk(1)), Ok(true));
        assert_eq!(endpoint.import_chunk(&id, 1, &hashes, chunk(1)), Ok(false));
        assert!(endpoint.local_availability(&id).unwrap().contains(1));
        // The imported chunk can be proven onwards, as one received over a channel.
        let proven = endpoint.proven_chunk(&id, 1).unwrap();
        assert_eq!(proven.data, chunk(1));
        let other = SwarmId::new(vec![9; 32]).unwrap();
        assert_eq!(
            endpoint.import_chunk(&other, 0, &[], chunk(0)),
            Err(super::ImportError::UnknownSwarm)
        );
    }
}
