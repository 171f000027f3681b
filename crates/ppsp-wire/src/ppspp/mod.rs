//! RFC 7574 PPSPP datagrams: destination channel plus a sequence of messages.

mod chunk_spec;

pub use chunk_spec::{ChunkAddressing, ChunkSpec, ChunkSpecError};

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
}
