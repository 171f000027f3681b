//! Where chunks live: the storage interface the engine reads from and writes to.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::bin::Bin;
use crate::hash::Digest;

/// Chunk storage of one swarm. The engine only writes chunks it has verified and only reads
/// chunks it announced, so a store needs no integrity logic of its own.
pub trait ChunkStore: Send {
    /// The bytes of chunk `index`, if stored.
    fn read_chunk(&self, index: u64) -> Option<Bytes>;
    /// Stores verified chunk `index`. On error the chunk is not announced and is fetched again.
    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError>;
    /// Stores verified chunk `index` given the hashes that proved it, which is what the
    /// engine calls. A store that keeps its own hash tree (a resumable download journals
    /// it, so that a restart needs no hash fetched again) overrides this; the others ignore
    /// the proof.
    fn write_proven_chunk(
        &mut self,
        index: u64,
        data: Bytes,
        proof: ChunkProof<'_>,
    ) -> Result<(), StoreError> {
        let _ = proof;
        self.write_chunk(index, data)
    }
    /// Drops every chunk before `index`: a live stream's discard window moved past them
    /// (RFC 7574 section 6.2). They are never read again. Stores that cannot delete keep
    /// them, which is harmless.
    fn discard_before(&mut self, index: u64) {
        let _ = index;
    }
}

/// The hashes that connect a verified chunk to the swarm ID, all verified by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkProof<'a> {
    /// The peak hashes (RFC 7574 section 5.6), once the engine trusts them all; empty when
    /// the chunk count came from the metadata and the peaks were never received.
    pub peaks: &'a [(Bin, Digest)],
    /// The chunk's sibling and uncle hashes up to a peak (or up to the root when `peaks` is
    /// empty), height descending.
    pub uncles: &'a [(Bin, Digest)],
}

/// A store refused a chunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("chunk store: {0}")]
pub struct StoreError(pub String);

/// Chunks in memory, for tests, simulations and small content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryStore {
    chunks: BTreeMap<u64, Bytes>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `content` cut into chunks of `chunk_size` bytes (the last may be
    /// shorter). The chunks share `content`'s buffer. A zero chunk size gives an empty store.
    pub fn from_content(content: &Bytes, chunk_size: u32) -> Self {
        let size = usize::try_from(chunk_size).unwrap_or(usize::MAX);
        let mut chunks = BTreeMap::new();
        if size > 0 {
            for (index, start) in (0..).zip((0..content.len()).step_by(size)) {
                let end = start.saturating_add(size).min(content.len());
                chunks.insert(index, content.slice(start..end));
            }
        }
        Self { chunks }
    }

    /// Number of chunks stored.
    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    /// Whether no chunk is stored.
    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// The stored chunks concatenated in index order (gaps are skipped).
    pub fn content(&self) -> Vec<u8> {
        self.chunks
            .values()
            .flat_map(|c| c.iter().copied())
            .collect()
    }
}

impl ChunkStore for MemoryStore {
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        self.chunks.get(&index).cloned()
    }

    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        self.chunks.insert(index, data);
        Ok(())
    }

    fn discard_before(&mut self, index: u64) {
        self.chunks = self.chunks.split_off(&index);
    }
}
