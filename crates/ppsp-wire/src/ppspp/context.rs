//! The negotiated swarm parameters that size message fields.
//!
//! PPSPP messages carry no lengths: the chunk specification width follows the chunk addressing
//! method, an INTEGRITY hash the Merkle hash function, a SIGNED_INTEGRITY signature the live
//! signature algorithm (and, for RSA, the key), and a DATA payload the chunk size. A decoder
//! therefore needs these parameters, which come from the swarm metadata and from HANDSHAKEs.

use serde::Serialize;

use super::{
    ChunkAddressing, ChunkSize, HandshakeOptions, LiveSignatureAlgorithm, MerkleHashFunction,
};
use crate::ids::SwarmId;

/// The parameters needed to size the fields of a datagram. [`Default`] gives the RFC 7574
/// defaults (Table 8): 32-bit chunk ranges, SHA-256, ECDSA P-256, 1024-byte chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DecodeContext {
    /// Width and form of chunk specifications.
    pub chunk_addressing: ChunkAddressing,
    /// Length of INTEGRITY hashes.
    pub merkle_hash_function: MerkleHashFunction,
    /// Length of SIGNED_INTEGRITY signatures.
    pub live_signature_algorithm: LiveSignatureAlgorithm,
    /// Where a DATA payload ends when chunks are not addressed by byte range.
    pub chunk_size: ChunkSize,
    /// Modulus length in bytes of the swarm's RSA key, which is the length of RSA signatures.
    /// See [`rsa_modulus_len`].
    pub rsa_modulus_len: Option<usize>,
}

impl DecodeContext {
    /// Length of a SIGNED_INTEGRITY signature; `None` for RSA without a known modulus length.
    pub fn signature_len(&self) -> Option<usize> {
        if self.live_signature_algorithm.is_rsa() {
            self.rsa_modulus_len
        } else {
            self.live_signature_algorithm.fixed_signature_len()
        }
    }

    /// The context after a HANDSHAKE carrying `options`: options carried in a HANDSHAKE override
    /// the parameters for the rest of that datagram. A Swarm Identifier replaces the RSA
    /// modulus length with the one of the key it holds, or none if it is not an RSA key.
    pub fn with_handshake(mut self, options: &HandshakeOptions) -> Self {
        if let Some(cam) = options.chunk_addressing {
            self.chunk_addressing = cam;
        }
        if let Some(mhf) = options.merkle_hash_function {
            self.merkle_hash_function = mhf;
        }
        if let Some(lsa) = options.live_signature_algorithm {
            self.live_signature_algorithm = lsa;
        }
        if let Some(size) = options.chunk_size {
            self.chunk_size = size;
        }
        if let Some(swarm_id) = &options.swarm_id {
            self.rsa_modulus_len = rsa_modulus_len(swarm_id);
        }
        self
    }
}

/// The modulus length of the RSA public key in a live swarm ID, i.e. the length of its
/// signatures; `None` if the swarm ID is not an RSA key.
///
/// A live swarm ID is the DNSKEY key form without flags and protocol (RFC 7574 sections 6.1 and
/// 7.4): one byte DNSSEC algorithm number (5 or 8 for RSA), then the RFC 3110 key: exponent
/// length as one byte, or a zero byte and a 16-bit length; the exponent; the modulus.
pub fn rsa_modulus_len(swarm_id: &SwarmId) -> Option<usize> {
    let (&algorithm, key) = swarm_id.as_bytes().split_first()?;
    if !LiveSignatureAlgorithm::from_code(algorithm).is_some_and(LiveSignatureAlgorithm::is_rsa) {
        return None;
    }
    let (&short_len, rest) = key.split_first()?;
    let (exponent_len, rest) = if short_len == 0 {
        let (long_len, rest) = rest.split_first_chunk::<2>()?;
        (usize::from(u16::from_be_bytes(*long_len)), rest)
    } else {
        (usize::from(short_len), rest)
    };
    let modulus = rest.get(exponent_len..)?;
    (exponent_len > 0 && !modulus.is_empty()).then_some(modulus.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swarm_id(bytes: &[u8]) -> SwarmId {
        SwarmId::new(bytes.to_vec()).unwrap()
    }

    #[test]
    fn modulus_length_follows_short_and_long_exponent_forms() {
        // RSASHA256, exponent 65537 (3 bytes), 256-byte modulus.
        let mut short = vec![8, 3, 0x01, 0x00, 0x01];
        short.extend([0xAB; 256]);
        assert_eq!(rsa_modulus_len(&swarm_id(&short)), Some(256));
        // RSASHA1, long form: 0, then u16 exponent length 3, 128-byte modulus.
        let mut long = vec![5, 0, 0, 3, 0x01, 0x00, 0x01];
        long.extend([0xCD; 128]);
        assert_eq!(rsa_modulus_len(&swarm_id(&long)), Some(128));
    }

    #[test]
    fn non_rsa_or_malformed_keys_have_no_modulus() {
        assert_eq!(rsa_modulus_len(&swarm_id(&[13; 65])), None);
        assert_eq!(rsa_modulus_len(&swarm_id(&[8])), None);
        assert_eq!(rsa_modulus_len(&swarm_id(&[8, 3, 1, 0, 1])), None);
        assert_eq!(rsa_modulus_len(&swarm_id(&[8, 0, 0])), None);
        assert_eq!(rsa_modulus_len(&swarm_id(&[8, 9, 1, 2])), None);
    }

    #[test]
    fn signature_length_per_algorithm() {
        let mut ctx = DecodeContext::default();
        assert_eq!(ctx.signature_len(), Some(64));
        ctx.live_signature_algorithm = LiveSignatureAlgorithm::EcdsaP384Sha384;
        assert_eq!(ctx.signature_len(), Some(96));
        ctx.live_signature_algorithm = LiveSignatureAlgorithm::RsaSha256;
        assert_eq!(ctx.signature_len(), None);
        ctx.rsa_modulus_len = Some(256);
        assert_eq!(ctx.signature_len(), Some(256));
    }

    #[test]
    fn handshake_overrides_only_the_options_it_carries() {
        let base = DecodeContext {
            rsa_modulus_len: Some(128),
            ..DecodeContext::default()
        };
        let options = HandshakeOptions {
            chunk_addressing: Some(ChunkAddressing::Bins32),
            ..HandshakeOptions::default()
        };
        let after = base.with_handshake(&options);
        assert_eq!(after.chunk_addressing, ChunkAddressing::Bins32);
        assert_eq!(after.merkle_hash_function, MerkleHashFunction::Sha256);
        assert_eq!(after.rsa_modulus_len, Some(128));
        let options = HandshakeOptions {
            swarm_id: Some(swarm_id(&[1; 20])),
            ..HandshakeOptions::default()
        };
        assert_eq!(base.with_handshake(&options).rsa_modulus_len, None);
    }
}
