//! Identifier newtypes shared by every plane, with their text forms.
//!
//! PPSP names the same things in three encodings: raw bytes in RFC 7574 datagrams, lowercase hex
//! in the XML profile and in RFC 7846 bodies. Keeping one type per identifier means a swarm ID
//! parsed from a tracker answer can be handed straight to the datagram codec.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Error for an identifier given in text form that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The text is not lowercase or uppercase hexadecimal with an even number of digits.
    #[error("not hexadecimal with an even number of digits")]
    NotHex,
    /// The decoded identifier has a length outside the accepted range.
    #[error("length {len} bytes, expected {expected}")]
    Length {
        /// Length found, in bytes.
        len: usize,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// A transaction ID uses characters outside `[A-Za-z0-9._-]` or has a bad length.
    #[error("must be 1..=64 characters of [A-Za-z0-9._-]")]
    TransactionId,
}

/// Encodes bytes as lowercase hexadecimal.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Decodes hexadecimal text (either case, no separators) into bytes.
pub fn from_hex(text: &str) -> Result<Vec<u8>, IdError> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(IdError::NotHex);
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?))
        .collect::<Option<Vec<u8>>>()
        .ok_or(IdError::NotHex)
}

/// Largest swarm identifier accepted, in bytes.
///
/// The RFC 7574 Swarm Identifier option has a 16-bit length, but real swarm IDs are a hash
/// (20..=64 bytes) or a DNSKEY-form public key (65 bytes for P-256, a few hundred for RSA).
/// Capping at 1 KiB keeps hostile input from making us hold large identifiers.
pub const MAX_SWARM_ID_LEN: usize = 1024;

/// A swarm identifier: the Merkle root hash of static content, or the DNSKEY-form public key of
/// a live stream (RFC 7574 section 3.1 and 6.1).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SwarmId(Vec<u8>);

impl SwarmId {
    /// Wraps raw bytes, checking the length is 1..=[`MAX_SWARM_ID_LEN`].
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, IdError> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > MAX_SWARM_ID_LEN {
            return Err(IdError::Length {
                len: bytes.len(),
                expected: "1..=1024",
            });
        }
        Ok(Self(bytes))
    }

    /// The raw identifier bytes, as carried in the Swarm Identifier option.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lowercase hex, the form used in the XML profile, tracker bodies and URIs.
    pub fn to_hex(&self) -> String {
        to_hex(&self.0)
    }
}

impl FromStr for SwarmId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(from_hex(s)?)
    }
}

impl fmt::Display for SwarmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for SwarmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SwarmId({})", self.to_hex())
    }
}

impl Serialize for SwarmId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

/// A peer identifier of the XML profile: 20 bytes, written as 40 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub [u8; 20]);

impl PeerId {
    /// The raw 20 bytes.
    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }
}

impl FromStr for PeerId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // The profile fixes the written form, so upper case is rejected to keep one spelling.
        if s.len() != 40
            || !s
                .bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err(IdError::Length {
                len: s.len() / 2,
                expected: "40 lowercase hex digits",
            });
        }
        let bytes = from_hex(s)?;
        let mut id = [0u8; 20];
        id.copy_from_slice(&bytes);
        Ok(Self(id))
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_hex(&self.0))
    }
}

impl fmt::Debug for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PeerId({self})")
    }
}

impl Serialize for PeerId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A request/response matching token: 1..=64 characters of `[A-Za-z0-9._-]`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct TransactionId(String);

impl TransactionId {
    /// Validates and wraps a transaction ID.
    pub fn new(text: impl Into<String>) -> Result<Self, IdError> {
        let text = text.into();
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if text.is_empty() || text.len() > 64 || !text.chars().all(ok_char) {
            return Err(IdError::TransactionId);
        }
        Ok(Self(text))
    }

    /// The transaction ID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TransactionId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransactionId({})", self.0)
    }
}

/// A chunk index, 0-based, as used by chunk ranges in RFC 7574 and `ChunkID` in the XML profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ChunkIndex(pub u64);

impl fmt::Display for ChunkIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_odd_or_non_hex() {
        assert_eq!(to_hex(&[0x47, 0xa0, 0x0f]), "47a00f");
        assert_eq!(from_hex("47A00f").unwrap(), vec![0x47, 0xa0, 0x0f]);
        assert_eq!(from_hex("abc"), Err(IdError::NotHex));
        assert_eq!(from_hex("zz"), Err(IdError::NotHex));
    }

    #[test]
    fn peer_id_requires_forty_lowercase_hex_digits() {
        let id: PeerId = "9c1185a5c5e9fc54612808977ee8f548b2258d31".parse().unwrap();
        assert_eq!(id.to_string(), "9c1185a5c5e9fc54612808977ee8f548b2258d31");
        assert!(
            "9C1185A5C5E9FC54612808977EE8F548B2258D31"
                .parse::<PeerId>()
                .is_err()
        );
        assert!("9c11".parse::<PeerId>().is_err());
    }

    #[test]
    fn swarm_id_rejects_empty_and_oversized() {
        assert!(SwarmId::new(Vec::new()).is_err());
        assert!(SwarmId::new(vec![0; MAX_SWARM_ID_LEN + 1]).is_err());
        assert_eq!("1111".parse::<SwarmId>().unwrap().as_bytes(), &[0x11, 0x11]);
    }

    #[test]
    fn transaction_id_charset_and_length() {
        assert!(TransactionId::new("7f3a9c").is_ok());
        assert!(TransactionId::new("a.b_c-D").is_ok());
        assert!(TransactionId::new("").is_err());
        assert!(TransactionId::new("has space").is_err());
        assert!(TransactionId::new("x".repeat(65)).is_err());
    }
}
