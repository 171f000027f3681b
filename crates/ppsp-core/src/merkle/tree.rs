//! The sender's Merkle tree: every node hash of content it has in full.

use super::proof::uncles;
use super::{NodeStore, fill_inner_nodes, peak_bins, root_bin};
use crate::availability::ChunkSet;
use crate::bin::Bin;
use crate::hash::{Digest, HashFunction};

/// Why a tree could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// There is no chunk to build a tree over.
    #[error("content has no chunks")]
    NoChunks,
    /// The chunk size is zero.
    #[error("chunk size must be at least 1 byte")]
    ZeroChunkSize,
    /// A leaf hash has the wrong length for the hash function.
    #[error("leaf hash {index} has {got} bytes where the hash function gives {expected}")]
    DigestLength {
        /// Position of the leaf.
        index: usize,
        /// Length of the function's hashes.
        expected: usize,
        /// Length given.
        got: usize,
    },
}

/// The complete hash tree of static content (RFC 7574 section 5.1), as kept by a seeder.
///
/// Holds about two digests per chunk; nodes that cover only padding past the content are
/// implied zeros and not stored.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    hash: HashFunction,
    chunk_count: u64,
    root: Bin,
    nodes: NodeStore,
}

impl MerkleTree {
    /// Builds the tree over the hashes of the chunks, in chunk order.
    pub fn from_leaf_hashes(hash: HashFunction, leaves: &[Digest]) -> Result<Self, TreeError> {
        let chunk_count = leaves.len() as u64;
        let root = root_bin(chunk_count).ok_or(TreeError::NoChunks)?;
        let mut nodes = NodeStore::new(hash.digest_len());
        for ((index, leaf), chunk) in leaves.iter().enumerate().zip(0..) {
            if leaf.len() != hash.digest_len() {
                let (expected, got) = (hash.digest_len(), leaf.len());
                return Err(TreeError::DigestLength {
                    index,
                    expected,
                    got,
                });
            }
            if let Some(bin) = Bin::chunk(chunk) {
                nodes.insert(bin, leaf);
            }
        }
        fill_inner_nodes(&mut nodes, hash, root, chunk_count);
        Ok(Self {
            hash,
            chunk_count,
            root,
            nodes,
        })
    }

    /// Builds the tree of `content` cut into chunks of `chunk_size` bytes (the last one may
    /// be shorter).
    pub fn from_content(
        hash: HashFunction,
        content: &[u8],
        chunk_size: u32,
    ) -> Result<Self, TreeError> {
        if chunk_size == 0 {
            return Err(TreeError::ZeroChunkSize);
        }
        let leaves: Vec<Digest> = content
            .chunks(chunk_size as usize)
            .map(|chunk| hash.hash(&[chunk]))
            .collect();
        Self::from_leaf_hashes(hash, &leaves)
    }

    /// The hash function.
    pub fn hash_function(&self) -> HashFunction {
        self.hash
    }

    /// Number of chunks.
    pub fn chunk_count(&self) -> u64 {
        self.chunk_count
    }

    /// The root node.
    pub fn root_bin(&self) -> Bin {
        self.root
    }

    /// The root hash: the swarm ID of static content.
    pub fn root_hash(&self) -> Digest {
        self.node(self.root)
    }

    /// The hash of `bin`: zero for nodes past the content, `None` outside the tree.
    pub fn hash_of(&self, bin: Bin) -> Option<Digest> {
        self.root.contains(bin).then(|| self.node(bin))
    }

    /// The peak hashes, left to right, as sent before the first chunk to a peer that may not
    /// know the content size (RFC 7574 section 5.6).
    pub fn peaks(&self) -> Vec<(Bin, Digest)> {
        peak_bins(self.chunk_count)
            .map(|bin| (bin, self.node(bin)))
            .collect()
    }

    /// The hashes to send with `chunk`: its sibling and uncles up to the first node
    /// `receiver_has`, skipping any it has, ordered by tree height descending as INTEGRITY
    /// messages go into a datagram (RFC 7574 section 5.4). `None` if the chunk is past the end.
    ///
    /// `receiver_has(bin)` tells whether the receiver already holds a verified hash of `bin`;
    /// the root is assumed known. [`known_after_acks`] derives it from acknowledged chunks.
    pub fn uncles_for(
        &self,
        chunk: u64,
        receiver_has: impl Fn(Bin) -> bool,
    ) -> Option<Vec<(Bin, Digest)>> {
        let leaf = Bin::chunk(chunk).filter(|_| chunk < self.chunk_count)?;
        Some(uncles(leaf, self.root, receiver_has, |bin| self.node(bin)))
    }

    /// The stored hash of a node in the tree, or zero for a node past the content.
    fn node(&self, bin: Bin) -> Digest {
        self.nodes.get(bin).unwrap_or_else(|| self.hash.zero())
    }
}

/// Which hashes a receiver holds once it has verified the chunks in `acked` against the root:
/// every node on the path from those chunks to the root and every sibling of such a node, i.e.
/// every node whose parent covers an acknowledged chunk.
///
/// A sender passes this to [`MerkleTree::uncles_for`] to leave out hashes the receiver must
/// already have (RFC 7574 section 5.4). If the receiver got the peak hashes, combine it with
/// membership of the peak bins.
pub fn known_after_acks(acked: &ChunkSet) -> impl Fn(Bin) -> bool + '_ {
    |bin| acked.intersects(bin.parent().unwrap_or(bin).chunks())
}

#[cfg(test)]
mod tests {
    use ppsp_wire::ids::from_hex;

    use super::*;
    use crate::chunk_range::ChunkRange;

