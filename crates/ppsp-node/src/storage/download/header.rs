//! The sidecar's header: which download the journal after it belongs to.
//!
//! ```text
//! offset  size  field
//!      0     8  magic "PPSPDL\r\n"
//!      8     2  format version (1)
//!     10     1  Merkle hash function (RFC 7574 registry code)
//!     11     1  flags: bit 0 = content length known
//!     12     4  chunk size in bytes
//!     16     8  content length in bytes (0 when not known)
//!     24     1  swarm ID length n (the digest length)
//!     25     n  swarm ID (the root hash)
//!   25+n     4  CRC-32 of bytes 0 .. 25+n
//! ```
//!
//! All integers are big-endian. The header is written once, to a temporary file renamed into
//! place, so it is never torn; a header that does not parse means the file is not ours.

use std::path::Path;

use ppsp_core::merkle::MerkleVerifier;
use ppsp_core::swarm::SwarmMetadata;
use ppsp_core::{Digest, HashFunction};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{ContentIntegrity, MerkleHashFunction};

use super::codec::Fields;
use crate::storage::chunks::ChunkLayout;
use crate::storage::crc32::crc32;
use crate::storage::{MAX_CHUNK_SIZE, StorageError};

const MAGIC: &[u8; 8] = b"PPSPDL\r\n";
const VERSION: u16 = 1;
const LENGTH_KNOWN: u8 = 1;

/// What identifies a download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) swarm_id: SwarmId,
    pub(super) chunk_size: u32,
    pub(super) hash: HashFunction,
    pub(super) content_length: Option<u64>,
}

impl Header {
    /// The header of the swarm `metadata` describes, if it can be downloaded to a file.
    pub(super) fn for_swarm(metadata: &SwarmMetadata) -> Result<Self, StorageError> {
        let unsupported = |reason: &str| StorageError::UnsupportedSwarm {
            reason: reason.to_string(),
        };
        if metadata.is_live() || metadata.content_integrity != ContentIntegrity::MerkleHashTree {
            return Err(unsupported(
                "only static content protected by a Merkle hash tree is stored in a file",
            ));
        }
        let chunk_size = metadata
            .fixed_chunk_size()
            .ok_or_else(|| unsupported("variable-size chunks are not supported"))?;
        if chunk_size == 0 || chunk_size > MAX_CHUNK_SIZE {
            return Err(StorageError::InvalidChunkSize {
                size: chunk_size.into(),
            });
        }
        let hash: HashFunction = metadata.merkle_hash_function.into();
        let id_len = metadata.swarm_id.as_bytes().len();
        if id_len != hash.digest_len() {
            return Err(unsupported(&format!(
                "a swarm ID of {id_len} bytes is not a {} root hash",
                metadata.merkle_hash_function
            )));
        }
        if let Some(length) = metadata.content_length
            && ChunkLayout::new(chunk_size, length).is_none()
        {
            return Err(unsupported(&format!(
                "content length {length} is not possible at chunk size {chunk_size}"
            )));
        }
        Ok(Self {
            swarm_id: metadata.swarm_id.clone(),
            chunk_size,
            hash,
            content_length: metadata.content_length,
        })
    }

    /// A verifier trusting the swarm ID, with the chunk count if the content length is known.
    pub(super) fn new_verifier(
        &self,
        content_length: Option<u64>,
    ) -> Result<MerkleVerifier, StorageError> {
        let unsupported = |reason: String| StorageError::UnsupportedSwarm { reason };
        let root = Digest::from_slice(self.swarm_id.as_bytes())
            .ok_or_else(|| unsupported("the swarm ID is not a root hash".to_string()))?;
        let verifier = match content_length {
            Some(length) => {
                let layout = ChunkLayout::new(self.chunk_size, length).ok_or_else(|| {
                    unsupported(format!("content length {length} is not possible"))
                })?;
                MerkleVerifier::with_chunk_count(self.hash, root, layout.chunk_count())
            }
            None => MerkleVerifier::new(self.hash, root),
        };
        verifier.map_err(|e| unsupported(e.to_string()))
    }

    /// The encoded header.
    pub(super) fn encode(&self) -> Vec<u8> {
        let id = self.swarm_id.as_bytes();
        let mut out = Vec::with_capacity(29 + id.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_be_bytes());
        out.push(MerkleHashFunction::from(self.hash).code());
        out.push(if self.content_length.is_some() {
            LENGTH_KNOWN
        } else {
            0
        });
        out.extend_from_slice(&self.chunk_size.to_be_bytes());
        out.extend_from_slice(&self.content_length.unwrap_or(0).to_be_bytes());
        // Swarm IDs of static content are digests, at most 64 bytes.
        out.push(id.len() as u8);
        out.extend_from_slice(id);
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }

    /// Reads the header at the start of `bytes`; returns it and its length.
    pub(super) fn decode(bytes: &[u8], path: &Path) -> Result<(Self, usize), StorageError> {
        let corrupt = |reason: &str| StorageError::CorruptSidecar {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let mut fields = Fields::new(bytes);
        if fields.bytes(MAGIC.len()) != Some(MAGIC) {
            return Err(corrupt("no sidecar signature"));
        }
        match fields.u16() {
            Some(VERSION) => {}
            Some(other) => return Err(corrupt(&format!("unsupported format version {other}"))),
            None => return Err(corrupt("truncated header")),
        }
        let truncated = || corrupt("truncated header");
        let code = fields.u8().ok_or_else(truncated)?;
        let flags = fields.u8().ok_or_else(truncated)?;
        let chunk_size = fields.u32().ok_or_else(truncated)?;
        let length = fields.u64().ok_or_else(truncated)?;
        let id_len = fields.u8().ok_or_else(truncated)?;
        let id = fields.bytes(id_len.into()).ok_or_else(truncated)?;
        let header_len = fields.position();
        let crc = fields.u32().ok_or_else(truncated)?;
        if crc32(&bytes[..header_len]) != crc {
            return Err(corrupt("header checksum mismatch"));
        }
        let hash = MerkleHashFunction::from_code(code)
            .ok_or_else(|| corrupt(&format!("unknown hash function code {code}")))?;
        let swarm_id = SwarmId::new(id).map_err(|_| corrupt("empty swarm ID"))?;
        let header = Self {
            swarm_id,
            chunk_size,
            hash: hash.into(),
            content_length: (flags & LENGTH_KNOWN != 0).then_some(length),
        };
        Ok((header, header_len + 4))
    }
}
