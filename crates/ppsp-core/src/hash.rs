//! The Merkle hash functions of RFC 7574 section 7.6 and a heap-free digest value.

use std::fmt;

use ppsp_wire::ids::to_hex;
use ppsp_wire::ppspp::MerkleHashFunction;

/// A hash function a swarm may use for its Merkle tree (RFC 7574 option 4). Converts to and
/// from the wire codec's [`MerkleHashFunction`], which carries the registry codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashFunction {
    /// SHA-1 (20 bytes), what draft -10 and libswift use.
    Sha1,
    /// SHA-224 (28 bytes).
    Sha224,
    /// SHA-256 (32 bytes), the RFC default.
    #[default]
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
}

impl HashFunction {
    /// Every function, in registry order.
    pub const ALL: [Self; 5] = [
        Self::Sha1,
        Self::Sha224,
        Self::Sha256,
        Self::Sha384,
        Self::Sha512,
    ];

    /// Length of one digest in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The hash of the concatenation of `parts` (so `left ‖ right` needs no copy).
    pub fn hash(self, parts: &[&[u8]]) -> Digest {
        fn run<D: digest::Digest>(parts: &[&[u8]]) -> Digest {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            Digest::from_bytes(&hasher.finalize())
        }
        match self {
            Self::Sha1 => run::<sha1::Sha1>(parts),
            Self::Sha224 => run::<sha2::Sha224>(parts),
            Self::Sha256 => run::<sha2::Sha256>(parts),
            Self::Sha384 => run::<sha2::Sha384>(parts),
            Self::Sha512 => run::<sha2::Sha512>(parts),
        }
    }

    /// The all-zero digest of this function's length, which stands for tree nodes beyond the
    /// end of the content (RFC 7574 section 5.1).
    pub fn zero(self) -> Digest {
        Digest {
            bytes: [0; Digest::MAX_LEN],
            len: self.digest_len() as u8,
        }
    }
}

impl From<MerkleHashFunction> for HashFunction {
    fn from(function: MerkleHashFunction) -> Self {
        match function {
            MerkleHashFunction::Sha1 => Self::Sha1,
            MerkleHashFunction::Sha224 => Self::Sha224,
            MerkleHashFunction::Sha256 => Self::Sha256,
            MerkleHashFunction::Sha384 => Self::Sha384,
            MerkleHashFunction::Sha512 => Self::Sha512,
        }
    }
}

impl From<HashFunction> for MerkleHashFunction {
    fn from(function: HashFunction) -> Self {
        match function {
            HashFunction::Sha1 => Self::Sha1,
            HashFunction::Sha224 => Self::Sha224,
            HashFunction::Sha256 => Self::Sha256,
            HashFunction::Sha384 => Self::Sha384,
            HashFunction::Sha512 => Self::Sha512,
        }
    }
}

/// A hash value of up to 64 bytes, stored inline so hashing never allocates.
///
/// Bytes past `len` are always zero, so the derived comparisons compare the values.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest {
    bytes: [u8; Self::MAX_LEN],
    len: u8,
}

impl Digest {
    /// Largest digest length (SHA-512).
    pub const MAX_LEN: usize = 64;

    /// Copies a hash value; `None` if it is longer than [`Digest::MAX_LEN`].
    pub fn from_slice(value: &[u8]) -> Option<Self> {
        (value.len() <= Self::MAX_LEN).then(|| Self::from_bytes(value))
    }

    /// Copies at most [`Digest::MAX_LEN`] bytes; callers pass hash outputs, which fit.
    fn from_bytes(value: &[u8]) -> Self {
        let len = value.len().min(Self::MAX_LEN);
        let mut bytes = [0; Self::MAX_LEN];
        bytes[..len].copy_from_slice(&value[..len]);
        Self {
            bytes,
            len: len as u8,
        }
    }

    /// The hash bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the digest has no bytes (never true for a hash output).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether every byte is zero: the placeholder for nodes beyond the content.
    pub fn is_zero(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(self.as_bytes()))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_codes_and_lengths_agree() {
        for function in HashFunction::ALL {
            let wire = MerkleHashFunction::from(function);
            assert_eq!(HashFunction::from(wire), function);
            assert_eq!(wire.digest_len(), function.digest_len());
        }
        assert_eq!(
            MerkleHashFunction::from(HashFunction::default()),
            MerkleHashFunction::default()
        );
    }

    #[test]
    fn digests_have_the_declared_length() {
        for function in HashFunction::ALL {
            assert_eq!(function.hash(&[b"x"]).len(), function.digest_len());
            assert_eq!(function.zero().len(), function.digest_len());
            assert!(function.zero().is_zero());
        }
    }

    #[test]
    fn parts_hash_like_their_concatenation() {
        let f = HashFunction::Sha256;
        assert_eq!(
            f.hash(&[b"Hello ", b"world!\n"]),
            f.hash(&[b"Hello world!\n"])
        );
    }

    #[test]
    fn known_answers() {
        let text = b"Hello world!\n";
        assert_eq!(
            HashFunction::Sha1.hash(&[text]).to_string(),
            "47a013e660d408619d894b20806b1d5086aab03b"
        );
        assert_eq!(
            HashFunction::Sha256.hash(&[text]).to_string(),
            "0ba904eae8773b70c75333db4de2f3ac45a8ad4ddba1b242f0b3cfc199391dd8"
        );
    }

    #[test]
    fn overlong_slices_are_not_digests() {
        assert!(Digest::from_slice(&[1; 64]).is_some());
        assert!(Digest::from_slice(&[1; 65]).is_none());
    }
}
