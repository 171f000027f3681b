//! The live commands of [`Endpoint`]: joining a live swarm (through `add_swarm`), pushing
//! chunks at the source, and reading the player-facing status.

use std::collections::BTreeMap;
use std::time::Instant;

use bytes::Bytes;
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{ChunkAddressing, ChunkSize, ContentIntegrity, rsa_modulus_len};
use rand::RngExt;
use rand::rngs::StdRng;

use super::integrity::{Kind, LiveIntegrity};
use super::state::{LiveState, Role};
use super::{LiveSettings, LiveStatus};
use crate::availability::ChunkSet;
use crate::engine::choker::Choker;
use crate::engine::specs::Specs;
use crate::engine::swarm::Swarm;
use crate::engine::{ChunkStore, Endpoint, EndpointConfig, EngineError, SwarmContent};
use crate::hash::HashFunction;
use crate::live::{LiveConfig, LivePublicKey, LiveSigner, LiveVerifier};
use crate::spec::SpecLayout;
use crate::swarm::SwarmMetadata;

/// Builds the swarm for a live `metadata` (already validated by the caller): the source
/// with its signing key, or a receiver.
pub(crate) fn new_swarm(
    now: Instant,
    metadata: SwarmMetadata,
    store: Box<dyn ChunkStore>,
    content: SwarmContent,
    config: &EndpointConfig,
    rng: &mut StdRng,
) -> Result<Swarm, EngineError> {
    let ChunkSize::Fixed(chunk_size) = metadata.chunk_size else {
        return Err(EngineError::Unsupported("variable chunk sizes"));
    };
    let public = LivePublicKey::from_swarm_id(&metadata.swarm_id)
        .map_err(|e| EngineError::InvalidMetadata(format!("live swarm ID: {e}")))?;
    if metadata.live_signature_algorithm != Some(public.algorithm()) {
        return Err(EngineError::InvalidMetadata(
            "the live signature algorithm differs from the swarm ID's".into(),
        ));
    }
    let layout = SpecLayout::new(metadata.chunk_addressing, chunk_size)
        .map_err(|e| EngineError::InvalidMetadata(e.to_string()))?;
    let (signing, settings) = match content {
        SwarmContent::LiveSource { key, settings } => {
            if key.public_key() != public {
                return Err(EngineError::TreeMismatch(
                    "the signing key is not the one the swarm ID names",
                ));
            }
            (Some(key), settings)
        }
        SwarmContent::LiveReceiver(settings) => (None, settings),
        SwarmContent::Download => (None, LiveSettings::default()),
        _ => {
            return Err(EngineError::InvalidMetadata(
                "a live swarm is joined as LiveSource, LiveReceiver or Download".into(),
            ));
        }
    };
    let kind = match metadata.content_integrity {
        ContentIntegrity::UnifiedMerkleTree => {
            let ncps = metadata.chunks_per_signature.unwrap_or(0);
            let hash = HashFunction::from(metadata.merkle_hash_function);
            let live = LiveConfig::new(hash, layout, u64::from(ncps))
                .map_err(|e| EngineError::InvalidMetadata(e.to_string()))?;
            match signing {
                Some(key) => Kind::Source(LiveSigner::new(key, live)),
                None => Kind::Receiver {
                    verifier: LiveVerifier::new(public, live),
                    pending: BTreeMap::new(),
                },
            }
        }
        _ => Kind::SignAll {
            key: public,
            signing,
            layout,
            signatures: BTreeMap::new(),
            pending: BTreeMap::new(),
        },
    };
    let role = if matches!(
        kind,
        Kind::Source(_)
            | Kind::SignAll {
                signing: Some(_),
                ..
            }
    ) {
        Role::Source {
            started: now,
            next_chunk: 0,
        }
    } else {
        Role::Receiver
    };
    let window = window_chunks(&metadata, chunk_size);
    let live = LiveState::new(settings, role, window, rng.random());
    let id = metadata.swarm_id.clone();
    let lsa = metadata.live_signature_algorithm;
    let mut swarm = Swarm::new(
        metadata,
        Specs::new(layout, chunk_size),
        store,
        Box::new(LiveIntegrity::new(kind)),
        ChunkSet::new(),
        None,
        Choker::new(now, config),
    );
    if let Some(lsa) = lsa {
        swarm.ctx.live_signature_algorithm = lsa;
    }
    swarm.ctx.rsa_modulus_len = rsa_modulus_len(&id);
    swarm.live = Some(Box::new(live));
    Ok(swarm)
}

