//! The sender's Merkle tree: every node hash of content it has in full.

use std::cell::Cell;
use std::sync::Arc;

use super::peaks::chunk_count_from_peaks;
use super::proof::uncles;
use super::{NodeSource, NodeStore, fill_inner_nodes, peak_bins, root_bin};
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
    /// A node source could not give the hash of a node the tree needs up front (the root or
    /// a peak), or gave one of the wrong length.
    #[error("the node store cannot give the hash of bin {bin}")]
    UnreadableNode {
        /// The node.
        bin: Bin,
    },
    /// A node source's peak hashes do not combine to its root hash: it does not hold a tree
    /// of the stated chunk count.
    #[error("the node store's peak hashes do not combine to its root hash")]
    InconsistentNodes,
}

/// The complete hash tree of static content (RFC 7574 section 5.1), as kept by a seeder.
///
/// Holds about two digests per chunk, in memory or, for large content, in a [`NodeSource`]
/// such as a file ([`MerkleTree::from_node_source`]); nodes that cover only padding past the
/// content are implied zeros and not stored. The root and peak hashes are always in memory.
#[derive(Debug, Clone)]
pub struct MerkleTree {
    hash: HashFunction,
    chunk_count: u64,
    root: Bin,
    root_hash: Digest,
    peaks: Vec<(Bin, Digest)>,
    nodes: Nodes,
}

