//! Munros: the signed subtree roots of the Unified Merkle Tree (RFC 7574 section 6.1.2).
//!
//! A live source appends chunks to one ever-growing tree and signs the root of every complete
//! subtree of `NCHUNKS_PER_SIG` chunks (a power of two). That root is the *munro*; a chunk is
//! proven by its uncle hashes up to its munro, and the munro by the source's signature.

use super::signed_bytes::{NtpTimestamp, signed_bytes};
use super::{LiveError, Signature};
use crate::bin::Bin;
use crate::hash::{Digest, HashFunction};
use crate::spec::{SpecError, SpecLayout};

/// The integrity settings of a live swarm with the Unified Merkle Tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveConfig {
    hash: HashFunction,
    layout: SpecLayout,
    munro_layer: u32,
}

impl LiveConfig {
    /// Settings with `chunks_per_signature` chunks under each munro: a power of two, at
    /// least 2 (RFC 7574 section 6.1.2).
    pub fn new(
        hash: HashFunction,
        layout: SpecLayout,
        chunks_per_signature: u64,
    ) -> Result<Self, LiveError> {
        if chunks_per_signature < 2
            || !chunks_per_signature.is_power_of_two()
            || chunks_per_signature > 1 << 62
        {
            return Err(LiveError::ChunksPerSignature(chunks_per_signature));
        }
        Ok(Self {
            hash,
            layout,
            munro_layer: chunks_per_signature.ilog2(),
        })
    }

    /// The Merkle hash function.
    pub fn hash_function(&self) -> HashFunction {
        self.hash
    }

    /// How chunk specifications are written, which signatures cover.
    pub fn layout(&self) -> &SpecLayout {
        &self.layout
    }

    /// Chunks under each munro.
    pub fn chunks_per_signature(&self) -> u64 {
        1 << self.munro_layer
    }

    /// The munro whose subtree holds `chunk`.
    pub fn munro_of(&self, chunk: u64) -> Option<Bin> {
        Bin::from_layer_index(self.munro_layer, chunk >> self.munro_layer)
    }

    /// The layer of munros in the bin tree: log2 of the chunks per signature.
    pub(crate) fn munro_layer(&self) -> u32 {
        self.munro_layer
    }

    /// Where kept state starts when chunks before `chunk` are forgotten: the munro holding
    /// `chunk` and the leftmost leaf under it. `None` when that munro is past the tree.
    pub(crate) fn first_kept(&self, chunk: u64) -> Option<(Bin, Bin)> {
        let munro = self.munro_of(chunk)?;
        Some((munro, Bin::chunk(munro.first_chunk())?))
    }

    /// Refuses a bin that is not a munro.
    pub(crate) fn check_munro(&self, bin: Bin) -> Result<(), LiveError> {
        if bin.layer() == self.munro_layer {
            Ok(())
        } else {
            Err(LiveError::NotAMunro {
                bin,
                chunks_per_signature: self.chunks_per_signature(),
            })
        }
    }

    /// The bytes a munro signature covers: munro spec ‖ timestamp ‖ munro hash.
    pub(crate) fn munro_signed_bytes(
        &self,
        munro: Bin,
        timestamp: NtpTimestamp,
        hash: &Digest,
    ) -> Result<Vec<u8>, SpecError> {
        let spec = self.layout.bin_to_spec(munro)?;
        signed_bytes(&self.layout, spec, timestamp, hash.as_bytes())
    }
}

/// A munro with its hash and the source's signature, as carried by an INTEGRITY message and a
/// SIGNED_INTEGRITY message for the same bin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMunro {
    /// The munro.
    pub bin: Bin,
    /// Its hash.
    pub hash: Digest,
    /// When the source signed it.
    pub timestamp: NtpTimestamp,
    /// The source's signature over spec ‖ timestamp ‖ hash.
    pub signature: Signature,
}

#[cfg(test)]
mod tests {
    use ppsp_wire::ppspp::ChunkAddressing;

    use super::*;

    fn layout() -> SpecLayout {
        SpecLayout::new(ChunkAddressing::Bins32, 1024).unwrap()
    }

    #[test]
    fn chunks_per_signature_must_be_a_power_of_two_of_at_least_2() {
        for bad in [0, 1, 3, 6, 1 << 63] {
            assert_eq!(
                LiveConfig::new(HashFunction::Sha256, layout(), bad),
                Err(LiveError::ChunksPerSignature(bad))
            );
        }
        assert!(LiveConfig::new(HashFunction::Sha256, layout(), 2).is_ok());
    }

    #[test]
    fn munros_cover_chunks_per_signature_chunks() {
        let config = LiveConfig::new(HashFunction::Sha256, layout(), 2).unwrap();
        // RFC 7574 section 6.1.2 example: chunks at bins 8 and 10 have munro 9.
        assert_eq!(config.munro_of(4), Bin::new(9));
        assert_eq!(config.munro_of(5), Bin::new(9));
        let munro = Bin::new(9).unwrap();
        assert_eq!(config.check_munro(munro), Ok(()));
        assert!(config.check_munro(Bin::new(8).unwrap()).is_err());
    }
}
