//! Decoding and encoding errors.
//!
//! RFC 7574 has no error messages: a peer that receives an invalid message drops the rest of
//! the datagram and may abandon the sender. These errors therefore exist for logs, counters and
//! tests, so each one names the field that is wrong and where it is.

use super::ChunkSpecError;
use super::registry::{LiveSignatureAlgorithm, ProtocolOption};

/// Why a datagram could not be decoded. Every variant carries the byte offset in the datagram.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The datagram ends before a field is complete.
    #[error("truncated {what} at offset {offset}: needs {needed} bytes, {available} left")]
    Truncated {
        /// The field being read.
        what: &'static str,
        /// Offset of the field in the datagram.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the datagram.
        available: usize,
    },
    /// A message type byte is not in the RFC 7574 registry (codes 0..=13).
    #[error("unknown message type {code} at offset {offset}")]
    UnknownMessageType {
        /// The type byte.
        code: u8,
        /// Offset of the type byte.
        offset: usize,
    },
    /// A HANDSHAKE is not the first message of its datagram (RFC 7574 section 3.1).
    #[error("HANDSHAKE at offset {offset} is not the first message of the datagram")]
    HandshakeNotFirst {
        /// Offset of the HANDSHAKE type byte.
        offset: usize,
    },
    /// A protocol option code is not in the registry. Options carry no length, so the rest of
    /// the list cannot be skipped.
    #[error("unknown protocol option code {code} at offset {offset}")]
    UnknownOption {
        /// The option code.
        code: u8,
        /// Offset of the option code.
        offset: usize,
    },
    /// A protocol option appears twice in one HANDSHAKE.
    #[error("duplicate {option} option at offset {offset}")]
    DuplicateOption {
        /// The repeated option.
        option: ProtocolOption,
        /// Offset of the second occurrence's code.
        offset: usize,
    },
    /// The datagram ends inside a protocol option list, without the End Option (0xFF).
    #[error("option list has no End Option: datagram ends at offset {offset}")]
    MissingEndOption {
        /// Offset where the next option code or End Option was expected.
        offset: usize,
    },
    /// A registry-coded option value is not assigned.
    #[error("{option} option at offset {offset} has unassigned value {value}")]
    InvalidOptionValue {
        /// The option.
        option: ProtocolOption,
        /// The value found.
        value: u8,
        /// Offset of the option code.
        offset: usize,
    },
    /// A Swarm Identifier option is empty or longer than [`crate::ids::MAX_SWARM_ID_LEN`].
    #[error("Swarm Identifier option at offset {offset} has length {len}, outside 1..=1024")]
    SwarmIdLength {
        /// The length field's value.
        len: usize,
        /// Offset of the option code.
        offset: usize,
    },
    /// A Supported Messages bitmap is longer than the 32 bytes of a 256-bit map.
    #[error("Supported Messages option at offset {offset} has length {len}, more than 32")]
    SupportedMessagesLength {
        /// The length field's value.
        len: u8,
        /// Offset of the option code.
        offset: usize,
    },
    /// A Chunk Addressing Method option follows the Live Discard Window option and changes the
    /// width the window value was read with, so that value was misread.
    #[error(
        "Chunk Addressing Method at offset {offset} comes after the Live Discard Window and \
         changes its width"
    )]
    LateChunkAddressing {
        /// Offset of the Chunk Addressing Method option code.
        offset: usize,
    },
    /// A DATA message addressed by byte range has its end before its start, so the chunk
    /// length (end - start + 1) is undefined.
    #[error("DATA byte range {start}..={end} at offset {offset} ends before it starts")]
    InvalidByteRange {
        /// First byte of the range.
        start: u64,
        /// Last byte of the range.
        end: u64,
        /// Offset of the chunk specification.
        offset: usize,
    },
    /// A SIGNED_INTEGRITY uses an RSA algorithm but the modulus length (the signature length)
    /// is unknown: no RSA key was given in the context or in the swarm ID.
    #[error("SIGNED_INTEGRITY at offset {offset}: signature length of {algorithm:?} is unknown")]
    UnknownSignatureLength {
        /// The live signature algorithm in force.
        algorithm: LiveSignatureAlgorithm,
        /// Offset of the signature.
        offset: usize,
    },
}