/// The discard window in chunks: the metadata gives it in chunks, or in bytes with byte
/// ranges (section 7.7); all ones (or none) never discards.
fn window_chunks(metadata: &SwarmMetadata, chunk_size: u32) -> Option<u64> {
    let window = metadata.live_discard_window?;
    let all_ones = match metadata.chunk_addressing.window_len() {
        8.. => u64::MAX,
        width => (1u64 << (8 * width)) - 1,
    };
    if window >= all_ones {
        return None;
    }
    Some(match metadata.chunk_addressing {
        ChunkAddressing::ByteRanges64 => (window / u64::from(chunk_size)).max(1),
        _ => window.max(1),
    })
}

impl Endpoint {
    /// Appends a chunk to a live stream we are the source of, and returns its index.
    ///
    /// Every chunk must have exactly the swarm's chunk size (a live stream has no short last
    /// chunk). With the Unified Merkle Tree the chunks are announced (HAVE) once their munro
    /// is complete and signed, that is every `chunks_per_signature` pushes; with Sign All
    /// each chunk is signed and announced at once. Chunks older than the discard window are
    /// forgotten.
    pub fn push_live_chunk(
        &mut self,
        now: Instant,
        swarm_id: &SwarmId,
        data: Bytes,
    ) -> Result<u64, EngineError> {
        self.with_swarm(now, swarm_id, |swarm, io| swarm.push_live(io, data))?
    }

    /// The live edge, join point, playhead and continuity counters of a live swarm; `None`
    /// for an unknown or static swarm.
    pub fn live_status(&self, swarm_id: &SwarmId) -> Option<LiveStatus> {
        let swarm = self.swarms.get(swarm_id)?;
        let live = swarm.live.as_deref()?;
        Some(LiveStatus {
            source: live.is_source(),
            edge: live.edge,
            newest_held: swarm.have.runs().next_back().map(|run| run.last()),
            join_chunk: live.join.map(|(chunk, _)| chunk),
            playhead: live.playhead,
            window_start: live.floor,
            chunk_rate: live.rate(),
            chunks_missed: live.missed,
            chunks_on_time: live.on_time,
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;
    use crate::engine::live::live_metadata;
    use crate::live::{LiveSignatureAlgorithm, LiveSigningKey};

    #[test]
    fn discard_windows_in_bytes_and_all_ones_are_understood() {
        let mut rng = StdRng::seed_from_u64(5);
        let key = LiveSigningKey::generate(LiveSignatureAlgorithm::Ed25519, &mut rng).unwrap();
        let mut meta = live_metadata(&key.public_key(), 1024, Some(4), Some(64)).unwrap();
        assert_eq!(window_chunks(&meta, 1024), Some(64));
        meta.live_discard_window = Some(u64::from(u32::MAX));
        assert_eq!(window_chunks(&meta, 1024), None);
        meta.chunk_addressing = ChunkAddressing::ByteRanges64;
        meta.live_discard_window = Some(64 * 1024);
        assert_eq!(window_chunks(&meta, 1024), Some(64));
    }

    #[test]
    fn a_source_key_must_match_the_swarm_id() {
        let mut rng = StdRng::seed_from_u64(6);
        let key = LiveSigningKey::generate(LiveSignatureAlgorithm::Ed25519, &mut rng).unwrap();
        let other = LiveSigningKey::generate(LiveSignatureAlgorithm::Ed25519, &mut rng).unwrap();
        let meta = live_metadata(&key.public_key(), 1024, Some(4), None).unwrap();
        let content = SwarmContent::LiveSource {
            key: other,
            settings: LiveSettings::default(),
        };
        let store = Box::new(crate::engine::MemoryStore::new());
        let result = new_swarm(
            Instant::now(),
            meta,
            store,
            content,
            &EndpointConfig::default(),
            &mut rng,
        );
        assert!(matches!(result, Err(EngineError::TreeMismatch(_))));
    }
}
