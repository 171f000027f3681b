//! Proofs that a chunk belongs under a trusted node (RFC 7574 sections 5.3 and 5.4).
//!
//! A proof is the chunk's sibling hash and its uncles (the siblings of its ancestors) up to a
//! node the receiver trusts. [`uncles`] lists them for a sender; [`climb`] checks them for a
//! receiver: from the chunk's leaf it hashes up with each sibling until it reaches a trusted
//! node, and the chunk is authentic if the computed hash equals the trusted one.

use super::combine;
use crate::bin::Bin;
use crate::hash::{Digest, HashFunction};

/// The sibling and uncle hashes of `leaf` below `top` that `receiver_has` does not cover,
/// ordered by tree height descending (the order of INTEGRITY messages in a datagram).
///
/// The walk stops at `top` or at the first node the receiver has, whichever comes first.
pub(crate) fn uncles(
    leaf: Bin,
    top: Bin,
    receiver_has: impl Fn(Bin) -> bool,
    hash_of: impl Fn(Bin) -> Digest,
) -> Vec<(Bin, Digest)> {
    let mut node = leaf;
    let mut found = Vec::new();
    while node != top && !receiver_has(node) {
        let (Some(sibling), Some(parent)) = (node.sibling(), node.parent()) else {
            break;
        };
        if !receiver_has(sibling) {
            found.push((sibling, hash_of(sibling)));
        }
        node = parent;
    }
    found.reverse();
    found
}

/// Why a climb did not end at a matching trusted hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClimbError {
    /// The hash of this node, a sibling on the way, is not available.
    Missing(Bin),
    /// The computed hash differs from the trusted hash of this node.
    Mismatch(Bin),
}

/// Climbs from `leaf`, whose hash is `leaf_hash`, to the first node `trusted` knows.
///
/// `sibling` gives the hash to use for a sibling on the way (trusted, received or implied).
/// On success, returns the nodes passed and their siblings with their hashes, all of which
/// are now proven.
pub(crate) fn climb(
    hash: HashFunction,
    leaf: Bin,
    leaf_hash: Digest,
    trusted: impl Fn(Bin) -> Option<Digest>,
    sibling: impl Fn(Bin) -> Option<Digest>,
) -> Result<Vec<(Bin, Digest)>, ClimbError> {
    let (mut node, mut value) = (leaf, leaf_hash);
    let mut proven = Vec::new();
    loop {
        if let Some(known) = trusted(node) {
            return if known == value {
                Ok(proven)
            } else {
                Err(ClimbError::Mismatch(node))
            };
        }
        let (Some(parent), Some(sibling_bin)) = (node.parent(), node.sibling()) else {
            // Past the top of the tree without meeting a trusted node.
            return Err(ClimbError::Missing(node));
        };
        let sibling_hash = sibling(sibling_bin).ok_or(ClimbError::Missing(sibling_bin))?;
        proven.push((node, value));
        proven.push((sibling_bin, sibling_hash));
        value = combine(hash, node, &value, &sibling_hash);
        node = parent;
    }
}
