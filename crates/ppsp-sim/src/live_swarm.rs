//! A live stream to run through the simulator: the signing key, the metadata and settings
//! every engine joins with, and chunk production at the source. Benchmarks that stream to
//! thousands of receivers use it, so it keeps no copy of the chunks it produced (a checker
//! that compares receivers' chunks with the source's keeps its own).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use ppsp_core::LiveSigningKey;
use ppsp_core::engine::{
    Endpoint, EndpointConfig, LiveSettings, MemoryStore, SwarmConfig, SwarmContent, live_metadata,
};
use ppsp_core::live::LiveSignatureAlgorithm;
use ppsp_core::swarm::SwarmMetadata;
use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

use crate::node::NodeContext;

/// A live stream under the Unified Merkle Tree, signed with Ed25519: the cheapest signature to
/// verify, which matters when every receiver verifies every signature on a shared machine.
pub struct LiveStream {
    key: LiveSigningKey,
    metadata: SwarmMetadata,
    settings: LiveSettings,
    chunk_size: u32,
    chunks_produced: u64,
    /// Draws the chunks' bytes, so the stream is a function of its seed.
    rng: ChaCha8Rng,
}

impl LiveStream {
    /// A stream of `chunk_size`-byte chunks at `chunk_rate` per second, signed
    /// `chunks_per_signature` at a time, keeping `discard_window` chunks, with a playback
    /// buffer of `startup_delay`, and a key and chunk bytes drawn from `seed`.
    ///
    /// # Panics
    ///
    /// When the metadata is invalid (a zero chunk size, say).
    pub fn new(
        seed: u64,
        chunk_size: u32,
        chunk_rate: f64,
        chunks_per_signature: u32,
        discard_window: u64,
        startup_delay: Duration,
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
            startup_delay,
            ..LiveSettings::default()
        };
        Self {
            key,
            metadata,
            settings,
            chunk_size,
            chunks_produced: 0,
            rng,
        }
    }

    /// The swarm's metadata; its `swarm_id` names the swarm in engine calls.
    pub fn metadata(&self) -> &SwarmMetadata {
        &self.metadata
    }

    /// The settings every engine joins with.
    pub fn settings(&self) -> &LiveSettings {
        &self.settings
    }

    /// The time between two chunks.
    pub fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.settings.chunk_rate.unwrap_or(1.0))
    }

    /// Joins as the source.
    pub fn source(&self) -> SwarmConfig {
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
    pub fn receiver(&self) -> SwarmConfig {
        SwarmConfig {
            metadata: self.metadata.clone(),
            store: Box::new(MemoryStore::new()),
            content: SwarmContent::LiveReceiver(self.settings.clone()),
        }
    }

    /// Produces the next chunk, to hand to the source.
    pub fn next_chunk(&mut self) -> Bytes {
        let mut chunk = vec![0; self.chunk_size as usize];
        self.rng.fill_bytes(&mut chunk);
        self.chunks_produced += 1;
        Bytes::from(chunk)
    }

    /// Chunks produced so far.
    pub fn chunks_produced(&self) -> u64 {
        self.chunks_produced
    }

    /// Bytes produced so far: one copy of the stream.
    pub fn bytes_produced(&self) -> u64 {
        self.chunks_produced * u64::from(self.chunk_size)
    }
}

/// Builds a node that joins `swarm` and opens channels to `contacts`, for
/// [`Simulator::add_node_at`](crate::Simulator::add_node_at).
///
/// # Panics
///
/// When the engine refuses the swarm or a contact (a configuration error of the caller).
pub fn live_joiner(
    config: &EndpointConfig,
    swarm: SwarmConfig,
    contacts: Vec<SocketAddr>,
) -> impl FnOnce(&NodeContext) -> Endpoint + 'static {
    let config = config.clone();
    move |context| {
        let mut endpoint = context.endpoint(config);
        let id = swarm.metadata.swarm_id.clone();
        endpoint
            .add_swarm(context.now, swarm)
            .unwrap_or_else(|e| panic!("{} cannot join the swarm: {e}", context.id));
        for contact in contacts {
            endpoint
                .connect(context.now, &id, contact)
                .unwrap_or_else(|e| panic!("{} cannot connect to {contact}: {e}", context.id));
        }
        endpoint
    }
}
