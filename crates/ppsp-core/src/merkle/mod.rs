//! Merkle hash trees over content (RFC 7574 section 5).
//!
//! The chunks of static content are the leaves of the smallest balanced binary tree with
//! enough leaves, numbered as [`Bin`]s. A leaf is the hash of its chunk, an inner node is
//! `hash(left ‖ right)`, and a node whose children both lie past the end of the content is
//! all zeros rather than a hash (section 5.1), so the root of a one-chunk file is the hash of
//! that chunk. The root hash is the swarm ID.
//!
//! * The sender side is [`MerkleTree`]: built from the content, it gives the peak hashes and,
//!   for each chunk it sends, the sibling and uncle hashes the receiver still lacks.
//! * The receiver side is [`MerkleVerifier`]: it starts from the root hash alone, learns the
//!   chunk count from the peak hashes (automatic size detection, section 5.6), and accepts a
//!   chunk only once it hashes up to a node it already trusts.
//!
//! Both keep node hashes by bin number in pages (see the `store` module): memory is about two
//! digests per chunk. A tree too large for memory can instead read its nodes from a
//! [`NodeSource`] (a file kept by the node runtime), see [`MerkleTree::from_node_source`].

mod error;
mod known;
mod peaks;
mod proof;
mod source;
mod store;
mod tree;
mod verifier;

pub use error::IntegrityError;
pub use peaks::{peak_bins, root_bin};
pub use source::NodeSource;
pub use tree::{MerkleTree, TreeError, known_after_acks};
pub use verifier::MerkleVerifier;

pub(crate) use known::KnownHashes;
pub(crate) use proof::uncles;
pub(crate) use store::NodeStore;

use crate::bin::Bin;
use crate::hash::{Digest, HashFunction};

/// The hash of a parent node: zero when both children are zero (nodes past the end of the
/// content), otherwise `hash(left ‖ right)`.
pub(crate) fn parent_hash(hash: HashFunction, left: &Digest, right: &Digest) -> Digest {
    if left.is_zero() && right.is_zero() {
        hash.zero()
    } else {
        hash.hash(&[left.as_bytes(), right.as_bytes()])
    }
}

/// The hash of the parent of `node`, whose hash is `value`, given its sibling's hash.
pub(crate) fn combine(hash: HashFunction, node: Bin, value: &Digest, sibling: &Digest) -> Digest {
    if node.is_left() {
        parent_hash(hash, value, sibling)
    } else {
        parent_hash(hash, sibling, value)
    }
}

/// Computes and stores every inner node under `top` from the leaves already in `nodes`.
///
/// Only nodes over the first `leaf_count` leaves of `top` are stored; nodes further right
/// cover no content and stay absent, which readers take as zero.
pub(crate) fn fill_inner_nodes(
    nodes: &mut NodeStore,
    hash: HashFunction,
    top: Bin,
    leaf_count: u64,
) {
    let zero = hash.zero();
    for layer in 1..=top.layer() {
        let first_index = top.first_chunk() >> layer;
        let count = leaf_count.div_ceil(1 << layer);
        for bin in
            (first_index..first_index + count).filter_map(|i| Bin::from_layer_index(layer, i))
        {
            if let (Some(left), Some(right)) = (bin.left(), bin.right()) {
                let left = nodes.get(left).unwrap_or(zero);
                let right = nodes.get(right).unwrap_or(zero);
                nodes.insert(bin, &parent_hash(hash, &left, &right));
            }
        }
    }
}

/// The content length of `chunk_count` chunks of `chunk_size` bytes whose last chunk is
/// `last_chunk_len` bytes: `(n − 1) · chunk_size + last_chunk_len` (RFC 7574 section 5.6).
///
/// `None` if the last chunk is empty or longer than a chunk, there are no chunks, or the
/// length overflows.
pub fn content_len(chunk_count: u64, chunk_size: u32, last_chunk_len: usize) -> Option<u64> {
    let last = u64::try_from(last_chunk_len).ok()?;
    if last == 0 || last > u64::from(chunk_size) {
        return None;
    }
    chunk_count
        .checked_sub(1)?
        .checked_mul(u64::from(chunk_size))?
        .checked_add(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_length_counts_the_short_last_chunk() {
        // RFC 7574 section 5.6: 7 chunks of 1 KiB, the last one 1018 bytes.
        assert_eq!(content_len(7, 1024, 1018), Some(7162));
        assert_eq!(content_len(1, 1024, 13), Some(13));
        assert_eq!(content_len(0, 1024, 13), None);
        assert_eq!(content_len(2, 1024, 0), None);
        assert_eq!(content_len(2, 1024, 1025), None);
    }

    #[test]
    fn two_zero_children_give_a_zero_parent() {
        let f = HashFunction::Sha1;
        assert!(parent_hash(f, &f.zero(), &f.zero()).is_zero());
        let leaf = f.hash(&[b"x"]);
        assert_eq!(
            parent_hash(f, &leaf, &f.zero()),
            f.hash(&[leaf.as_bytes(), f.zero().as_bytes()])
        );
    }
}
