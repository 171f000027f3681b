//! RFC 7574 PPSPP datagrams: destination channel plus a sequence of messages.
//!
//! PPSPP messages carry no length fields: how wide a chunk specification, hash, signature or
//! chunk is follows from the swarm's negotiated parameters. Decoding and encoding therefore
//! take a [`DecodeContext`], which a HANDSHAKE at the start of a datagram overrides for the
//! rest of it. Values are kept as written, so decoding then encoding gives the same bytes, with
//! one exception: HANDSHAKE options are always written in ascending code order, as the RFC
//! requires, whatever order they were read in.
//!
//! ```
//! use ppsp_wire::ppspp::{ChunkSpec, Datagram, DecodeContext, Message};
//!
//! let ctx = DecodeContext::default();
//! // REQUEST chunks 0..=0, then PEX_REQ, on channel 8.
//! let bytes = [0, 0, 0, 8, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x06];
//! let datagram = Datagram::decode_slice(&bytes, &ctx)?;
//! assert_eq!(
//!     datagram.messages,
//!     [Message::Request { spec: ChunkSpec::ChunkRange { start: 0, end: 0 } }, Message::PexReq]
//! );
//! assert_eq!(datagram.encode(&ctx)?, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod chunk_spec;
mod context;
mod datagram;
mod error;
mod hex;
mod message;
mod options;
mod reader;
mod registry;
mod supported_messages;

#[cfg(test)]
mod tests;

pub use chunk_spec::{ChunkAddressing, ChunkSpec, ChunkSpecError};
pub use context::{DecodeContext, rsa_modulus_len};
pub use datagram::{ChannelId, Datagram};
pub use error::{DecodeError, EncodeError};
pub use message::Message;
pub use options::{ChunkSize, HandshakeOptions, ProtocolVersion};
pub use registry::{
    ContentIntegrity, LiveSignatureAlgorithm, MerkleHashFunction, MessageType,
    ParseHashFunctionError, ProtocolOption,
};
pub use supported_messages::SupportedMessages;
