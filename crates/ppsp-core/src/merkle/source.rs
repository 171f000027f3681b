//! Node hashes of a complete tree kept outside the tree, for content too large to hold its
//! tree in memory.
//!
//! A [`MerkleTree`](super::MerkleTree) normally keeps its nodes in memory pages, about two
//! digests per chunk: 64 MiB for 1 GiB of content in 1 KiB SHA-256 chunks. A node runtime that
//! seeds multi-GiB content instead writes the nodes to a file while hashing and hands the tree
//! a [`NodeSource`] that reads them back through a small cache, so memory stays bounded
//! whatever the content size. This crate does no I/O itself; the source does.

use std::fmt;

use crate::bin::Bin;
use crate::hash::Digest;

/// Read access to the node hashes of a complete tree, wherever they are kept.
///
/// The tree asks only for nodes that cover at least one chunk of the content; nodes over
/// padding alone are zero by definition and never asked for. A source that cannot produce a
/// hash (an I/O error, a truncated file) returns `None`, and the tree then declines to give
/// that hash rather than give a wrong one.
pub trait NodeSource: fmt::Debug + Send + Sync {
    /// The hash of `bin`, or `None` if it cannot be read.
    fn node_hash(&self, bin: Bin) -> Option<Digest>;
}
