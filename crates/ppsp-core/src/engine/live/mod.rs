//! Live streams in the engine (RFC 7574 section 6): a source that signs what it injects,
//! receivers that join near the live edge, verify every chunk against signed munros (or
//! per-chunk signatures), keep only the discard window, and relay to each other under a
//! deadline-aware picker.
//!
//! `integrity` adapts the signers and verifiers of [`crate::live`] to the engine's content
//! trait; `state` is a live swarm's clock (join point, playhead, deadlines, window);
//! `source` and `api` are the source's push and the public commands; `serve` writes
//! INTEGRITY / SIGNED_INTEGRITY ahead of DATA and takes SIGNED_INTEGRITY in; `picker` chooses
//! what to request from whom.

mod api;
mod candidate;
pub(crate) mod integrity;
mod picker;
mod serve;
mod source;
mod state;

use std::time::Duration;

use ppsp_wire::ppspp::{ChunkAddressing, ChunkSize, ContentIntegrity, MerkleHashFunction};

pub(crate) use api::new_swarm;
pub(crate) use integrity::LiveIntegrity;
pub(crate) use state::LiveState;

use super::EngineError;
use crate::live::{LivePublicKey, NtpTimestamp};
use crate::swarm::SwarmMetadata;

/// How this endpoint takes part in a live swarm: where a receiver joins, how its playback
/// deadlines run, and (at the source) the wall-clock time signatures carry.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveSettings {
    /// A receiver starts this many chunks behind the newest chunk announced to it, not at
    /// chunk 0 (never further back than the discard window).
    pub join_behind: u64,
    /// The stream rate in chunks per second, which turns chunk numbers into playback
    /// deadlines. `None`: estimated from how fast the live edge advances (deadlines start
    /// once an estimate exists, about a second after joining).
    pub chunk_rate: Option<f64>,
    /// Playback buffer: the join chunk is due this long after joining, each later chunk one
    /// chunk period after the one before.
    pub startup_delay: Duration,
    /// A requested chunk due within this time is urgent: if its peer has not delivered it,
    /// it is asked of a faster peer (with CANCEL to the slow one), and the slow one demoted.
    pub urgent_slack: Duration,
    /// Source only: the NTP time (RFC 5905) at the `now` given to `add_swarm`. Signatures
    /// are stamped with it plus the time elapsed since, as the core never reads the clock.
    pub ntp_at_start: NtpTimestamp,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            join_behind: 8,
            chunk_rate: None,
            startup_delay: Duration::from_secs(2),
            urgent_slack: Duration::from_millis(600),
            ntp_at_start: NtpTimestamp::default(),
        }
    }
}

/// What a player needs to know about a live swarm, from [`Endpoint::live_status`].
///
/// [`Endpoint::live_status`]: super::Endpoint::live_status
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStatus {
    /// Whether this endpoint is the stream's source.
    pub source: bool,
    /// The newest chunk known to exist: pushed here, or announced by a peer.
    pub edge: Option<u64>,
    /// The newest chunk held and verified.
    pub newest_held: Option<u64>,
    /// Where this receiver joined (`None` at the source, or before any peer announced).
    pub join_chunk: Option<u64>,
    /// The next chunk the player needs: everything before it is played or missed.
    /// `None` at the source and until the stream rate is known.
    pub playhead: Option<u64>,
    /// The oldest chunk kept: older ones are forgotten and never requested (the discard
    /// window).
    pub window_start: u64,
    /// The stream rate in chunks per second, given or estimated.
    pub chunk_rate: Option<f64>,
    /// Chunks after the join point whose deadline passed before they arrived.
    pub chunks_missed: u64,
    /// Chunks after the join point verified before their deadline.
    pub chunks_on_time: u64,
}

/// Metadata for a live stream signed by `key`: fixed `chunk_size`, 32-bit chunk ranges,
/// SHA-256; the Unified Merkle Tree with `chunks_per_signature` chunks per munro, or Sign
/// All when that is `None`; `discard_window` chunks kept (`None`: never discards).
pub fn live_metadata(
    key: &LivePublicKey,
    chunk_size: u32,
    chunks_per_signature: Option<u32>,
    discard_window: Option<u64>,
) -> Result<SwarmMetadata, EngineError> {
    let swarm_id = key
        .to_swarm_id()
        .map_err(|e| EngineError::InvalidMetadata(e.to_string()))?;
    let metadata = SwarmMetadata {
        swarm_id,
        chunk_size: ChunkSize::Fixed(chunk_size),
        chunk_addressing: ChunkAddressing::ChunkRanges32,
        content_integrity: match chunks_per_signature {
            Some(_) => ContentIntegrity::UnifiedMerkleTree,
            None => ContentIntegrity::SignAll,
        },
        merkle_hash_function: MerkleHashFunction::Sha256,
        live_signature_algorithm: Some(key.algorithm()),
        chunks_per_signature,
        live_discard_window: discard_window,
        content_length: None,
    };
    metadata
        .validate()
        .map_err(|e| EngineError::InvalidMetadata(e.to_string()))?;
    if discard_window == Some(0) {
        return Err(EngineError::InvalidMetadata(
            "a live discard window must keep at least one chunk".into(),
        ));
    }
    Ok(metadata)
}
