//! A peer the live picker may ask, summarised once per picker run.
//!
//! The picker runs after every input and, for each chunk from the playhead to the edge,
//! weighs every peer: looking each up in the channel map and asking its chunk map per chunk
//! made that the engine's main cost in swarms of a few dozen peers. A live peer's map is
//! nearly always one run (from where it joined to its newest chunk), so the run's bounds
//! answer "does it hold this chunk" without a tree search.

use std::time::Instant;

use ppsp_wire::ppspp::ChannelId;

use super::picker::demoted;
use super::state::LiveState;
use crate::engine::channel::Channel;

/// One open channel not choking us, as the live picker sees it during one run.
pub(super) struct Candidate<'a> {
    pub(super) id: ChannelId,
    channel: &'a Channel,
    /// Requests it may still take in this run.
    pub(super) room: usize,
    /// The first and last chunk the peer holds, and whether it holds all between them.
    span: Option<(u64, u64, bool)>,
    /// Whether it announces most new chunks first (see [`LiveState::is_upstream`]).
    pub(super) upstream: bool,
    /// Whether it failed a deadline lately.
    pub(super) demoted: bool,
    /// Outstanding requests relative to its pipeline depth, in 1/1024ths.
    pub(super) load: usize,
}

impl<'a> Candidate<'a> {
    pub(super) fn new(id: ChannelId, channel: &'a Channel, live: &LiveState, now: Instant) -> Self {
        let have = &channel.peer_have;
        let span = match (have.runs().next(), have.runs().next_back()) {
            (Some(first), Some(last)) => Some((first.first(), last.last(), have.run_count() == 1)),
            _ => None,
        };
        Self {
            id,
            channel,
            room: channel.depth.saturating_sub(channel.requested.len()),
            span,
            upstream: live.is_upstream(id),
            demoted: demoted(live, id, now),
            load: channel.requested.len() * 1024 / channel.depth.max(1),
        }
    }

    /// Whether the peer holds `chunk`.
    pub(super) fn holds(&self, chunk: u64) -> bool {
        match self.span {
            Some((first, last, whole)) if first <= chunk && chunk <= last => {
                whole || self.channel.peer_have.contains(chunk)
            }
            _ => false,
        }
    }

    /// Whether the peer is not to be asked for `chunk` now (it failed it lately).
    pub(super) fn avoids(&self, chunk: u64, now: Instant) -> bool {
        self.channel.avoids(chunk, now)
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;
    use crate::chunk_range::ChunkRange;
    use crate::engine::EndpointConfig;
    use crate::engine::channel::State;
    use crate::engine::live::LiveSettings;
    use crate::engine::live::state::Role;

    fn channel_holding(runs: &[(u64, u64)]) -> Channel {
        let addr: SocketAddr = "127.0.0.1:7000".parse().unwrap();
        let mut channel = Channel::new(
            addr,
            State::Open,
            Instant::now(),
            &EndpointConfig::default(),
        );
        for &(first, last) in runs {
            channel
                .peer_have
                .insert_run(ChunkRange::new(first, last).unwrap());
        }
        channel
    }

    fn receiver() -> LiveState {
        LiveState::new(LiveSettings::default(), Role::Receiver, None, 1)
    }

    #[test]
    fn a_peer_holds_exactly_the_chunks_of_its_map() {
        let live = receiver();
        let now = Instant::now();
        for runs in [&[(10, 20)][..], &[(10, 12), (15, 20)][..], &[][..]] {
            let channel = channel_holding(runs);
            let candidate = Candidate::new(ChannelId(1), &channel, &live, now);
            for chunk in 0..30 {
                assert_eq!(
                    candidate.holds(chunk),
                    channel.peer_have.contains(chunk),
                    "chunk {chunk} of {runs:?}"
                );
            }
        }
    }

    #[test]
    fn room_and_load_follow_the_outstanding_requests() {
        let live = receiver();
        let now = Instant::now();
        let mut channel = channel_holding(&[(0, 9)]);
        channel.depth = 4;
        channel.requested.insert(1, now);
        let candidate = Candidate::new(ChannelId(1), &channel, &live, now);
        assert_eq!(candidate.room, 3);
        assert_eq!(candidate.load, 256);
        assert!(!candidate.upstream && !candidate.demoted);
    }
}
