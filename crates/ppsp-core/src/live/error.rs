//! Why a live-stream key, signature or chunk was refused.

use ppsp_wire::ids::IdError;

use super::LiveSignatureAlgorithm;
use crate::bin::Bin;
use crate::merkle::IntegrityError;
use crate::spec::SpecError;

/// A problem with a key or a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The DNSSEC algorithm number is not one this crate supports.
    #[error("DNSSEC algorithm {0} is not supported for live streams")]
    UnknownAlgorithm(u8),
    /// The algorithm can verify but not sign (RSA).
    #[error("{0:?} keys can verify but not sign")]
    CannotSign(LiveSignatureAlgorithm),
    /// The public key bytes are not a valid key of the algorithm.
    #[error("malformed {algorithm:?} public key: {reason}")]
    MalformedPublicKey {
        /// The algorithm.
        algorithm: LiveSignatureAlgorithm,
        /// What is wrong.
        reason: &'static str,
    },
    /// The secret key bytes are not a valid key of the algorithm.
    #[error("malformed {0:?} secret key")]
    MalformedSecretKey(LiveSignatureAlgorithm),
    /// The signature does not verify with the key (or has the wrong length).
    #[error("signature does not verify")]
    BadSignature,
    /// The signing library reported a failure.
    #[error("signing failed")]
    SigningFailed,
    /// The key does not fit in a swarm ID.
    #[error("key does not fit a swarm ID: {0}")]
    SwarmId(#[from] IdError),
}

/// A live-stream failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// A key or signature problem.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A chunk specification problem, for example a stream grown past a 32-bit method.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// A chunk or hash failed verification.
    #[error(transparent)]
    Integrity(#[from] IntegrityError),
    /// The chunks per signature is not a power of two from 2 to 2^62.
    #[error("chunks per signature must be a power of two from 2 to 2^62, not {0}")]
    ChunksPerSignature(u64),
    /// The bin is not a munro: its subtree is not one signature's worth of chunks.
    #[error("bin {bin} is not a munro of {chunks_per_signature} chunks")]
    NotAMunro {
        /// The bin.
        bin: Bin,
        /// Chunks under each munro.
        chunks_per_signature: u64,
    },
    /// No verified signed munro covers the chunk yet.
    #[error("no signed munro covers chunk {chunk} yet")]
    MunroNotSigned {
        /// The chunk.
        chunk: u64,
    },
    /// The source signed two different hashes for the same munro.
    #[error("munro {bin} was signed with two different hashes")]
    ConflictingMunro {
        /// The munro.
        bin: Bin,
    },
    /// The stream has used every chunk index.
    #[error("the stream has reached the largest chunk index")]
    StreamFull,
}
