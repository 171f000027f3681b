//! The one-byte code tables of RFC 7574 (IANA "PPSPP" registries, RFC section 10), plus the
//! DNSSEC algorithm numbers used for live signatures.
//!
//! Every table is an enum whose discriminants are the registry codes, so `code()` is a cast and
//! `from_code()` returns `None` for unassigned values; the decoders turn that into an error that
//! names the field. The chunk addressing methods live with chunk specifications.

use std::fmt;
use std::str::FromStr;

/// Declares a `#[repr(u8)]` registry enum with `ALL`, `from_code` and `code`.
macro_rules! registry_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[serde(rename_all = "snake_case")]
        #[repr(u8)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant = $code, )+
        }

        impl $name {
            /// Every assigned value, in code order.
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            /// The value with registry code `code`, if assigned.
            pub fn from_code(code: u8) -> Option<Self> {
                match code {
                    $( $code => Some(Self::$variant), )+
                    _ => None,
                }
            }

            /// The registry code.
            pub fn code(self) -> u8 {
                self as u8
            }
        }
    };
}

registry_enum! {
    /// A message type: the first byte of every message (RFC 7574 section 8.2, Table 7).
    pub enum MessageType {
        /// Channel setup, option negotiation and closing.
        Handshake = 0,
        /// One chunk of content.
        Data = 1,
        /// Acknowledges received chunks and carries a one-way delay sample for LEDBAT.
        Ack = 2,
        /// Announces verified chunks.
        Have = 3,
        /// A Merkle tree node hash.
        Integrity = 4,
        /// A peer address (IPv4) in answer to PEX_REQ.
        PexResV4 = 5,
        /// Asks for peer addresses.
        PexReq = 6,
        /// A signature over a chunk or munro, for live streams.
        SignedIntegrity = 7,
        /// Asks for chunks.
        Request = 8,
        /// Withdraws a request.
        Cancel = 9,
        /// The sender will not answer requests.
        Choke = 10,
        /// The sender will answer requests again.
        Unchoke = 11,
        /// A peer address (IPv6) in answer to PEX_REQ.
        PexResV6 = 12,
        /// A signed certificate naming a peer address, in answer to PEX_REQ.
        PexResCert = 13,
    }
}

registry_enum! {
    /// A protocol option code in a HANDSHAKE (RFC 7574 section 7). The End Option (255)
    /// is not listed: it terminates the list rather than being an option.
    pub enum ProtocolOption {
        /// Highest protocol version supported.
        Version = 0,
        /// Lowest protocol version supported.
        MinimumVersion = 1,
        /// The swarm being joined.
        SwarmIdentifier = 2,
        /// How content is protected.
        ContentIntegrityProtectionMethod = 3,
        /// Hash function of the Merkle tree.
        MerkleHashTreeFunction = 4,
        /// Signature algorithm of a live stream.
        LiveSignatureAlgorithm = 5,
        /// How chunks are named.
        ChunkAddressingMethod = 6,
        /// How much a live peer keeps behind its newest chunk.
        LiveDiscardWindow = 7,
        /// Which message types the sender understands.
        SupportedMessages = 8,
        /// Chunk size of the swarm.
        ChunkSize = 9,
    }
}

impl ProtocolOption {
    /// The option's name as written in the RFC, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Version => "Version",
            Self::MinimumVersion => "Minimum Version",
            Self::SwarmIdentifier => "Swarm Identifier",
            Self::ContentIntegrityProtectionMethod => "Content Integrity Protection Method",
            Self::MerkleHashTreeFunction => "Merkle Hash Tree Function",
            Self::LiveSignatureAlgorithm => "Live Signature Algorithm",
            Self::ChunkAddressingMethod => "Chunk Addressing Method",
            Self::LiveDiscardWindow => "Live Discard Window",
            Self::SupportedMessages => "Supported Messages",
            Self::ChunkSize => "Chunk Size",
        }
    }
}

impl fmt::Display for ProtocolOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

registry_enum! {
    /// How the content of a swarm is protected (option 3, RFC 7574 section 7.5).
    pub enum ContentIntegrity {
        /// 0: no protection, for benign environments only. Erratum 4880 makes this value
        /// "Unassigned"; it is still decoded because implementations send it in tests.
        None = 0,
        /// 1: Merkle hash tree over static content.
        MerkleHashTree = 1,
        /// 2: every chunk of a live stream is signed.
        SignAll = 2,
        /// 3: Merkle subtrees of a live stream with signed roots (munros).
        UnifiedMerkleTree = 3,
    }
}

