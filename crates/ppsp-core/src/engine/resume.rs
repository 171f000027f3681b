//! Joining a swarm with part of its content already verified (a download resumed after a
//! restart): the state handed in must belong to the swarm before the engine announces it.

use super::ChunkStore;
use super::event::EngineError;
use crate::availability::ChunkSet;
use crate::chunk_range::ChunkRange;
use crate::hash::{Digest, HashFunction};
use crate::merkle::{MerkleVerifier, content_len, peak_bins};
use crate::swarm::SwarmMetadata;

/// A resumed download, checked against the swarm.
pub(crate) struct Resumed {
    pub(crate) verifier: MerkleVerifier,
    /// The verified chunks, to announce and never request again.
    pub(crate) have: ChunkSet,
    /// Whether every peak hash is trusted (automatic size detection is then done).
    pub(crate) peaks_known: bool,
    pub(crate) content_length: Option<u64>,
}

/// Checks that `verifier` is rooted at the swarm ID with the swarm's hash function and chunk
/// count, and that `verified` lies within the content, each chunk with a trusted leaf hash.
/// The content length comes from the metadata or, if the last chunk is held, from its size.
pub(crate) fn check(
    metadata: &SwarmMetadata,
    store: &dyn ChunkStore,
    verified: ChunkSet,
    verifier: MerkleVerifier,
) -> Result<Resumed, EngineError> {
    let hash = HashFunction::from(metadata.merkle_hash_function);
    let root = Digest::from_slice(metadata.swarm_id.as_bytes());
    if verifier.hash_function() != hash || Some(verifier.root_hash()) != root {
        return Err(EngineError::TreeMismatch(
            "the resumed verifier has another root hash or hash function",
        ));
    }
    let count = verifier.chunk_count();
    if let (Some(expected), Some(found)) = (metadata.chunk_count(), count)
        && expected != found
    {
        return Err(EngineError::TreeMismatch(
            "the resumed verifier has another chunk count",
        ));
    }
    if let Some(last) = verified.runs().next_back().map(ChunkRange::last) {
        if count.is_none_or(|n| last >= n) {
            return Err(EngineError::InvalidMetadata(format!(
                "resumed chunk {last} lies beyond the content ({} chunks)",
                count.map_or_else(|| "unknown".to_string(), |n| n.to_string())
            )));
        }
        // Every run's ends must be proven leaves: cheap, and catches a set from another
        // verifier without walking millions of chunks.
        for run in verified.runs() {
            for chunk in [run.first(), run.last()] {
                let leaf = crate::bin::Bin::chunk(chunk);
                if leaf.and_then(|bin| verifier.verified_hash(bin)).is_none() {
                    return Err(EngineError::TreeMismatch(
                        "a resumed chunk has no verified hash",
                    ));
                }
            }
        }
    }
    let peaks_known =
        count.is_some_and(|n| peak_bins(n).all(|bin| verifier.verified_hash(bin).is_some()));
    let content_length = metadata.content_length.or_else(|| {
        let last = count?.checked_sub(1)?;
        let size = metadata.fixed_chunk_size()?;
        let data = verified
            .contains(last)
            .then(|| store.read_chunk(last))
            .flatten()?;
        content_len(count?, size, data.len())
    });
    Ok(Resumed {
        verifier,
        have: verified,
        peaks_known,
        content_length,
    })
}