/// Why a datagram cannot be encoded: it would not decode back to the same value.
///
/// `index` is the position of the offending message in [`super::Datagram::messages`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A HANDSHAKE is not the first message (RFC 7574 section 3.1).
    #[error("message {index}: a HANDSHAKE must be the first message of its datagram")]
    HandshakeNotFirst {
        /// Position of the HANDSHAKE.
        index: usize,
    },
    /// A chunk specification does not fit the chunk addressing method in force.
    #[error("message {index}: {source}")]
    ChunkSpec {
        /// Position of the message.
        index: usize,
        /// What does not fit.
        source: ChunkSpecError,
    },
    /// A DATA payload length differs from the length of its byte range.
    #[error("message {index}: DATA carries {len} bytes but its byte range is {start}..={end}")]
    ByteRangeLength {
        /// Position of the DATA.
        index: usize,
        /// Payload length.
        len: usize,
        /// First byte of the range.
        start: u64,
        /// Last byte of the range.
        end: u64,
    },
    /// With a fixed chunk size a DATA carries exactly one chunk when more messages follow, and at
    /// most one chunk when it is last; otherwise the receiver would cut it elsewhere.
    #[error(
        "message {index}: DATA carries {len} bytes; with chunk size {chunk_size} it must carry \
         exactly that many, or at most that many if last"
    )]
    ChunkLength {
        /// Position of the DATA.
        index: usize,
        /// Payload length.
        len: usize,
        /// The fixed chunk size in force.
        chunk_size: u32,
    },
    /// With a variable chunk size a DATA runs to the end of the datagram, so it must be last.
    #[error("message {index}: with variable chunk size a DATA must be the last message")]
    DataNotLast {
        /// Position of the DATA.
        index: usize,
    },
    /// An INTEGRITY hash length differs from the digest length of the Merkle hash function.
    #[error("message {index}: hash is {len} bytes, the hash function produces {expected}")]
    HashLength {
        /// Position of the INTEGRITY.
        index: usize,
        /// Hash length.
        len: usize,
        /// Digest length in force.
        expected: usize,
    },
    /// A SIGNED_INTEGRITY signature length differs from that of the signature algorithm.
    #[error("message {index}: signature is {len} bytes, the algorithm produces {expected}")]
    SignatureLength {
        /// Position of the SIGNED_INTEGRITY.
        index: usize,
        /// Signature length.
        len: usize,
        /// Signature length in force.
        expected: usize,
    },
    /// A SIGNED_INTEGRITY uses an RSA algorithm whose modulus length is unknown.
    #[error("message {index}: signature length of {algorithm:?} is unknown (no RSA key)")]
    UnknownSignatureLength {
        /// Position of the SIGNED_INTEGRITY.
        index: usize,
        /// The live signature algorithm in force.
        algorithm: LiveSignatureAlgorithm,
    },
    /// A PEX_REScert certificate does not fit its 16-bit length field.
    #[error("message {index}: certificate of {len} bytes exceeds the 65535-byte length field")]
    CertificateTooLong {
        /// Position of the PEX_REScert.
        index: usize,
        /// Certificate length.
        len: usize,
    },
    /// A Live Discard Window value does not fit the field width of the addressing method.
    #[error("Live Discard Window {value} does not fit its {width}-byte field")]
    DiscardWindowTooWide {
        /// The window value.
        value: u64,
        /// Field width in bytes.
        width: usize,
    },
    /// `ChunkSize::Fixed(0xFFFFFFFF)` cannot be sent: that wire value means variable size.
    #[error("fixed chunk size 0xffffffff cannot be sent: on the wire it means variable size")]
    AmbiguousChunkSize,
}