    fn bin(raw: u64) -> Bin {
        Bin::new(raw).unwrap()
    }

    fn hex(digest: Digest) -> String {
        digest.to_string()
    }

    #[test]
    fn one_chunk_root_is_the_chunk_hash_tv1() {
        let content = b"Hello world!\n";
        let sha1 = MerkleTree::from_content(HashFunction::Sha1, content, 1024).unwrap();
        assert_eq!(
            hex(sha1.root_hash()),
            "47a013e660d408619d894b20806b1d5086aab03b"
        );
        assert_eq!(sha1.root_bin(), bin(0));
        let sha256 = MerkleTree::from_content(HashFunction::Sha256, content, 1024).unwrap();
        assert_eq!(
            hex(sha256.root_hash()),
            "0ba904eae8773b70c75333db4de2f3ac45a8ad4ddba1b242f0b3cfc199391dd8"
        );
        assert_eq!(sha1.uncles_for(0, |_| false), Some(vec![]));
    }

    #[test]
    fn libswift_hashtest_vectors_tv3() {
        let small = MerkleTree::from_content(HashFunction::Sha1, b"123\n", 1024).unwrap();
        assert_eq!(
            hex(small.root_hash()),
            "a8fdc205a9f19cc1c7507a60c4f01b13d11d7fd0"
        );
        let dollars = MerkleTree::from_content(HashFunction::Sha1, &[b'$'; 1028], 1024).unwrap();
        assert_eq!(dollars.chunk_count(), 2);
        assert_eq!(
            hex(dollars.hash_of(bin(0)).unwrap()),
            "4d38c7459a659d769bb956c2d758d266008199a4"
        );
        assert_eq!(
            hex(dollars.hash_of(bin(2)).unwrap()),
            "a923e4b60d2a2a2a5ede87479e0314b028e3ae60"
        );
        assert_eq!(
            hex(dollars.root_hash()),
            "5b53677d3a695f29f1b4e18ab6d705312ef7f8c3"
        );
    }

    #[test]
    fn parents_hash_their_children_and_padding_is_zero() {
        let f = HashFunction::Sha256;
        let tree = MerkleTree::from_content(f, &[7; 5 * 16], 16).unwrap();
        assert_eq!(tree.root_bin(), bin(7));
        let (n8, n10) = (
            tree.hash_of(bin(8)).unwrap(),
            tree.hash_of(bin(10)).unwrap(),
        );
        assert!(n10.is_zero());
        assert_eq!(
            tree.hash_of(bin(9)),
            Some(f.hash(&[n8.as_bytes(), n10.as_bytes()]))
        );
        assert!(tree.hash_of(bin(13)).unwrap().is_zero());
        assert_eq!(tree.hash_of(bin(15)), None);
    }

    #[test]
    fn seven_chunks_have_peaks_3_9_12() {
        let tree = MerkleTree::from_content(HashFunction::Sha1, &[1; 7162], 1024).unwrap();
        let peaks: Vec<Bin> = tree.peaks().into_iter().map(|(b, _)| b).collect();
        assert_eq!(peaks, [bin(3), bin(9), bin(12)]);
    }

    #[test]
    fn progressive_download_sends_the_rfc_hashes() {
        // RFC 7574 section 5.4: an 8-chunk tree fetched in order, each chunk acked before the
        // next is sent, needs 7 hashes in all.
        let tree = MerkleTree::from_content(HashFunction::Sha1, &[9; 8 * 64], 64).unwrap();
        let expected: [&[u64]; 8] = [&[11, 5, 2], &[], &[6], &[], &[13, 10], &[], &[14], &[]];
        let mut acked = ChunkSet::new();
        for (chunk, want) in (0..).zip(expected) {
            let sent = tree.uncles_for(chunk, known_after_acks(&acked)).unwrap();
            let bins: Vec<u64> = sent.iter().map(|(b, _)| b.get()).collect();
            assert_eq!(bins, want, "chunk {chunk}");
            acked.insert(chunk);
        }
    }

    #[test]
    fn after_acks_of_chunks_0_and_1_the_far_chunks_need_two_hashes() {
        // RFC 7574 section 5.4 example ("nodes 14 and 9"): with C0 and C1 acknowledged, the
        // chunk at bin 12 needs its sibling 14 and uncle 9; the one at bin 14 needs 12 and 9.
        let tree = MerkleTree::from_content(HashFunction::Sha1, &[9; 8 * 64], 64).unwrap();
        let acked: ChunkSet = ChunkRange::new(0, 1).into_iter().collect();
        for (chunk, want) in [(6, [9, 14]), (7, [9, 12])] {
            let sent = tree.uncles_for(chunk, known_after_acks(&acked)).unwrap();
            assert_eq!(sent.iter().map(|(b, _)| b.get()).collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn chunks_past_the_end_have_no_uncles() {
        let tree = MerkleTree::from_content(HashFunction::Sha1, &[1; 7162], 1024).unwrap();
        assert_eq!(tree.uncles_for(7, |_| false), None);
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert_eq!(
            MerkleTree::from_content(HashFunction::Sha1, b"", 1024).unwrap_err(),
            TreeError::NoChunks
        );
        assert_eq!(
            MerkleTree::from_content(HashFunction::Sha1, b"x", 0).unwrap_err(),
            TreeError::ZeroChunkSize
        );
        let wrong = Digest::from_slice(&from_hex("00ff").unwrap()).unwrap();
        assert!(matches!(
            MerkleTree::from_leaf_hashes(HashFunction::Sha1, &[wrong]),
            Err(TreeError::DigestLength {
                index: 0,
                expected: 20,
                got: 2
            })
        ));
    }
}
