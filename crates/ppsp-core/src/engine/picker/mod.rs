//! Which chunks to request from a peer.
//!
//! Candidates are the chunks the peer has and we lack that nobody has been asked for yet.
//! They are taken, in this order: the last chunk when the content length is still unknown
//! (automatic size detection needs it, RFC 7574 section 5.6); the playhead window, in order,
//! when streaming on demand ([`playhead`]); then the rarest among the connected peers
//! ([`rarity`], counted as maps arrive rather than per pick), starting at a random chunk
//! among the equally rare and going on in order, so that peers do not all chase the same
//! chunks yet each asks for runs (coalesced REQUESTs, sequential disk access). When every
//! chunk the peer could give us is already requested elsewhere, the end game allows a second
//! request for it.

mod playhead;
pub(crate) mod rarity;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rand::RngExt;
use rand::rngs::StdRng;

use self::rarity::{Rarity, overlap};
use super::channel::Channel;
use crate::availability::ChunkSet;
use crate::chunk_range::ChunkRange;

/// Most chunks examined per pick and per pass, whatever peers claim to hold: a bound on the
/// cost when nearly every candidate is already requested.
const SCAN_LIMIT: usize = 1 << 16;

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
#[derive(Debug, Clone, Default)]
pub(crate) struct Picker {
    /// Streaming on demand from this chunk, if set.
    playhead: Option<u64>,
    /// Availability of missing chunks, once the chunk count is known.
    rarity: Option<Rarity>,
}

impl Picker {
    pub(crate) fn set_playhead(&mut self, chunk: u64) {
        self.playhead = Some(chunk);
    }

    /// Where on-demand streaming is, if it is.
    pub(crate) fn playhead(&self) -> Option<u64> {
        self.playhead
    }

    /// Starts counting availability once the chunk count is known: from then on every
    /// change to a channel's map must be reported ([`Picker::peer_gained`],
    /// [`Picker::peer_lost`]), and every verified chunk ([`Picker::verified`]).
    pub(crate) fn track<'a>(
        &mut self,
        chunk_count: Option<u64>,
        have: &ChunkSet,
        channels: impl Iterator<Item = &'a Channel>,
    ) {
        let Some(count) = chunk_count.filter(|_| self.rarity.is_none()) else {
            return;
        };
        let mut rarity = Rarity::new(count, have);
        for channel in channels {
            channel.peer_have.runs().for_each(|run| rarity.add(run));
        }
        self.rarity = Some(rarity);
    }

    /// A channel's map grew by `range` (chunks it did not hold before).
    pub(crate) fn peer_gained(&mut self, range: ChunkRange) {
        if let Some(rarity) = &mut self.rarity {
            rarity.add(range);
        }
    }

    /// A channel holding `map` went away.
    pub(crate) fn peer_lost(&mut self, map: &ChunkSet) {
        if let Some(rarity) = &mut self.rarity {
            map.runs().for_each(|run| rarity.remove(run));
        }
    }

    /// We verified `chunk`.
    pub(crate) fn verified(&mut self, chunk: u64) {
        if let Some(rarity) = &mut self.rarity {
            rarity.verified(chunk);
        }
    }

    /// Up to `want` chunks to request from `peer`; `channels` (all of the swarm's) tell
    /// whether a faster peer could serve the playhead window instead.
    pub(crate) fn pick<'a>(
        &self,
        cx: &PickContext<'_>,
        peer: &Channel,
        channels: impl Iterator<Item = &'a Channel> + Clone,
        want: usize,
        rng: &mut StdRng,
    ) -> Vec<u64> {
        let offered = |c: u64| {
            cx.chunk_count.is_none_or(|n| c < n)
                && peer.peer_have.contains(c)
                && !cx.have.contains(c)
        };
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
            && offered(last)
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
            let early = picks.clone();
            let keep = |c: u64| fresh(c) && !early.contains(&c);
            let mut budget = SCAN_LIMIT;
            match &self.rarity {
                Some(rarity) => {
                    for level in rarity.levels() {
                        if picks.len() >= want || budget == 0 {
                            break;
                        }
                        if let Some(start) = random_member(level, rng) {
                            let walk = Walk {
                                peer: &peer.peer_have,
                                keep: &keep,
                                want,
                            };
                            walk.run(level, start, &mut picks, &mut budget);
                        }
                    }
                }
                // The chunk count is not known yet: no availability counts, in order.
                None => {
                    if let Some(start) = random_member(&peer.peer_have, rng) {
                        let keep = |c: u64| offered(c) && keep(c);
                        let walk = Walk {
                            peer: &peer.peer_have,
                            keep: &keep,
                            want,
                        };
                        walk.run(&peer.peer_have, start, &mut picks, &mut budget);
                    }
                }
            }
        }
        if picks.is_empty() && !cx.outstanding.is_empty() {
            // End game: every chunk this peer offers is requested elsewhere; ask it too.
            let start = cx
                .chunk_count
                .filter(|&n| n > 0)
                .map_or(0, |n| rng.random_range(0..n));
            let rotated = cx
                .outstanding
                .range(start..)
                .chain(cx.outstanding.range(..start));
            for (&chunk, &asked) in rotated {
                if picks.len() >= want {
                    break;
                }
                if asked == 1 && offered(chunk) && usable(chunk) {
                    picks.push(chunk);
                }
            }
        }
        picks
    }
}