registry_enum! {
    /// The hash function of the Merkle tree (option 4, RFC 7574 section 7.6).
    #[derive(Default)]
    pub enum MerkleHashFunction {
        /// 0: SHA-1, the default of draft -10 and libswift.
        Sha1 = 0,
        /// 1: SHA-224.
        Sha224 = 1,
        /// 2: SHA-256, the RFC default.
        #[default]
        Sha256 = 2,
        /// 3: SHA-384.
        Sha384 = 3,
        /// 4: SHA-512.
        Sha512 = 4,
    }
}

impl MerkleHashFunction {
    /// Lowercase name (`sha1`, `sha256`, ...), as serialized and as written in metadata.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    /// Length of one hash in bytes: the size of an INTEGRITY message's hash field.
    pub fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

impl fmt::Display for MerkleHashFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Merkle hash function name that is not one of [`MerkleHashFunction::name`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Merkle hash function {0:?}: expected sha1, sha224, sha256, sha384 or sha512")]
pub struct ParseHashFunctionError(String);

impl FromStr for MerkleHashFunction {
    type Err = ParseHashFunctionError;

    /// Parses a [`MerkleHashFunction::name`], ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|function| function.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseHashFunctionError(s.to_owned()))
    }
}

registry_enum! {
    /// The signature algorithm of a live stream (option 5, RFC 7574 section 7.7): a DNSSEC
    /// algorithm number, because a live swarm ID is a DNSKEY-form public key.
    #[derive(Default)]
    pub enum LiveSignatureAlgorithm {
        /// 5: RSA/SHA-1 (RFC 3110).
        RsaSha1 = 5,
        /// 8: RSA/SHA-256 (RFC 5702).
        RsaSha256 = 8,
        /// 13: ECDSA P-256 with SHA-256 (RFC 6605), the RFC default.
        #[default]
        EcdsaP256Sha256 = 13,
        /// 14: ECDSA P-384 with SHA-384 (RFC 6605).
        EcdsaP384Sha384 = 14,
        /// 15: Ed25519 (RFC 8080); not named by RFC 7574, accepted as an extension.
        Ed25519 = 15,
    }
}

impl LiveSignatureAlgorithm {
    /// Whether the algorithm is RSA, whose signature length is the key's modulus length.
    pub fn is_rsa(self) -> bool {
        matches!(self, Self::RsaSha1 | Self::RsaSha256)
    }

    /// Signature length in bytes for the fixed-size algorithms; `None` for RSA, whose length
    /// depends on the key.
    pub fn fixed_signature_len(self) -> Option<usize> {
        match self {
            Self::RsaSha1 | Self::RsaSha256 => None,
            Self::EcdsaP256Sha256 | Self::Ed25519 => Some(64),
            Self::EcdsaP384Sha384 => Some(96),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_both_ways_and_unassigned_codes_are_none() {
        for &kind in MessageType::ALL {
            assert_eq!(MessageType::from_code(kind.code()), Some(kind));
        }
        assert_eq!(MessageType::ALL.len(), 14);
        assert_eq!(MessageType::from_code(14), None);
        assert_eq!(
            LiveSignatureAlgorithm::from_code(13),
            Some(LiveSignatureAlgorithm::default())
        );
        assert_eq!(LiveSignatureAlgorithm::from_code(7), None);
        assert_eq!(ContentIntegrity::from_code(4), None);
        assert_eq!(ProtocolOption::from_code(10), None);
    }

    #[test]
    fn hash_functions_have_digest_lengths_and_names() {
        let lengths: Vec<_> = MerkleHashFunction::ALL
            .iter()
            .map(|f| f.digest_len())
            .collect();
        assert_eq!(lengths, [20, 28, 32, 48, 64]);
        for &function in MerkleHashFunction::ALL {
            assert_eq!(function.to_string().parse(), Ok(function));
            let json = serde_json::to_string(&function).unwrap();
            assert_eq!(json, format!("\"{function}\""));
        }
        assert_eq!("SHA256".parse(), Ok(MerkleHashFunction::Sha256));
        assert!("md5".parse::<MerkleHashFunction>().is_err());
    }
}
