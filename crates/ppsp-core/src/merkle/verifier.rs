//! The receiver's side of the Merkle tree: trust grows outwards from the root hash.

use super::{IntegrityError, KnownHashes, peaks, root_bin};
use crate::bin::Bin;
use crate::hash::{Digest, HashFunction};

/// Verifies received chunks of static content against its root hash (RFC 7574 section 5).
///
/// Hashes arrive in INTEGRITY messages before the DATA they serve. They are held as
/// *pending* until a chunk proves them: [`MerkleVerifier::verify_chunk`] hashes the chunk up
/// the tree with pending hashes until it meets a *verified* node; on a match, every hash on
/// the path becomes verified (so the next chunk nearby needs fewer), and on a mismatch the
/// pending hashes used are dropped. Nothing unverified ever becomes trusted.
///
/// The chunk count must be known before chunks are checked, since it fixes where the root
/// sits: from the peak hashes ([`MerkleVerifier::add_peaks`]) or given up front
/// ([`MerkleVerifier::with_chunk_count`]).
#[derive(Debug, Clone)]
pub struct MerkleVerifier {
    root_hash: Digest,
    shape: Option<Shape>,
    known: KnownHashes,
}

/// Where the tree's root sits, once the chunk count is known.
#[derive(Debug, Clone, Copy)]
struct Shape {
    chunk_count: u64,
    root: Bin,
}

impl MerkleVerifier {
    /// Most received hashes kept pending at once. A chunk needs at most 63, and RFC 7574
    /// sends them in the datagram of the chunk, so this bound only stops a flood.
    pub const MAX_PENDING_HASHES: usize = KnownHashes::MAX_PENDING;

    /// A verifier that trusts only `root_hash` (the swarm ID) and learns the chunk count from
    /// the peak hashes.
    pub fn new(hash: HashFunction, root_hash: Digest) -> Result<Self, IntegrityError> {
        let known = KnownHashes::new(hash);
        known.check_len(&root_hash)?;
        Ok(Self {
            root_hash,
            shape: None,
            known,
        })
    }

    /// A verifier for content whose chunk count is known from elsewhere.
    pub fn with_chunk_count(
        hash: HashFunction,
        root_hash: Digest,
        chunk_count: u64,
    ) -> Result<Self, IntegrityError> {
        let mut verifier = Self::new(hash, root_hash)?;
        verifier.set_chunk_count(chunk_count)?;
        Ok(verifier)
    }

    /// The hash function.
    pub fn hash_function(&self) -> HashFunction {
        self.known.hash_function()
    }

    /// The root hash trusted from the start.
    pub fn root_hash(&self) -> Digest {
        self.root_hash
    }

    /// The chunk count, once known.
    pub fn chunk_count(&self) -> Option<u64> {
        self.shape.map(|shape| shape.chunk_count)
    }

    /// Checks the peak hashes against the root and, if they combine to it, trusts them and
    /// returns the chunk count (automatic size detection, RFC 7574 section 5.6).
    ///
    /// `peaks` must be exactly the peaks (any order). The content length then follows from
    /// the last chunk, see [`super::content_len`].
    pub fn add_peaks(&mut self, peaks: &[(Bin, Digest)]) -> Result<u64, IntegrityError> {
        let hash = self.hash_function();
        let chunk_count = peaks::chunk_count_from_peaks(hash, &self.root_hash, peaks)?;
        if self.chunk_count().is_some_and(|known| known != chunk_count) {
            return Err(IntegrityError::PeaksMismatch);
        }
        self.set_chunk_count(chunk_count)?;
        for (bin, digest) in peaks {
            self.known.trust(*bin, digest);
        }
        Ok(chunk_count)
    }

    /// Takes a hash from an INTEGRITY message, to be proven by a later chunk.
    ///
    /// Refused: a hash of the wrong length, for a node outside the tree, differing from the
    /// verified hash of the same node (or non-zero for a node past the content), or beyond
    /// [`MerkleVerifier::MAX_PENDING_HASHES`].
    pub fn add_hash(&mut self, bin: Bin, digest: Digest) -> Result<(), IntegrityError> {
        if let Some(shape) = self.shape {
            if !shape.root.contains(bin) {
                return Err(IntegrityError::BinOutsideTree { bin });
            }
            if bin.first_chunk() >= shape.chunk_count {
                self.known.check_len(&digest)?;
                return if digest.is_zero() {
                    Ok(())
                } else {
                    Err(IntegrityError::ConflictingHash { bin })
                };
            }
        }
        self.known.offer(bin, digest)
    }

    /// Checks chunk `chunk` against the verified hashes, using pending hashes for the nodes
    /// in between. On success the chunk and every hash that proved it are verified.
    pub fn verify_chunk(&mut self, chunk: u64, data: &[u8]) -> Result<(), IntegrityError> {
        let hash = self.hash_function().hash(&[data]);
        self.verify_chunk_hash(chunk, hash)
    }

