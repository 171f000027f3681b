//! Which chunks to request from a peer.
//!
//! Candidates are the chunks the peer has and we lack that nobody has been asked for yet.
//! They are taken, in this order: the last chunk when the content length is still unknown
//! (automatic size detection needs it, RFC 7574 section 5.6); the playhead window, in order,
//! when streaming on demand ([`playhead`]); then the rarest among the connected peers with
//! random tie-breaks ([`rarest`]). When every chunk the peer could give us is already
//! requested elsewhere, the end game allows a second request for it.

mod playhead;
mod rarest;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::RngExt;
use rand::rngs::StdRng;

use super::channel::Channel;
use crate::availability::ChunkSet;
use crate::chunk_range::ChunkRange;

/// Most candidates examined per pick: bounds the cost on huge content, at the price of
/// rarest-first being judged on a random sample.
const SAMPLE: usize = 512;

/// What the picker needs to know of the swarm.
pub(crate) struct PickContext<'a> {
    pub(crate) have: &'a ChunkSet,
    pub(crate) outstanding: &'a BTreeMap<u64, u8>,
    pub(crate) chunk_count: Option<u64>,
    /// Fetch the last chunk first (the content length is unknown).
    pub(crate) last_first: bool,
    pub(crate) playhead_window: u64,
    pub(crate) now: Instant,
    /// The best round trip among open channels: a peer much slower than that is demoted
    /// for the playhead window (see `late`).
    pub(crate) best_srtt: Option<Duration>,
}

/// The download strategy of a swarm.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Picker {
    /// Streaming on demand from this chunk, if set.
    playhead: Option<u64>,
}

impl Picker {
    pub(crate) fn set_playhead(&mut self, chunk: u64) {
        self.playhead = Some(chunk);
    }

    /// Where on-demand streaming is, if it is.
    pub(crate) fn playhead(&self) -> Option<u64> {
        self.playhead
    }

    /// Up to `want` chunks to request from `peer`, given all channels (for rarity).
    pub(crate) fn pick<'a>(
        &self,
        cx: &PickContext<'_>,
        peer: &Channel,
        channels: impl Iterator<Item = &'a Channel> + Clone,
        want: usize,
        rng: &mut StdRng,
    ) -> Vec<u64> {
        let mut offered = peer.peer_have.difference(cx.have);
        if let Some(beyond) = cx
            .chunk_count
            .and_then(|count| ChunkRange::new(count, ChunkRange::MAX_CHUNK))
        {
            offered.remove_run(beyond);
        }
        let usable = |c: u64| !peer.avoids(c, cx.now) && !peer.requested.contains_key(&c);
        // A slow peer gets no chunk of the playhead window that a fast peer could give.
        let demoted = self.playhead.is_some() && peer.is_slow(cx.best_srtt);
        let urgent = |c: u64| {
            self.playhead
                .is_some_and(|p| c >= p && c - p < cx.playhead_window)
        };
        let faster_has = |c: u64| {
            channels.clone().any(|ch| {
                ch.is_open()
                    && !ch.choked_by_peer
                    && !ch.is_slow(cx.best_srtt)
                    && ch.peer_have.contains(c)
            })
        };
        let withheld = |c: u64| demoted && urgent(c) && faster_has(c);
        let fresh = |c: u64| usable(c) && !cx.outstanding.contains_key(&c) && !withheld(c);
        let mut picks = Vec::with_capacity(want);
        if cx.last_first
            && let Some(last) = cx.chunk_count.and_then(|n| n.checked_sub(1))
            && offered.contains(last)
            && fresh(last)
        {
            picks.push(last);
        }
        if let Some(playhead) = self.playhead {
            playhead::pick(
                playhead,
                cx.playhead_window,
                &offered,
                &fresh,
                want,
                &mut picks,
            );
        }
        if picks.len() < want {
            let sample = sample(&offered, &|c| fresh(c) && !picks.contains(&c), rng);
            let availability = |c: u64| {
                channels
                    .clone()
                    .filter(|ch| ch.is_open() && ch.peer_have.contains(c))
                    .count()
            };
            rarest::pick(&sample, availability, want - picks.len(), rng, &mut picks);
        }
        if picks.is_empty() {
            // End game: every chunk this peer offers is requested elsewhere; ask it too.
            let sample = sample(
                &offered,
                &|c| usable(c) && cx.outstanding.get(&c) == Some(&1),
                rng,
            );
            picks.extend(sample.into_iter().take(want));
        }
        picks
    }
}

/// Up to [`SAMPLE`] chunks of `set` accepted by `keep`, starting at a random chunk of the
/// set and wrapping around.
fn sample(set: &ChunkSet, keep: &dyn Fn(u64) -> bool, rng: &mut StdRng) -> Vec<u64> {
    let total = set.len();
    if total == 0 {
        return Vec::new();
    }
    let mut skip = rng.random_range(0..total);
    let mut start = 0;
    for run in set.runs() {
        if skip < run.chunk_count() {
            start = run.first() + skip;
            break;
        }
        skip -= run.chunk_count();
    }
    let after = set
        .runs()
        .filter(|run| run.last() >= start)
        .flat_map(|run| run.first().max(start)..=run.last());
    let before = set
        .runs()
        .take_while(|run| run.first() < start)
        .flat_map(|run| run.first()..=run.last().min(start - 1));
    after
        .chain(before)
        .filter(|&chunk| keep(chunk))
        .take(SAMPLE)
        .collect()
}

/// Sorted chunks as maximal runs, for REQUEST and CANCEL specs.
pub(crate) fn coalesce(chunks: &[u64]) -> Vec<ChunkRange> {
    let mut sorted = chunks.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut runs: Vec<ChunkRange> = Vec::new();
    for chunk in sorted {
        match runs.last_mut() {
            Some(run) if run.last() + 1 == chunk => {
                if let Some(wider) = ChunkRange::new(run.first(), chunk) {
                    *run = wider;
                }
            }
            _ => runs.extend(ChunkRange::single(chunk)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn coalesce_makes_runs() {
        let runs = coalesce(&[5, 1, 2, 3, 9, 6]);
        let pairs: Vec<_> = runs.iter().map(|r| (r.first(), r.last())).collect();
        assert_eq!(pairs, [(1, 3), (5, 6), (9, 9)]);
    }

    #[test]
    fn sample_visits_every_chunk_once_from_any_start() {
        let set: ChunkSet = [ChunkRange::new(0, 9), ChunkRange::new(20, 24)]
            .into_iter()
            .flatten()
            .collect();
        for seed in 0..20u8 {
            let mut rng = StdRng::from_seed([seed; 32]);
            let mut got = sample(&set, &|_| true, &mut rng);
            got.sort_unstable();
            let want: Vec<u64> = (0..10).chain(20..25).collect();
            assert_eq!(got, want);
        }
    }
}
