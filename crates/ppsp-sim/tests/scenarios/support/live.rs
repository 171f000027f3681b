//! A live stream for the simulator: the signing key, the metadata and settings every engine
//! joins with, and the chunks the source has produced so far (to check receivers against).

use std::time::Duration;

use bytes::Bytes;
use ppsp_core::LiveSigningKey;
use ppsp_core::engine::{LiveSettings, MemoryStore, SwarmConfig, SwarmContent, live_metadata};
use ppsp_core::live::LiveSignatureAlgorithm;
use ppsp_core::swarm::SwarmMetadata;
use ppsp_wire::ids::SwarmId;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// A live stream under the Unified Merkle Tree, signed with Ed25519 (the cheapest signature
/// to verify, which matters with a hundred receivers on two cores).
pub(crate) struct LiveStream {
    key: LiveSigningKey,
    pub(crate) metadata: SwarmMetadata,
    pub(crate) settings: LiveSettings,
    pub(crate) chunk_size: u32,
    /// Every chunk produced, by index.
    chunks: Vec<Bytes>,
    /// Draws the chunks' bytes.
    rng: ChaCha8Rng,
}

impl LiveStream {
    /// A stream of `chunk_size`-byte chunks at `chunk_rate` per second, signed
    /// `chunks_per_signature` at a time, keeping `discard_window` chunks, with a key and
    /// chunk bytes drawn from `seed`.
    pub(crate) fn new(
        seed: u64,
        chunk_size: u32,
        chunk_rate: f64,
        chunks_per_signature: u32,
        discard_window: u64,
    ) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut secret = [0; 32];
        rng.fill_bytes(&mut secret);
        let key = LiveSigningKey::from_secret_bytes(LiveSignatureAlgorithm::Ed25519, &secret)
            .expect("any 32 bytes are an Ed25519 seed");
        let metadata = live_metadata(
            &key.public_key(),
            chunk_size,
            Some(chunks_per_signature),
            Some(discard_window),
        )
        .expect("valid live metadata");
        let settings = LiveSettings {
            chunk_rate: Some(chunk_rate),
            startup_delay: Duration::from_secs(2),
            ..LiveSettings::default()
        };
        Self {
            key,
            metadata,
            settings,
            chunk_size,
            chunks: Vec::new(),
            rng,
        }
    }

    pub(crate) fn id(&self) -> &SwarmId {
        &self.metadata.swarm_id
    }

    /// The time between two chunks.
    pub(crate) fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.settings.chunk_rate.unwrap_or(1.0))
    }

    /// Joins as the source.
    pub(crate) fn source(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.metadata.clone(),
            store: Box::new(MemoryStore::new()),
            content: SwarmContent::LiveSource {
                key: self.key.clone(),
                settings: self.settings.clone(),
            },
        }
    }

    /// Joins as a receiver (which relays to other receivers).
    pub(crate) fn receiver(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.metadata.clone(),
            store: Box::new(MemoryStore::new()),
            content: SwarmContent::LiveReceiver(self.settings.clone()),
        }
    }

    /// Produces the next chunk, to hand to the source, and remembers it.
    pub(crate) fn next_chunk(&mut self) -> Bytes {
        let mut chunk = vec![0; self.chunk_size as usize];
        self.rng.fill_bytes(&mut chunk);
        let chunk = Bytes::from(chunk);
        self.chunks.push(chunk.clone());
        chunk
    }

    /// Chunk `index` as produced, if it was.
    pub(crate) fn chunk(&self, index: u64) -> Option<&Bytes> {
        usize::try_from(index).ok().and_then(|i| self.chunks.get(i))
    }

    /// Chunks produced so far.
    pub(crate) fn chunks_produced(&self) -> u64 {
        self.chunks.len() as u64
    }

    /// Bytes produced so far: one copy of the stream.
    pub(crate) fn bytes_produced(&self) -> u64 {
        self.chunks.iter().map(|c| c.len() as u64).sum()
    }
}
