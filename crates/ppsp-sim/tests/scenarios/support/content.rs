//! The content a scenario distributes, and the stores that seed it honestly or not.

use bytes::Bytes;
use ppsp_core::engine::{ChunkStore, MemoryStore, StoreError, SwarmConfig, SwarmContent};
use ppsp_core::swarm::SwarmMetadata;
use ppsp_core::{HashFunction, MerkleTree};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::MerkleHashFunction;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// Static content with its hash tree and swarm metadata (SHA-256, the default addressing).
pub(crate) struct TestContent {
    pub(crate) bytes: Bytes,
    pub(crate) tree: MerkleTree,
    pub(crate) metadata: SwarmMetadata,
    pub(crate) chunk_size: u32,
}

impl TestContent {
    /// `len` pseudo-random bytes drawn from `seed`, so no two chunks are alike and a chunk
    /// delivered at the wrong index cannot pass for the right one.
    pub(crate) fn random(len: usize, chunk_size: u32, seed: u64) -> Self {
        let mut bytes = vec![0; len];
        ChaCha8Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
        let bytes = Bytes::from(bytes);
        let hash = HashFunction::from(MerkleHashFunction::Sha256);
        let tree = MerkleTree::from_content(hash, &bytes, chunk_size).expect("a valid tree");
        let id = SwarmId::new(tree.root_hash().as_bytes().to_vec()).expect("a valid swarm ID");
        let metadata = SwarmMetadata::static_content(
            id,
            chunk_size,
            MerkleHashFunction::Sha256,
            bytes.len() as u64,
        );
        Self {
            bytes,
            tree,
            metadata,
            chunk_size,
        }
    }

    pub(crate) fn id(&self) -> &SwarmId {
        &self.metadata.swarm_id
    }

    pub(crate) fn chunk_count(&self) -> u64 {
        self.tree.chunk_count()
    }

    /// Joins as a seeder holding everything.
    pub(crate) fn seed(&self) -> SwarmConfig {
        self.seed_from(Box::new(MemoryStore::from_content(
            &self.bytes,
            self.chunk_size,
        )))
    }

    /// Joins as a seeder with the right hash tree but a store that corrupts every chunk it
    /// hands out: a peer that lies about its data, not about its metadata.
    pub(crate) fn lying_seed(&self) -> SwarmConfig {
        let honest = MemoryStore::from_content(&self.bytes, self.chunk_size);
        self.seed_from(Box::new(CorruptingStore(honest)))
    }

    /// Joins with nothing, to download.
    pub(crate) fn download(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.metadata.clone(),
            store: Box::new(MemoryStore::new()),
            content: SwarmContent::Download,
        }
    }

    fn seed_from(&self, store: Box<dyn ChunkStore>) -> SwarmConfig {
        SwarmConfig {
            metadata: self.metadata.clone(),
            store,
            content: SwarmContent::Seed(self.tree.clone()),
        }
    }
}

/// Flips the first byte of every chunk it reads.
struct CorruptingStore(MemoryStore);

impl ChunkStore for CorruptingStore {
    fn read_chunk(&self, index: u64) -> Option<Bytes> {
        let mut chunk = self.0.read_chunk(index)?.to_vec();
        if let Some(first) = chunk.first_mut() {
            *first ^= 0xFF;
        }
        Some(chunk.into())
    }

    fn write_chunk(&mut self, index: u64, data: Bytes) -> Result<(), StoreError> {
        self.0.write_chunk(index, data)
    }
}