    /// [`MerkleVerifier::verify_chunk`] for a chunk whose hash (its leaf hash) the caller
    /// already has, such as a store that journals leaf hashes and rebuilds the verifier from
    /// them after a restart. Trust is established exactly as for the chunk itself.
    pub fn verify_chunk_hash(&mut self, chunk: u64, hash: Digest) -> Result<(), IntegrityError> {
        let shape = self.shape.ok_or(IntegrityError::SizeUnknown)?;
        let out_of_range = IntegrityError::ChunkOutOfRange {
            chunk,
            chunk_count: shape.chunk_count,
        };
        let leaf = Bin::chunk(chunk)
            .filter(|_| chunk < shape.chunk_count)
            .ok_or(out_of_range)?;
        let zero = self.hash_function().zero();
        self.known.verify_leaf_hash(leaf, hash, |bin| {
            (bin.first_chunk() >= shape.chunk_count).then_some(zero)
        })
    }

    /// The verified hash of `bin`, if any: what this peer may pass on to others.
    pub fn verified_hash(&self, bin: Bin) -> Option<Digest> {
        self.known.verified(bin)
    }

    fn set_chunk_count(&mut self, chunk_count: u64) -> Result<(), IntegrityError> {
        let root =
            root_bin(chunk_count).ok_or(IntegrityError::InvalidChunkCount { chunk_count })?;
        self.shape = Some(Shape { chunk_count, root });
        self.known.trust(root, &self.root_hash);
        self.known
            .retain_pending(|bin| root.contains(bin) && bin.first_chunk() < chunk_count);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::MerkleTree;

    const CHUNK: usize = 1024;

    /// The 7162-byte example of RFC 7574 section 5.6, with distinct chunks.
    fn content() -> Vec<u8> {
        (0..7162u32).map(|i| (i / 7) as u8).collect()
    }

    fn chunk(content: &[u8], index: usize) -> &[u8] {
        content.chunks(CHUNK).nth(index).unwrap()
    }

    fn setup() -> (Vec<u8>, MerkleTree, MerkleVerifier) {
        let content = content();
        let tree = MerkleTree::from_content(HashFunction::Sha256, &content, CHUNK as u32).unwrap();
        let verifier = MerkleVerifier::new(HashFunction::Sha256, tree.root_hash()).unwrap();
        (content, tree, verifier)
    }

    fn bin(raw: u64) -> Bin {
        Bin::new(raw).unwrap()
    }

    #[test]
    fn first_chunk_arrives_after_peaks_and_two_uncles() {
        let (content, tree, mut verifier) = setup();
        assert_eq!(verifier.add_peaks(&tree.peaks()), Ok(7));
        let peaks = [bin(3), bin(9), bin(12)];
        let uncles = tree.uncles_for(0, |b| peaks.contains(&b)).unwrap();
        assert_eq!(
            uncles.iter().map(|(b, _)| b.get()).collect::<Vec<_>>(),
            [5, 2]
        );
        for (b, d) in uncles {
            verifier.add_hash(b, d).unwrap();
        }
        assert_eq!(verifier.verify_chunk(0, chunk(&content, 0)), Ok(()));
        assert_eq!(verifier.verified_hash(bin(1)), tree.hash_of(bin(1)));
        // The last chunk is a peak itself: no hash needed, and its length gives the size.
        assert_eq!(verifier.verify_chunk(6, chunk(&content, 6)), Ok(()));
        assert_eq!(
            super::super::content_len(7, CHUNK as u32, chunk(&content, 6).len()),
            Some(7162)
        );
    }

    #[test]
    fn a_chunk_hash_verifies_like_the_chunk() {
        let (content, tree, mut verifier) = setup();
        verifier.add_peaks(&tree.peaks()).unwrap();
        for (b, d) in tree.uncles_for(0, |_| false).unwrap() {
            verifier.add_hash(b, d).unwrap();
        }
        let f = HashFunction::Sha256;
        let wrong = f.hash(&[b"not chunk 0"]);
        assert!(matches!(
            verifier.verify_chunk_hash(0, wrong),
            Err(IntegrityError::ChunkRejected { chunk: 0, .. })
        ));
        for (b, d) in tree.uncles_for(0, |_| false).unwrap() {
            verifier.add_hash(b, d).unwrap();
        }
        assert_eq!(
            verifier.verify_chunk_hash(0, f.hash(&[chunk(&content, 0)])),
            Ok(())
        );
        assert_eq!(verifier.verify_chunk(0, chunk(&content, 0)), Ok(()));
        assert!(matches!(
            verifier.verify_chunk_hash(1, Digest::from_slice(&[1; 20]).unwrap()),
            Err(IntegrityError::DigestLength { .. })
        ));
    }

    #[test]
    fn chunks_wait_for_the_size() {
        let (content, _, mut verifier) = setup();
        assert_eq!(
            verifier.verify_chunk(0, chunk(&content, 0)),
            Err(IntegrityError::SizeUnknown)
        );
    }

    #[test]
    fn a_missing_uncle_is_named_and_can_come_later() {
        let (content, tree, mut verifier) = setup();
        verifier.add_peaks(&tree.peaks()).unwrap();
        verifier
            .add_hash(bin(2), tree.hash_of(bin(2)).unwrap())
            .unwrap();
        assert_eq!(
            verifier.verify_chunk(0, chunk(&content, 0)),
            Err(IntegrityError::MissingHash {
                chunk: 0,
                bin: bin(5)
            })
        );
        verifier
            .add_hash(bin(5), tree.hash_of(bin(5)).unwrap())
            .unwrap();
        assert_eq!(verifier.verify_chunk(0, chunk(&content, 0)), Ok(()));
    }

    #[test]
    fn a_tampered_chunk_is_rejected_and_its_hashes_dropped() {
        let (content, tree, mut verifier) = setup();
        verifier.add_peaks(&tree.peaks()).unwrap();
        for (b, d) in tree.uncles_for(1, |_| false).unwrap() {
            verifier.add_hash(b, d).unwrap();
        }
        let mut bad = chunk(&content, 1).to_vec();
        bad[10] ^= 1;
        assert_eq!(
            verifier.verify_chunk(1, &bad),
            Err(IntegrityError::ChunkRejected {
                chunk: 1,
                bin: bin(3)
            })
        );
        assert!(matches!(
            verifier.verify_chunk(1, chunk(&content, 1)),
            Err(IntegrityError::MissingHash { .. })
        ));
    }

    #[test]
    fn a_hash_contradicting_a_verified_one_is_refused() {
        let (_, tree, mut verifier) = setup();
        verifier.add_peaks(&tree.peaks()).unwrap();
        let wrong = HashFunction::Sha256.hash(&[b"not it"]);
        assert_eq!(
            verifier.add_hash(bin(9), wrong),
            Err(IntegrityError::ConflictingHash { bin: bin(9) })
        );
        assert_eq!(
            verifier.add_hash(bin(14), wrong),
            Err(IntegrityError::ConflictingHash { bin: bin(14) })
        );
        assert_eq!(
            verifier.add_hash(bin(14), HashFunction::Sha256.zero()),
            Ok(())
        );
        assert_eq!(
            verifier.add_hash(bin(15), wrong),
            Err(IntegrityError::BinOutsideTree { bin: bin(15) })
        );
    }

    #[test]
    fn a_known_count_implies_the_zero_padding() {
        let content = content();
        let tree = MerkleTree::from_content(HashFunction::Sha1, &content, CHUNK as u32).unwrap();
        let mut verifier =
            MerkleVerifier::with_chunk_count(HashFunction::Sha1, tree.root_hash(), 7).unwrap();
        // Chunk 6's sibling (bin 14) is padding; only 9 and 3 are needed.
        verifier
            .add_hash(bin(3), tree.hash_of(bin(3)).unwrap())
            .unwrap();
        verifier
            .add_hash(bin(9), tree.hash_of(bin(9)).unwrap())
            .unwrap();
        assert_eq!(verifier.verify_chunk(6, chunk(&content, 6)), Ok(()));
        assert_eq!(
            verifier.verify_chunk(7, b"x"),
            Err(IntegrityError::ChunkOutOfRange {
                chunk: 7,
                chunk_count: 7
            })
        );
    }

    #[test]
    fn a_wrong_known_count_rejects_everything() {
        let content = content();
        let tree = MerkleTree::from_content(HashFunction::Sha1, &content, CHUNK as u32).unwrap();
        let mut verifier =
            MerkleVerifier::with_chunk_count(HashFunction::Sha1, tree.root_hash(), 3).unwrap();
        for (b, d) in tree.uncles_for(0, |_| false).unwrap() {
            let _ = verifier.add_hash(b, d);
        }
        assert!(verifier.verify_chunk(0, chunk(&content, 0)).is_err());
        assert_eq!(
            verifier.add_peaks(&tree.peaks()),
            Err(IntegrityError::PeaksMismatch)
        );
    }

    #[test]
    fn pending_hashes_are_bounded() {
        let (_, _, mut verifier) = setup();
        let digest = HashFunction::Sha256.hash(&[b"x"]);
        for raw in 0..MerkleVerifier::MAX_PENDING_HASHES as u64 {
            verifier.add_hash(bin(raw * 2), digest).unwrap();
        }
        assert_eq!(
            verifier.add_hash(bin(1), digest),
            Err(IntegrityError::TooManyPendingHashes {
                limit: MerkleVerifier::MAX_PENDING_HASHES
            })
        );
    }

    #[test]
    fn hashes_of_the_wrong_length_are_refused() {
        let short = Digest::from_slice(&[1; 20]).unwrap();
        assert_eq!(
            MerkleVerifier::new(HashFunction::Sha256, short).unwrap_err(),
            IntegrityError::DigestLength {
                expected: 32,
                got: 20
            }
        );
        let (_, _, mut verifier) = setup();
        assert!(matches!(
            verifier.add_hash(bin(2), short),
            Err(IntegrityError::DigestLength { .. })
        ));
    }
}