/// Where a tree's node hashes are kept.
#[derive(Debug, Clone)]
enum Nodes {
    /// In memory pages, filled from the leaves by this crate.
    Memory(NodeStore),
    /// Outside the tree, read on demand.
    Source(Arc<dyn NodeSource>),
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
        let zero = hash.zero();
        let root_hash = nodes.get(root).unwrap_or(zero);
        let peaks = peak_bins(chunk_count)
            .map(|bin| (bin, nodes.get(bin).unwrap_or(zero)))
            .collect();
        Ok(Self {
            hash,
            chunk_count,
            root,
            root_hash,
            peaks,
            nodes: Nodes::Memory(nodes),
        })
    }

    /// A tree of `chunk_count` chunks whose node hashes `source` holds, for content whose
    /// tree is too large for memory.
    ///
    /// The root and peak hashes are read now and kept; they must be readable and combine to
    /// each other, which catches a source built for other content or another chunk count.
    /// Other nodes are read when asked for, and a node the source cannot give makes
    /// [`MerkleTree::hash_of`] and [`MerkleTree::uncles_for`] return `None`.
    pub fn from_node_source(
        hash: HashFunction,
        chunk_count: u64,
        source: Arc<dyn NodeSource>,
    ) -> Result<Self, TreeError> {
        let root = root_bin(chunk_count).ok_or(TreeError::NoChunks)?;
        let read = |bin: Bin| {
            source
                .node_hash(bin)
                .filter(|digest| digest.len() == hash.digest_len())
                .ok_or(TreeError::UnreadableNode { bin })
        };
        let root_hash = read(root)?;
        let peaks = peak_bins(chunk_count)
            .map(|bin| Ok((bin, read(bin)?)))
            .collect::<Result<Vec<_>, TreeError>>()?;
        if chunk_count_from_peaks(hash, &root_hash, &peaks) != Ok(chunk_count) {
            return Err(TreeError::InconsistentNodes);
        }
        Ok(Self {
            hash,
            chunk_count,
            root,
            root_hash,
            peaks,
            nodes: Nodes::Source(source),
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
        self.root_hash
    }

    /// The hash of `bin`: zero for nodes past the content, `None` outside the tree (or, for
    /// a tree in a [`NodeSource`], if the source cannot give it).
    pub fn hash_of(&self, bin: Bin) -> Option<Digest> {
        self.root.contains(bin).then(|| self.node(bin)).flatten()
    }

    /// The peak hashes, left to right, as sent before the first chunk to a peer that may not
    /// know the content size (RFC 7574 section 5.6).
    pub fn peaks(&self) -> Vec<(Bin, Digest)> {
        self.peaks.clone()
    }

    /// The hashes to send with `chunk`: its sibling and uncles up to the first node
    /// `receiver_has`, skipping any it has, ordered by tree height descending as INTEGRITY
    /// messages go into a datagram (RFC 7574 section 5.4). `None` if the chunk is past the end.
    ///
    /// `receiver_has(bin)` tells whether the receiver already holds a verified hash of `bin`;
    /// the root is assumed known. [`known_after_acks`] derives it from acknowledged chunks.
    /// Also `None` for a tree in a [`NodeSource`] that cannot give one of the hashes.
    pub fn uncles_for(
        &self,
        chunk: u64,
        receiver_has: impl Fn(Bin) -> bool,
    ) -> Option<Vec<(Bin, Digest)>> {
        let leaf = Bin::chunk(chunk).filter(|_| chunk < self.chunk_count)?;
        let unreadable = Cell::new(false);
        let hashes = uncles(leaf, self.root, receiver_has, |bin| {
            self.node(bin).unwrap_or_else(|| {
                unreadable.set(true);
                self.hash.zero()
            })
        });
        (!unreadable.get()).then_some(hashes)
    }

    /// The hash of a node in the tree: zero for a node past the content, `None` if a node
    /// source cannot give it.
    fn node(&self, bin: Bin) -> Option<Digest> {
        let zero = self.hash.zero();
        match &self.nodes {
            Nodes::Memory(nodes) => Some(nodes.get(bin).unwrap_or(zero)),
            Nodes::Source(_) if bin.first_chunk() >= self.chunk_count => Some(zero),
            Nodes::Source(source) => source
                .node_hash(bin)
                .filter(|digest| digest.len() == self.hash.digest_len()),
        }
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

    /// A node source holding a copy of an in-memory tree's nodes, minus the `missing` ones.
    #[derive(Debug)]
    struct CopiedNodes {
        nodes: std::collections::BTreeMap<Bin, Digest>,
    }

    impl NodeSource for CopiedNodes {
        fn node_hash(&self, bin: Bin) -> Option<Digest> {
            self.nodes.get(&bin).copied()
        }
    }

    fn copied(tree: &MerkleTree, missing: &[u64]) -> Arc<dyn NodeSource> {
        let nodes = (0..=2 * tree.root_bin().get())
            .filter_map(Bin::new)
            .filter(|b| !missing.contains(&b.get()))
            .filter_map(|b| Some((b, tree.hash_of(b)?)))
            .collect();
        Arc::new(CopiedNodes { nodes })
    }

    #[test]
    fn a_tree_in_a_node_source_answers_like_one_in_memory() {
        let f = HashFunction::Sha256;
        let memory = MerkleTree::from_content(f, &[3; 7162], 1024).unwrap();
        let sourced = MerkleTree::from_node_source(f, 7, copied(&memory, &[])).unwrap();
        assert_eq!(sourced.root_hash(), memory.root_hash());
        assert_eq!(sourced.peaks(), memory.peaks());
        for raw in 0..16 {
            assert_eq!(
                sourced.hash_of(bin(raw)),
                memory.hash_of(bin(raw)),
                "bin {raw}"
            );
        }
        for chunk in 0..8 {
            assert_eq!(
                sourced.uncles_for(chunk, |_| false),
                memory.uncles_for(chunk, |_| false)
            );
        }
    }

    #[test]
    fn an_unreadable_node_is_never_replaced_by_a_wrong_hash() {
        let f = HashFunction::Sha1;
        let memory = MerkleTree::from_content(f, &[3; 7162], 1024).unwrap();
        let sourced = MerkleTree::from_node_source(f, 7, copied(&memory, &[2])).unwrap();
        assert_eq!(sourced.hash_of(bin(2)), None);
        assert_eq!(sourced.uncles_for(0, |_| false), None);
        assert!(sourced.uncles_for(4, |_| false).is_some());
        assert_eq!(
            MerkleTree::from_node_source(f, 7, copied(&memory, &[9])).unwrap_err(),
            TreeError::UnreadableNode { bin: bin(9) }
        );
        // The same nodes read as a tree of another size do not fit together.
        assert_eq!(
            MerkleTree::from_node_source(f, 6, copied(&memory, &[])).unwrap_err(),
            TreeError::InconsistentNodes
        );
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
