//! Why a hash or a chunk was refused by a verifier.

use crate::bin::Bin;

/// A content-integrity failure. Whatever failed verification has been discarded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    /// A hash has the wrong length for the swarm's hash function.
    #[error("hash of {got} bytes where the swarm's hash function gives {expected}")]
    DigestLength {
        /// Length of the swarm's hashes.
        expected: usize,
        /// Length received.
        got: usize,
    },
    /// Chunks cannot be checked before the chunk count is known (from the peak hashes or
    /// otherwise), because the count fixes where the root sits in the tree.
    #[error("chunk count unknown: peak hashes must be verified first")]
    SizeUnknown,
    /// A chunk count given for the content cannot describe a tree (zero or above 2^63).
    #[error("{chunk_count} is not a possible chunk count")]
    InvalidChunkCount {
        /// The count given.
        chunk_count: u64,
    },
    /// The chunk is past the end of the content.
    #[error("chunk {chunk} is past the end of the content ({chunk_count} chunks)")]
    ChunkOutOfRange {
        /// The chunk.
        chunk: u64,
        /// Chunks in the content.
        chunk_count: u64,
    },
    /// A hash names a node outside the tree, or outside the part of it being verified.
    #[error("bin {bin} is outside the hash tree")]
    BinOutsideTree {
        /// The node.
        bin: Bin,
    },
    /// A hash needed to connect the chunk to a trusted hash has not been received.
    #[error("chunk {chunk} needs the hash of bin {bin}, which has not been received")]
    MissingHash {
        /// The chunk.
        chunk: u64,
        /// The node whose hash is missing.
        bin: Bin,
    },
    /// The chunk and the hashes received with it do not lead to the trusted hash of `bin`;
    /// those hashes have been dropped.
    #[error("chunk {chunk} and its uncle hashes do not match the trusted hash of bin {bin}")]
    ChunkRejected {
        /// The chunk.
        chunk: u64,
        /// The trusted node where the mismatch showed.
        bin: Bin,
    },
    /// A received hash differs from the hash already verified for the same node.
    #[error("hash for bin {bin} differs from the verified one")]
    ConflictingHash {
        /// The node.
        bin: Bin,
    },
    /// The peak hashes do not have the shape of a peak set.
    #[error("malformed peak hashes: {reason}")]
    MalformedPeaks {
        /// What is wrong with them.
        reason: &'static str,
    },
    /// The peak hashes do not combine to the root hash.
    #[error("peak hashes do not combine to the root hash")]
    PeaksMismatch,
    /// Too many received hashes are waiting for a chunk to verify them.
    #[error("already {limit} unverified hashes pending")]
    TooManyPendingHashes {
        /// The limit.
        limit: usize,
    },
}
