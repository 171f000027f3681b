//! Content integrity behind one small trait, so that the engine does not care whether chunks
//! are checked against a static Merkle root (RFC 7574 section 5) or, later, against signed
//! live munros (section 6).

use std::cell::Cell;

use super::live::LiveIntegrity;
use crate::bin::Bin;
use crate::hash::Digest;
use crate::merkle::{IntegrityError, MerkleTree, MerkleVerifier, peak_bins, root_bin, uncles};

/// Node hashes by bin.
pub(crate) type Hashes = Vec<(Bin, Digest)>;

/// What the engine needs from a content-integrity method.
pub(crate) trait Integrity: Send {
    /// Chunks in the content, once known.
    fn chunk_count(&self) -> Option<u64>;

    /// Takes the hashes of the INTEGRITY messages that arrived together (one run of them in
    /// one datagram), in order. Peaks lead such a run when the sender thinks we may not know
    /// the size (section 5.6); they are recognised here.
    fn add_hashes(&mut self, hashes: &[(Bin, Digest)]) -> Result<(), IntegrityError>;

    /// Checks a chunk against the trusted hashes.
    fn verify_chunk(&mut self, chunk: u64, data: &[u8]) -> Result<(), IntegrityError>;

    /// The peak hashes, sent ahead of the first chunk to a peer (section 5.6).
    fn peaks(&self) -> Option<Vec<(Bin, Digest)>>;

    /// The sibling and uncle hashes a receiver needs with `chunk`, height descending, given
    /// the nodes it holds (`receiver_has`, which must cover the peaks). `None` if we cannot
    /// prove the chunk.
    fn proof(&self, chunk: u64, receiver_has: &dyn Fn(Bin) -> bool) -> Option<Vec<(Bin, Digest)>>;

    /// What connects a verified `chunk` to the swarm ID, for stores that keep their own hash
    /// tree: the peaks (empty unless all are trusted) and the uncles up to a peak or the
    /// root. `None` if a hash on the way is not trusted.
    fn chunk_proof(&self, chunk: u64) -> Option<(Hashes, Hashes)> {
        let peaks = self.peaks().unwrap_or_default();
        let uncles = self.proof(chunk, &|bin| peaks.iter().any(|(p, _)| *p == bin))?;
        Some((peaks, uncles))
    }
    /// The live-stream side (signatures, RFC 7574 section 6), for live swarms only.
    fn live(&self) -> Option<&LiveIntegrity> {
        None
    }

    /// The live-stream side, mutably.
    fn live_mut(&mut self) -> Option<&mut LiveIntegrity> {
        None
    }
}

/// Static content protected by a Merkle hash tree (content integrity method 1).
pub(crate) enum StaticMerkle {
    /// We hold the whole tree.
    Seed(MerkleTree),
    /// We learn it, starting from the root hash.
    Download {
        /// The receiver-side tree.
        verifier: MerkleVerifier,
        /// Whether the peak hashes are verified (which also fixes the chunk count).
        peaks_known: bool,
    },
}

impl StaticMerkle {
    /// The leading INTEGRITY hashes that may be peaks: the longest prefix of bins tiling the
    /// chunks from 0 with strictly shrinking sizes.
    fn peak_prefix(hashes: &[(Bin, Digest)]) -> usize {
        let mut next_chunk = 0;
        let mut layer = u32::MAX;
        hashes
            .iter()
            .take_while(|(bin, _)| {
                let fits = bin.first_chunk() == next_chunk && bin.layer() < layer;
                next_chunk = bin.last_chunk().saturating_add(1);
                layer = bin.layer();
                fits
            })
            .count()
    }
}

impl Integrity for StaticMerkle {
    fn chunk_count(&self) -> Option<u64> {
        match self {
            Self::Seed(tree) => Some(tree.chunk_count()),
            Self::Download { verifier, .. } => verifier.chunk_count(),
        }
    }

    fn add_hashes(&mut self, hashes: &[(Bin, Digest)]) -> Result<(), IntegrityError> {
        let Self::Download {
            verifier,
            peaks_known,
        } = self
        else {
            return Ok(());
        };
        let mut rest = hashes;
        if !*peaks_known {
            // Try the longest plausible peak set first; an uncle can never extend a true one.
            let prefix = Self::peak_prefix(hashes);
            if let Some(len) = (1..=prefix)
                .rev()
                .find(|&len| verifier.add_peaks(&hashes[..len]).is_ok())
            {
                *peaks_known = true;
                rest = &hashes[len..];
            }
        }
        for (bin, digest) in rest {
            match verifier.add_hash(*bin, *digest) {
                Ok(()) => {}
                Err(err @ IntegrityError::ConflictingHash { .. }) => return Err(err),
                // Outside the tree, too many pending: useless but not proof of malice.
                Err(_) => {}
            }
        }
        Ok(())
    }

    fn verify_chunk(&mut self, chunk: u64, data: &[u8]) -> Result<(), IntegrityError> {
        match self {
            Self::Seed(tree) => {
                let leaf = Bin::chunk(chunk).ok_or(IntegrityError::ChunkOutOfRange {
                    chunk,
                    chunk_count: tree.chunk_count(),
                })?;
                let expected = tree.hash_of(leaf).filter(|_| chunk < tree.chunk_count());
                match expected {
                    Some(hash) if hash == tree.hash_function().hash(&[data]) => Ok(()),
                    Some(_) => Err(IntegrityError::ChunkRejected { chunk, bin: leaf }),
                    None => Err(IntegrityError::ChunkOutOfRange {
                        chunk,
                        chunk_count: tree.chunk_count(),
                    }),
                }
            }
            Self::Download { verifier, .. } => verifier.verify_chunk(chunk, data),
        }
    }

    fn peaks(&self) -> Option<Vec<(Bin, Digest)>> {
        match self {
            Self::Seed(tree) => Some(tree.peaks()),
            Self::Download { verifier, .. } => peak_bins(verifier.chunk_count()?)
                .map(|bin| Some((bin, verifier.verified_hash(bin)?)))
                .collect(),
        }
    }

    fn proof(&self, chunk: u64, receiver_has: &dyn Fn(Bin) -> bool) -> Option<Vec<(Bin, Digest)>> {
        match self {
            Self::Seed(tree) => tree.uncles_for(chunk, receiver_has),
            Self::Download { verifier, .. } => {
                let count = verifier.chunk_count()?;
                let leaf = Bin::chunk(chunk).filter(|_| chunk < count)?;
                let missing = Cell::new(false);
                let zero = verifier.hash_function().zero();
                let hashes = uncles(leaf, root_bin(count)?, receiver_has, |bin| {
                    if bin.first_chunk() >= count {
                        return zero;
                    }
                    verifier.verified_hash(bin).unwrap_or_else(|| {
                        missing.set(true);
                        zero
                    })
                });
                (!missing.get()).then_some(hashes)
            }
        }
    }
}
