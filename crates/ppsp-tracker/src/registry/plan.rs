//! The outcome of checking one request against the registry's state: what to write and what
//! to answer. Plans are computed without I/O; a store applies them atomically.

use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::{ActionResult, ErrorCode, PeerNum};

use super::record::PeerRecord;
use crate::config::RegistryConfig;
use crate::time::Timestamp;

/// A request the registry refuses: the error code to answer with (RFC 7846 section 3.4.1) and a
/// reason for people (carried by the XML form's `<Reason>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {reason}")]
pub struct Refusal {
    /// The PPSTP error code.
    pub code: ErrorCode,
    /// What was wrong, in words.
    pub reason: String,
}

impl Refusal {
    /// Forbidden Action (03): not allowed in the peer's state.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::ForbiddenAction,
            reason: reason.into(),
        }
    }

    /// Service Unavailable (05): a bound of the tracker is reached.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::ServiceUnavailable,
            reason: reason.into(),
        }
    }
}

/// What to write and answer for one accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The peer's record afterwards; `None` when it left its last swarm and is de-registered
    /// (RFC 7846 section 2.5, TERMINATE).
    pub record: Option<PeerRecord>,
    /// Swarms the peer leaves (including, for a peer whose registration had expired but was not
    /// swept yet, every swarm of the stale record).
    pub left: Vec<SwarmId>,
    /// Swarms the peer joins.
    pub joined: Vec<SwarmId>,
    /// One answer per swarm, in request order.
    pub answers: Vec<SwarmAnswer>,
}

/// The answer for one swarm of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmAnswer {
    /// The swarm.
    pub swarm_id: SwarmId,
    /// Whether the action on it succeeded.
    pub result: ActionResult,
    /// When set, a peer list of at most this many peers is attached.
    pub peer_list: Option<usize>,
}

/// The record if it is still registered at `now`: a record whose track timer ran out is
/// treated as absent even before the sweep removes it.
pub(crate) fn fresh(
    config: &RegistryConfig,
    now: Timestamp,
    record: Option<PeerRecord>,
) -> (Option<PeerRecord>, Vec<SwarmId>) {
    match record {
        Some(record) if now.since(record.last_seen) < config.track_timer => (Some(record), vec![]),
        Some(stale) => (None, stale.swarms.into_iter().map(|m| m.swarm_id).collect()),
        None => (None, vec![]),
    }
}

/// The oldest `last_seen` of a peer still registered at `now`: the bound [`fresh`] uses, so a
/// peer treated as expired on its own requests is never handed to others either.
pub fn fresh_since(config: &RegistryConfig, now: Timestamp) -> Timestamp {
    let millis = u64::try_from(config.track_timer.as_millis()).unwrap_or(u64::MAX);
    match now.as_unix_millis().checked_sub(millis) {
        Some(oldest_expired) => Timestamp::from_unix_millis(oldest_expired.saturating_add(1)),
        None => Timestamp::default(),
    }
}

/// How many peers to list: the request's `peer_count`, or the default, capped.
pub(crate) fn list_size(config: &RegistryConfig, peer_num: Option<&PeerNum>) -> usize {
    let asked = peer_num.map_or(config.default_peer_count, |n| n.peer_count);
    usize::from(asked.min(config.max_peer_count))
}

/// The error for a request from a peer that is not registered (RFC 7846 section 2.5: FIND or
/// STAT_REPORT from an unknown peer ID).
pub(crate) fn not_registered() -> Refusal {
    Refusal::forbidden("peer is not registered (CONNECT first, or its track timer ran out)")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_peer_is_listed_exactly_as_long_as_it_counts_as_registered() {
        let config = RegistryConfig::default();
        let now = Timestamp::from_unix_millis(1_000_000);
        let oldest = fresh_since(&config, now);
        let registered = |last_seen: Timestamp| now.since(last_seen) < config.track_timer;
        assert!(registered(oldest));
        assert!(!registered(Timestamp::from_unix_millis(
            oldest.as_unix_millis() - 1
        )));
    }

    #[test]
    fn near_the_epoch_every_peer_is_fresh() {
        let config = RegistryConfig {
            track_timer: Duration::from_secs(120),
            ..RegistryConfig::default()
        };
        let now = Timestamp::from_unix_millis(5_000);
        assert_eq!(fresh_since(&config, now), Timestamp::default());
    }
}