/// One pass over a set of candidates, restricted to the chunks a peer holds.
struct Walk<'a> {
    peer: &'a ChunkSet,
    keep: &'a dyn Fn(u64) -> bool,
    want: usize,
}

impl Walk<'_> {
    /// Appends to `picks` the chunks of `set` the peer holds and `keep` accepts, in order
    /// from `start`, wrapping around, until `picks` holds `want` or `budget` chunks were
    /// examined.
    fn run(&self, set: &ChunkSet, start: u64, picks: &mut Vec<u64>, budget: &mut usize) {
        let after = set
            .runs()
            .filter_map(|run| ChunkRange::new(run.first().max(start), run.last()));
        let before = set
            .runs()
            .take_while(|run| run.first() < start)
            .filter_map(|run| ChunkRange::new(run.first(), run.last().min(start - 1)));
        for run in after.chain(before) {
            for held in overlap(self.peer, run) {
                for chunk in held.first()..=held.last() {
                    if picks.len() >= self.want || *budget == 0 {
                        return;
                    }
                    *budget -= 1;
                    if (self.keep)(chunk) {
                        picks.push(chunk);
                    }
                }
            }
        }
    }
}

/// A chunk of `set` chosen uniformly at random.
fn random_member(set: &ChunkSet, rng: &mut StdRng) -> Option<u64> {
    let total = set.len();
    if total == 0 {
        return None;
    }
    let mut skip = rng.random_range(0..total);
    for run in set.runs() {
        if skip < run.chunk_count() {
            return Some(run.first() + skip);
        }
        skip -= run.chunk_count();
    }
    None
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
    fn walk_visits_every_held_chunk_once_from_any_start() {
        let set: ChunkSet = [ChunkRange::new(0, 9), ChunkRange::new(20, 24)]
            .into_iter()
            .flatten()
            .collect();
        let held: ChunkSet = ChunkRange::new(5, 22).into_iter().collect();
        for seed in 0..20u8 {
            let mut rng = StdRng::from_seed([seed; 32]);
            let start = random_member(&set, &mut rng).unwrap();
            let walk = Walk {
                peer: &held,
                keep: &|_| true,
                want: 100,
            };
            let mut got = vec![];
            walk.run(&set, start, &mut got, &mut SCAN_LIMIT.clone());
            got.sort_unstable();
            let want: Vec<u64> = (5..10).chain(20..23).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn the_rarest_chunks_a_peer_holds_come_first_as_one_run() {
        let config = crate::engine::EndpointConfig::default();
        let now = Instant::now();
        let open = |port: u16, held: ChunkRange| {
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            let mut channel = Channel::new(addr, super::super::channel::State::Open, now, &config);
            channel.peer_have.insert_run(held);
            channel
        };
        let everything = open(1, ChunkRange::new(0, 99).unwrap());
        let half = open(2, ChunkRange::new(0, 49).unwrap());
        let have = ChunkSet::new();
        let mut picker = Picker::default();
        picker.track(Some(100), &have, [&everything, &half].into_iter());
        let outstanding = BTreeMap::new();
        let cx = PickContext {
            have: &have,
            outstanding: &outstanding,
            chunk_count: Some(100),
            last_first: false,
            playhead_window: 0,
            now,
            best_srtt: None,
        };
        for seed in 0..10u8 {
            let mut rng = StdRng::from_seed([seed; 32]);
            let channels = [&everything, &half].into_iter();
            let picks = picker.pick(&cx, &everything, channels, 10, &mut rng);
            assert_eq!(picks.len(), 10);
            // Chunks 50..=99 are held by one peer, the rest by two.
            assert!(picks.iter().all(|&c| c >= 50), "{picks:?}");
            // One run, or two where it wrapped around from 99 to 50.
            assert!(coalesce(&picks).len() <= 2, "{picks:?}");
        }
    }

    #[test]
    fn walk_takes_a_run_in_order_from_its_start() {
        let set: ChunkSet = ChunkRange::new(0, 99).into_iter().collect();
        let walk = Walk {
            peer: &set,
            keep: &|c| c % 10 != 3,
            want: 4,
        };
        let mut got = vec![];
        walk.run(&set, 41, &mut got, &mut SCAN_LIMIT.clone());
        assert_eq!(got, [41, 42, 44, 45]);
    }
}
